import { buildSite, launchChromium } from '../test/browser/harness.ts'
const site = await buildSite({ lib: false, pages: { model: 'test/browser/fixtures/model-page.ts' } })
const browser = await launchChromium()
const page = await (await browser.newContext()).newPage()
await page.goto(`${site.url}/`)
await page.addScriptTag({ type: 'module', url: '/pages/model.js' })
await page.waitForFunction(() => 'runModel' in globalThis)
for (const seed of [1,2,3]) console.log(await page.evaluate(`runModel(${seed}, 150)`))
await browser.close(); await site.close()
