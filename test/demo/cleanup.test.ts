/**
 * @module Lesson 6 of the demo by clicks: a retention.ms set on a live topic removes its old
 * batches and moves the log start; a topic switched to compact keeps the latest record per key,
 * and a tombstone until delete.retention.ms; every record says why it is still there.
 */

import { join } from 'node:path'
import type { Locator } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { axe, open, SHOTS, useDemo } from './support.ts'

const demo = useDemo()

const offsets = (part: Locator) =>
  part.locator('.cell').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-offset'))))

describe('the demo: retention and compaction', () => {
  it('lesson 6: retention.ms removes old batches; compaction keeps the latest per key; why each record stays', async () => {
    const context = await demo.browser().newContext({ viewport: { width: 1280, height: 1000 } })
    try {
      const page = await open(context, '?lang=en#cleanup')

      const retention = page.locator('[data-part="retention"]')
      await retention.getByRole('button', { name: 'Send 5 records' }).click()
      await expect.poll(() => offsets(retention)).toEqual([0, 1, 2, 3, 4])
      await retention.locator('.cell').first().click()
      await expect
        .poll(() => retention.getByTestId('why').innerText())
        .toBe('cleanup.policy is delete: its batch leaves once older than retention.ms — in about 7 days.')
      // A week is the default: set 2 s on the live topic.
      await retention.getByRole('spinbutton', { name: 'retention.ms' }).fill('2000')
      await retention.getByRole('button', { name: 'Apply' }).click()
      await expect
        .poll(() => retention.getByRole('status').innerText())
        .toBe('Configs of clicks-stream changed.')
      await expect
        .poll(() => page.getByTestId('code').innerText())
        .toBe(
          "npx brook configs --bootstrap-server localhost:9092 --topic 'clicks-stream' --alter --add-config 'retention.ms=2000'",
        )
      await expect.poll(() => offsets(retention), { timeout: 10_000 }).toEqual([])
      await expect.poll(() => retention.getByTestId('log-start').innerText()).toBe('log-start 5')
      expect(await retention.getByTestId('why').innerText()).toBe(
        'It is gone: retention or the cleaner removed it from the log.',
      )

      const compaction = page.locator('[data-part="compaction"]')
      await compaction.getByRole('combobox', { name: 'cleanup.policy' }).selectOption('compact')
      await compaction.getByRole('spinbutton', { name: 'delete.retention.ms' }).fill('3000')
      await compaction.getByRole('button', { name: 'Apply' }).click()
      await expect.poll(() => compaction.getByRole('status').innerText()).toBe('Configs of profiles changed.')
      const send = async (key: string, value: string | null) => {
        await compaction.getByRole('combobox', { name: 'Key' }).selectOption(key)
        if (value === null)
          await compaction.getByRole('button', { name: 'Delete the key (tombstone)' }).click()
        else {
          await compaction.getByRole('textbox', { name: 'Value' }).fill(value)
          await compaction.getByRole('button', { name: 'Send', exact: true }).click()
        }
      }
      expect(await compaction.getByTestId('cleaner').innerText()).toContain('No record has left the log yet.')
      // Each record is on screen before the next is sent, so the view sees every one the cleaner removes.
      const sends: [string, string | null][] = [
        ['user-1', 'a'],
        ['user-2', 'b'],
        ['user-1', 'c'],
        ['user-2', null],
        ['user-3', 'd'],
      ]
      for (const [i, [key, value]] of sends.entries()) {
        await send(key, value)
        await expect.poll(() => compaction.locator(`.cell[data-offset="${i}"]`).count()).toBe(1)
      }
      // The cleaner: user-1's first value and user-2's value go; the tombstone stays for now.
      await expect.poll(() => offsets(compaction), { timeout: 10_000 }).toEqual([2, 3, 4])
      const gaps = () => compaction.getByTestId('gap').allTextContents()
      await expect.poll(gaps).toContain('⋯ no records at offsets 0–1 (removed)')
      const passes = () =>
        compaction
          .getByTestId('cleaner-pass')
          .allInnerTexts()
          .then((t) => t.join('\n'))
      await expect.poll(passes).toContain('offset 0 (user-1): offset 2 holds a newer value of its key')
      await expect.poll(passes).toContain('offset 1 (user-2): the tombstone at offset 3 deleted its key')
      expect(await compaction.getByTestId('active-end').innerText()).toMatch(
        /^Partition 0: offset 4 is the log's end/,
      )
      await compaction.locator('.cell[data-offset="2"]').click()
      await expect
        .poll(() => compaction.getByTestId('why').innerText())
        .toBe('It is the latest record of key user-1: compaction keeps the latest record of every key.')
      await compaction.locator('.cell[data-offset="3"]').click()
      await expect
        .poll(() => compaction.getByTestId('why').innerText())
        .toMatch(/^It is a tombstone: it stays for delete.retention.ms so that consumers see the delete/)
      await page.screenshot({ path: join(SHOTS, 'lesson-6-cleanup.png'), fullPage: true })
      expect(await axe(page)).toEqual([])
      // delete.retention.ms later, the tombstone goes too; the last record always stays.
      await expect.poll(() => offsets(compaction), { timeout: 15_000 }).toEqual([2, 4])
      await expect.poll(passes).toContain('offset 3 (user-2): a tombstone past delete.retention.ms')
      await expect
        .poll(gaps)
        .toEqual(['⋯ no records at offsets 0–1 (removed)', '⋯ no record at offset 3 (removed)'])
      await compaction.locator('.cell[data-offset="4"]').click()
      await expect
        .poll(() => compaction.getByTestId('why').innerText())
        .toBe('It is the last record of the partition, which always stays: it marks the end of the log.')
    } finally {
      await context.close()
    }
  })

  it('lesson 6: a paused reader falls behind the log start; OFFSET_OUT_OF_RANGE, and auto.offset.reset decides', async () => {
    const context = await demo.browser().newContext({ viewport: { width: 1280, height: 1000 } })
    try {
      const page = await open(context, '?lang=en#cleanup')
      const retention = page.locator('[data-part="retention"]')
      const reader = page.getByTestId('reader')
      await retention.getByRole('spinbutton', { name: 'retention.ms' }).fill('2000')
      await retention.getByRole('button', { name: 'Apply' }).click()
      await expect
        .poll(() => retention.getByRole('status').innerText())
        .toBe('Configs of clicks-stream changed.')
      await reader.getByRole('combobox', { name: 'auto.offset.reset' }).selectOption('earliest')
      await reader.getByRole('button', { name: 'Start the reader' }).click()
      await retention.getByRole('button', { name: 'Send 5 records' }).click()
      await expect
        .poll(() => reader.getByTestId('reader-state').innerText())
        .toBe('position 5 · 5 records read')
      await reader.getByRole('button', { name: 'Pause' }).click()
      await retention.getByRole('button', { name: 'Send 5 records' }).click()
      // Retention takes all ten, the five the reader has not read among them.
      await expect
        .poll(() => retention.getByTestId('log-start').innerText(), { timeout: 10_000 })
        .toBe('log-start 10')
      await retention.getByRole('button', { name: 'Send 5 records' }).click()
      await reader.getByRole('button', { name: 'Resume' }).click()
      await expect
        .poll(() => reader.getByTestId('resets').innerText())
        .toBe('OFFSET_OUT_OF_RANGE at offset 5: reset to earliest (offset 10); 5 records never read.')
      await expect
        .poll(() => reader.getByTestId('reader-state').innerText())
        .toBe('position 15 · 10 records read')
    } finally {
      await context.close()
    }
  })
})
