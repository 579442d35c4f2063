import { writeFileSync } from 'node:fs'
import { buildSite, launchChromium } from '../test/browser/harness.ts'
declare const bench: any
const site = await buildSite({ pages: { bench: 'bench/browser-page.ts' } })
const browser = await launchChromium()
try {
  const context = await browser.newContext()
  const page = await context.newPage()
  await page.goto(`${site.url}/`)
  await page.addScriptTag({ type: 'module', url: '/pages/bench.js' })
  await page.waitForFunction(() => 'bench' in globalThis)
  await page.evaluate(() => bench.connect('strict', 'strict'))
  await page.evaluate(() => bench.manyProducers('strict', 'warm', 64, 2000))
  const cdp = await context.newCDPSession(page)
  await cdp.send('Profiler.enable')
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 })
  await cdp.send('Profiler.start')
  const m = await page.evaluate(() => bench.manyProducers('strict', 'many', 64, 3000))
  const { profile } = await cdp.send('Profiler.stop')
  console.log('many', Math.round(m.records / m.seconds))
  writeFileSync('/tmp/p2/page.cpuprofile', JSON.stringify(profile))
} finally {
  await browser.close()
  await site.close()
}
