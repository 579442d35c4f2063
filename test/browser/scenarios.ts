/**
 * @module Scenarios for tabs sharing one browser broker, in real headless Chromium. Each hosting
 * path runs them from its own test file: the SharedWorker, and the fallback (SharedWorker deleted
 * before page scripts run → a dedicated Worker per tab, Web Locks leader election, BroadcastChannel
 * forwarding). Each test gets its own browser context, hence its own origin storage.
 */

import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Seen, Tab } from './fixtures/tab.ts'
import type { Site } from './harness.ts'
import { buildSite, launchChromium } from './harness.ts'

declare const tab: Tab

let site: Site
let browser: Browser

/** Builds the package and the tab page, starts Chromium; call once at the top of a test file. */
export function useBrowser(): void {
  beforeAll(async () => {
    site = await buildSite({ pages: { tab: 'test/browser/fixtures/tab.ts' } })
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await site?.close()
  })
}

export function currentBrowser(): { browser: Browser; site: Site } {
  return { browser, site }
}

interface Join {
  name: string
  /** When the test heard of it (Date.now() in Node). */
  at: number
  payload: { memberAssignment: Record<string, number[]> }
}

interface Reports {
  acked: string[]
  msgs: { name: string; partition: number; offset: number; value: string }[]
  joins: Join[]
}

export async function openTab(
  context: BrowserContext,
  noSharedWorker: boolean,
): Promise<{ page: Page; reports: Reports }> {
  const page = await context.newPage()
  const reports: Reports = { acked: [], msgs: [], joins: [] }
  if (noSharedWorker) {
    await page.addInitScript(() => {
      delete (window as { SharedWorker?: unknown }).SharedWorker
    })
  }
  await page.exposeFunction('__report', (kind: string, data: unknown) => {
    if (kind === 'acked') reports.acked.push(...(data as string[]))
    else if (kind === 'msg') reports.msgs.push(data as Reports['msgs'][number])
    else if (kind === 'join') reports.joins.push({ ...(data as Omit<Join, 'at'>), at: Date.now() })
  })
  page.on('pageerror', (e) => console.error('[page error]', e.message))
  await page.goto(`${site.url}/`)
  await loadTab(page)
  return { page, reports }
}

async function loadTab(page: Page): Promise<void> {
  await page.addScriptTag({ type: 'module', url: '/pages/tab.js' })
  await page.waitForFunction(() => 'tab' in globalThis)
}

/** Partitions of `topic` that member `name` was last assigned, or undefined before its first join. */
function lastAssignment(reports: Reports, name: string, topic: string): number[] | undefined {
  const joins = reports.joins.filter((j) => j.name === name)
  return joins.at(-1)?.payload.memberAssignment[topic] ?? (joins.length > 0 ? [] : undefined)
}

/**
 * Two tabs, one member each (default session timeout and heartbeat: 30 s and 3 s), on a topic of 2
 * partitions, each member owning one.
 */
async function twoMemberTabs(
  context: BrowserContext,
  noSharedWorker: boolean,
  broker: string,
  opts: { bConnectsFirst?: boolean } = {},
) {
  const a = await openTab(context, noSharedWorker)
  const b = await openTab(context, noSharedWorker)
  for (const t of opts.bConnectsFirst ? [b, a] : [a, b])
    await t.page.evaluate((name) => tab.connect({ name }), broker)
  await a.page.evaluate(() => tab.createTopic('work', 2))
  void a.page.evaluate(() => tab.member('work', 'g', 'A', Infinity, 'default'))
  await until('A to own both partitions', () => lastAssignment(a.reports, 'A', 'work')?.length === 2)
  void b.page.evaluate(() => tab.member('work', 'g', 'B', Infinity, 'default'))
  await until(
    'A and B to own one partition each',
    () =>
      lastAssignment(a.reports, 'A', 'work')?.length === 1 &&
      lastAssignment(b.reports, 'B', 'work')?.length === 1,
  )
  return { a, b }
}

