import { buildSite, launchChromium } from '../test/browser/harness.ts'
const site = await buildSite({ lib: false, pages: { probe: 'bench/zz-probe-page.ts' } })
const browser = await launchChromium()
const page = await (await browser.newContext()).newPage()
page.on('pageerror', (e) => console.log(e))
await page.goto(`${site.url}/`)
await page.addScriptTag({ type: 'module', url: '/pages/probe.js' })
await page.waitForFunction(() => 'probe' in globalThis)
for (const d of ['strict', 'relaxed']) {
  console.log('store', d, await page.evaluate(`probe.store('${d}', 64, 2000)`))
  console.log('broker', d, await page.evaluate(`probe.broker('${d}', 64, 2000)`))
}
await browser.close(); await site.close()
