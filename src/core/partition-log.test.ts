/** @module PartitionLog: offsets, reads, group commit, storage failures, retention, recovery. */

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BrookError } from './errors.ts'
import type { BatchInput } from './format/record-batch.ts'
import { decodeRecords, encodeBatch, readBatchHeader } from './format/record-batch.ts'
import { MemoryStore } from './memory-store.ts'
import { PartitionLog } from './partition-log.ts'

const enc = new TextEncoder()
const dec = new TextDecoder()

/** A store whose appends can be held back or made to fail, counting the calls. */
class TestStore extends MemoryStore {
  appendCalls: number[] = []
  gate: Promise<void> | undefined
  failWith: Error | undefined

  override async append(topicId: string, partition: number, batches: Uint8Array[]): Promise<void> {
    this.appendCalls.push(batches.length)
    if (this.gate) await this.gate
    if (this.failWith) throw this.failWith
    return super.append(topicId, partition, batches)
  }
}

function batch(values: string[], extra: Partial<BatchInput> = {}, timestamp = 1000): Uint8Array {
  return encodeBatch({
    records: values.map((v) => ({ key: enc.encode(v.split('=')[0]!), value: enc.encode(v), timestamp })),
    ...extra,
  })
}

function append(log: PartitionLog, b: Uint8Array) {
  return log.append([b], [readBatchHeader(b)])
}

/** Every record readable from `from`, as [offset, value]. */
async function readAll(log: PartitionLog, from = log.logStartOffset): Promise<[number, string | null][]> {
  const out: [number, string | null][] = []
  let offset = from
  while (offset < log.highWatermark) {
    const batches = await log.read(offset, 300)
    if (batches.length === 0) break
    for (const b of batches)
      for (const r of decodeRecords(b)) {
        if (r.offset >= offset) out.push([r.offset, r.value ? dec.decode(r.value) : null])
      }
    const h = readBatchHeader(batches[batches.length - 1]!)
    offset = h.baseOffset + h.lastOffsetDelta + 1
  }
  return out
}

const open = (store: MemoryStore, onAppend?: (hwm: number) => void) =>
  PartitionLog.open({ store, topicId: 'T', partition: 0, onAppend })

