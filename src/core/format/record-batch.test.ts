/** @module RecordBatch v2 against kafka-python's golden batches, round-trip properties and bad input. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import plainFixture from '../../../test/fixtures/kafka-python/batches.json' with { type: 'json' }
import gzipFixture from '../../../test/fixtures/kafka-python/batches-gzip.json' with { type: 'json' }
import {
  asKafkaPythonSees,
  type KafkaPythonBatch as Expected,
  hex,
  unhex,
} from '../../../test/support/kafka-python-view.ts'
import { isBrookError } from '../errors.ts'
import { Compression, compress, decompress } from './compression.ts'
import {
  ATTR_CONTROL,
  ATTR_LOG_APPEND_TIME,
  ATTR_TRANSACTIONAL,
  type BatchInput,
  batchSize,
  concatBytes,
  decodeRecords,
  decodeRecordsAsync,
  encodeBatch,
  encodeBatchAsync,
  type Record,
  readBatchHeader,
  setBaseOffset,
  setLogAppendTime,
  setPartitionLeaderEpoch,
  splitBatches,
  verifyBatch,
  withProducer,
} from './record-batch.ts'

interface Fixture {
  name: string
  hex: string
  expected: Expected
}

const te = new TextEncoder()
const td = new TextDecoder()

async function expectCode(fn: () => unknown, type: string): Promise<void> {
  try {
    await fn()
  } catch (e) {
    expect(isBrookError(e), String(e)).toBe(true)
    expect((e as { type: string }).type).toBe(type)
    return
  }
  expect.unreachable(`expected ${type}`)
}

const fixtures = [...(plainFixture.batches as Fixture[]), ...(gzipFixture.batches as Fixture[])]

describe('batches built by kafka-python decode with every field exact', () => {
  it('has fixtures of both codecs', () => {
    expect(plainFixture.batches.length).toBeGreaterThan(20)
    expect(gzipFixture.batches.every((b) => b.expected.compression === Compression.gzip)).toBe(true)
  })

  it.each(fixtures.map((f) => [`${f.name} (${f.expected.compression ? 'gzip' : 'none'})`, f] as const))(
    '%s',
    async (_, f) => {
      const bytes = unhex(f.hex)
      const h = verifyBatch(bytes)
      expect({ ...h }).toEqual(f.expected.header)
      expect(readBatchHeader(bytes)).toEqual(h)
      expect(batchSize(bytes)).toBe(bytes.length)
      expect(h.attributes & 7).toBe(f.expected.compression)
      expect((h.attributes & ATTR_LOG_APPEND_TIME) !== 0).toBe(f.expected.timestampType === 1)
      expect((h.attributes & ATTR_TRANSACTIONAL) !== 0).toBe(f.expected.transactional)
      expect((h.attributes & ATTR_CONTROL) !== 0).toBe(f.expected.control)
      const records = await decodeRecordsAsync(bytes)
      expect(asKafkaPythonSees(records)).toEqual(f.expected.records)
      if (f.expected.compression === 0) expect(decodeRecords(bytes)).toEqual(records)
    },
  )
})

describe('brook encodes the same bytes as kafka-python', () => {
  // kafka-python stores the first record's timestamp as baseTimestamp and a partition leader epoch of 0.
  const uncompressed = (plainFixture.batches as Fixture[]).filter(
    (f) => f.expected.timestampType === 0, // LogAppendTime batches lost their record timestamps on the way
  )
  it.each(uncompressed.map((f) => [f.name, f] as const))('%s', (_, f) => {
    const h = f.expected.header
    const input: BatchInput = {
      baseOffset: h.baseOffset,
      partitionLeaderEpoch: h.partitionLeaderEpoch,
      baseTimestamp: h.baseTimestamp,
      transactional: f.expected.transactional,
      control: f.expected.control,
      producerId: h.producerId,
      producerEpoch: h.producerEpoch,
      baseSequence: h.baseSequence,
      records: f.expected.records.map((r) => ({
        key: r.key === null ? null : unhex(r.key),
        value: r.value === null ? null : unhex(r.value),
        headers: r.headers.map(([key, v]) => ({ key, value: v === null ? null : unhex(v) })),
        timestamp: r.timestamp,
        offsetDelta: r.offset - h.baseOffset!,
      })),
    }
    expect(hex(encodeBatch(input))).toBe(f.hex)
  })

  it('setLogAppendTime turns a create-time batch into what a broker writes', () => {
    const f = (plainFixture.batches as Fixture[]).find((b) => b.expected.timestampType === 1)!
    const records = f.expected.records
    const original = encodeBatch({
      baseOffset: f.expected.header.baseOffset,
      partitionLeaderEpoch: 0,
      records: records.map((r, i) => ({ value: unhex(r.value!), timestamp: 1_764_000_000_000 + 5 * i })),
    })
    setLogAppendTime(original, f.expected.header.maxTimestamp!)
    expect(hex(original)).toBe(f.hex)
  })
})

describe('headers and offsets are rewritten in place', () => {
  const f = plainFixture.batches[0] as Fixture
  it('setBaseOffset moves every offset and keeps the CRC valid', () => {
    const bytes = unhex(f.hex)
    setBaseOffset(bytes, 2 ** 40)
    expect(verifyBatch(bytes).baseOffset).toBe(2 ** 40)
    expect(decodeRecords(bytes).map((r) => r.offset)).toEqual(
      f.expected.records.map((r) => 2 ** 40 + r.offset),
    )
    expect(bytes.subarray(8)).toEqual(unhex(f.hex).subarray(8))
  })

  it('setPartitionLeaderEpoch keeps the CRC valid', () => {
    const bytes = unhex(f.hex)
    setPartitionLeaderEpoch(bytes, 12)
    expect(verifyBatch(bytes).partitionLeaderEpoch).toBe(12)
  })

  it('splitBatches returns each of several concatenated batches, and ignores a partial tail when asked', () => {
    const parts = (plainFixture.batches as Fixture[]).slice(0, 5).map((b) => unhex(b.hex))
    const all = concatBytes(parts)
    expect(splitBatches(all).map(hex)).toEqual(parts.map(hex))
    const cut = all.subarray(0, all.length - 3)
    expect(splitBatches(cut, { partialTail: true }).map(hex)).toEqual(parts.slice(0, 4).map(hex))
    expect(() => splitBatches(cut)).toThrow(/CORRUPT_MESSAGE/)
  })
})

// ---- properties ----

/** Any UTF-16 text, lone surrogates included (fast-check's own unicode strings are slow to generate). */
const anyText = fc
  .array(
    fc.oneof(
      fc.integer({ min: 0, max: 0x7f }),
      fc.integer({ min: 0x80, max: 0xffff }),
      fc.integer({ min: 0x10000, max: 0x10ffff }),
    ),
    { maxLength: 16 },
  )
  .map((units) => units.map((c) => (c > 0xffff ? String.fromCodePoint(c) : String.fromCharCode(c))).join(''))

