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
  site = await buildSite({ lib: false, pages: { contract: 'test/browser/fixtures/contract-page.ts' } })
  browser = await launchChromium()
  const page = await openPage(await browser.newContext(), site)
  await page.addScriptTag({ type: 'module', url: '/pages/contract.js' })
  const results: Result[] = await page.evaluate(() =>
    (globalThis as unknown as { runContract(): Promise<Result[]> }).runContract(),
  )

  it('ran the whole contract in the page', () => {
    expect(results.length).toBeGreaterThanOrEqual(15)
  })
  for (const r of results) {
    it(r.name, () => {
      if (!r.ok) throw new Error(r.error)
    })
  }
})
