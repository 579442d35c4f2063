/**
 * Offline-first in a real page (issue 11): headless Chromium runs an app whose in-browser broker
 * syncs with a real `brook serve` relay. The app ships a service worker, so it reloads with no
 * network, as an offline-first app must. Each test checks what a user would: the relay holds every
 * record written offline exactly once, in order per partition; records written at the relay by
 * kafka-python reach the page; a relay that refuses the token leaves the backlog whole and says so;
 * a record the relay refuses for good is set aside with its reason and blocks nothing.
 */

import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BrokerService } from '../../src/core/service.ts'
import { connectKafka } from '../../src/edge/kafka/connection.ts'
import type { BrowserSyncStatus } from '../../src/worker/api.ts'
import { buildSite, launchChromium, type Site } from '../browser/harness.ts'
import { run } from '../interop/support.ts'
import { killServes, type ServeProcess, startServe } from '../support/cli.ts'
import { freePort, relayCount, relayPartitionValues } from '../support/relay-records.ts'
import { APP, SERVICE_WORKER } from './fixtures/offline-app.ts'

let browser: Browser
let site: Site
beforeAll(async () => {
  browser = await launchChromium()
  site = await buildSite()
  await writeFile(join(site.dir, 'sw.js'), SERVICE_WORKER)
  await writeFile(join(site.dir, 'app.js'), APP)
})
afterAll(async () => {
  await browser?.close()
  await site?.close()
  killServes()
})

interface RelayHandle {
  serve: ServeProcess
  url: string
  kafka: BrokerService & { close(): Promise<void> }
  dir: string
}

async function startRelay(
  extra: string[] = [],
  port?: number,
  dir?: string,
  allowOrigin = true,
): Promise<RelayHandle> {
  const data = dir ?? (await mkdtemp(join(tmpdir(), 'brook-offline-relay-')))
  const serve = await startServe([
    '--port',
    '0',
    '--http-port',
    String(port ?? (await freePort())),
    '--data-dir',
    data,
    ...(allowOrigin ? ['--allow-origin', site.url] : []),
    ...extra,
  ])
  const kafka = await connectKafka({ bootstrap: `127.0.0.1:${serve.port}` })
  return { serve, url: `http://127.0.0.1:${serve.httpPort}`, kafka, dir: data }
}

/** The notes `from..from+count-1` that land in `partition`, as the app writes them. */
function notes(from: number, count: number, partitions: number, partition: number, size = 0): string[] {
  const out: string[] = []
  for (let i = from; i < from + count; i++)
    if (i % partitions === partition) out.push(`note-${i}`.padEnd(size, '.'))
  return out
}

/** Opens the app (its service worker controlling the page, so it can reload offline). */
async function openApp(context: BrowserContext): Promise<Page> {
  const page = await context.newPage()
  page.on('pageerror', (e) => console.error('[page error]', e))
  await page.goto(`${site.url}/`)
  await page.evaluate(`(async () => {
    await navigator.serviceWorker.register('/sw.js')
    await navigator.serviceWorker.ready
    if (!navigator.serviceWorker.controller)
      await new Promise((ok) => navigator.serviceWorker.addEventListener('controllerchange', ok, { once: true }))
    // What the app loads later (reading records), kept by the service worker for offline use.
    await import('/lib/index.js')
  })()`)
  return page
}

/** Calls the app module's `fn` in the page (a string: vitest would rewrite a function's import()). */
function app<T>(page: Page, fn: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(
    `(async () => (await import('/app.js')).${fn}(...${JSON.stringify(args)}))()`,
  ) as Promise<T>
}

const status = (page: Page) => app<BrowserSyncStatus | null>(page, 'status')

/**
 * Two tabs of one broker on dedicated workers (each tab has its own; the Web Locks election picks
 * the broker): the first leads, the second follows. Once the sync is online (`whenOnline` runs
 * then), the network goes, each tab writes `perTab` notes over 3 partitions, and the network comes
 * back: resolves when the leader's upload has begun.
 */
