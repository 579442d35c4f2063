/**
 * @module Fuzz: 10,000 random and mutated buffers through every batch reader. Whatever the bytes, the
 * only failure a caller sees is a BrookError with a Kafka error name — never a TypeError or RangeError,
 * never a hang, never a huge allocation.
 */
import { describe, expect, it } from 'vitest'
import plainFixture from '../../../test/fixtures/kafka-python/batches.json' with { type: 'json' }
import gzipFixture from '../../../test/fixtures/kafka-python/batches-gzip.json' with { type: 'json' }
import { isBrookError, KAFKA_ERRORS } from '../errors.ts'
import { Compression } from './compression.ts'
import {
  concatBytes,
  decodeRecords,
  decodeRecordsAsync,
  encodeBatch,
  encodeBatchAsync,
  readBatchHeader,
  splitBatches,
  verifyBatch,
} from './record-batch.ts'

/** Deterministic, so a failure reproduces: xorshift32. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) / 2 ** 32
  }
}

const unhex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g) ?? [], (h) => Number.parseInt(h, 16))
const EXPECTED_ERRORS = new Set(['CORRUPT_MESSAGE', 'UNSUPPORTED_COMPRESSION_TYPE'])

async function seeds(): Promise<Uint8Array[]> {
  const te = new TextEncoder()
  const records = Array.from({ length: 20 }, (_, i) => ({
    key: i % 3 ? te.encode(`key-${i}`) : null,
    value: i % 5 ? te.encode('v'.repeat(i * 7)) : null,
    headers:
      i % 4
        ? []
        : [
            { key: 'h', value: te.encode('x') },
            { key: 'ключ', value: null },
          ],
    timestamp: 1_700_000_000_000 + i * 1000,
  }))
  return [
    ...plainFixture.batches.slice(0, 12).map((b) => unhex(b.hex)),
    ...gzipFixture.batches.slice(0, 6).map((b) => unhex(b.hex)),
    encodeBatch({ records, producerId: 5, producerEpoch: 1, baseSequence: 9 }),
    encodeBatch({ records: [{ value: null }] }),
    await encodeBatchAsync({ records, compression: Compression.gzip }),
    await encodeBatchAsync({ records, compression: Compression.snappy }),
    await encodeBatchAsync({ records, compression: Compression.lz4 }),
    await encodeBatchAsync({ records, compression: Compression.zstd }),
  ]
}

/** Writes a plausible-but-wrong length or count somewhere a length lives. */
function rewriteLength(b: Uint8Array, r: () => number): void {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength)
  const choices = [
    -1,
    0,
    1,
    7,
    48,
    49,
    2 ** 31 - 1,
    -(2 ** 31),
    b.length,
    b.length - 12,
    Math.floor(r() * 4096),
  ]
  const value = choices[Math.floor(r() * choices.length)]!
  const field = Math.floor(r() * 4)
  if (field === 0 && b.length >= 12)
    v.setInt32(8, value) // batchLength
  else if (field === 1 && b.length >= 61)
    v.setInt32(57, value) // recordCount
  else if (field === 2 && b.length >= 27)
    v.setInt32(23, value) // lastOffsetDelta
  else if (b.length > 61) {
    // A varint inside the records: a record/key/value length or header count, as one to five bytes.
    const at = 61 + Math.floor(r() * (b.length - 61))
    const varints = [
      [0x01],
      [0x03],
      [0x7f],
      [0xfe, 0xff, 0xff, 0xff, 0x0f],
      [0xff, 0xff, 0xff, 0xff, 0x0f],
      [0x80],
    ]
    const bytes = varints[Math.floor(r() * varints.length)]!
    for (let i = 0; i < bytes.length && at + i < b.length; i++) b[at + i] = bytes[i]!
  }
}

function mutate(seed: Uint8Array, r: () => number): Uint8Array {
  const b = seed.slice()
  const kind = Math.floor(r() * 5)
  if (kind === 0) {
    const flips = 1 + Math.floor(r() * 8)
    for (let i = 0; i < flips; i++) b[Math.floor(r() * b.length)]! ^= 1 << Math.floor(r() * 8)
    return b
  }
  if (kind === 1) return b.subarray(0, Math.floor(r() * b.length))
  if (kind === 2) {
    rewriteLength(b, r)
    return b
  }
  if (kind === 3) {
    const n = Math.floor(r() * 200)
    return Uint8Array.from({ length: n }, () => Math.floor(r() * 256))
  }
  // A valid header over random bytes, or two batches glued with garbage between.
  const junk = Uint8Array.from({ length: Math.floor(r() * 40) }, () => Math.floor(r() * 256))
  return r() < 0.5 ? concatBytes([b.subarray(0, 61), junk]) : concatBytes([b, junk, b])
}

async function attempt(fn: () => unknown, failures: string[], label: string): Promise<void> {
  try {
    await fn()
  } catch (e) {
    if (!isBrookError(e) || !(e.type in KAFKA_ERRORS) || !EXPECTED_ERRORS.has(e.type))
      failures.push(`${label}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`)
  }
}

describe('fuzzed batches', () => {
  it('10,000 random and mutated buffers give only CORRUPT_MESSAGE or UNSUPPORTED_COMPRESSION_TYPE', async () => {
    const r = rng(0xb00c)
    const base = await seeds()
    const failures: string[] = []
    for (let i = 0; i < 10_000; i++) {
      const buf = mutate(base[Math.floor(r() * base.length)]!, r)
      const label = `case ${i}`
      await attempt(() => readBatchHeader(buf), failures, `${label} readBatchHeader`)
      await attempt(() => verifyBatch(buf), failures, `${label} verifyBatch`)
      await attempt(() => splitBatches(buf), failures, `${label} splitBatches`)
      await attempt(
        () => splitBatches(buf, { partialTail: true, verify: false }),
        failures,
        `${label} split tail`,
      )
      await attempt(() => decodeRecords(buf, false), failures, `${label} decodeRecords`)
      await attempt(() => decodeRecords(buf), failures, `${label} decodeRecords+crc`)
      // Inflating costs more; a sample of compressed batches is enough to cover each codec's errors.
      if ((buf[22]! & 7) === 0 || i % 10 === 0)
        await attempt(() => decodeRecordsAsync(buf, false), failures, `${label} decodeRecordsAsync`)
      if (failures.length > 5) break
    }
    expect(failures).toEqual([])
  })

  it('a single flipped bit anywhere the CRC covers is caught by verifyBatch', () => {
    const r = rng(7)
    const batch = encodeBatch({
      records: [{ key: new Uint8Array([1, 2]), value: new Uint8Array(50).fill(9) }],
    })
    for (let i = 0; i < 2000; i++) {
      const b = batch.slice()
      const at = 17 + Math.floor(r() * (b.length - 17))
      b[at]! ^= 1 << Math.floor(r() * 8)
      expect(() => verifyBatch(b)).toThrow(/CORRUPT_MESSAGE/)
    }
  })
})
