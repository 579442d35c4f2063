/**
 * @module Lesson 8 of the demo by clicks, served as `npm start` serves it: `brook serve --demo`,
 * the relay on the page's origin. Offline (by the lesson's switch, or the browser's own offline
 * state), notes written in the page wait in the backlog; online, the relay holds each of them once,
 * in order per partition — read over the relay's Kafka listener, not through the page — and what
 * another device posted to the relay meanwhile comes down.
 */

import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { en, zh } from '../../demo/src/strings.ts'
import type { BrokerService } from '../../src/core/service.ts'
import { connectKafka } from '../../src/edge/kafka/connection.ts'
import { inWrittenOrder, relayCount, relayValues } from '../support/relay-records.ts'
import { axe, note, open, SHOTS, useDemo } from './support.ts'

const demo = useDemo({ relay: true })
let kafka: BrokerService & { close(): Promise<void> }
beforeAll(async () => {
  kafka = await connectKafka({ bootstrap: `127.0.0.1:${demo.kafkaPort()}` })
})
afterAll(async () => {
  await kafka?.close()
})

const sync = (page: Page) => page.getByTestId('sync')
const syncState = (page: Page) => sync(page).getAttribute('data-state')
const network = (page: Page) => sync(page).getAttribute('data-network')
const counter = (page: Page, id: string) => page.getByTestId(id).innerText().then(Number)
const row = (page: Page, topic: string) =>
  page.locator(`[data-testid="sync-topics"] tr[data-topic="${topic}"]`)
const cell = (page: Page, topic: string, id: string) => row(page, topic).getByTestId(id).innerText()
const backlog = (page: Page) => cell(page, 'notes', 'backlog-records').then(Number)

/** The English strings that 中文 has in words of its own (as the 中文 test of every lesson checks). */
const english = () =>
  (Object.keys(en) as (keyof typeof en)[])
    .filter((k) => typeof en[k] === 'string' && en[k] !== zh[k])
    .map((k) => en[k] as string)
    .filter((e) => !Object.values(zh).some((z) => typeof z === 'string' && z.includes(e)))

async function openOnline(page: Promise<Page>): Promise<Page> {
  const p = await page
  await expect.poll(() => syncState(p), { timeout: 20_000 }).toBe('online')
  return p
}

