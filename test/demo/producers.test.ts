/**
 * @module Lesson 3 of the demo by clicks: linger gathers a producer's sends into batches (framed as
 * the broker stores them), and a lost answer is retried — stored once by an idempotent producer,
 * twice by one that is not.
 */

import { join } from 'node:path'
import type { Locator, Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { axe, open, SHOTS, useDemo } from './support.ts'

const demo = useDemo()

const card = (page: Page, name: string) => page.locator(`[data-producer="${name}"]`)
const stat = (c: Locator, id: string) => c.getByTestId(id).innerText().then(Number)
/** Record counts of the batches holding `name`'s records, oldest first. */
const batchSizes = (page: Page, name: string) =>
  page
    .locator('.batch')
    .filter({ has: page.locator(`.cell[data-key="${name}"]`) })
    .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-count'))))

describe('the demo: producers', () => {
  it('lesson 3: linger makes batches; a lost answer is retried, stored once only when idempotent', async () => {
    const context = await demo.browser().newContext({ viewport: { width: 1280, height: 1000 } })
    try {
      const page = await open(context, '?lang=en#producers')
      await page.getByRole('button', { name: 'Add producer' }).click()
      const p1 = card(page, 'P1')
      await p1.getByRole('spinbutton', { name: 'Records per second' }).fill('40')
      await p1.getByRole('spinbutton', { name: 'linger.ms' }).fill('400')
      await p1.getByRole('spinbutton', { name: 'linger.ms' }).press('Tab')
      await p1.getByRole('button', { name: 'Start' }).click()
      await expect.poll(() => stat(p1, 'acked'), { timeout: 10_000 }).toBeGreaterThanOrEqual(40)
      // 40 sends a second gathered for 400 ms: batches of many records, not one each.
      await expect.poll(async () => Math.max(0, ...(await batchSizes(page, 'P1')))).toBeGreaterThanOrEqual(5)

      // Idempotent (the default): the retried batch is recognised, nothing is stored twice.
      await p1.getByRole('button', { name: 'Lose the next answer' }).click()
      await expect.poll(() => stat(p1, 'lost')).toBe(1)
      await p1.getByRole('button', { name: 'Stop' }).click()
      await expect.poll(async () => (await stat(p1, 'acked')) === (await stat(p1, 'sent'))).toBe(true)
      expect(await stat(p1, 'failed')).toBe(0)
      await expect.poll(() => page.getByTestId('duplicates').innerText()).toBe('No record is stored twice.')

      // Without idempotence, the same loss stores the batch twice.
      await page.getByRole('button', { name: 'Add producer' }).click()
      const p2 = card(page, 'P2')
      await p2.getByRole('checkbox', { name: /Idempotent/ }).uncheck()
      await p2.getByRole('button', { name: 'Start' }).click()
      await expect.poll(() => stat(p2, 'acked')).toBeGreaterThanOrEqual(5)
      await p2.getByRole('button', { name: 'Lose the next answer' }).click()
      await expect.poll(() => stat(p2, 'lost')).toBe(1)
      await p2.getByRole('button', { name: 'Stop' }).click()
      await expect
        .poll(() => page.getByTestId('duplicates').innerText())
        .toMatch(/^\d+ records? (is|are) stored twice\.$/)

      await page.screenshot({ path: join(SHOTS, 'lesson-3-producers.png'), fullPage: true })
      expect(await axe(page)).toEqual([])
    } finally {
      await context.close()
    }
  })
})