const bytesOrNull = fc.option(fc.uint8Array({ maxLength: 40 }), { nil: null })
const recordArb = fc.record(
  {
    key: bytesOrNull,
    value: bytesOrNull,
    headers: fc.array(
      fc.record({
        key: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('ключ', 'emoji-😀', 'é', '')),
        value: bytesOrNull,
      }),
      { maxLength: 3 },
    ),
    timestamp: fc.integer({ min: 0, max: 2 ** 45 }),
  },
  { requiredKeys: ['value'] },
)
const batchArb = fc.record({
  records: fc.array(recordArb, { minLength: 1, maxLength: 30 }),
  baseOffset: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER - 100 }),
  partitionLeaderEpoch: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
  producerId: fc.integer({ min: -1, max: Number.MAX_SAFE_INTEGER }),
  producerEpoch: fc.integer({ min: -1, max: 32767 }),
  baseSequence: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
  transactional: fc.boolean(),
  gaps: fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 30, maxLength: 30 }),
})

type ArbBatch = typeof batchArb extends fc.Arbitrary<infer T> ? T : never

function expectedOf(input: ArbBatch): { input: BatchInput; records: Record[] } {
  let delta = 0
  const records = input.records.map((r, i) => {
    if (i > 0) delta += input.gaps[i]!
    return { ...r, offsetDelta: delta }
  })
  // Records without a timestamp take the batch's base: the smallest record timestamp, or the one given.
  const stamped = records.flatMap((r) => (r.timestamp === undefined ? [] : [r.timestamp]))
  const base = stamped.length > 0 ? Math.min(...stamped) : 1_700_000_000_000
  const batch: BatchInput = { ...input, records, baseTimestamp: stamped.length > 0 ? undefined : base }
  return {
    input: batch,
    records: records.map((r) => ({
      offset: input.baseOffset + r.offsetDelta,
      timestamp: r.timestamp ?? base,
      key: r.key ?? null,
      value: r.value,
      headers: r.headers ?? [],
      attributes: 0,
    })),
  }
}

