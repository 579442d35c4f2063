/**
 * @module The `Store` contract: one suite that every store (memory, IndexedDB, files, Durable
 * Objects) runs unchanged. It imports only vitest and `src/core`, so that it also runs in a browser
 * and in workerd.
 */

import { afterEach, describe, expect, it } from 'vitest'
import { crc32c } from '../../src/core/format/crc32c.ts'
import { encodeBatch, readBatchHeader } from '../../src/core/format/record-batch.ts'
import type { Store } from '../../src/core/store.ts'

export interface StoreContractOptions {
  /** Closes `old` (or simulates a restart) and opens the same storage again. */
  reopen?: (old: Store) => Promise<Store>
}

const enc = new TextEncoder()

/** A batch of `count` records starting at `baseOffset`, values tagged so batches differ. */
function batch(baseOffset: number, count = 1, valueSize = 10, tag = 'v'): Uint8Array {
  const records = []
  for (let i = 0; i < count; i++) {
    const body = `${tag}${baseOffset + i}:`.padEnd(valueSize, '.')
    records.push({
      key: enc.encode(`k${(baseOffset + i) % 7}`),
      value: enc.encode(body),
      timestamp: 1000 + i,
    })
  }
  return encodeBatch({ baseOffset, records, baseTimestamp: 1000 })
}

function bases(batches: Uint8Array[]): number[] {
  return batches.map((b) => readBatchHeader(b).baseOffset)
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for await (const b of it) out.push(b)
  return out
}

/** Appends batches of 3 records at offsets 0, 3, 6, … (n batches) and returns them. */
async function fill(
  store: Store,
  topic: string,
  partition: number,
  n: number,
  tag = 'v',
): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for (let i = 0; i < n; i++) out.push(batch(i * 3, 3, 10 + i, tag))
  await store.append(topic, partition, out)
  return out
}

/**
 * Registers the contract tests for one kind of store. `open` must return a new, empty store each
 * time (a fresh database name or directory); `reopen`, when given, must close the store it gets
 * and open the same storage again, as after a restart.
 */
