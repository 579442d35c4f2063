/**
 * @module Fuzz: 10,000 random and mutated record buffers thrown at Broker.produce. Every one must
 * come back as a clear per-partition error, and the log must stay exactly as it was.
 */

import fc from 'fast-check'
import { expect, it } from 'vitest'
import { Broker } from './broker.ts'
import { consume, produce } from './broker-test-helpers.ts'
import { errorName } from './errors.ts'
import { encodeBatch } from './format/record-batch.ts'
import { MemoryStore } from './memory-store.ts'

const CLEAR_ERRORS = [
  'CORRUPT_MESSAGE',
  'INVALID_RECORD',
  'MESSAGE_TOO_LARGE',
  'UNSUPPORTED_COMPRESSION_TYPE',
]

const recordArb = fc.record({
  key: fc.option(fc.uint8Array({ maxLength: 8 }), { nil: null }),
  value: fc.option(fc.uint8Array({ maxLength: 40 }), { nil: null }),
  headers: fc.array(
    fc.record({
      key: fc.string({ maxLength: 4 }),
      value: fc.option(fc.uint8Array({ maxLength: 4 }), { nil: null }),
    }),
    {
      maxLength: 2,
    },
  ),
  timestamp: fc.integer({ min: 0, max: 2 ** 42 }),
})
const validBatch = fc
  .array(recordArb, { minLength: 1, maxLength: 5 })
  .map((records) => encodeBatch({ records }))

/** Byte edits that always change a valid batch somewhere its magic, length or CRC must catch. */
const flips = fc.array(fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), {
  minLength: 1,
  maxLength: 4,
})

const input: fc.Arbitrary<Uint8Array> = fc.oneof(
  // Random bytes.
  fc.uint8Array({ maxLength: 300 }),
  // Bit-flipped batches: bytes from the magic byte on (bytes 0-15 hold the base offset, the
  // length and the leader epoch, which the broker overwrites or checks separately).
  fc.tuple(validBatch, flips).map(([b, fs]) => {
    const out = b.slice()
    for (const f of fs) out[16 + (f.at % (out.length - 16))]! ^= f.xor
    return out
  }),
  // Truncated batches.
  fc.tuple(validBatch, fc.nat()).map(([b, n]) => b.subarray(0, n % b.length)),
  // A valid batch followed by garbage, or by a damaged second batch.
  fc
    .tuple(validBatch, fc.uint8Array({ minLength: 1, maxLength: 80 }))
    .map(([b, g]) => new Uint8Array([...b, ...g])),
  fc.tuple(validBatch, validBatch, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([a, b, at, xor]) => {
    const second = b.slice()
    second[16 + (at % (second.length - 16))]! ^= xor
    return new Uint8Array([...a, ...second])
  }),
  // Absurd batch lengths (negative, huge, off by a little).
  fc.tuple(validBatch, fc.oneof(fc.integer(), fc.integer({ min: -3, max: 3 }))).map(([b, len]) => {
    const out = b.slice()
    const v = new DataView(out.buffer)
    v.setInt32(8, len <= 3 && len >= -3 ? v.getInt32(8) + (len || 1) : len | 0)
    return out
  }),
)

it('answers 10,000 random or damaged buffers with clear errors and leaves the log unchanged', async () => {
  const store = new MemoryStore()
  const broker = await Broker.open({ store })
  await broker.createTopics({ topics: [{ name: 't' }] })
  const enc = new TextEncoder()
  await produce(
    broker,
    't',
    0,
    encodeBatch({ records: [{ value: enc.encode('before') }, { value: enc.encode('fuzz') }] }),
  )
  const before = await consume(broker, 't', 0)
  const bytesBefore = store.sizeBytes()
  const seen = new Set<string>()
  await fc.assert(
    fc.asyncProperty(input, async (bytes) => {
      const r = await produce(broker, 't', 0, bytes, 1)
      const name = errorName(r.errorCode)
      seen.add(name)
      expect(CLEAR_ERRORS).toContain(name)
      // Kafka's error_message: what went wrong, without the name the code already gives.
      expect(r.errorMessage).toBeTruthy()
      expect(r.errorMessage).not.toMatch(new RegExp(`^${name}`))
      expect(broker.log('t', 0)!.highWatermark).toBe(2)
      expect(store.sizeBytes()).toBe(bytesBefore)
    }),
    { numRuns: 10_000, seed: 20261126 },
  )
  expect(await consume(broker, 't', 0)).toEqual(before)
  // The damage was caught by more than one check.
  expect(seen.size).toBeGreaterThan(1)
  await broker.close()
})

it('answers malformed requests with Kafka errors, never a TypeError or RangeError', async () => {
  const broker = await Broker.open({ store: new MemoryStore() })
  await broker.createTopics({ topics: [{ name: 't', numPartitions: 2 }] })
  await produce(broker, 't', 0, encodeBatch({ records: [{ value: new Uint8Array(3) }] }))
  const junk = fc.oneof(
    fc.anything(),
    fc.record({
      topics: fc.oneof(
        fc.anything(),
        fc.array(
          fc.record({
            name: fc.oneof(fc.constant('t'), fc.anything()),
            partitions: fc.oneof(
              fc.anything(),
              fc.array(
                fc.record({
                  partition: fc.oneof(fc.integer({ min: -2, max: 3 }), fc.anything()),
                  fetchOffset: fc.oneof(fc.integer({ min: -2, max: 3 }), fc.double(), fc.anything()),
                  offset: fc.oneof(fc.integer({ min: -2, max: 3 }), fc.anything()),
                  timestamp: fc.oneof(fc.integer({ min: -6, max: 3 }), fc.anything()),
                  partitionMaxBytes: fc.oneof(fc.integer({ min: -1, max: 100 }), fc.anything()),
                  records: fc.oneof(fc.uint8Array({ maxLength: 80 }), fc.anything()),
                  count: fc.oneof(fc.integer({ min: -1, max: 4 }), fc.anything()),
                }),
                { maxLength: 3 },
              ),
            ),
            count: fc.oneof(fc.integer({ min: -1, max: 4 }), fc.anything()),
            numPartitions: fc.oneof(fc.integer({ min: -1, max: 4 }), fc.anything()),
            configs: fc.anything(),
          }),
          { maxLength: 3 },
        ),
      ),
      acks: fc.oneof(fc.constantFrom(-1, 0, 1), fc.anything()),
      maxWaitMs: fc.constant(0),
      minBytes: fc.anything(),
      maxBytes: fc.anything(),
      allowAutoTopicCreation: fc.anything(),
    }),
  )
  const calls: ((req: never) => Promise<unknown>)[] = [
    (r) => broker.metadata(r),
    (r) => broker.createTopics(r),
    (r) => broker.createPartitions(r),
    (r) => broker.describeConfigs(r),
    (r) => broker.produce(r),
    (r) => broker.fetch(r),
    (r) => broker.listOffsets(r),
    (r) => broker.deleteRecords(r),
    (r) => broker.initProducerId(r),
  ]
  await fc.assert(
    fc.asyncProperty(fc.nat(calls.length - 1), junk, async (which, req) => {
      try {
        await calls[which]!(req as never)
      } catch (e) {
        expect((e as Error).name).toBe('BrookError')
      }
    }),
    { numRuns: 2000, seed: 7 },
  )
  // Whatever happened to other topics, the first record is still there.
  expect((await consume(broker, 't', 0)).map(([o]) => o)).toEqual(expect.arrayContaining([0]))
  await broker.close()
})