describe('encode → decode is the identity', () => {
  it('for arbitrary uncompressed batches', () => {
    fc.assert(
      fc.property(batchArb, (arb) => {
        const { input, records } = expectedOf(arb)
        const bytes = encodeBatch(input)
        const h = verifyBatch(bytes)
        expect(h.producerId).toBe(arb.producerId)
        expect(h.producerEpoch).toBe(arb.producerEpoch)
        expect(h.baseSequence).toBe(arb.baseSequence)
        expect(h.partitionLeaderEpoch).toBe(arb.partitionLeaderEpoch)
        expect((h.attributes & ATTR_TRANSACTIONAL) !== 0).toBe(arb.transactional)
        expect(h.maxTimestamp).toBe(Math.max(...records.map((r) => r.timestamp)))
        expect(h.recordCount).toBe(records.length)
        expect(decodeRecords(bytes)).toEqual(records)
      }),
      { numRuns: 300 },
    )
  })

  it('withProducer keeps the records of any batch and only replaces its producer fields', () => {
    fc.assert(
      fc.property(
        batchArb,
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 0, max: 32_767 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.nat(),
        (arb, producerId, epoch, seq, flip) => {
          const { input, records } = expectedOf(arb)
          const bytes = encodeBatch(input)
          const before = readBatchHeader(bytes)
          const out = withProducer(bytes, producerId, epoch, seq)
          const h = verifyBatch(out)
          expect([h.producerId, h.producerEpoch, h.baseSequence]).toEqual([producerId, epoch, seq])
          expect(h.attributes).toBe(before.attributes & ~ATTR_TRANSACTIONAL)
          expect(h.recordCount).toBe(before.recordCount)
          expect(decodeRecords(out)).toEqual(records)
          // The source is untouched, and a damaged source is refused, not given a valid CRC.
          expect(readBatchHeader(bytes).producerId).toBe(before.producerId)
          const damaged = bytes.slice()
          const at = 21 + (flip % (damaged.length - 21))
          damaged[at] = damaged[at]! ^ 0x01
          expect(() => withProducer(damaged, producerId, epoch, seq)).toThrow(/CORRUPT_MESSAGE/)
        },
      ),
      { numRuns: 300 },
    )
  })

  it.each(['gzip', 'snappy', 'lz4', 'zstd'] as const)('for arbitrary %s batches', async (codec) => {
    await fc.assert(
      fc.asyncProperty(batchArb, async (arb) => {
        const { input, records } = expectedOf(arb)
        const bytes = await encodeBatchAsync({ ...input, compression: Compression[codec] })
        expect(verifyBatch(bytes).attributes & 7).toBe(Compression[codec])
        expect(await decodeRecordsAsync(bytes)).toEqual(records)
      }),
      { numRuns: 60 },
    )
  })

  it('keeps header keys as UTF-8 text, lone surrogates becoming U+FFFD as TextEncoder writes them', () => {
    fc.assert(
      fc.property(anyText, (key) => {
        const [r] = decodeRecords(
          encodeBatch({ records: [{ value: null, headers: [{ key, value: null }] }] }),
        )
        expect(r!.headers[0]!.key).toBe(td.decode(te.encode(key)))
      }),
    )
  })

  it('for a batch of 70,000 records, and for small batches after it', () => {
    const records = Array.from({ length: 70_000 }, (_, i) => ({
      value: i % 2 ? null : new Uint8Array([i & 0xff]),
    }))
    const decoded = decodeRecords(encodeBatch({ records, baseTimestamp: 7 }))
    expect(decoded).toHaveLength(70_000)
    expect(decoded[69_998]).toEqual({
      offset: 69_998,
      timestamp: 7,
      key: null,
      value: new Uint8Array([69_998 & 0xff]),
      headers: [],
      attributes: 0,
    })
    const small = decodeRecords(encodeBatch({ records: [{ value: te.encode('x') }, { value: null }] }))
    expect(small.map((r) => r.value)).toEqual([te.encode('x'), null])
  })

  it('uses the log append time for every record when the attribute is set', () => {
    const bytes = encodeBatch({
      records: [
        { value: null, timestamp: 5 },
        { value: null, timestamp: 9 },
      ],
    })
    setLogAppendTime(bytes, 1000)
    expect(decodeRecords(bytes).map((r) => r.timestamp)).toEqual([1000, 1000])
  })
})

// ---- bad input ----

function batchWith(mutate: (b: Uint8Array) => void): Uint8Array {
  const b = encodeBatch({ records: [{ key: te.encode('k'), value: te.encode('value') }], baseTimestamp: 1 })
  mutate(b)
  return b
}