async function twoTabsUploading(
  context: BrowserContext,
  relay: RelayHandle,
  name: string,
  perTab: number,
  extra: Record<string, unknown> = {},
  whenOnline?: () => Promise<void>,
): Promise<{ first: Page; second: Page }> {
  const options = {
    name,
    mode: 'dedicated',
    ...extra,
    sync: {
      url: relay.url,
      upload: ['notes'],
      intervalMs: 100,
      backoff: { initialDelayMs: 50, maxDelayMs: 300 },
    },
  }
  const first = await openApp(context)
  expect(await app(first, 'start', options)).toBe('leader')
  const second = await openApp(context)
  expect(await app(second, 'start', options)).toBe('follower')
  await first.evaluate(
    `window.brook.admin().createTopics({ topics: [{ topic: 'notes', numPartitions: 3 }] })`,
  )
  await expect.poll(async () => (await status(second))?.state, { timeout: 20_000 }).toBe('online')
  await whenOnline?.()
  await context.setOffline(true)
  await expect.poll(async () => (await status(second))?.network).toBe(false)
  await Promise.all([
    app(first, 'produce', 'notes', 0, perTab, 3, 100),
    app(second, 'produce', 'notes', perTab, perTab, 3, 100),
  ])
  await context.setOffline(false)
  await expect
    .poll(() => relayCount(relay.kafka, 'notes'), { timeout: 30_000, interval: 5 })
    .toBeGreaterThan(0)
  return { first, second }
}

/**
 * Freezes a page as a browser freezes a background tab, and its workers' JavaScript with it through
 * the DevTools Protocol: the page by `Page.setWebLifecycleState`, each worker by pausing it in the
 * debugger (Chromium does not freeze a frozen page's dedicated workers; a suspended mobile tab
 * stops them too). Messages to them wait; nothing of theirs runs until `thaw`.
 */
async function freezeWorkers(context: BrowserContext, page: Page): Promise<{ thaw(): Promise<void> }> {
  const cdp = await context.newCDPSession(page)
  const workers: string[] = []
  cdp.on('Target.attachedToTarget', (e) => {
    if (e.targetInfo.type === 'worker') workers.push(e.sessionId)
  })
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false })
  await expect.poll(() => workers.length).toBeGreaterThan(0)
  let id = 0
  const toWorkers = async (method: string) => {
    for (const sessionId of workers)
      await cdp.send('Target.sendMessageToTarget', {
        sessionId,
        message: JSON.stringify({ id: ++id, method, params: {} }),
      })
  }
  await toWorkers('Debugger.enable')
  await toWorkers('Debugger.pause')
  await cdp.send('Page.setWebLifecycleState', { state: 'frozen' })
  return {
    async thaw() {
      await cdp.send('Page.setWebLifecycleState', { state: 'active' })
      await toWorkers('Debugger.resume')
      await cdp.detach()
    },
  }
}

