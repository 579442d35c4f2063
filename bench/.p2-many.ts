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
  const runs = Number(process.env.RUNS ?? 3)
  for (let i = 0; i < runs; i++) {
    const m = await page.evaluate(([t]) => bench.manyProducers('strict', t, 64, 3000), [`many${i}`] as const)
    console.log('many', Math.round(m.records / m.seconds))
  }
  if (process.env.SVC) {
    const s = await page.evaluate(() => bench.serviceSingles('strict', 'svc', 64, 3000))
    console.log('svc', Math.round(s.records / s.seconds))
  }
} finally {
  await browser.close()
  await site.close()
}