describe('PartitionLog', () => {
  it("after a torn tail, takes the end from the data and stores a producer's retry of a lost batch again", async () => {
    const store = new MemoryStore()
    const log = await open(store)
    const id = { producerId: 7, producerEpoch: 0 }
    for (let seq = 0; seq < 3; seq++) await append(log, batch([`k=${seq}`], { ...id, baseSequence: seq }))
    await log.close()
    // The store loses the last batch (a torn tail cut off at start); meta still says 3 offsets.
    await store.replaceRange('T', 0, 2, 3, [])
    const lines: string[] = []
    const again = await PartitionLog.open({
      store: store.reopen(),
      topicId: 'T',
      partition: 0,
      log: (l) => lines.push(l),
    })
    expect(again.highWatermark).toBe(2)
    expect(lines.join('\n')).toMatch(/ends at offset 2, but offsets up to 2 had been assigned: 1 records/)
    // The producer resends its unacknowledged-for-all-it-knows batch: it is stored, at offset 2.
    const retry = await append(again, batch(['k=2'], { ...id, baseSequence: 2 }))
    expect(retry.baseOffset).toBe(2)
    expect(await readAll(again)).toEqual([
      [0, 'k=0'],
      [1, 'k=1'],
      [2, 'k=2'],
    ])
    // A retry of a batch still stored is still a duplicate.
    expect((await append(again, batch(['k=1'], { ...id, baseSequence: 1 }))).baseOffset).toBe(1)
    expect(again.highWatermark).toBe(3)
  })

  it("keeps a batch's own base offset past the log end when asked (a downloaded copy), and survives a reopen", async () => {
    const store = new MemoryStore()
    const log = await open(store)
    await append(log, batch(['a', 'b']))
    const ahead = batch(['x', 'y'], { baseOffset: 10 })
    expect(await log.append([ahead], [readBatchHeader(ahead)], undefined, true)).toMatchObject({
      baseOffset: 10,
      lastOffset: 11,
    })
    // Behind the log end, the next offset as usual.
    const behind = batch(['z'], { baseOffset: 5 })
    expect(await log.append([behind], [readBatchHeader(behind)], undefined, true)).toMatchObject({
      baseOffset: 12,
    })
    const want: [number, string][] = [
      [0, 'a'],
      [1, 'b'],
      [10, 'x'],
      [11, 'y'],
      [12, 'z'],
    ]
    expect(await readAll(log)).toEqual(want)
    expect(log.highWatermark).toBe(13)
    const again = await open(store)
    expect(await readAll(again)).toEqual(want)
    expect(again.highWatermark).toBe(13)
  })

  it('leaves the log as it was when the store refuses the new log start (a full disk, a quota)', async () => {
    const store = new MemoryStore()
    const log = await open(store)
    await append(log, batch(['a', 'b']))
    await append(log, batch(['c']))
    const setMeta = store.setMeta.bind(store)
    store.setMeta = () => Promise.reject(new BrookError('KAFKA_STORAGE_ERROR', 'storage quota exceeded'))
    await expect(log.deleteRecordsBefore(2)).rejects.toThrow('KAFKA_STORAGE_ERROR')
    expect(log.logStartOffset).toBe(0)
    expect(await readAll(log)).toEqual([
      [0, 'a'],
      [1, 'b'],
      [2, 'c'],
    ])
    store.setMeta = setMeta
    expect(await log.deleteRecordsBefore(2)).toBe(2)
    expect(await readAll(await open(store))).toEqual([[2, 'c']])
  })

  it('assigns consecutive offsets and reads from any offset, starting with the batch holding it', async () => {
    const log = await open(new MemoryStore())
    expect(await append(log, batch(['a', 'b', 'c']))).toEqual({
      baseOffset: 0,
      lastOffset: 2,
      duplicate: false,
    })
    expect(await append(log, batch(['d']))).toEqual({ baseOffset: 3, lastOffset: 3, duplicate: false })
    expect(await append(log, batch(['e', 'f']))).toEqual({ baseOffset: 4, lastOffset: 5, duplicate: false })
    expect(log.highWatermark).toBe(6)
    expect(log.logStartOffset).toBe(0)
    const fromMiddle = await log.read(1, 1 << 20)
    expect(fromMiddle.map((b) => readBatchHeader(b).baseOffset)).toEqual([0, 3, 4])
    expect(await log.read(6, 1 << 20)).toEqual([])
    expect(await readAll(log)).toEqual([
      [0, 'a'],
      [1, 'b'],
      [2, 'c'],
      [3, 'd'],
      [4, 'e'],
      [5, 'f'],
    ])
  })

  it('keeps its own copy: a producer reusing its buffer does not change the log', async () => {
    const log = await open(new MemoryStore())
    const b = batch(['x'])
    await append(log, b)
    b.fill(0)
    expect(await readAll(log)).toEqual([[0, 'x']])
  })

  it('reads whole batches within the byte budget, and one batch even when it is larger', async () => {
    const log = await open(new MemoryStore())
    const sizes: number[] = []
    for (let i = 0; i < 4; i++) {
      const b = batch([`v${i}`.padEnd(50, '.')])
      sizes.push(b.length)
      await append(log, b)
    }
    expect((await log.read(0, 1)).length).toBe(1)
    expect((await log.read(0, 1, false)).length).toBe(0)
    expect((await log.read(0, sizes[0]! + sizes[1]!)).length).toBe(2)
    expect((await log.read(0, sizes[0]! + sizes[1]! - 1)).length).toBe(1)
    expect((await log.read(2, 1 << 20)).length).toBe(2)
  })

  it('reads batches that left the tail cache back from the store', async () => {
    const store = new MemoryStore()
    const log = await PartitionLog.open({ store, topicId: 'T', partition: 0, tailCacheBytes: 200 })
    for (let i = 0; i < 20; i++) await append(log, batch([`r${i}`]))
    const all = await readAll(log)
    expect(all.map(([o]) => o)).toEqual([...Array(20).keys()])
    expect(all[7]).toEqual([7, 'r7'])
  })

  it('writes batches that arrive during a store write together in the next write (group commit)', async () => {
    const store = new TestStore()
    const seen: number[] = []
    const log = await open(store, (hwm) => seen.push(hwm))
    let release!: () => void
    store.gate = new Promise((r) => {
      release = r
    })
    const first = append(log, batch(['a']))
    await Promise.resolve()
    // The first write is under way (and held): these arrive during it.
    expect(store.appendCalls).toEqual([1])
    const rest = [append(log, batch(['b', 'c'])), append(log, batch(['d'])), append(log, batch(['e']))]
    await Promise.resolve()
    // Nothing is visible until the store has it.
    expect(log.highWatermark).toBe(0)
    expect(await log.read(0, 1 << 20)).toEqual([])
    store.gate = undefined
    release()
    expect((await first).baseOffset).toBe(0)
    expect((await Promise.all(rest)).map((r) => r.baseOffset)).toEqual([1, 3, 4])
    expect(store.appendCalls).toEqual([1, 3])
    expect(seen).toEqual([1, 5])
    expect(await readAll(log)).toEqual([
      [0, 'a'],
      [1, 'b'],
      [2, 'c'],
      [3, 'd'],
      [4, 'e'],
    ])
  })

  it('writes appends made in the same tick together in one store write', async () => {
    const store = new TestStore()
    const seen: number[] = []
    const log = await open(store, (hwm) => seen.push(hwm))
    const results = await Promise.all([
      append(log, batch(['a'])),
      append(log, batch(['b', 'c'])),
      append(log, batch(['d'])),
    ])
    expect(results.map((r) => r.baseOffset)).toEqual([0, 1, 3])
    expect(store.appendCalls).toEqual([3])
    expect(seen).toEqual([4])
    expect(await readAll(log)).toEqual([
      [0, 'a'],
      [1, 'b'],
      [2, 'c'],
      [3, 'd'],
    ])
  })

  it('fails a write as a whole when the store fails: nothing visible, no offset used, earlier data intact', async () => {
    const store = new TestStore()
    const log = await open(store)
    await append(log, batch(['a', 'b']))
    store.failWith = new Error('QuotaExceededError: the origin is out of space')
    const err = await append(log, batch(['c'])).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(BrookError)
    expect((err as BrookError).type).toBe('KAFKA_STORAGE_ERROR')
    expect((err as BrookError).message).toContain('out of space')
    expect(log.highWatermark).toBe(2)
    store.failWith = undefined
    // A store that throws instead of rejecting is handled the same way.
    const original = store.append
    store.append = () => {
      throw new Error('thrown at once')
    }
    expect(await append(log, batch(['x'])).catch((e: BrookError) => e.type)).toBe('KAFKA_STORAGE_ERROR')
    store.append = original
    expect((await append(log, batch(['d']))).baseOffset).toBe(2)
    expect(await readAll(log)).toEqual([
      [0, 'a'],
      [1, 'b'],
      [2, 'd'],
    ])
  })

  it('deletes expired batches by their max timestamp, oldest first', async () => {
    const log = await open(new MemoryStore())
    await append(log, batch(['old1'], {}, 1000))
    await append(log, batch(['old2', 'x'], {}, 2000))
    await append(log, batch(['new'], {}, 9000))
    await append(log, batch(['older-but-after-new'], {}, 1500))
    expect(await log.enforceRetention({ retentionMs: 5000, retentionBytes: -1 }, 10_000)).toBe(2)
    expect(log.logStartOffset).toBe(3)
    // A batch after an unexpired one stays: retention removes a prefix only.
    expect(await readAll(log)).toEqual([
      [3, 'new'],
      [4, 'older-but-after-new'],
    ])
    expect(await log.enforceRetention({ retentionMs: -1, retentionBytes: -1 }, 1e15)).toBe(0)
  })

  it('trims the log to retention.bytes with whole batches', async () => {
    const log = await open(new MemoryStore())
    const sizes: number[] = []
    for (let i = 0; i < 5; i++) {
      const b = batch([`v${i}`])
      sizes.push(b.length)
      await append(log, b)
    }
    const budget = sizes[3]! + sizes[4]! + 1
    await log.enforceRetention({ retentionMs: -1, retentionBytes: budget }, 0)
    expect(log.sizeBytes).toBeLessThanOrEqual(budget)
    expect(log.logStartOffset).toBe(3)
    expect(await readAll(log)).toEqual([
      [3, 'v3'],
      [4, 'v4'],
    ])
    await log.enforceRetention({ retentionMs: -1, retentionBytes: 0 }, 0)
    expect(log.logStartOffset).toBe(5)
    expect(log.highWatermark).toBe(5)
    expect((await append(log, batch(['after']))).baseOffset).toBe(5)
  })

  it('deletes records below an offset, keeping the batch that holds it, and refuses offsets out of range', async () => {
    const store = new MemoryStore()
    const log = await open(store)
    await append(log, batch(['a', 'b', 'c']))
    await append(log, batch(['d', 'e']))
    expect(await log.deleteRecordsBefore(4)).toBe(4)
    expect(await readAll(log)).toEqual([[4, 'e']])
    expect(await log.deleteRecordsBefore(2)).toBe(4)
    for (const bad of [6, -2, 1.5]) {
      const e = await log.deleteRecordsBefore(bad).catch((x: unknown) => x)
      expect((e as BrookError).type).toBe('OFFSET_OUT_OF_RANGE')
    }
    // The log start survives a restart even though it lies inside a stored batch.
    await log.close()
    const again = await open(store.reopen())
    expect(again.logStartOffset).toBe(4)
    expect(again.highWatermark).toBe(5)
    expect(await again.deleteRecordsBefore(-1)).toBe(5)
  })

  it('rebuilds offsets, log start and contents from the store', async () => {
    const store = new MemoryStore()
    const log = await open(store)
    for (let i = 0; i < 6; i++) await append(log, batch([`a${i}`, `b${i}`], {}, 1000 * i))
    await log.enforceRetention({ retentionMs: 3500, retentionBytes: -1 }, 6000)
    const before = await readAll(log)
    const reopened = await open(store.reopen())
    expect(reopened.logStartOffset).toBe(log.logStartOffset)
    expect(reopened.highWatermark).toBe(12)
    expect(await readAll(reopened)).toEqual(before)
    expect((await append(reopened, batch(['next']))).baseOffset).toBe(12)
  })

  it('property: never loses, reorders or duplicates offsets across appends, retention and recovery', async () => {
    type Op =
      | { kind: 'append'; counts: number[] }
      | { kind: 'bytes'; keep: number }
      | { kind: 'delete'; at: number }
      | { kind: 'reopen' }
    const op: fc.Arbitrary<Op> = fc.oneof(
      {
        weight: 5,
        arbitrary: fc.record({
          kind: fc.constant('append' as const),
          counts: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('bytes' as const), keep: fc.integer({ min: 0, max: 600 }) }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('delete' as const),
          at: fc.double({ min: 0, max: 1, noNaN: true }),
        }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('reopen' as const) }) },
    )
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 25 }), async (ops) => {
        let store = new MemoryStore()
        let log = await PartitionLog.open({ store, topicId: 'T', partition: 0, tailCacheBytes: 400 })
        const written = new Map<number, string>()
        let n = 0
        let start = 0
        for (const o of ops) {
          if (o.kind === 'append') {
            // Several batches at once, concurrently: exercises group commit.
            const results = await Promise.all(
              o.counts.map((c) => {
                const values = Array.from({ length: c }, () => `r${n++}`)
                return append(log, batch(values)).then((r) => ({ r, values }))
              }),
            )
            for (const { r, values } of results)
              for (const [i, v] of values.entries()) written.set(r.baseOffset + i, v)
          } else if (o.kind === 'bytes') {
            await log.enforceRetention({ retentionMs: -1, retentionBytes: o.keep }, 0)
          } else if (o.kind === 'delete') {
            const target = Math.floor(log.logStartOffset + o.at * (log.highWatermark - log.logStartOffset))
            await log.deleteRecordsBefore(target)
          } else {
            await log.close()
            store = store.reopen()
            log = await PartitionLog.open({ store, topicId: 'T', partition: 0, tailCacheBytes: 400 })
          }
          // Offsets are exactly logStart..hwm-1, each once, in order, with the value written there.
          const got = await readAll(log)
          const expected: [number, string][] = []
          for (let off = log.logStartOffset; off < log.highWatermark; off++)
            expected.push([off, written.get(off)!])
          expect(got).toEqual(expected)
          expect(log.highWatermark).toBe(n)
          // Deleted records never come back, not even after a restart.
          expect(log.logStartOffset).toBeGreaterThanOrEqual(start)
          start = log.logStartOffset
        }
      }),
      { numRuns: 150 },
    )
  })
})