describe('an offline-first page that syncs with the relay', { timeout: 120_000 }, () => {
  it('goes offline, writes 10,000 records, reloads offline, and the relay gets each once when online; what kafka-python wrote meanwhile comes down', async () => {
    const relay = await startRelay()
    const context = await browser.newContext()
    try {
      const page = await openApp(context)
      const options = {
        name: 'offline-notes',
        sync: {
          url: relay.url,
          upload: ['notes'],
          download: ['news'],
          intervalMs: 200,
          backoff: { initialDelayMs: 50, maxDelayMs: 500 },
        },
      }
      await app(page, 'start', options)
      await page.evaluate(
        `window.brook.admin().createTopics({ topics: [{ topic: 'notes', numPartitions: 3 }] })`,
      )
      await expect.poll(async () => (await status(page))?.state, { timeout: 20_000 }).toBe('online')

      // The browser goes offline: the page tells the broker's worker, which stops syncing.
      await context.setOffline(true)
      await expect.poll(async () => (await status(page))?.network, { timeout: 10_000 }).toBe(false)
      expect((await status(page))?.state).toBe('offline')
      await app(page, 'produce', 'notes', 0, 6_000, 3)
      await expect
        .poll(async () => (await status(page))?.backlog.notes?.records, { timeout: 10_000 })
        .toBe(6_000)
      const waiting = (await status(page))!
      expect(waiting.backlog.notes!.bytes).toBeGreaterThan(6_000 * 6)
      expect(waiting.storage.usage).toBeGreaterThan(0)
      expect(waiting.storage.quota).toBeGreaterThan(0)
      expect(await relayCount(relay.kafka, 'notes')).toBe(0)

      // Meanwhile a Python service writes news at the relay.
      const py = await run('/usr/bin/python3', [
        '-c',
        `
from kafka import KafkaProducer
p = KafkaProducer(bootstrap_servers='127.0.0.1:${relay.serve.port}', acks='all')
for i in range(300):
    p.send('news', value=('news-%d' % i).encode(), partition=0)
p.flush()
`,
      ])
      expect(py.code, py.stderr).toBe(0)

      // Reload with no network: the service worker serves the app, the broker reopens IndexedDB.
      await page.reload()
      await app(page, 'start', options)
      await app(page, 'produce', 'notes', 6_000, 4_000, 3)
      await expect
        .poll(async () => (await status(page))?.backlog.notes?.records, { timeout: 10_000 })
        .toBeGreaterThanOrEqual(1)

      await context.setOffline(false)
      await expect.poll(() => relayCount(relay.kafka, 'notes'), { timeout: 60_000 }).toBe(10_000)
      for (let p = 0; p < 3; p++)
        expect(await relayPartitionValues(relay.kafka, 'notes', p)).toEqual(notes(0, 10_000, 3, p))
      await expect
        .poll(async () => (await status(page))?.backlog.notes, { timeout: 10_000 })
        .toEqual({ records: 0, bytes: 0 })
      expect((await status(page))?.network).toBe(true)
      // What the Python service wrote is in the page's broker, in order, none missing.
      await expect
        .poll(
          async () =>
            (await app<{ records: { value: string }[] }>(page, 'read', 'news', 0)).records.map(
              (r) => r.value,
            ),
          { timeout: 20_000 },
        )
        .toEqual(Array.from({ length: 300 }, (_, i) => `news-${i}`))
    } finally {
      await context.close()
      await relay.kafka.close()
    }
  })

  it('keeps the backlog whole and shows the error when the relay refuses the token; a tab with a good token, pause and setToken work as a user expects', async () => {
    const port = await freePort()
    const relay = await startRelay(['--http-token', 'good-token=User:notes'], port)
    const context = await browser.newContext()
    try {
      const page = await openApp(context)
      await app(page, 'start', {
        name: 'refused',
        sync: { url: relay.url, token: 'stale-token', upload: ['notes'], backoff: { maxDelayMs: 300 } },
      })
      await page.evaluate(
        `window.brook.admin().createTopics({ topics: [{ topic: 'notes', numPartitions: 2 }] })`,
      )
      await app(page, 'produce', 'notes', 0, 1_000, 2)
      await expect
        .poll(async () => (await status(page))?.lastError?.type, { timeout: 20_000 })
        .toBe('SASL_AUTHENTICATION_FAILED')
      const s = (await status(page))!
      expect(s.state).toBe('offline')
      expect(s.backlog.notes?.records).toBe(1_000)
      expect(await relayCount(relay.kafka, 'notes')).toBe(0)
      // Every record is still there to read locally.
      for (let p = 0; p < 2; p++)
        expect(
          (await app<{ records: { value: string }[] }>(page, 'read', 'notes', p)).records.map((r) => r.value),
        ).toEqual(notes(0, 1_000, 2, p))

      // A tab opened later with a token the relay accepts: the newest token wins, and the same
      // broker uploads each record once.
      const next = await openApp(context)
      await app(next, 'start', {
        name: 'refused',
        sync: { url: relay.url, token: 'good-token', upload: ['notes'], backoff: { maxDelayMs: 300 } },
      })
      await expect.poll(() => relayCount(relay.kafka, 'notes'), { timeout: 30_000 }).toBe(1_000)
      for (let p = 0; p < 2; p++)
        expect(await relayPartitionValues(relay.kafka, 'notes', p)).toEqual(notes(0, 1_000, 2, p))
      await expect.poll(async () => (await status(page))?.state, { timeout: 10_000 }).toBe('online')

      // Paused, the sync holds what is written; resumed, it goes up.
      await page.evaluate('window.brook.sync.pause()')
      await expect.poll(async () => (await status(next))?.state).toBe('paused')
      await app(page, 'produce', 'notes', 1_000, 100, 2)
      await expect.poll(async () => (await status(page))?.backlog.notes?.records).toBe(100)
      expect(await relayCount(relay.kafka, 'notes')).toBe(1_000)
      expect((await status(page))?.state).toBe('paused')
      await page.evaluate('window.brook.sync.resume()')
      await expect.poll(() => relayCount(relay.kafka, 'notes'), { timeout: 30_000 }).toBe(1_100)

      // A token that stops working, then a renewed one, given by the page.
      await page.evaluate(`window.brook.sync.setToken('revoked-token')`)
      await app(page, 'produce', 'notes', 1_100, 10, 2)
      await expect
        .poll(async () => (await status(page))?.lastError?.type, { timeout: 20_000 })
        .toBe('SASL_AUTHENTICATION_FAILED')
      await page.evaluate(`window.brook.sync.setToken('good-token')`)
      await expect.poll(() => relayCount(relay.kafka, 'notes'), { timeout: 30_000 }).toBe(1_110)
      for (let p = 0; p < 2; p++)
        expect(await relayPartitionValues(relay.kafka, 'notes', p)).toEqual(notes(0, 1_110, 2, p))
    } finally {
      await context.close()
      await relay.kafka.close()
    }
  })

  it("shows a relay that refuses the page's origin as CLUSTER_AUTHORIZATION_FAILED, not as an outage", async () => {
    const relay = await startRelay([], undefined, undefined, false)
    const context = await browser.newContext()
    try {
      const page = await openApp(context)
      await app(page, 'start', {
        name: 'foreign',
        sync: { url: relay.url, upload: ['notes'], backoff: { maxDelayMs: 300 } },
      })
      await expect
        .poll(async () => (await status(page))?.lastError, { timeout: 20_000 })
        .toMatchObject({
          type: 'CLUSTER_AUTHORIZATION_FAILED',
          message: expect.stringMatching(/not allowed/),
        })
    } finally {
      await context.close()
      await relay.kafka.close()
    }
  })

  it('sets aside a record the relay refuses for good, with its reason, and the next 1,000 flow', async () => {
    const relay = await startRelay()
    // The relay's topic takes batches up to 64 KiB.
    const made = await relay.kafka.createTopics({
      topics: [{ name: 'notes', numPartitions: 1, configs: { 'max.message.bytes': '65536' } }],
    })
    expect(made[0]?.errorCode).toBe(0)
    const context = await browser.newContext()
    try {
      const page = await openApp(context)
      await app(page, 'start', {
        name: 'poison',
        sync: { url: relay.url, upload: ['notes'], intervalMs: 100, backoff: { maxDelayMs: 300 } },
      })
      await page.evaluate(
        `window.brook.admin().createTopics({ topics: [{ topic: 'notes', numPartitions: 1 }] })`,
      )
      await app(page, 'produce', 'notes', 0, 10, 1)
      await app(page, 'produceOne', 'notes', 0, 'x'.repeat(100_000))
      await app(page, 'produce', 'notes', 10, 1_000, 1)
      await expect.poll(() => relayCount(relay.kafka, 'notes'), { timeout: 30_000 }).toBe(1_010)
      expect(await relayPartitionValues(relay.kafka, 'notes', 0)).toEqual(notes(0, 1_010, 1, 0))
      const dead = await app<{ records: { value: string; headers: Record<string, string> }[] }>(
        page,
        'read',
        'brook-dead-letters',
        0,
      )
      expect(dead.records).toHaveLength(1)
      expect(dead.records[0]!.value).toBe('x'.repeat(100_000))
      expect(dead.records[0]!.headers).toMatchObject({
        'brook.dlq.topic': 'notes',
        'brook.dlq.partition': '0',
        'brook.dlq.offset': '10',
        'brook.dlq.error': 'MESSAGE_TOO_LARGE',
      })
      await expect.poll(async () => (await status(page))?.backlog.notes?.records, { timeout: 10_000 }).toBe(0)
    } finally {
      await context.close()
      await relay.kafka.close()
    }
  })

  it('two tabs: only the leader uploads; closing it mid-upload lets the other take over, exactly once', async () => {
    const relay = await startRelay()
    const context = await browser.newContext()
    const metric = async () => {
      const text = await (await fetch(`${relay.url}/metrics`)).text()
      return Number(/brook_connections\{door="websocket"\} (\d+)/.exec(text)?.[1] ?? 0)
    }
    try {
      const { first, second } = await twoTabsUploading(context, relay, 'two-tabs', 20_000, {}, async () =>
        // The follower's status is the leader's: one syncer, one connection to the relay.
        expect(await metric()).toBe(1),
      )
      // The leader's tab goes, its worker with it, mid-upload.
      await first.close()
      const partial = await relayCount(relay.kafka, 'notes')
      expect(partial).toBeLessThan(40_000)
      await expect.poll(() => relayCount(relay.kafka, 'notes'), { timeout: 60_000 }).toBe(40_000)
      for (let p = 0; p < 3; p++) {
        const local = (await app<{ records: { value: string }[] }>(second, 'read', 'notes', p)).records.map(
          (r) => r.value,
        )
        expect(local).toHaveLength(notes(0, 40_000, 3, p).length)
        expect(await relayPartitionValues(relay.kafka, 'notes', p)).toEqual(local)
      }
      await expect.poll(metric, { timeout: 10_000 }).toBe(1)
    } finally {
      await context.close()
      await relay.kafka.close()
    }
  })

  it('a frozen leader tab: another takes over, and the leader, thawed, is fenced — each record once', async () => {
    const relay = await startRelay()
    const context = await browser.newContext()
    try {
      const { first, second } = await twoTabsUploading(context, relay, 'frozen-leader', 15_000, {
        leaderTimeoutMs: 2_000,
      })

      // Mid-upload the network goes, and while the leader's tab is in the background it is frozen:
      // the page by the Page Lifecycle API, its worker's JavaScript by the debugger (Chromium keeps
      // a frozen page's dedicated worker running). Frozen while quiet — no IndexedDB transaction of
      // its own open, as a browser freezes between tasks — it still holds the leader lock, so
      // nothing but a takeover lets the upload go on.
      await context.setOffline(true)
      await expect.poll(async () => (await status(second))?.state, { timeout: 10_000 }).toBe('offline')
      const quiet = async () => JSON.stringify(await status(second))
      let last = ''
      await expect
        .poll(async () => {
          const now = await quiet()
          const same = now === last
          last = now
          return same
        })
        .toBe(true)
      const frozen = await freezeWorkers(context, first)
      const partial = await relayCount(relay.kafka, 'notes')
      expect(partial).toBeLessThan(30_000)
      // The network is back. The other tab hears nothing from the leader, takes the lock and
      // finishes the upload; what the frozen leader may have left in flight is settled once.
      await context.setOffline(false)
      await expect.poll(() => relayCount(relay.kafka, 'notes'), { timeout: 60_000 }).toBe(30_000)

      // Thawed, the former leader finds its writes fenced and its lock gone: it follows, and what
      // its page writes now goes up once through the new leader.
      await frozen.thaw()
      await app(first, 'produce', 'notes', 30_000, 300, 3, 100)
      await expect.poll(() => relayCount(relay.kafka, 'notes'), { timeout: 30_000 }).toBe(30_300)
      for (let p = 0; p < 3; p++) {
        const local = (await app<{ records: { value: string }[] }>(first, 'read', 'notes', p)).records.map(
          (r) => r.value,
        )
        expect(local).toHaveLength(notes(0, 30_300, 3, p).length)
        expect(await relayPartitionValues(relay.kafka, 'notes', p)).toEqual(local)
      }
      await expect
        .poll(async () => (await status(first))?.backlog.notes, { timeout: 10_000 })
        .toEqual({ records: 0, bytes: 0 })
    } finally {
      await context.close()
      await relay.kafka.close()
    }
  })

  it('a full store refuses new appends with KAFKA_STORAGE_ERROR after giving back what was uploaded; nothing unsent is lost', async () => {
    const relay = await startRelay()
    const context = await browser.newContext()
    try {
      const page = await openApp(context)
      const cdp = await context.newCDPSession(page)
      await cdp.send('Storage.overrideQuotaForOrigin', { origin: site.url, quotaSize: 4 * 1024 * 1024 })
      await app(page, 'start', {
        name: 'quota',
        sync: { url: relay.url, upload: ['notes'], intervalMs: 100, backoff: { maxDelayMs: 300 } },
      })
      await page.evaluate(
        `window.brook.admin().createTopics({ topics: [{ topic: 'notes', numPartitions: 1 }] })`,
      )
      // Incompressible values (IndexedDB compresses what it stores): the same text in the page.
      const valueSource = `(i) => {
        let x = i + 1, s = 'note-' + i + ':'
        while (s.length < 400000) { x = (x * 1103515245 + 12345) % 2147483648; s += (x >>> 4).toString(36) }
        return s.slice(0, 400000)
      }`
      const value = new Function(`return ${valueSource}`)() as (i: number) => string
      await page.evaluate(`window.noteValue = ${valueSource}`)
      // 2 MB written and uploaded while online (Chrome enforces quotas roughly, so values are big).
      for (let i = 0; i < 5; i++)
        await page.evaluate(
          `(async () => (await import('/app.js')).produceOne('notes', 0, noteValue(${i})))()`,
        )
      await expect.poll(() => relayCount(relay.kafka, 'notes'), { timeout: 30_000 }).toBe(5)
      // The relay has them a moment before the page records that it has (the upload position
      // moves after the relay's answer): only then are all five known to be uploaded.
      await expect.poll(async () => (await status(page))?.backlog.notes?.records, { timeout: 10_000 }).toBe(0)

      // Offline, the store fills up: what the relay has goes first, then appends are refused.
      await context.setOffline(true)
      await expect.poll(async () => (await status(page))?.network).toBe(false)
      const outcome = (await page.evaluate(`(async () => {
        const { produceOne } = await import('/app.js')
        for (let i = 5; i < 100; i++) {
          try {
            await produceOne('notes', 0, noteValue(i))
          } catch (e) {
            return { acked: i - 5, error: { name: e.name, type: e.type, message: e.message } }
          }
        }
        return { acked: 95 }
      })()`)) as { acked: number; error?: { name: string; type: string; message: string } }
      expect(outcome.error).toMatchObject({ name: 'BrookError', type: 'KAFKA_STORAGE_ERROR' })
      expect(outcome.error!.message).toMatch(/quota exceeded/)
      expect(outcome.acked).toBeGreaterThan(0)
      const full = (await status(page))!
      expect(full.reclaimed).toBe(5)
      expect(full.backlog.notes?.records).toBe(outcome.acked)
      // The local copies of the uploaded records are gone; every unsent one is still there.
      const local = await app<{ records: { offset: number }[] }>(page, 'read', 'notes', 0)
      expect(local.records.map((r) => r.offset)).toEqual(
        Array.from({ length: outcome.acked }, (_, i) => 5 + i),
      )

      await context.setOffline(false)
      const total = 5 + outcome.acked
      await expect.poll(() => relayCount(relay.kafka, 'notes'), { timeout: 30_000 }).toBe(total)
      expect(await relayPartitionValues(relay.kafka, 'notes', 0)).toEqual(
        Array.from({ length: total }, (_, i) => value(i)),
      )
    } finally {
      await context.close()
      await relay.kafka.close()
    }
  })

  it('heals when the browser wipes the database under it, and says how many unsent records were lost', async () => {
    const relay = await startRelay()
    const context = await browser.newContext()
    try {
      const page = await openApp(context)
      await app(page, 'start', {
        name: 'wiped',
        sync: { url: relay.url, upload: ['notes'], intervalMs: 100, backoff: { maxDelayMs: 300 } },
      })
      const createNotes = `window.brook.admin().createTopics({ topics: [{ topic: 'notes', numPartitions: 3 }] })`
      await page.evaluate(createNotes)
      await context.setOffline(true)
      await expect.poll(async () => (await status(page))?.network).toBe(false)
      await app(page, 'produce', 'notes', 0, 100, 3)
      await expect.poll(async () => (await status(page))?.backlog.notes?.records).toBe(100)

      // The user clears the site's data (or the browser evicts it) while the broker runs.
      const cdp = await context.newCDPSession(page)
      await cdp.send('Storage.clearDataForOrigin', { origin: site.url, storageTypes: 'indexeddb' })
      await expect
        .poll(async () => (await status(page).catch(() => null))?.lost, { timeout: 20_000 })
        .toBe(100)
      expect((await status(page))?.lastError).toMatchObject({
        type: 'KAFKA_STORAGE_ERROR',
        message: expect.stringMatching(/100 records not yet uploaded were lost/),
      })
      // The broker works again, on a new store: what is written now goes up once.
      await page.evaluate(createNotes)
      await app(page, 'produce', 'notes', 1_000, 50, 3)
      await context.setOffline(false)
      await expect.poll(() => relayCount(relay.kafka, 'notes'), { timeout: 30_000 }).toBe(50)
      for (let p = 0; p < 3; p++)
        expect(await relayPartitionValues(relay.kafka, 'notes', p)).toEqual(notes(1_000, 50, 3, p))
    } finally {
      await context.close()
      await relay.kafka.close()
    }
  })

  it('a database evicted while no tab ran: the next tab says how many unsent records were lost, once for all tabs', async () => {
    const relay = await startRelay()
    const context = await browser.newContext()
    const cdpBrowser = await browser.newBrowserCDPSession()
    const sharedWorkers = async () =>
      ((await cdpBrowser.send('Target.getTargets')).targetInfos as { type: string; url: string }[]).filter(
        (t) => t.type === 'shared_worker' && t.url.startsWith(site.url),
      ).length
    const options = {
      name: 'evicted',
      sync: { url: relay.url, upload: ['notes'], intervalMs: 100, backoff: { maxDelayMs: 300 } },
    }
    try {
      const page = await openApp(context)
      await app(page, 'start', options)
      await page.evaluate(
        `window.brook.admin().createTopics({ topics: [{ topic: 'notes', numPartitions: 3 }] })`,
      )
      await context.setOffline(true)
      await expect.poll(async () => (await status(page))?.network).toBe(false)
      await app(page, 'produce', 'notes', 0, 80, 3)
      const noted = () =>
        page.evaluate(() => JSON.parse(localStorage.getItem('brook:evicted:unsent') ?? 'null'))
      await expect.poll(noted).toMatchObject({ unsent: 80 })
      const before = (await noted()) as { store: string }

      // Every tab closes, so the broker's worker ends; then the browser evicts the database.
      await page.close()
      await expect.poll(sharedWorkers, { timeout: 20_000 }).toBe(0)
      const next = await openApp(context)
      const cdp = await context.newCDPSession(next)
      await cdp.send('Storage.clearDataForOrigin', { origin: site.url, storageTypes: 'indexeddb' })

      await app(next, 'start', options)
      await expect.poll(async () => (await status(next))?.lost, { timeout: 20_000 }).toBe(80)
      expect((await status(next))?.lastError).toMatchObject({
        type: 'KAFKA_STORAGE_ERROR',
        message: expect.stringMatching(/80 records not yet uploaded were lost/),
      })
      // The note now names the new database; a second tab does not count the loss again.
      const renewed = (await next.evaluate(() =>
        JSON.parse(localStorage.getItem('brook:evicted:unsent') ?? 'null'),
      )) as { store: string; unsent: number }
      expect(renewed.store).not.toBe(before.store)
      expect(renewed.unsent).toBe(0)
      const third = await openApp(context)
      await app(third, 'start', options)
      expect((await status(third))?.lost).toBe(80)
      expect((await status(next))?.lost).toBe(80)
    } finally {
      await cdpBrowser.detach().catch(() => {})
      await context.close()
      await relay.kafka.close()
    }
  })

  it('is exactly once when the relay is killed (kill -9) mid-upload and restarted', async () => {
    const port = await freePort()
    let relay = await startRelay([], port)
    const context = await browser.newContext()
    try {
      const page = await openApp(context)
      await app(page, 'start', {
        name: 'relay-crash',
        sync: {
          url: relay.url,
          upload: ['notes'],
          intervalMs: 100,
          backoff: { initialDelayMs: 50, maxDelayMs: 300 },
        },
      })
      await page.evaluate(
        `window.brook.admin().createTopics({ topics: [{ topic: 'notes', numPartitions: 3 }] })`,
      )
      // The backlog builds up offline, so that the upload is under way when the relay dies.
      await context.setOffline(true)
      await expect.poll(async () => (await status(page))?.network).toBe(false)
      await app(page, 'produce', 'notes', 0, 30_000, 3, 100)
      await context.setOffline(false)
      // Killed once some, but not all, of the backlog is up.
      await expect
        .poll(() => relayCount(relay.kafka, 'notes'), { timeout: 30_000, interval: 5 })
        .toBeGreaterThan(0)
      const partial = await relayCount(relay.kafka, 'notes')
      relay.serve.proc.kill('SIGKILL')
      await relay.serve.exited
      await relay.kafka.close().catch(() => {})
      expect(partial).toBeLessThan(30_000)
      await expect.poll(async () => (await status(page))?.state, { timeout: 10_000 }).toBe('offline')
      relay = await startRelay([], port, relay.dir)
      await expect.poll(() => relayCount(relay.kafka, 'notes'), { timeout: 60_000 }).toBe(30_000)
      for (let p = 0; p < 3; p++)
        expect(await relayPartitionValues(relay.kafka, 'notes', p)).toEqual(notes(0, 30_000, 3, p, 100))
    } finally {
      await context.close()
      await relay.kafka.close()
    }
  })
})
