/**
 * @module IdbStore behaviour beyond the shared contract, in real Chromium: group commit, flush,
 * durability modes, storage quota errors that leave nothing half-written, and schema versioning.
 */

import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Site } from './harness.ts'
import { buildSite, launchChromium, openPage } from './harness.ts'

interface Api {
  IdbStore: typeof import('../../src/worker/idb-store.ts').IdbStore
  BrookError: typeof import('../../src/core/errors.ts').BrookError
  batch(baseOffset: number, count: number, valueSize: number): Uint8Array
  readBatchHeader: typeof import('../../src/core/format/record-batch.ts').readBatchHeader
  readwriteCount(): number
}
declare const brookIdb: Api

describe('IdbStore in Chromium', () => {
  let site: Site
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    site = await buildSite({ pages: { idb: 'test/browser/fixtures/idb-page.ts' } })
    browser = await launchChromium()
    page = await openPage(await browser.newContext(), site)
    await page.addScriptTag({ type: 'module', url: '/pages/idb.js' })
    await page.waitForFunction(() => 'brookIdb' in globalThis)
  })
  afterAll(async () => {
    await browser?.close()
    await site?.close()
  })

  it('commits writes issued together by many producers in one transaction', async () => {
    const r = await page.evaluate(async () => {
      const s = await brookIdb.IdbStore.open({ name: 'group-commit' })
      const before = brookIdb.readwriteCount()
      const writes: Promise<void>[] = []
      for (let p = 0; p < 64; p++) writes.push(s.append('t', p, [brookIdb.batch(0, 1, 100)]))
      writes.push(s.setMeta('producers/1', { seq: 64 }))
      await Promise.all(writes)
      const used = brookIdb.readwriteCount() - before
      const stored = await Promise.all(Array.from({ length: 64 }, (_, p) => s.read('t', p, 0, 1 << 20)))
      await s.close()
      return { used, stored: stored.map((x) => x.length), meta: true }
    })
    expect(r.used).toBe(1)
    expect(r.stored).toEqual(Array(64).fill(1))
  })

  it('groups writes that arrive while a commit is in flight into the next one', async () => {
    const r = await page.evaluate(async () => {
      const s = await brookIdb.IdbStore.open({ name: 'group-commit-2' })
      const before = brookIdb.readwriteCount()
      const first = s.append('t', 0, [brookIdb.batch(0, 1, 100)])
      // Separate tasks, as messages from different tabs would arrive, while the first commits. A
      // MessageChannel task, not setTimeout: nested timers are clamped to 4 ms, longer than a commit
      // on a fast disk, which would let every write find the store idle.
      const channel = new MessageChannel()
      const nextTask = () =>
        new Promise<void>((ok) => {
          channel.port1.onmessage = () => ok()
          channel.port2.postMessage(null)
        })
      const later: Promise<void>[] = []
      for (let i = 1; i <= 20; i++) {
        await nextTask()
        later.push(s.append('t', 0, [brookIdb.batch(i, 1, 100)]))
      }
      await Promise.all([first, ...later])
      const used = brookIdb.readwriteCount() - before
      const bases = (await s.read('t', 0, 0, 1 << 20)).map((b) => brookIdb.readBatchHeader(b).baseOffset)
      await s.close()
      return { used, bases }
    })
    expect(r.bases).toEqual(Array.from({ length: 21 }, (_, i) => i))
    expect(r.used).toBeLessThan(21)
  })

  it('flush() waits for writes issued before it, in both durability modes, and they survive a reopen', async () => {
    const r = await page.evaluate(async () => {
      const out: number[][] = []
      for (const durability of ['strict', 'relaxed'] as const) {
        const s = await brookIdb.IdbStore.open({ name: `flush-${durability}`, durability })
        void s.append('t', 0, [brookIdb.batch(0, 3, 10)])
        void s.append('t', 0, [brookIdb.batch(3, 3, 10)])
        void s.setMeta('committed/g/t/0', 4)
        await s.flush()
        // A second connection sees only committed data: the flush must have covered all three.
        const other = await brookIdb.IdbStore.open({ name: `flush-${durability}` })
        const bases = (await other.read('t', 0, 0, 1 << 20)).map(
          (b) => brookIdb.readBatchHeader(b).baseOffset,
        )
        bases.push((await other.getMeta('committed/g/t/0')) as number)
        out.push(bases)
        await other.close()
        await s.close()
      }
      return out
    })
    expect(r).toEqual([
      [0, 3, 4],
      [0, 3, 4],
    ])
  })

  it('fails a write past the storage quota with a clear KAFKA_STORAGE_ERROR, keeping earlier data', async () => {
    const context = await browser.newContext()
    const p = await openPage(context, site)
    await p.addScriptTag({ type: 'module', url: '/pages/idb.js' })
    await p.waitForFunction(() => 'brookIdb' in globalThis)
    const cdp = await context.newCDPSession(p)
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: site.url, quotaSize: 2 * 1024 * 1024 })
    const r = await p.evaluate(async () => {
      const s = await brookIdb.IdbStore.open({ name: 'quota' })
      await s.append('t', 0, [brookIdb.batch(0, 1, 64 * 1024)])
      await s.setMeta('k', 'before')
      let error: { name: string; type: string; code: number; retriable: boolean; message: string } | null =
        null
      let offset = 1
      // Bounded: 2 MB quota, 512 kB per group; stops at the first failure.
      for (let i = 0; i < 40 && !error; i++) {
        try {
          await Promise.all([
            s.append('t', 0, [brookIdb.batch(offset, 1, 512 * 1024)]),
            s.setMeta('k', `during ${i}`),
          ])
          offset++
        } catch (e) {
          const b = e as InstanceType<typeof brookIdb.BrookError>
          error = { name: b.name, type: b.type, code: b.code, retriable: b.retriable, message: b.message }
        }
      }
      const bases = (await s.read('t', 0, 0, 1 << 30)).map((b) => brookIdb.readBatchHeader(b).baseOffset)
      const meta = await s.getMeta('k')
      const refusals = s.quotaRefusals
      await s.close()
      return { error, bases, offset, meta, refusals }
    })
    await context.close()
    expect(r.error).toMatchObject({ name: 'BrookError', type: 'KAFKA_STORAGE_ERROR', code: 56 })
    expect(r.error!.message).toMatch(/quota exceeded/)
    // The owner tells "full" from other storage failures by this count (the sync reclaims then).
    expect(r.refusals).toBe(1)
    // Everything acknowledged before the failure is there; nothing of the failed group is.
    expect(r.bases).toEqual(Array.from({ length: r.offset }, (_, i) => i))
    expect(r.meta).toBe(r.offset === 1 ? 'before' : `during ${r.offset - 2}`)
  })

  it('refuses further use once closed, with a storage error instead of a hang', async () => {
    const r = await page.evaluate(async () => {
      const s = await brookIdb.IdbStore.open({ name: 'closed' })
      await s.close()
      try {
        await s.append('t', 0, [brookIdb.batch(0, 1, 10)])
        return 'no error'
      } catch (e) {
        return (e as Error).message
      }
    })
    expect(r).toMatch(/KAFKA_STORAGE_ERROR/)
  })

  it('fences a former writer: once another store opens with its own token, every write of the first is refused whole and nothing of it is stored', async () => {
    const r = await page.evaluate(async () => {
      let told = 0
      const old = await brookIdb.IdbStore.open({ name: 'fenced', fence: 'tab-a:1', onFenced: () => told++ })
      await old.append('t', 0, [brookIdb.batch(0, 1, 100)])
      // A second leader (another tab's worker) opens the same database: the first is not told yet.
      const next = await brookIdb.IdbStore.open({ name: 'fenced', fence: 'tab-b:1' })
      const before = old.fenced
      // The former leader thaws and writes a batch and its producer state in one group.
      const late = await Promise.allSettled([
        old.append('t', 0, [brookIdb.batch(1, 1, 100)]),
        old.setMeta('producers/1', { seq: 1 }),
      ])
      const later = await old.setMeta('x', 1).then(
        () => 'stored',
        (e: { type?: string }) => e.type,
      )
      await new Promise((r) => setTimeout(r, 0))
      const stored = (await next.read('t', 0, 0, 1 << 20)).map((b) => brookIdb.readBatchHeader(b).baseOffset)
      // The new leader writes on.
      await next.append('t', 0, [brookIdb.batch(1, 1, 100)])
      const after = (await next.read('t', 0, 0, 1 << 20)).length
      const meta = await next.getMeta('producers/1')
      await old.close()
      await next.close()
      return {
        before,
        fenced: old.fenced,
        told,
        late: late.map((x) => (x.status === 'rejected' ? (x.reason as { type: string }).type : 'stored')),
        later,
        stored,
        after,
        meta: meta ?? null,
      }
    })
    expect(r).toEqual({
      before: false,
      fenced: true,
      told: 1,
      late: ['NOT_LEADER_OR_FOLLOWER', 'NOT_LEADER_OR_FOLLOWER'],
      later: 'NOT_LEADER_OR_FOLLOWER',
      stored: [0],
      after: 2,
      meta: null,
    })
  })

  it('reports a database the browser closed under it as KAFKA_STORAGE_ERROR on every read path', async () => {
    const r = await page.evaluate(async () => {
      const s = await brookIdb.IdbStore.open({ name: 'closed-under' })
      await s.append('t', 0, [brookIdb.batch(0, 1, 100)])
      // The connection goes without the store's knowing (as when the browser drops it).
      ;(s as unknown as { db: { close(): void } }).db.close()
      const type = (p: Promise<unknown>) =>
        p.then(
          () => 'ok',
          (e: { name?: string; type?: string }) => `${e.name}:${e.type}`,
        )
      const scan = async () => {
        for await (const _ of s.scan('t', 0)) return
      }
      return {
        read: await type(s.read('t', 0, 0, 1 << 20)),
        scan: await type(scan()),
        getMeta: await type(s.getMeta('x')),
        listMeta: await type(s.listMeta('')),
      }
    })
    const want = 'BrookError:KAFKA_STORAGE_ERROR'
    expect(r).toEqual({ read: want, scan: want, getMeta: want, listMeta: want })
  })

  it('creates the schema on first open and reopens an existing database at the same version', async () => {
    const r = await page.evaluate(async () => {
      const s = await brookIdb.IdbStore.open({ name: 'schema' })
      await s.setMeta('x', 1)
      await s.close()
      const db = await new Promise<IDBDatabase>((ok, fail) => {
        const req = indexedDB.open('schema')
        req.onsuccess = () => ok(req.result)
        req.onerror = () => fail(req.error)
      })
      const info = { version: db.version, stores: [...db.objectStoreNames] }
      db.close()
      const again = await brookIdb.IdbStore.open({ name: 'schema' })
      const x = await again.getMeta('x')
      await again.close()
      return { ...info, x }
    })
    expect(r).toEqual({ version: 1, stores: ['batches', 'meta'], x: 1 })
  })
})

describe('IdbStore against the MemoryStore model, in Chromium', () => {
  it('agrees with MemoryStore on random operation sequences, including ones sharing a commit', async () => {
    const site = await buildSite({ pages: { model: 'test/browser/fixtures/model-page.ts' } })
    const browser = await launchChromium()
    try {
      const page = await openPage(await browser.newContext(), site)
      await page.addScriptTag({ type: 'module', url: '/pages/model.js' })
      await page.waitForFunction(() => 'runModel' in globalThis)
      const seed = Date.now() % 100_000
      const failure = await page.evaluate(
        (s) =>
          (
            globalThis as unknown as { runModel(seed: number, runs: number): Promise<string | null> }
          ).runModel(s, 40),
        seed,
      )
      expect(failure, `seed ${seed}`).toBeNull()
    } finally {
      await browser.close()
      await site.close()
    }
  })
})
