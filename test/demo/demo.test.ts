/**
 * @module The teaching demo as a new user meets it: built (as `npm run build:demo` does) on the
 * package build, served statically, driven in headless Chromium by clicks and typing only, and
 * checked by what is visible. Where a record lands is checked against kafka-python's murmur2;
 * every lesson is checked with axe-core (WCAG 2.1 A and AA), in English and 中文, and photographed
 * into test-results/demo/.
 */

import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { en, zh } from '../../demo/src/strings.ts'
import { axe, cells, kafkaPython, note, open, SHOTS, useDemo } from './support.ts'

const demo = useDemo()

const KEYS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi']

/** Lesson 1 by hand: the topic, one record per key, 10 without keys. Returns the unkeyed partition. */
async function lessonOne(page: Page): Promise<number> {
  await page.getByRole('textbox', { name: 'Topic' }).fill('orders')
  await page.getByRole('spinbutton', { name: 'Partitions' }).fill('3')
  await page.getByRole('button', { name: 'Create topic' }).click()
  await expect.poll(() => note(page)).toBe('Created topic orders with 3 partitions.')
  await expect.poll(() => page.locator('.lane').count()).toBe(3)
  for (const key of KEYS) {
    await page.getByRole('textbox', { name: 'Key' }).fill(key)
    await page.getByRole('textbox', { name: 'Value' }).fill(`v-${key}`)
    await page.getByRole('button', { name: 'Send', exact: true }).click()
    await expect.poll(() => note(page)).toContain(`key "${key}": murmur2 = 0x`)
  }
  await page.getByRole('textbox', { name: 'Value' }).fill('u')
  await page.getByRole('button', { name: 'Send 10 without keys' }).click()
  await expect
    .poll(() => note(page))
    .toMatch(/^10 records without keys, one batch: all went to partition \d\.$/)
  return Number(/partition (\d)/.exec(await note(page))![1])
}

