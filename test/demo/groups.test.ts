/**
 * @module Lessons 4 and 5 of the demo by clicks: consumers joining and leaving a group (in this
 * tab and in a second one), a crash noticed at the session timeout, and records processed but not
 * committed delivered again to the next owner, with the offsets table of kafka-consumer-groups.sh.
 */

import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { axe, open, SHOTS, useDemo } from './support.ts'

const demo = useDemo()

/** The partitions consumer `name`'s card says it owns ('' for none). */
const owns = (page: Page, name: string) =>
  page.locator(`[data-consumer="${name}"] [data-testid="owns"]`).getAttribute('data-partitions')
const state = (page: Page, name: string) =>
  page.locator(`[data-consumer="${name}"] .consumer-state`).getAttribute('data-state')
const members = (page: Page) => page.locator('table.members tbody tr').count()

/**
 * How the partitions are split among `owners` (page and consumer name): how many each owns, and
 * all of them. Which member gets which depends on the broker's member ids; the split does not.
 */
async function split(owners: [Page, string][]): Promise<string> {
  const lists = await Promise.all(owners.map(([page, name]) => owns(page, name)))
  const counts = lists.map((l) => (l ? l.split(',').length : 0)).sort()
  const all = lists.flatMap((l) => (l ? l.split(',') : [])).sort()
  return `${counts.join(',')} ${all.join(',')}`
}

describe('the demo: consumer groups', () => {
  it('lesson 4: join, a second tab joins the same group, leave rebalances at once, a crash at the session timeout', async () => {
    const context = await demo.browser().newContext({ viewport: { width: 1280, height: 1000 } })
    try {
      const page = await open(context, '?lang=en#groups')
      await page.getByRole('button', { name: 'Add consumer' }).click()
      await expect.poll(() => owns(page, 'A')).toBe('0,1,2')
      await page.getByRole('button', { name: 'Add consumer' }).click()
      // range over 3 partitions and 2 members: one gets two, the other one.
      await expect
        .poll(() =>
          split([
            [page, 'A'],
            [page, 'B'],
          ]),
        )
        .toBe('1,2 0,1,2')
      await expect.poll(() => members(page)).toBe(2)
      const events = page.getByTestId('events')
      await expect
        .poll(() => events.innerText())
        .toMatch(/generation \d+: [AB] synced as leader \(ran range\)/)
      // A's second generation: what it gave up, and how long it processed nothing.
      await expect
        .poll(() => events.innerText())
        .toMatch(/generation \d+: A synced[^\n]* · revoked \d[^\n]*processing paused \d+ ms/)

      // Another tab of the same origin: its consumer joins the same group on the same broker.
      const other = await open(context, '?lang=en#groups')
      await other.getByRole('button', { name: 'Add consumer' }).click()
      await expect.poll(() => members(page)).toBe(3)
      await expect
        .poll(() =>
          split([
            [page, 'A'],
            [page, 'B'],
            [other, 'A'],
          ]),
        )
        .toBe('1,1,1 0,1,2')

      // Leaving: the others take over at once.
      await page.locator('[data-consumer="B"]').getByRole('button', { name: 'Leave' }).click()
      await expect.poll(() => state(page, 'B')).toBe('left')
      await expect.poll(() => members(page), { timeout: 3000 }).toBe(2)
      await expect
        .poll(
          () =>
            split([
              [page, 'A'],
              [other, 'A'],
            ]),
          { timeout: 3000 },
        )
        .toBe('1,2 0,1,2')

      // Crashing: the member stays until its 6 s session times out, then its partitions move.
      const crashed = Date.now()
      await page.locator('[data-consumer="A"]').getByRole('button', { name: 'Crash' }).click()
      await expect.poll(() => state(page, 'A')).toBe('crashed')
      expect(await members(page)).toBe(2)
      await expect.poll(() => owns(other, 'A'), { timeout: 15_000 }).toBe('0,1,2')
      expect(Date.now() - crashed).toBeGreaterThanOrEqual(5000)
      await expect.poll(() => members(page)).toBe(1)

      await page.screenshot({ path: join(SHOTS, 'lesson-4-groups.png'), fullPage: true })
      expect(await axe(page)).toEqual([])
    } finally {
      await context.close()
    }
  })

  it('lesson 5: uncommitted records come again to the next owner; committed, log end and lag per partition', async () => {
    const context = await demo.browser().newContext({ viewport: { width: 1280, height: 1000 } })
    try {
      const page = await open(context, '?lang=en#redeliver')
      const table = page.getByTestId('offsets')
      const column = (id: string) =>
        table.locator(`[data-testid="${id}"]`).evaluateAll((tds) => tds.map((td) => td.textContent))
      const total = async () => (await column('end')).reduce((n, e) => n + Number(e), 0)

      await page.getByRole('button', { name: 'Send 6 records' }).click()
      await expect.poll(total).toBe(6)
      const ends = (await column('end')).map(Number)
      // Never committed: lag counts from the log start.
      expect(await column('committed')).toEqual(['none', 'none', 'none'])
      expect((await column('lag')).map(Number)).toEqual(ends)

      await page.getByRole('button', { name: 'Add consumer' }).click()
      const card = page.locator('[data-consumer="A"]')
      await expect.poll(() => card.locator('.received li').count()).toBe(6)
      await card.getByRole('button', { name: 'Commit processed' }).click()
      await expect.poll(() => column('committed')).toEqual(ends.map(String))
      expect(await column('lag')).toEqual(['0', '0', '0'])

      // Six more, processed but not committed.
      await page.getByRole('button', { name: 'Send 6 records' }).click()
      await expect.poll(() => card.locator('.received li').count()).toBe(12)
      await expect.poll(total).toBe(12)
      const ends2 = (await column('end')).map(Number)
      await expect
        .poll(async () => (await column('lag')).map(Number))
        .toEqual(ends2.map((e, i) => e - ends[i]!))
      const processedByA = await card
        .locator('.received li')
        .evaluateAll((lis) =>
          lis.map((li) => `${li.getAttribute('data-partition')}:${li.getAttribute('data-offset')}`),
        )

      // B joins and takes a share: it gets again what A processed there after the last commit.
      await page.getByRole('button', { name: 'Add consumer' }).click()
      await expect
        .poll(() =>
          split([
            [page, 'A'],
            [page, 'B'],
          ]),
        )
        .toBe('1,2 0,1,2')
      const taken = (await owns(page, 'B'))!.split(',').map(Number)
      const again = taken.flatMap((p) =>
        Array.from({ length: ends2[p]! - ends[p]! }, (_, i) => `${p}:${ends[p]! + i}`),
      )
      const b = page.locator('[data-consumer="B"] .received li')
      await expect.poll(() => b.count()).toBe(again.length)
      const redelivered = await b.evaluateAll((lis) =>
        lis.map((li) => [
          `${li.getAttribute('data-partition')}:${li.getAttribute('data-offset')}`,
          li.getAttribute('data-again'),
        ]),
      )
      expect(redelivered.map(([r]) => r).sort()).toEqual(again.sort())
      for (const [record, flag] of redelivered) {
        expect(processedByA).toContain(record)
        expect(flag).toBe('true')
      }

      await page.screenshot({ path: join(SHOTS, 'lesson-5-redeliver.png'), fullPage: true })
      expect(await axe(page)).toEqual([])
    } finally {
      await context.close()
    }
  })
})
