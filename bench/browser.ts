/**
 * @module Browser broker benchmarks in headless Chromium: raw IndexedDB puts of 1,000-record batches
 * (the physical baseline, measured in the same run), persisted produce (relaxed and strict), 64
 * concurrent single-record acks=all producers, consume into a page, and tab-to-tab latency.
 * Standalone: `npx tsx bench/browser.ts`.
 */

import type { Page } from 'playwright-core'
import { buildSite, launchChromium } from '../test/browser/harness.ts'
import type { BrowserBench, Measured } from './browser-page.ts'
import type { BenchRow } from './table.ts'
import { printTable } from './table.ts'

declare const bench: BrowserBench

const RAW_BATCHES = 300
const PRODUCE_RECORDS = 300_000
const MANY_PRODUCERS = 64
const MANY_MS = 3000
const LATENCY_SAMPLES = 300

function row(name: string, m: Measured, note?: string): BenchRow {
  return { name, records: m.records, bytes: m.bytes, seconds: m.seconds, note }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

async function benchPage(page: Page): Promise<void> {
  await page.addScriptTag({ type: 'module', url: '/pages/bench.js' })
  await page.waitForFunction(() => 'bench' in globalThis)
}

export async function benchBrowser(): Promise<BenchRow[]> {
  const site = await buildSite({ pages: { bench: 'bench/browser-page.ts' } })
  const browser = await launchChromium()
  const rows: BenchRow[] = []
  try {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${site.url}/`)
    await benchPage(page)

    const rawRelaxed = await page.evaluate((n) => bench.rawPut('relaxed', n), RAW_BATCHES)
    const rawStrict = await page.evaluate((n) => bench.rawPut('strict', n), RAW_BATCHES)
    rows.push(row('raw IndexedDB put, 1,000-record batches, relaxed', rawRelaxed, 'baseline'))
    rows.push(row('raw IndexedDB put, 1,000-record batches, strict', rawStrict))

    await page.evaluate(() => bench.connect('relaxed', 'relaxed'))
    await page.evaluate(() => bench.connect('strict', 'strict'))
    const relaxed = await page.evaluate((n) => bench.produce('relaxed', 'p', n), PRODUCE_RECORDS)
    const strict = await page.evaluate((n) => bench.produce('strict', 'p', n), PRODUCE_RECORDS)
    rows.push(
      row('produce 1,000-record sends, acks=all, relaxed', relaxed, 'target ≥ 500,000/s and ≥ 0.5× raw'),
    )
    rows.push(row('produce 1,000-record sends, acks=all, strict', strict))

    const many = await page.evaluate(([n, ms]) => bench.manyProducers('strict', 'many', n, ms), [
      MANY_PRODUCERS,
      MANY_MS,
    ] as const)
    rows.push(
      row(`${MANY_PRODUCERS} producers × single records, acks=all, strict`, many, 'target ≥ 20,000/s'),
    )

    const fetched = await page.evaluate((n) => bench.serviceFetch('relaxed', 'p', n), PRODUCE_RECORDS)
    rows.push(row('fetch whole batches into a page (transport only, no decoding)', fetched))
    const consumed = await page.evaluate((n) => bench.consume('relaxed', 'p', n), PRODUCE_RECORDS)
    rows.push(row('consume into a page (eachBatch)', consumed, 'target ≥ 1,000,000/s'))

    // Tab to tab: one tab produces timestamps, another receives them through the shared broker.
    const receiver = await context.newPage()
    await receiver.goto(`${site.url}/`)
    await benchPage(receiver)
    await receiver.evaluate(() => bench.connect('strict', 'strict'))
    await page.evaluate(() => bench.createTopic('strict', 'latency', 1))
    const latencies = receiver.evaluate(
      (n) => bench.receiveLatencies('strict', 'latency', n),
      LATENCY_SAMPLES,
    )
    const end = Date.now() + 15_000
    while (!(await receiver.evaluate(() => (globalThis as { warmSeen?: boolean }).warmSeen === true))) {
      if (Date.now() > end) throw new Error('the latency consumer never started')
      await page.evaluate(() => bench.sendWarm('strict', 'latency'))
      await new Promise((r) => setTimeout(r, 50))
    }
    const start = Date.now()
    await page.evaluate((n) => bench.sendTimestamps('strict', 'latency', n, 5), LATENCY_SAMPLES)
    const sorted = (await latencies).sort((a, b) => a - b)
    rows.push({
      name: 'tab → tab latency (produce → eachMessage), strict',
      records: sorted.length,
      bytes: 0,
      seconds: (Date.now() - start) / 1000,
      note: `p50 ${percentile(sorted, 50).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms (target ≤ 5 / ≤ 20)`,
    })
    await context.close()
  } finally {
    await browser.close()
    await site.close()
  }
  return rows
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printTable(await benchBrowser(), 'raw IndexedDB put, 1,000-record batches, relaxed')
}