export async function until(what: string, cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

/** Kills every SharedWorker of the browser through CDP, as a crash would; returns how many. */
export async function killSharedWorkers(): Promise<number> {
  const cdp = await browser.newBrowserCDPSession()
  try {
    const { targetInfos } = await cdp.send('Target.getTargets')
    const workers = targetInfos.filter((t) => t.type === 'shared_worker')
    for (const t of workers) await cdp.send('Target.closeTarget', { targetId: t.targetId })
    const left = (await cdp.send('Target.getTargets')).targetInfos.filter((t) => t.type === 'shared_worker')
    expect(left).toEqual([])
    return workers.length
  } finally {
    await cdp.detach()
  }
}

/** Every value once, and per partition: offsets ascending, each producer's records in send order. */
export function checkLog(seen: Seen[], expected: string[]): void {
  const values = seen.map((s) => s.value)
  expect(new Set(values).size).toBe(values.length)
  expect([...values].sort()).toEqual([...expected].sort())
  const byPartition = new Map<number, Seen[]>()
  for (const s of seen) byPartition.set(s.partition, [...(byPartition.get(s.partition) ?? []), s])
  for (const list of byPartition.values()) {
    for (let i = 1; i < list.length; i++) expect(list[i]!.offset).toBeGreaterThan(list[i - 1]!.offset)
    const last = new Map<string, number>()
    for (const s of list) {
      const [prefix, n] = s.value.split('-') as [string, string]
      expect(Number(n)).toBeGreaterThan(last.get(prefix) ?? -1)
      last.set(prefix, Number(n))
    }
  }
}

export function describeTabScenarios(mode: string, noSharedWorker: boolean): void {
  describe(`tabs over ${mode}`, () => {
    const expectedRole = noSharedWorker ? 'leader' : 'shared'

    it('two tabs produce to one topic; a third consumes everything, in order per partition, exactly once', async () => {
      const context = await browser.newContext()
      try {
        const [a, b, c] = [
          await openTab(context, noSharedWorker),
          await openTab(context, noSharedWorker),
          await openTab(context, noSharedWorker),
        ]
        expect(await a.page.evaluate(() => tab.connect({ name: 'b1' }))).toBe(expectedRole)
        expect(await b.page.evaluate(() => tab.connect({ name: 'b1' }))).toBe(
          noSharedWorker ? 'follower' : 'shared',
        )
        await c.page.evaluate(() => tab.connect({ name: 'b1' }))
        await a.page.evaluate(() => tab.createTopic('events', 3))
        const [na, nb] = await Promise.all([
          a.page.evaluate(() => tab.produce('events', 'a', 300)),
          b.page.evaluate(() => tab.produce('events', 'b', 300)),
        ])
        expect(na + nb).toBe(600)
        const seen = await c.page.evaluate(() => tab.consumeAll('events', 'reader', 600))
        checkLog(seen, [...a.reports.acked, ...b.reports.acked])
        expect(new Set(seen.map((s) => s.partition))).toEqual(new Set([0, 1, 2]))
        // Nothing beyond the 600 read: a duplicate stored past them would otherwise go unseen.
        const stored = await c.page.evaluate(() => tab.offsets('events'))
        expect(stored.reduce((n, p) => n + p.high - p.low, 0)).toBe(600)
      } finally {
        await context.close()
      }
    })

    it('closing the first (leader) tab during a produce stream loses no acknowledged record and duplicates none', async () => {
      const context = await browser.newContext()
      try {
        const a = await openTab(context, noSharedWorker)
        const b = await openTab(context, noSharedWorker)
        expect(await a.page.evaluate(() => tab.connect({ name: 'b2' }))).toBe(expectedRole)
        await b.page.evaluate(() => tab.connect({ name: 'b2' }))
        await b.page.evaluate(() => tab.createTopic('stream', 2))
        const stream = b.page.evaluate(() => tab.produce('stream', 'b', 400, { chunk: 5 }))
        await until('first acknowledgements', () => b.reports.acked.length >= 60)
        if (noSharedWorker) expect(await b.page.evaluate(() => tab.role())).toBe('follower')
        await a.page.close({ runBeforeUnload: false })
        expect(await stream).toBe(400)
        if (noSharedWorker) expect(await b.page.evaluate(() => tab.role())).toBe('leader')
        const c = await openTab(context, noSharedWorker)
        await c.page.evaluate(() => tab.connect({ name: 'b2' }))
        const seen = await c.page.evaluate(() => tab.consumeAll('stream', 'check', 400))
        checkLog(seen, b.reports.acked)
        // A request resent after the leader died must not have been stored twice.
        const stored = await c.page.evaluate(() => tab.offsets('stream'))
        expect(stored.reduce((n, p) => n + p.high - p.low, 0)).toBe(400)
      } finally {
        await context.close()
      }
    })

    it('crash mid acks=all streams: every acknowledged record is there once; offsets and producer state survive', async () => {
      const context = await browser.newContext()
      try {
        const a = await openTab(context, noSharedWorker)
        await a.page.evaluate(() => tab.connect({ name: 'b3' }))
        await a.page.evaluate(() => tab.createTopic('crash', 2))
        await a.page.evaluate(() => tab.produce('crash', 'pre', 20))
        await a.page.evaluate(() => tab.consumeAll('crash', 'kept', 20))
        const committed = await a.page.evaluate(() => tab.committed('kept', 'crash'))
        expect(committed.reduce((n, p) => n + p.offset, 0)).toBe(20)
        const first = await a.page.evaluate(() => tab.rawIdempotent('crash', null, 0))
        expect(first.errorCode).toBe(0)

        // Two concurrent acks=all streams, then the worker dies with the page (a SharedWorker with its
        // last page, a dedicated Worker with its tab) while requests are in flight.
        void a.page.evaluate(() => tab.produce('crash', 'x', 100_000, { chunk: 7 })).catch(() => {})
        void a.page.evaluate(() => tab.produce('crash', 'y', 100_000, { chunk: 3 })).catch(() => {})
        await until('acknowledgements before the crash', () => a.reports.acked.length >= 200)
        if (!noSharedWorker) expect(await killSharedWorkers()).toBe(1)
        await a.page.close({ runBeforeUnload: false })
        const acked = [...a.reports.acked]

        const b = await openTab(context, noSharedWorker)
        await b.page.evaluate(() => tab.connect({ name: 'b3' }))
        const offsets = await b.page.evaluate(() => tab.offsets('crash'))
        const total = offsets.reduce((n, p) => n + p.high - p.low, 0)
        const seen = await b.page.evaluate((n) => tab.consumeAll('crash', 'after', n), total)
        const values = seen.map((s) => s.value)
        expect(values.length).toBe(total)
        expect(new Set(values).size).toBe(values.length)
        for (const v of acked) expect(values).toContain(v)
        expect(await b.page.evaluate(() => tab.committed('kept', 'crash'))).toEqual(committed)
        // Resending the pre-crash idempotent batch is recognised as a duplicate, not stored again.
        const again = await b.page.evaluate((id) => tab.rawIdempotent('crash', id, 0), {
          producerId: first.producerId,
          producerEpoch: first.producerEpoch,
        })
        expect(again.errorCode).toBe(0)
        expect(again.baseOffset).toBe(first.baseOffset)
        expect(await b.page.evaluate(() => tab.offsets('crash'))).toEqual(offsets)
      } finally {
        await context.close()
      }
    })

    it('group across tabs: closing a member tab moves its partitions, redelivering after the last commit', async () => {
      const context = await browser.newContext()
      try {
        const a = await openTab(context, noSharedWorker)
        const b = await openTab(context, noSharedWorker)
        await a.page.evaluate(() => tab.connect({ name: 'b4' }))
        await b.page.evaluate(() => tab.connect({ name: 'b4' }))
        await a.page.evaluate(() => tab.createTopic('work', 2))
        await a.page.evaluate(() => tab.produce('work', 'p0', 20, { partition: 0 }))
        await a.page.evaluate(() => tab.produce('work', 'p1', 20, { partition: 1 }))

        // A alone owns both partitions, processes all 40, commits only offsets below 5.
        void a.page.evaluate(() => tab.member('work', 'g', 'A', 5))
        await until('A to process everything', () => a.reports.msgs.length >= 40)
        // B joins: the partitions are split between the tabs.
        void b.page.evaluate(() => tab.member('work', 'g', 'B'))
        await until('B to receive a partition', () => b.reports.msgs.length > 0)
        const firstOfB = b.reports.msgs[0]!
        expect(firstOfB.offset).toBe(5)

        // A's tab closes without leaving: B owns both partitions (at once: the broker sees the tab go)
        // and receives every record after the last commit of the partition it took over.
        await a.page.close({ runBeforeUnload: false })
        await until(
          'B to own both partitions',
          () => new Set(b.reports.msgs.map((m) => m.partition)).size === 2,
          25_000,
        )
        const other = 1 - firstOfB.partition
        await until('redelivery to B', () => b.reports.msgs.filter((m) => m.partition === other).length >= 15)
        const redelivered = b.reports.msgs.filter((m) => m.partition === other).map((m) => m.offset)
        expect(redelivered.slice(0, 15)).toEqual(Array.from({ length: 15 }, (_, i) => 5 + i))
        await b.page.evaluate(() => tab.stopMembers())
      } finally {
        await context.close()
      }
    })

    it('a reloaded tab in a two-tab group gets its partitions back within 2 s', async () => {
      const context = await browser.newContext()
      try {
        const { a, b } = await twoMemberTabs(context, noSharedWorker, 'b5')
        const joinsBefore = a.reports.joins.length
        const reloaded = Date.now()
        await a.page.reload()
        await loadTab(a.page)
        await a.page.evaluate(() => tab.connect({ name: 'b5' }))
        void a.page.evaluate(() => tab.member('work', 'g', 'A', Infinity, 'default'))
        await until(
          'the reloaded A to own a partition again',
          () => a.reports.joins.length > joinsBefore && lastAssignment(a.reports, 'A', 'work')?.length === 1,
        )
        const back = a.reports.joins.at(-1)!.at - reloaded
        expect(back, `partitions back ${back} ms after the reload`).toBeLessThan(2000)
        // B's report of the same rebalance reaches the test on its own page's time.
        await until('B to own one partition', () => lastAssignment(b.reports, 'B', 'work')?.length === 1)
        await b.page.evaluate(() => tab.stopMembers())
      } finally {
        await context.close()
      }
    })

    it("a crashed tab's partitions move to the other tab within 2 s", async () => {
      const context = await browser.newContext()
      try {
        // B starts the broker, so the broker lives on: Chromium runs a SharedWorker in the process of
        // the page that started it, and a leader's broker in that page's own worker.
        const { a, b } = await twoMemberTabs(context, noSharedWorker, 'b7', { bConnectsFirst: true })
        const cdp = await context.newCDPSession(a.page)
        const crash = new Promise((ok) => a.page.once('crash', ok))
        const crashed = Date.now()
        // The renderer dies: no pagehide, no unload, nothing the page could run. (The command
        // itself never answers: the page that would answer is gone.)
        void cdp.send('Page.crash').catch(() => {})
        await crash
        await until('B to own both partitions', () => lastAssignment(b.reports, 'B', 'work')?.length === 2)
        const moved = b.reports.joins.at(-1)!.at - crashed
        expect(moved, `partitions moved ${moved} ms after the crash`).toBeLessThan(2000)
        await b.page.evaluate(() => tab.stopMembers())
      } finally {
        await context.close()
      }
    })

    it("a closed tab's partitions move to the other tab within 2 s", async () => {
      const context = await browser.newContext()
      try {
        const { a, b } = await twoMemberTabs(context, noSharedWorker, 'b6')
        const closed = Date.now()
        await a.page.close({ runBeforeUnload: false })
        await until('B to own both partitions', () => lastAssignment(b.reports, 'B', 'work')?.length === 2)
        const moved = b.reports.joins.at(-1)!.at - closed
        expect(moved, `partitions moved ${moved} ms after the close`).toBeLessThan(2000)
        await b.page.evaluate(() => tab.stopMembers())
      } finally {
        await context.close()
      }
    })
  })
}