describe('the teaching demo', () => {
  it('lesson 1: keyed records land where murmur2 says, unkeyed ones share a partition per batch, added partitions move keys', async () => {
    const context = await demo.browser().newContext({ viewport: { width: 1280, height: 900 } })
    try {
      const page = await open(context, '?lang=en#topics')
      const unkeyed = await lessonOne(page)
      const expected = kafkaPython(KEYS, 3)
      for (const key of KEYS) {
        await expect
          .poll(() => cells(page, expected[key]!).filter({ hasText: key }).count(), { message: key })
          .toBe(1)
      }
      // The note explains the last route with the same arithmetic.
      const last = KEYS.at(-1)!
      await page.getByRole('textbox', { name: 'Key' }).fill(last)
      await page.getByRole('button', { name: 'Send', exact: true }).click()
      await expect.poll(() => note(page)).toMatch(new RegExp(`mod 3 = partition ${expected[last]}\\n`))
      await expect
        .poll(() => page.locator(`.lane[data-partition="${unkeyed}"] .cell[data-key=""]`).count())
        .toBe(10)

      await page.getByRole('spinbutton', { name: 'New count' }).fill('5')
      await page.getByRole('button', { name: 'Add partitions' }).click()
      const after = kafkaPython(KEYS, 5)
      const moved = KEYS.filter((k) => after[k] !== expected[k])
      await expect
        .poll(() => note(page))
        .toBe(
          moved.length
            ? `Keys now in another partition: ${moved.join(', ')}`
            : 'No key you sent changed partition.',
        )
      await expect.poll(() => page.locator('.lane').count()).toBe(5)

      await page.screenshot({ path: join(SHOTS, 'lesson-1-topics.png'), fullPage: true })
      expect(await axe(page)).toEqual([])
    } finally {
      await context.close()
    }
  })

  it('lesson 2: offsets between log start and high watermark, a record in full, deleting moves the log start', async () => {
    const context = await demo.browser().newContext({ viewport: { width: 1280, height: 900 } })
    try {
      const page = await open(context, '?lang=en#topics')
      const p = await lessonOne(page)
      await page.getByRole('link', { name: '2 · The log and offsets' }).click()
      await expect
        .poll(() => page.getByRole('heading', { level: 2, name: '2 · The log and offsets' }).count())
        .toBe(1)
      const lane = page.locator(`.lane[data-partition="${p}"]`)
      // Partition p holds the 10 unkeyed records and the keys kafka-python's murmur2 sends there.
      const where = kafkaPython(KEYS, 3)
      const count = 10 + KEYS.filter((k) => where[k] === p).length
      await expect.poll(() => cells(page, p).count()).toBe(count)
      await expect.poll(() => lane.getByTestId('high-watermark').innerText()).toBe(`high watermark ${count}`)
      await expect.poll(() => lane.getByTestId('log-start').innerText()).toBe('log-start 0')

      await cells(page, p).last().click()
      await expect.poll(() => page.getByTestId('record-value').innerText()).toBe('u-10')
      expect(await page.getByTestId('record-key').innerText()).toBe('none')
      expect(await page.getByTestId('record-batch').innerText()).toBe(
        `offsets ${count - 10}–${count - 1}, 10 records`,
      )

      await page.getByRole('combobox', { name: 'Partition' }).selectOption(String(p))
      await page.getByRole('spinbutton', { name: 'Delete records before offset' }).fill(String(count - 4))
      await page.getByRole('button', { name: 'Delete' }).click()
      await expect.poll(() => note(page)).toBe(`Partition ${p} now starts at offset ${count - 4}.`)
      await expect.poll(() => lane.getByTestId('log-start').innerText()).toBe(`log-start ${count - 4}`)
      await expect.poll(() => cells(page, p).first().getAttribute('data-offset')).toBe(String(count - 4))
      expect(await cells(page, p).count()).toBe(4)

      await page.screenshot({ path: join(SHOTS, 'lesson-2-log.png'), fullPage: true })
      expect(await axe(page)).toEqual([])
    } finally {
      await context.close()
    }
  })

  it('use it for real: the last action as CLI, kafka-python and kafkajs code', async () => {
    const context = await demo.browser().newContext()
    try {
      const page = await open(context, '?lang=en#topics')
      await page.getByRole('button', { name: 'Create topic' }).click()
      await page.getByRole('textbox', { name: 'Key' }).fill('alice')
      await page.getByRole('textbox', { name: 'Value' }).fill("it's")
      await page.getByRole('button', { name: 'Send', exact: true }).click()
      const code = page.getByTestId('code')
      await expect
        .poll(() => code.innerText())
        .toBe(
          `printf '%s\\n' 'alice:it'\\''s' | npx brook console-producer --topic 'orders' --property parse.key=true --property key.separator=:`,
        )
      // Keyboard: the tabs move with the arrow keys.
      await page.getByRole('tab', { name: 'brook CLI' }).focus()
      await page.keyboard.press('ArrowRight')
      await expect
        .poll(() => code.innerText())
        .toContain(`producer.send("orders", key="alice".encode(), value="it's".encode())`)
      await page.keyboard.press('ArrowRight')
      await expect.poll(() => code.innerText()).toContain(`messages: [{ key: "alice", value: "it's" }]`)
    } finally {
      await context.close()
    }
  })

  it('中文: every lesson in Chinese, nothing left in English, accessible at 375 px', async () => {
    const english = (Object.keys(en) as (keyof typeof en)[])
      .filter((k) => typeof en[k] === 'string' && en[k] !== zh[k])
      .map((k) => en[k] as string)
      // English terms the Chinese text keeps on purpose, as a glossary: "(high watermark)".
      .filter((e) => !Object.values(zh).some((z) => typeof z === 'string' && z.includes(e)))
    expect(english.length).toBeGreaterThan(20)
    const context = await demo.browser().newContext({ viewport: { width: 375, height: 800 } })
    try {
      const page = await open(context, '?lang=en#topics')
      await page.getByRole('button', { name: 'Create topic' }).click()
      await page.getByRole('button', { name: 'Send', exact: true }).click()
      await page.getByRole('combobox', { name: 'Language' }).selectOption('zh')
      await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('zh-CN')
      for (const [hash, title] of [
        ['topics', zh.l1],
        ['log', zh.l2],
        ['producers', zh.l3],
        ['groups', zh.l4],
        ['redeliver', zh.l5],
        ['cleanup', zh.l6],
        ['crash', zh.l7],
        ['offline', zh.l8],
        ['timeline', zh.tl],
      ] as const) {
        await page.getByRole('link', { name: title }).click()
        await expect.poll(() => page.getByRole('heading', { level: 2, name: title }).count()).toBe(1)
        const text = await page.locator('body').innerText()
        for (const s of english) expect(text, `untranslated on #${hash}`).not.toContain(s)
        // Nothing wider than the phone: no sideways scrolling.
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375)
        await page.screenshot({ path: join(SHOTS, `lesson-${hash}-zh-375.png`), fullPage: true })
        expect(await axe(page)).toEqual([])
      }
    } finally {
      await context.close()
    }
  })
})