export function describeStoreContract(
  name: string,
  open: () => Promise<Store>,
  options: StoreContractOptions = {},
): void {
  describe(`Store contract: ${name}`, () => {
    const opened: Store[] = []
    const fresh = async (): Promise<Store> => {
      const s = await open()
      opened.push(s)
      return s
    }
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close().catch(() => {})
    })

    it('reads nothing from a partition that was never written', async () => {
      const s = await fresh()
      expect(await s.read('t-none', 0, 0, 1 << 20)).toEqual([])
      expect(await collect(s.scan('t-none', 0))).toEqual([])
    })

    it('returns appended batches byte for byte, in order, across several appends', async () => {
      const s = await fresh()
      const a = [batch(0, 2), batch(2, 1)]
      const b = [batch(3, 5)]
      await s.append('t', 0, a)
      await s.append('t', 0, b)
      const got = await s.read('t', 0, 0, 1 << 20)
      expect(got).toEqual([...a, ...b])
      expect(await collect(s.scan('t', 0))).toEqual([...a, ...b])
    })

    it('keeps a batch of several megabytes whole, between small ones', async () => {
      const s = await fresh()
      const big = batch(1, 1, 3 << 20, 'big')
      const all = [batch(0), big, batch(2)]
      await s.append('t', 0, all)
      const got = await s.read('t', 0, 1, 1)
      expect(got).toHaveLength(1)
      // Compared by length and CRC-32C: toEqual on 3 MB is slow in a page.
      expect(got[0]!.length).toBe(big.length)
      expect(crc32c(got[0]!)).toBe(crc32c(big))
      expect((await collect(s.scan('t', 0))).map((b) => b.length)).toEqual(all.map((b) => b.length))
      expect(await s.read('t', 0, 2, 1 << 20)).toEqual([all[2]])
    })

    it('takes appended bytes as they are and never changes them (append takes ownership)', async () => {
      const s = await fresh()
      const b = batch(0, 2)
      const c = batch(2, 3)
      const original = [b.slice(), c.slice()]
      await s.append('t', 0, [b, c])
      await s.flush()
      expect([b, c]).toEqual(original)
      expect(await s.read('t', 0, 0, 1 << 20)).toEqual(original)
      expect(await collect(s.scan('t', 0))).toEqual(original)
    })

    it('reads from a base offset: batches at or after it, skipping earlier ones', async () => {
      const s = await fresh()
      const all = await fill(s, 't', 0, 5)
      expect(bases(await s.read('t', 0, 6, 1 << 20))).toEqual([6, 9, 12])
      // An offset between two base offsets starts at the next batch.
      expect(bases(await s.read('t', 0, 7, 1 << 20))).toEqual([9, 12])
      expect(await s.read('t', 0, 13, 1 << 20)).toEqual([])
      expect(await s.read('t', 0, 0, 1 << 20)).toEqual(all)
    })

    it('respects the byte budget with whole batches, and gives at least one batch', async () => {
      const s = await fresh()
      const all = await fill(s, 't', 0, 6)
      const sizes = all.map((b) => b.length)
      // Smaller than any batch: still one whole batch.
      const one = await s.read('t', 0, 0, 1)
      expect(one).toEqual([all[0]])
      for (const budget of [sizes[0]!, sizes[0]! + sizes[1]!, sizes[0]! + sizes[1]! + 5, 1000]) {
        const got = await s.read('t', 0, 0, budget)
        expect(got).toEqual(all.slice(0, got.length))
        // Every batch that fits is returned; at most one goes past the budget.
        let fit = 0
        let total = 0
        while (fit < sizes.length && total + sizes[fit]! <= budget) total += sizes[fit++]!
        expect(got.length).toBeGreaterThanOrEqual(Math.max(1, fit))
        expect(got.length).toBeLessThanOrEqual(Math.max(1, fit + 1))
      }
    })

    it('appends several batches in one call as one ordered unit', async () => {
      const s = await fresh()
      const all = await fill(s, 't', 0, 10)
      expect(bases(await collect(s.scan('t', 0)))).toEqual(all.map((_, i) => i * 3))
    })

    it('deletes whole batches below a base offset (retention)', async () => {
      const s = await fresh()
      const all = await fill(s, 't', 0, 5)
      await s.deleteBefore('t', 0, 7) // deletes 0, 3 and 6; 9 and 12 stay
      expect(await collect(s.scan('t', 0))).toEqual(all.slice(3))
      expect(await s.read('t', 0, 0, 1 << 20)).toEqual(all.slice(3))
      await s.deleteBefore('t', 0, 0)
      expect(await collect(s.scan('t', 0))).toEqual(all.slice(3))
      await s.deleteBefore('t', 0, 1000)
      expect(await collect(s.scan('t', 0))).toEqual([])
      await s.deleteBefore('never-written', 0, 10)
      // Appending after a deletion continues the partition.
      const next = batch(15, 2)
      await s.append('t', 0, [next])
      expect(await s.read('t', 0, 0, 1 << 20)).toEqual([next])
    })

    it('replaces a range of batches (compaction), leaving batches outside it untouched', async () => {
      const s = await fresh()
      const all = await fill(s, 't', 0, 5) // 0 3 6 9 12
      const replacement = [batch(3, 1, 10, 'c'), batch(8, 1, 10, 'c')]
      await s.replaceRange('t', 0, 3, 9, replacement)
      const got = await collect(s.scan('t', 0))
      expect(got).toEqual([all[0], ...replacement, all[3], all[4]])
      expect(bases(await s.read('t', 0, 4, 1 << 20))).toEqual([8, 9, 12])
      // Replacing by nothing removes the range.
      await s.replaceRange('t', 0, 0, 9, [])
      expect(await collect(s.scan('t', 0))).toEqual([all[3], all[4]])
      // Appends continue after the replaced range.
      const next = batch(15, 1)
      await s.append('t', 0, [next])
      expect(await collect(s.scan('t', 0))).toEqual([all[3], all[4], next])
    })

    it('shows a concurrent reader the old range or the new one, never a mix', async () => {
      const s = await fresh()
      const all = await fill(s, 't', 0, 6)
      const replacement = [batch(0, 1, 10, 'c'), batch(10, 1, 10, 'c')]
      const [during] = await Promise.all([
        s.read('t', 0, 0, 1 << 20),
        s.replaceRange('t', 0, 0, 15, replacement),
      ])
      const after = await s.read('t', 0, 0, 1 << 20)
      const expected = [...replacement, all[5]]
      expect(after).toEqual(expected)
      expect([JSON.stringify(all), JSON.stringify(expected)]).toContain(JSON.stringify(during))
    })

    it('drops one partition without touching other partitions or topics', async () => {
      const s = await fresh()
      const a0 = await fill(s, 'a', 0, 3, 'a0')
      const a1 = await fill(s, 'a', 1, 2, 'a1')
      const b0 = await fill(s, 'b', 0, 4, 'b0')
      await s.dropPartition('a', 0)
      expect(await s.read('a', 0, 0, 1 << 20)).toEqual([])
      expect(await collect(s.scan('a', 0))).toEqual([])
      expect(await s.read('a', 1, 0, 1 << 20)).toEqual(a1)
      expect(await s.read('b', 0, 0, 1 << 20)).toEqual(b0)
      expect(a0.length).toBe(3)
      // Partitions and topics never share data, even with overlapping offsets.
      await s.deleteBefore('b', 0, 6)
      expect(await s.read('a', 1, 0, 1 << 20)).toEqual(a1)
      // A dropped partition can be written again from scratch.
      const again = batch(0, 1, 10, 'again')
      await s.append('a', 0, [again])
      expect(await s.read('a', 0, 0, 1 << 20)).toEqual([again])
    })

    it('keeps metadata: get, set, overwrite, delete', async () => {
      const s = await fresh()
      expect(await s.getMeta('missing')).toBeUndefined()
      const value = {
        name: 'orders',
        partitions: 3,
        configs: { 'retention.ms': '1000' },
        list: [1, null, true],
      }
      await s.setMeta('topics/orders', value)
      expect(await s.getMeta('topics/orders')).toEqual(value)
      await s.setMeta('n', 42)
      await s.setMeta('s', 'text')
      await s.setMeta('z', null)
      expect(await s.getMeta('n')).toBe(42)
      expect(await s.getMeta('s')).toBe('text')
      expect(await s.getMeta('z')).toBeNull()
      await s.setMeta('n', 43)
      expect(await s.getMeta('n')).toBe(43)
      await s.deleteMeta('n')
      expect(await s.getMeta('n')).toBeUndefined()
      await s.deleteMeta('never-set')
    })

    it('stores a copy of metadata: later changes to the caller’s object do not leak in', async () => {
      const s = await fresh()
      const value = { a: [1, 2] }
      await s.setMeta('k', value)
      value.a.push(3)
      const got = (await s.getMeta('k')) as { a: number[] }
      expect(got).toEqual({ a: [1, 2] })
      got.a.push(4)
      expect(await s.getMeta('k')).toEqual({ a: [1, 2] })
    })

    it('lists metadata by prefix, sorted by key', async () => {
      const s = await fresh()
      for (const k of [
        'offsets/g2/t/1',
        'topics/b',
        'offsets/g1/t/0',
        'offsets/g10/t/0',
        'offsets/g1/s/3',
        'offset',
      ])
        await s.setMeta(k, k.length)
      expect((await s.listMeta('offsets/')).map(([k]) => k)).toEqual([
        'offsets/g1/s/3',
        'offsets/g1/t/0',
        'offsets/g10/t/0',
        'offsets/g2/t/1',
      ])
      expect(await s.listMeta('offsets/g1/')).toEqual([
        ['offsets/g1/s/3', 14],
        ['offsets/g1/t/0', 14],
      ])
      expect(await s.listMeta('nothing/')).toEqual([])
      expect((await s.listMeta('')).length).toBe(6)
    })

    it('flushes', async () => {
      const s = await fresh()
      await fill(s, 't', 0, 2)
      await s.setMeta('k', 1)
      await expect(s.flush()).resolves.toBeUndefined()
    })

    if (options.reopen) {
      const reopen = options.reopen
      it('keeps everything flushed across a reopen', async () => {
        const s = await open()
        const t0 = await fill(s, 'topic-a', 0, 4)
        const t1 = await fill(s, 'topic-a', 1, 2, 'p1')
        const u = await fill(s, 'topic-b', 0, 3, 'u')
        await s.deleteBefore('topic-a', 0, 3)
        const replacement = [batch(0, 1, 10, 'c')]
        await s.replaceRange('topic-b', 0, 0, 4, replacement)
        await fill(s, 'gone', 0, 2)
        await s.dropPartition('gone', 0)
        await s.setMeta('topics/a', { partitions: 2 })
        await s.setMeta('x', 1)
        await s.deleteMeta('x')
        await s.flush()
        const r = await reopen(s)
        opened.push(r)
        expect(await collect(r.scan('topic-a', 0))).toEqual(t0.slice(1))
        expect(await r.read('topic-a', 1, 0, 1 << 20)).toEqual(t1)
        expect(await collect(r.scan('topic-b', 0))).toEqual([...replacement, u[2]])
        expect(await collect(r.scan('gone', 0))).toEqual([])
        expect(await r.getMeta('topics/a')).toEqual({ partitions: 2 })
        expect(await r.getMeta('x')).toBeUndefined()
        expect(await r.listMeta('topics/')).toEqual([['topics/a', { partitions: 2 }]])
        // The reopened store keeps appending where the partition ended.
        const next = batch(12, 1)
        await r.append('topic-a', 0, [next])
        expect(bases(await r.read('topic-a', 0, 0, 1 << 20))).toEqual([3, 6, 9, 12])
      })
    }
  })
}
