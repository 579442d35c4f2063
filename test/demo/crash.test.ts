/**
 * @module Lesson 7 of the demo by clicks: a crash in the gap between processing and committing.
 * Process-then-commit processes the record again after the crash (a duplicate, never a loss);
 * commit-then-process skips it (a loss, never a duplicate). The next consumer only gets the
 * partition after the crashed one's session times out, as in Kafka.
 */

import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { axe, open, SHOTS, useDemo } from './support.ts'

const demo = useDemo()

const counter = (page: Page, id: string) => page.getByTestId(id).innerText().then(Number)
const gate = (page: Page) => page.getByTestId('gate')

/** Sends 3 payments, lets the first through, crashes in the gap of the second, starts again. */
async function crashInTheGap(page: Page, order: RegExp): Promise<void> {
  await page.getByRole('radio', { name: order }).check()
  await page.getByRole('button', { name: 'Send 3 payments' }).click()
  await expect.poll(() => counter(page, 'c-sent')).toBe(3)
  await page.getByRole('button', { name: 'Start a consumer' }).click()
  await expect.poll(() => gate(page).innerText()).toMatch(/^pay-0: /)
  await page.getByRole('button', { name: 'Continue' }).click()
  await expect.poll(() => gate(page).innerText()).toMatch(/^pay-1: /)
  await page.getByRole('button', { name: 'Crash here' }).click()
  await expect.poll(() => page.getByTestId('steps').innerText()).toMatch(/^crashed — /)
  // A new consumer: it gets the partition once the crashed one's session (6 s) has timed out.
  await page.getByRole('button', { name: 'Start a consumer' }).click()
  await expect.poll(() => gate(page).count(), { timeout: 15_000 }).toBe(1)
}

describe('the demo: crash here', () => {
  it('lesson 7: process, then commit — a crash in the gap processes the record twice, loses none', async () => {
    const context = await demo.browser().newContext({ viewport: { width: 1280, height: 1000 } })
    try {
      const page = await open(context, '?lang=en#crash')
      await crashInTheGap(page, /at least once/)
      // The new consumer starts at the last commit: pay-1 again.
      await expect.poll(() => gate(page).innerText()).toMatch(/^pay-1: processed, not committed/)
      await page.getByRole('button', { name: 'Continue' }).click()
      await expect.poll(() => gate(page).innerText()).toMatch(/^pay-2: /)
      await page.getByRole('button', { name: 'Continue' }).click()
      await expect.poll(() => counter(page, 'c-duplicates')).toBe(1)
      expect(await counter(page, 'c-once')).toBe(2)
      expect(await counter(page, 'c-lost')).toBe(0)
      await page.screenshot({ path: join(SHOTS, 'lesson-7-at-least-once.png'), fullPage: true })
      expect(await axe(page)).toEqual([])
    } finally {
      await context.close()
    }
  })

  it('lesson 7: commit, then process — a crash in the gap loses the record, duplicates none', async () => {
    const context = await demo.browser().newContext({ viewport: { width: 1280, height: 1000 } })
    try {
      const page = await open(context, '?lang=en#crash')
      await crashInTheGap(page, /at most once/)
      // The new consumer starts after pay-1, which nobody processed.
      await expect.poll(() => gate(page).innerText()).toMatch(/^pay-2: committed, not processed/)
      await page.getByRole('button', { name: 'Continue' }).click()
      await expect.poll(() => counter(page, 'c-once')).toBe(2)
      await expect.poll(() => counter(page, 'c-lost')).toBe(1)
      expect(await counter(page, 'c-duplicates')).toBe(0)
      await page.screenshot({ path: join(SHOTS, 'lesson-7-at-most-once.png'), fullPage: true })
    } finally {
      await context.close()
    }
  })
})
