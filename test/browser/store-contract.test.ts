/**
 * @module The core Store contract against IdbStore in real headless Chromium: the contract file is
 * bundled into a page with vitest's own `expect`, run there, and each of its tests reported here.
 */

import type { Browser } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import type { Site } from './harness.ts'
import { buildSite, launchChromium, openPage } from './harness.ts'

interface Result {
  name: string
  ok: boolean
  error?: string
}

describe('IdbStore in headless Chromium', async () => {
  let site: Site | undefined
  let browser: Browser | undefined
  afterAll(async () => {
    await browser?.close()
    await site?.close()
  })
  // Run at collection so that every contract test appears here under its own name.
  site = await buildSite({ pages: { contract: 'test/browser/fixtures/contract-page.ts' } })
  browser = await launchChromium()
  const page = await openPage(await browser.newContext(), site)
  await page.addScriptTag({ type: 'module', url: '/pages/contract.js' })
  const results: Result[] = await page.evaluate(() =>
    (globalThis as unknown as { runContract(): Promise<Result[]> }).runContract(),
  )

  it('ran the whole contract in the page', () => {
    // Both registrations ran every contract test, the strict one with the reopen test too: a suite
    // that silently registered fewer tests in the page must not pass.
    const count = (suite: string) =>
      results.filter((r) => r.name.includes(`Store contract: ${suite} >`)).length
    expect(count('IdbStore (Chromium)')).toBeGreaterThanOrEqual(15)
    expect(count('IdbStore relaxed (Chromium)')).toBeGreaterThanOrEqual(14)
    expect(results.some((r) => r.name.endsWith('keeps everything flushed across a reopen'))).toBe(true)
  })
  for (const r of results) {
    it(r.name, () => {
      if (!r.ok) throw new Error(r.error)
    })
  }
})
