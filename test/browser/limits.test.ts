/**
 * @module Browser broker limits and error transport, in real headless Chromium: a storage quota,
 * a retention byte budget, BrookError fields across the worker boundary, call timeouts.
 */

import { describe, expect, it } from 'vitest'
import type { Tab } from './fixtures/tab.ts'
import { currentBrowser, killSharedWorkers, openTab, useBrowser } from './scenarios.ts'

declare const tab: Tab

useBrowser()

describe('limits and errors', () => {
  it('a tiny storage quota fails the producer with a clear error; earlier data stays readable', async () => {
    const context = await currentBrowser().browser.newContext()
    try {
      const a = await openTab(context, false)
      const cdp = await context.newCDPSession(a.page)
      await cdp.send('Storage.overrideQuotaForOrigin', {
        origin: currentBrowser().site.url,
        quotaSize: 3 * 1024 * 1024,
      })
      await a.page.evaluate(() => tab.connect({ name: 'q', retry: { retries: 1, initialRetryTime: 50 } }))
      await a.page.evaluate(() => tab.createTopic('q', 1))
      const error = await a.page.evaluate(async () => {
        try {
          await tab.produce('q', 'q', 400, { chunk: 4, valueBytes: 64 * 1024 })
          return null
        } catch (e) {
          const b = e as { name: string; type?: string; message: string }
          return { name: b.name, type: b.type, message: b.message }
        }
      })
      expect(error).not.toBeNull()
      expect(error).toMatchObject({ name: 'BrookError', type: 'KAFKA_STORAGE_ERROR' })
      expect(error!.message).toMatch(/quota exceeded/)
      const acked = a.reports.acked
      expect(acked.length).toBeGreaterThan(0)
      const seen = await a.page.evaluate((n) => tab.consumeAll('q', 'r', n, 5000), acked.length)
      expect(seen.map((s) => s.value)).toEqual(acked)
      // Nothing half-written: the log holds exactly the acknowledged records, no more.
      const [stored] = await a.page.evaluate(() => tab.offsets('q'))
      expect(stored!.high - stored!.low).toBe(acked.length)
    } finally {
      await context.close()
    }
  })

  it('retention.bytes keeps a topic inside its byte budget, dropping the oldest batches', async () => {
    const context = await currentBrowser().browser.newContext()
    try {
      const a = await openTab(context, false)
      await a.page.evaluate(() => tab.connect({ name: 'ret', retentionCheckIntervalMs: 100 }))
      await a.page.evaluate(() => tab.createTopic('ret', 1, { 'retention.bytes': '20000' }))
      await a.page.evaluate(() => tab.produce('ret', 'r', 200, { chunk: 5, valueBytes: 500 }))
      // Retention runs every 100 ms: wait until it has trimmed and then left the log alone.
      let offsets = await a.page.evaluate(() => tab.offsets('ret'))
      const end = Date.now() + 10_000
      for (;;) {
        await new Promise((r) => setTimeout(r, 400))
        const next = await a.page.evaluate(() => tab.offsets('ret'))
        const settled = next[0]!.low > 0 && next[0]!.low === offsets[0]!.low
        offsets = next
        if (settled || Date.now() > end) break
      }
      const { low, high } = offsets[0]!
      expect(high).toBe(200)
      expect(low).toBeGreaterThan(0)
      // ~2.6 kB per 5-record batch: a 20 kB budget keeps on the order of 40 records, whole batches.
      expect(high - low).toBeLessThanOrEqual(60)
      const seen = await a.page.evaluate((n) => tab.consumeAll('ret', 'r', n, 5000), high - low)
      expect(seen.map((s) => s.offset)).toEqual(Array.from({ length: high - low }, (_, i) => low + i))
    } finally {
      await context.close()
    }
  })

  it('errors keep their Kafka name, code and retriable flag across the worker boundary', async () => {
    const context = await currentBrowser().browser.newContext()
    try {
      const a = await openTab(context, false)
      await a.page.evaluate(() => tab.connect({ name: 'err' }))
      const e = await a.page.evaluate(() => tab.errorOf('produceTooBig'))
      expect(e).toMatchObject({
        name: 'BrookError',
        type: 'MESSAGE_TOO_LARGE',
        code: 10,
        retriable: false,
        brook: true,
      })
      const w = await a.page.evaluate(() => tab.errorOf('wrongBroker'))
      expect(w).toMatchObject({
        name: 'BrookError',
        type: 'INVALID_REQUEST',
        code: 42,
        retriable: false,
        brook: true,
      })
      expect(w!.message).toMatch(/^INVALID_REQUEST: this worker serves broker "err"/)
    } finally {
      await context.close()
    }
  })

  it('errors a web developer can act on: one prefix, why a topic name is bad, a missing topic, a quitting handler', async () => {
    const context = await currentBrowser().browser.newContext()
    try {
      const a = await openTab(context, false)
      await a.page.evaluate(() => tab.connect({ name: 'dx' }))
      const kafka = (type: string) => ({ name: 'BrookError', type, brook: true, brookError: true })
      const big = await a.page.evaluate(() => tab.errorOf('produceTooBig'))
      expect(big).toMatchObject(kafka('MESSAGE_TOO_LARGE'))
      expect(big!.message).toMatch(
        /^MESSAGE_TOO_LARGE: record batch of \d+ bytes is larger than max\.message\.bytes/,
      )
      // Every path that meets a bad topic name says why.
      const produce = await a.page.evaluate(() => tab.errorOf('produceBadTopic'))
      expect(produce).toMatchObject(kafka('INVALID_TOPIC_EXCEPTION'))
      expect(produce!.message).toMatch(
        /^INVALID_TOPIC_EXCEPTION: topic name "bad name" contains a space at index 3;/,
      )
      const subscribe = await a.page.evaluate(() => tab.errorOf('subscribeBadTopic'))
      expect(subscribe).toMatchObject(kafka('INVALID_TOPIC_EXCEPTION'))
      expect(subscribe!.message).toMatch(
        /^INVALID_TOPIC_EXCEPTION: topic name "star\*" contains '\*' \(U\+002A\) at index 4;/,
      )
      const long = await a.page.evaluate(() => tab.errorOf('createLongTopic'))
      expect(long).toMatchObject(kafka('INVALID_TOPIC_EXCEPTION'))
      expect(long!.message).toBe(
        `INVALID_TOPIC_EXCEPTION: topic name "${'t'.repeat(40)}…" is 300 characters long; the limit is 249`,
      )
      const offsets = await a.page.evaluate(() => tab.errorOf('offsetsBadTopic'))
      expect(offsets!.message).toMatch(
        /^INVALID_TOPIC_EXCEPTION: topic name "ümlaut" contains 'ü' \(U\+00FC\) at index 0;/,
      )
      for (const e of [big, produce, subscribe, long, offsets]) expect(e!.message).not.toMatch(/^(\w+): \1:/)

      // With auto-creation off, subscribing to a missing topic fails instead of assigning nothing.
      await a.page.evaluate(() => tab.connect({ name: 'dx-strict', autoCreateTopics: false }))
      const missing = await a.page.evaluate(() => tab.errorOf('subscribeMissingTopic'))
      expect(missing).toMatchObject(kafka('UNKNOWN_TOPIC_OR_PARTITION'))
      expect(missing!.message).toBe('UNKNOWN_TOPIC_OR_PARTITION: topic "no-such-topic" does not exist')

      // A handler that awaits disconnect() returns; its record is committed and the member leaves.
      await a.page.evaluate(() => tab.createTopic('quit', 1))
      await a.page.evaluate(() => tab.produce('quit', 'q', 3))
      expect(await a.page.evaluate(() => tab.disconnectInHandler('quit'))).toEqual({
        outcome: 'returned',
        calls: 1,
      })
      expect(await a.page.evaluate(() => tab.committed('quits', 'quit'))).toEqual([
        { partition: 0, offset: 1 },
      ])
    } finally {
      await context.close()
    }
  })

  it('persist: true asks the browser for persistent storage and reports its answer', async () => {
    const context = await currentBrowser().browser.newContext()
    try {
      const a = await openTab(context, false)
      await a.page.evaluate(() => {
        const w = window as unknown as { persistCalls: number }
        w.persistCalls = 0
        navigator.storage.persist = async () => {
          w.persistCalls++
          return true
        }
      })
      await a.page.evaluate(() => tab.connect({ name: 'p', persist: true }))
      expect(await a.page.evaluate(() => tab.persisted())).toBe(true)
      expect(await a.page.evaluate(() => (window as unknown as { persistCalls: number }).persistCalls)).toBe(
        1,
      )
    } finally {
      await context.close()
    }
  })

  it('a wrong worker URL fails connect() at once with a clear error', async () => {
    const context = await currentBrowser().browser.newContext()
    try {
      const a = await openTab(context, false)
      // connectBroken allows a 10-minute request timeout: only the error event can end this in time.
      const e = await a.page.evaluate(() => tab.connectBroken())
      expect(e).toMatchObject({ name: 'BrookError', type: 'BROKER_NOT_AVAILABLE' })
      expect(e!.message).toMatch(/no-such-worker\.js failed to start/)
    } finally {
      await context.close()
    }
  })

  it('a worker that loads but never answers fails connect() after startTimeoutMs, not the request timeout', async () => {
    const context = await currentBrowser().browser.newContext()
    try {
      const a = await openTab(context, false)
      const e = await a.page.evaluate(() => tab.connectSilent())
      expect(e).toMatchObject({ name: 'BrookError', type: 'BROKER_NOT_AVAILABLE' })
      expect(e!.message).toMatch(/no answer within 300 ms/)
    } finally {
      await context.close()
    }
  })

  it('a call to a dead broker worker fails with REQUEST_TIMED_OUT instead of hanging', async () => {
    const context = await currentBrowser().browser.newContext()
    try {
      const a = await openTab(context, false)
      await a.page.evaluate(() => tab.connect({ name: 'dead', requestTimeoutMs: 500, retry: { retries: 0 } }))
      expect(await a.page.evaluate(() => tab.errorOf('metadata'))).toBeNull()
      expect(await killSharedWorkers()).toBe(1)
      const e = await a.page.evaluate(() => tab.errorOf('metadata'))
      expect(e).toMatchObject({ name: 'BrookError', type: 'REQUEST_TIMED_OUT', retriable: true })
    } finally {
      await context.close()
    }
  })
})