describe('the demo: offline', { timeout: 90_000 }, () => {
  it('lesson 8: offline by the switch, notes wait in the backlog; online, the relay holds each once, in order, and the news posted meanwhile come down', async () => {
    const context = await demo.browser().newContext({ viewport: { width: 1280, height: 1100 } })
    try {
      const page = await openOnline(open(context, '?lang=en#offline'))
      const before = await relayCount(kafka, 'notes')

      await page.getByRole('button', { name: 'Go offline' }).click()
      await expect.poll(() => network(page)).toBe('false')
      expect(await syncState(page)).toBe('offline')

      await page.getByRole('button', { name: 'Write 10 notes' }).click()
      await expect.poll(() => note(page)).toContain('Stored 10 notes')
      await page.getByRole('button', { name: 'Write 10 notes' }).click()
      await expect.poll(() => note(page)).toContain('(20 written here so far)')
      await page.getByRole('textbox', { name: 'Note' }).fill('hello, offline')
      await page.getByRole('button', { name: 'Write', exact: true }).click()
      await expect.poll(() => note(page)).toContain('(21 written here so far)')
      const written = [...Array.from({ length: 20 }, (_, i) => `note-${i}`), 'hello, offline']

      // The backlog: every note, in records and bytes; none has reached the relay.
      await expect.poll(() => backlog(page)).toBe(21)
      const bytes = Number(await row(page, 'notes').getByTestId('backlog-bytes').getAttribute('data-value'))
      expect(bytes).toBeGreaterThan(21 * 6)
      await expect.poll(() => cell(page, 'notes', 'here')).toBe('21')
      expect(await relayCount(kafka, 'notes')).toBe(before)
      expect(await counter(page, 'c-uploaded')).toBe(0)

      // Meanwhile another device writes news at the relay; nothing comes down while offline.
      await page.getByRole('button', { name: 'Another device posts 3 news to the relay' }).click()
      await expect.poll(() => note(page)).toContain('The relay stored 3 news')
      await expect.poll(() => cell(page, 'news', 'relay')).toBe('3')
      expect(await relayCount(kafka, 'news')).toBe(3)
      expect(await cell(page, 'news', 'here')).toBe('0')
      expect(await counter(page, 'c-downloaded')).toBe(0)
      await page.screenshot({ path: join(SHOTS, 'lesson-8-offline.png'), fullPage: true })

      await page.getByRole('button', { name: 'Go online' }).click()
      await expect.poll(() => relayCount(kafka, 'notes'), { timeout: 20_000 }).toBe(before + 21)
      await expect.poll(() => counter(page, 'c-uploaded')).toBe(21)
      await expect.poll(() => counter(page, 'c-downloaded')).toBe(3)
      await expect.poll(() => backlog(page)).toBe(0)
      expect(await row(page, 'notes').getByTestId('backlog-bytes').getAttribute('data-value')).toBe('0')
      await expect.poll(() => syncState(page)).toBe('online')
      // Exactly once, in order per partition: after the backlog drained, still 21 and no more.
      expect(await relayCount(kafka, 'notes')).toBe(before + 21)
      const partitions = await relayValues(kafka, 'notes')
      expect(partitions.flat().sort()).toEqual([...written].sort())
      expect(inWrittenOrder(partitions, written)).toBe(true)
      await expect.poll(() => cell(page, 'notes', 'relay')).toBe('21')
      await expect.poll(() => cell(page, 'news', 'here')).toBe('3')
      await expect
        .poll(() => page.getByTestId('downloaded').innerText())
        .toMatch(/news-0\n.*news-1\n.*news-2$/)
      // The code panel shows what the page did, as an app would write it.
      await page.getByRole('tab', { name: 'kafkajs / brook' }).click()
      await expect
        .poll(() => page.getByTestId('code').innerText())
        .toContain("await brook.service.sync({ op: 'network', online: true })")

      await page.screenshot({ path: join(SHOTS, 'lesson-8-online.png'), fullPage: true })
      expect(await axe(page)).toEqual([])
    } finally {
      await context.close()
    }
  })

  it("lesson 8: the browser's own offline state stops the sync, and its online event starts it, whatever the switch said", async () => {
    const context = await demo.browser().newContext({ viewport: { width: 375, height: 900 } })
    try {
      const page = await openOnline(open(context, '?lang=en#offline'))
      const before = await relayCount(kafka, 'notes')

      await context.setOffline(true)
      await expect.poll(() => network(page)).toBe('false')
      await expect.poll(() => page.locator('article').innerText()).toContain('The browser is offline')
      expect(await page.getByRole('button', { name: 'Go online' }).isDisabled()).toBe(true)
      await page.getByRole('button', { name: 'Write 10 notes' }).click()
      await expect.poll(() => backlog(page)).toBe(10)
      await expect.poll(() => cell(page, 'notes', 'relay')).toBe('out of reach')
      expect(await relayCount(kafka, 'notes')).toBe(before)

      // The browser comes back: the sync starts at once.
      await context.setOffline(false)
      await expect.poll(() => network(page)).toBe('true')
      await expect.poll(() => backlog(page), { timeout: 20_000 }).toBe(0)
      await expect.poll(() => relayCount(kafka, 'notes')).toBe(before + 10)

      // The switch says offline; the browser's next online event says otherwise, and wins.
      await page.getByRole('button', { name: 'Go offline' }).click()
      await expect.poll(() => network(page)).toBe('false')
      await page.getByRole('button', { name: 'Write 10 notes' }).click()
      await expect.poll(() => backlog(page)).toBe(10)
      await context.setOffline(true)
      await context.setOffline(false)
      await expect.poll(() => page.getByRole('button', { name: 'Go offline' }).isEnabled()).toBe(true)
      await expect.poll(() => relayCount(kafka, 'notes'), { timeout: 20_000 }).toBe(before + 20)
      await expect.poll(() => backlog(page)).toBe(0)
      await expect.poll(() => counter(page, 'c-uploaded')).toBe(20)
      expect(await relayCount(kafka, 'notes')).toBe(before + 20)
      await expect.poll(() => cell(page, 'notes', 'relay')).toBe(String(before + 20))

      // Nothing wider than the phone.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375)
      await page.getByRole('combobox', { name: 'Language' }).selectOption('zh')
      await expect.poll(() => page.getByTestId('sync-state').innerText()).toMatch(/^(在线|同步中)/)
      const text = await page.locator('main').innerText()
      for (const e of english()) expect(text, 'untranslated').not.toContain(e)
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375)
      await page.screenshot({ path: join(SHOTS, 'lesson-8-zh-375.png'), fullPage: true })
      expect(await axe(page)).toEqual([])
    } finally {
      await context.close()
    }
  })
})