describe('bad input gets a Kafka error name, never a stray TypeError', () => {
  it('rejects an unknown or unavailable codec with UNSUPPORTED_COMPRESSION_TYPE', async () => {
    for (const codec of [5, 6, 7]) {
      const b = batchWith((x) => {
        x[22] = codec
      })
      await expectCode(() => decodeRecordsAsync(b, false), 'UNSUPPORTED_COMPRESSION_TYPE')
      await expectCode(
        () => encodeBatchAsync({ records: [{ value: null }], compression: codec }),
        'UNSUPPORTED_COMPRESSION_TYPE',
      )
    }
    await expectCode(
      () => encodeBatch({ records: [{ value: null }], compression: 1 }),
      'UNSUPPORTED_COMPRESSION_TYPE',
    )
  })

  it('rejects a CRC mismatch, a wrong magic and a truncated batch with CORRUPT_MESSAGE', async () => {
    await expectCode(() => verifyBatch(batchWith((x) => (x[70]! ^= 1))), 'CORRUPT_MESSAGE')
    await expectCode(() => readBatchHeader(batchWith((x) => (x[16] = 1))), 'CORRUPT_MESSAGE')
    const whole = batchWith(() => {})
    for (const n of [0, 11, 12, 60, 61, whole.length - 1])
      await expectCode(() => decodeRecordsAsync(whole.subarray(0, n)), 'CORRUPT_MESSAGE')
  })

  it('rejects a record count lie before allocating for it', async () => {
    for (const count of [2 ** 31 - 1, 1000, 2]) {
      const b = batchWith((x) => new DataView(x.buffer).setInt32(57, count))
      await expectCode(() => readBatchHeader(b), 'CORRUPT_MESSAGE')
      await expectCode(() => decodeRecords(b, false), 'CORRUPT_MESSAGE')
    }
    await expectCode(
      () =>
        decodeRecords(
          batchWith((x) => new DataView(x.buffer).setInt32(57, -1)),
          false,
        ),
      'CORRUPT_MESSAGE',
    )
  })

  it('rejects negative and overlong lengths inside records', async () => {
    // The record at 61: length, attributes, timestampDelta, offsetDelta, key length (65), 'k',
    // value length (67), 'value', header count (73).
    expect(batchWith(() => {}).length).toBe(74)
    for (const [pos, byte] of [
      [61, 0x01], // record length -1
      [61, 0x7e], // record length 63, beyond the batch
      [65, 0x05], // key length -3
      [65, 0x7e], // key length 63
      [67, 0x03], // value length -2
      [67, 0x70], // value length 56
      [73, 0x7f], // header count -64
      [73, 0x7e], // header count 63
    ] as const) {
      await expectCode(
        () =>
          decodeRecords(
            batchWith((x) => (x[pos] = byte)),
            false,
          ),
        'CORRUPT_MESSAGE',
      )
    }
  })

  it('rejects int64 fields beyond 2^53 and encode inputs it cannot represent', async () => {
    await expectCode(() => readBatchHeader(batchWith((x) => (x[0] = 0x7f))), 'CORRUPT_MESSAGE')
    await expectCode(() => encodeBatch({ records: [] }), 'INVALID_RECORD')
    await expectCode(() => encodeBatch({ records: [{ value: null, timestamp: 1.5 }] }), 'INVALID_RECORD')
    await expectCode(() => encodeBatch({ records: [{ value: null, offsetDelta: -1 }] }), 'INVALID_RECORD')
    await expectCode(
      () => encodeBatch({ records: [{ value: null }], baseOffset: 2 ** 60 }),
      'INVALID_REQUEST',
    )
  })

  it('stops inflating a "zip bomb" at the limit with CORRUPT_MESSAGE', async () => {
    const bomb = await compress(Compression.gzip, new Uint8Array(4_000_000))
    expect(bomb.length).toBeLessThan(10_000)
    await expectCode(() => decompress(Compression.gzip, bomb, 1_000_000), 'CORRUPT_MESSAGE')
    expect((await decompress(Compression.gzip, bomb)).length).toBe(4_000_000)
  })

  it('rejects gzip data that does not inflate with CORRUPT_MESSAGE', async () => {
    const b = await encodeBatchAsync({
      records: [{ value: new Uint8Array(100) }],
      compression: Compression.gzip,
    })
    b[b.length - 10]! ^= 0xff
    await expectCode(() => decodeRecordsAsync(b, false), 'CORRUPT_MESSAGE')
    await expectCode(() => decodeRecordsAsync(b.subarray(0, b.length - 8), false), 'CORRUPT_MESSAGE')
  })
})
