/** @module The tab scenarios over a SharedWorker broker. */

import { describe, expect, it } from 'vitest'
import type { Tab } from './fixtures/tab.ts'
import { currentBrowser, describeTabScenarios, openTab, useBrowser } from './scenarios.ts'

declare const tab: Tab

useBrowser()
describeTabScenarios('SharedWorker', false)

describe('compression in the browser broker', () => {
  it('a zstd topic stores every batch as zstd, compressed in the page or recompressed in the worker', async () => {
    const context = await currentBrowser().browser.newContext()
    try {
      const { page } = await openTab(context, false)
      await page.evaluate(() => tab.connect({ name: 'zstd' }))
      await page.evaluate(() => tab.createTopic('packed', 1, { 'compression.type': 'zstd' }))
      // none, gzip, snappy, lz4 (rebuilt as zstd by the worker), and zstd (kept as the page wrote it).
      const r = await page.evaluate(() => tab.sendCompressed('packed', [0, 1, 2, 3, 4]))
      expect(r.codecs).toEqual([4, 4, 4, 4, 4])
      expect(r.values).toEqual([0, 1, 2, 3, 4].flatMap((c, i) => [0, 1, 2].map((j) => `c${c}-${i}-${j}`)))
    } finally {
      await context.close()
    }
  })
})
