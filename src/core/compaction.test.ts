/** @module Compaction through PartitionLog: latest value per key, offsets kept, tombstone horizon. */

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { zstdByPython } from '../../test/support/zstd.ts'
import { compactBatches } from './compaction.ts'
import { Compression } from './format/compression.ts'
import { crc32c } from './format/crc32c.ts'
import {
  decodeRecords,
  decodeRecordsAsync,
  encodeBatch,
  encodeBatchAsync,
  readBatchHeader,
} from './format/record-batch.ts'
import { MemoryStore } from './memory-store.ts'
import { PartitionLog } from './partition-log.ts'

const enc = new TextEncoder()
const dec = new TextDecoder()

interface Rec {
  key: string
  value: string | null
  timestamp: number
}

function batch(
  records: Rec[],
  producer?: { producerId: number; producerEpoch: number; baseSequence: number },
) {
  return encodeBatch({
    records: records.map((r) => ({
      key: enc.encode(r.key),
      value: r.value === null ? null : enc.encode(r.value),
      timestamp: r.timestamp,
    })),
    ...producer,
  })
}

async function contents(log: PartitionLog) {
  const out: { offset: number; key: string; value: string | null }[] = []
  for (const b of await log.read(log.logStartOffset, Number.MAX_SAFE_INTEGER))
    for (const r of decodeRecords(b))
      out.push({ offset: r.offset, key: dec.decode(r.key!), value: r.value ? dec.decode(r.value) : null })
  return out
}

const open = (store: MemoryStore) => PartitionLog.open({ store, topicId: 'C', partition: 0 })

describe('compaction', () => {
  it('keeps the latest value per key at its original offset, leaving gaps', async () => {
    const log = await open(new MemoryStore())
    const t = 1000
    for (const recs of [
      [
        { key: 'a', value: 'a1', timestamp: t },
        { key: 'b', value: 'b1', timestamp: t },
      ],
      [{ key: 'a', value: 'a2', timestamp: t }],
      [
        { key: 'c', value: 'c1', timestamp: t },
        { key: 'b', value: 'b2', timestamp: t },
        { key: 'c', value: 'c2', timestamp: t },
      ],
    ])
      await log.append([batch(recs)], [readBatchHeader(batch(recs))])
    expect(await log.compact(86_400_000, t)).toBe(3)
    expect(await contents(log)).toEqual([
      { offset: 2, key: 'a', value: 'a2' },
      { offset: 4, key: 'b', value: 'b2' },
      { offset: 5, key: 'c', value: 'c2' },
    ])
    expect(log.highWatermark).toBe(6)
    expect(log.logStartOffset).toBe(0)
    // Reading from an offset inside a gap starts at the next surviving record.
    const fromGap = await log.read(1, 1 << 20)
    expect(decodeRecords(fromGap[0]!)[0]!.offset).toBe(2)
  })

  it('keeps tombstones until delete.retention.ms has passed, then removes them', async () => {
    const log = await open(new MemoryStore())
    const recs: Rec[] = [
      { key: 'a', value: 'a1', timestamp: 1000 },
      { key: 'a', value: null, timestamp: 2000 },
      { key: 'b', value: 'b1', timestamp: 2000 },
    ]
    await log.append([batch(recs)], [readBatchHeader(batch(recs))])
    await log.compact(10_000, 5000)
    expect(await contents(log)).toEqual([
      { offset: 1, key: 'a', value: null },
      { offset: 2, key: 'b', value: 'b1' },
    ])
    await log.compact(10_000, 12_001)
    expect(await contents(log)).toEqual([{ offset: 2, key: 'b', value: 'b1' }])
  })

  it('keeps the log’s last record so that a consumer at the end never waits on a gap', async () => {
    const log = await open(new MemoryStore())
    const first: Rec[] = [{ key: 'a', value: 'a1', timestamp: 1 }]
    const last: Rec[] = [
      { key: 'a', value: null, timestamp: 1 },
      { key: 'b', value: null, timestamp: 1 },
    ]
    await log.append([batch(first)], [readBatchHeader(batch(first))])
    await log.append([batch(last)], [readBatchHeader(batch(last))])
    await log.compact(0, 1_000_000)
    expect(await contents(log)).toEqual([{ offset: 2, key: 'b', value: null }])
    // A consumer at offset 1 (now a gap) is served the batch that ends the log.
    const [b] = await log.read(1, 1 << 20)
    const h = readBatchHeader(b!)
    expect(h.baseOffset + h.lastOffsetDelta).toBe(log.highWatermark - 1)
  })

  it('keeps a batch’s last offset and producer fields, so offsets and idempotence survive a restart', async () => {
    const store = new MemoryStore()
    const log = await open(store)
    const p = { producerId: 7, producerEpoch: 0 }
    const b1 = batch(
      [
        { key: 'k', value: 'v1', timestamp: 1 },
        { key: 'k', value: 'v2', timestamp: 1 },
      ],
      { ...p, baseSequence: 0 },
    )
    const b2 = batch(
      [
        { key: 'k', value: 'v3', timestamp: 1 },
        { key: 'j', value: 'j1', timestamp: 1 },
      ],
      { ...p, baseSequence: 2 },
    )
    await log.append([b1], [readBatchHeader(b1)])
    await log.append([b2], [readBatchHeader(b2)])
    await log.compact(1000, 1)
    const [first] = await log.read(0, 1 << 20)
    // The first batch lost both records and is gone; the second kept both of its offsets.
    const h = readBatchHeader(first!)
    expect([h.baseOffset, h.lastOffsetDelta, h.producerId, h.baseSequence]).toEqual([2, 1, 7, 2])
    await log.close()
    const again = await open(store.reopen())
    expect(again.highWatermark).toBe(4)
    // A retry of the last batch is still recognised after compaction and restart.
    expect(await again.append([b2], [readBatchHeader(b2)])).toMatchObject({ baseOffset: 2, duplicate: true })
  })

  it('property: exactly the latest value per key survives, at increasing original offsets', async () => {
    const rec = fc.record({
      key: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
      value: fc.option(fc.string({ maxLength: 5 }), { nil: null, freq: 5 }),
      timestamp: fc.integer({ min: 0, max: 1000 }),
    })
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(rec, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        async (batches, pastHorizon) => {
          const store = new MemoryStore()
          const log = await open(store)
          const all: { offset: number; key: string; value: string | null }[] = []
          for (const recs of batches) {
            const b = batch(recs)
            const r = await log.append([b], [readBatchHeader(b)])
            for (const [i, x] of recs.entries())
              all.push({ offset: r.baseOffset + i, key: x.key, value: x.value })
          }
          // Horizon: tombstones (timestamps <= 1000) are kept at now=1000, gone at now=10^6.
          const now = pastHorizon ? 1_000_000 : 1000
          await log.compact(5000, now)
          const latest = new Map<string, (typeof all)[number]>()
          for (const r of all) latest.set(r.key, r)
          // Expired tombstones go, except the log's very last record, which always stays.
          const lastOffset = all.length - 1
          const expected = [...latest.values()]
            .filter((r) => !(pastHorizon && r.value === null && r.offset !== lastOffset))
            .sort((x, y) => x.offset - y.offset)
          const got = await contents(log)
          expect(got).toEqual(expected)
          expect(log.highWatermark).toBe(all.length)
          // Appends continue after the old end, and a restart sees the same log.
          const next = batch([{ key: 'z', value: 'z', timestamp: 1 }])
          expect((await log.append([next], [readBatchHeader(next)])).baseOffset).toBe(all.length)
          await log.close()
          const again = await open(store.reopen())
          expect(await contents(again)).toEqual([...expected, { offset: all.length, key: 'z', value: 'z' }])
        },
      ),
      { numRuns: 80 },
    )
  })
})

describe('compaction of compressed batches', () => {
  const te = new TextEncoder()
  const batch = (base: number, codec: number, pairs: [string, string][]) =>
    encodeBatchAsync({
      baseOffset: base,
      compression: codec,
      records: pairs.map(([k, v]) => ({ key: te.encode(k), value: te.encode(v) })),
    })

  it.each([
    ['snappy', Compression.snappy],
    ['lz4', Compression.lz4],
  ])('removes superseded records from %s batches and keeps the codec', async (_, codec) => {
    const batches = [
      await batch(0, codec, [
        ['a', '1'],
        ['b', '1'],
        ['c', '1'],
      ]),
      await batch(3, codec, [
        ['a', '2'],
        ['d', '1'],
      ]),
    ]
    const res = await compactBatches(batches, { logStartOffset: 0, tombstoneBefore: 0 })
    expect(res.removedRecords).toBe(1)
    expect(readBatchHeader(res.batches[0]!).attributes & 7).toBe(codec)
    const left = (await Promise.all(res.batches.map((b) => decodeRecordsAsync(b)))).flat()
    expect(left.map((r) => [r.offset, new TextDecoder().decode(r.key!)])).toEqual([
      [1, 'b'],
      [2, 'c'],
      [3, 'a'],
      [4, 'd'],
    ])
  })

  it('compacts a zstd batch another library wrote, and keeps it zstd', async () => {
    // The records section compressed by Python's zstandard (the library kafka-python uses).
    const plain = await batch(0, Compression.none, [
      ['a', '1'],
      ['b', '1'],
      ['c', '1'],
    ])
    const packed = zstdByPython(plain.subarray(61))
    const zstdBatch = new Uint8Array(61 + packed.length)
    zstdBatch.set(plain.subarray(0, 61))
    zstdBatch.set(packed, 61)
    const v = new DataView(zstdBatch.buffer)
    v.setInt32(8, zstdBatch.length - 12)
    v.setInt16(21, Compression.zstd)
    v.setUint32(17, crc32c(zstdBatch, 21))
    const later = await batch(3, Compression.snappy, [
      ['a', '2'],
      ['b', '2'],
    ])
    const also = await batch(5, Compression.snappy, [['a', '3']])
    const res = await compactBatches([zstdBatch, later, also], { logStartOffset: 0, tombstoneBefore: 0 })
    expect(res.removedRecords).toBe(3)
    expect(res.batches.map((b) => readBatchHeader(b).attributes & 7)).toEqual([
      Compression.zstd,
      Compression.snappy,
      Compression.snappy,
    ])
    const left = (await Promise.all(res.batches.map((b) => decodeRecordsAsync(b))))
      .flat()
      .map((r) => [r.offset, new TextDecoder().decode(r.key!)])
    expect(left).toEqual([
      [2, 'c'],
      [4, 'b'],
      [5, 'a'],
    ])
  })
})
