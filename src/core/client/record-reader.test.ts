/**
 * @module The consumer's fast decode path must agree with the general RecordBatch codec on every input:
 * the application must see exactly what `decodeRecords` sees.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeRecords, encodeBatch, type RecordInput, setBaseOffset } from '../format/record-batch.ts'
import { decodePartition } from './fetcher.ts'
import { readMessages } from './record-reader.ts'
import type { KafkaMessage } from './types.ts'

const bytes = (max: number) => fc.uint8Array({ maxLength: max })
const record = fc.record({
  key: fc.option(bytes(40), { nil: null }),
  value: fc.option(bytes(300), { nil: null }),
  headers: fc.option(
    fc.array(
      fc.record({
        // Keys an object map gets wrong: the prototype's names, and repeats.
        key: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'dup')),
        value: fc.option(bytes(20), { nil: null }),
      }),
      { maxLength: 4 },
    ),
    { nil: undefined },
  ),
  timestamp: fc.integer({ min: 0, max: 2 ** 45 }),
})
/**
 * What kafkajs hands an application: a key seen once maps to its value, a repeated key to all its
 * values in order. Built with `Object.fromEntries`, which defines own properties (`__proto__` too).
 */
function headerObject(hs: { key: string; value: Uint8Array | null }[]): Record<string, unknown> {
  const grouped = new Map<string, (Uint8Array | null)[]>()
  for (const h of hs) grouped.set(h.key, [...(grouped.get(h.key) ?? []), h.value])
  return Object.fromEntries([...grouped].map(([k, vs]) => [k, vs.length === 1 ? vs[0] : vs]))
}

describe('consumer record reader', () => {
  it('reads what decodeRecords reads, from any fetch offset', () => {
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.nat(40),
        (records, base, skip) => {
          const batch = encodeBatch({ records: records as RecordInput[] })
          setBaseOffset(batch, base)
          const expected = decodeRecords(batch)
            .filter((r) => r.offset >= base + skip)
            .map((r) => ({
              key: r.key,
              value: r.value,
              headers: headerObject(r.headers),
              timestamp: r.timestamp,
              offset: r.offset,
              attributes: r.attributes,
            }))
          const out: KafkaMessage[] = []
          readMessages(
            batch,
            61,
            batch.length,
            {
              baseOffset: base,
              baseTimestamp: Math.min(...records.map((r) => r.timestamp)),
              appendTime: -1,
              recordCount: records.length,
            },
            base + skip,
            out,
          )
          expect(out).toEqual(expected)
          // toEqual compares own enumerable keys; the prototype must be the plain object's too.
          for (const m of out) expect(Object.getPrototypeOf(m.headers)).toBe(Object.prototype)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('turns truncated or bit-flipped batches into a Kafka error (CORRUPT_MESSAGE mostly), never a stray TypeError', async () => {
    const batch = encodeBatch({
      records: Array.from({ length: 20 }, (_, i) => ({
        key: new Uint8Array([i]),
        value: new Uint8Array(30),
      })),
    })
    await fc.assert(
      fc.asyncProperty(
        fc.nat(batch.length - 1),
        fc.integer({ min: 1, max: 255 }),
        fc.boolean(),
        async (at, x, crc) => {
          const bad = batch.slice()
          bad[at]! ^= x
          // Outside the CRC are the base offset (bytes 0–7) and the leader epoch (12–15): a flip
          // there is a different valid batch. Anywhere else a checked CRC must catch it.
          const mustFail = crc && !(at < 8 || (at >= 12 && at < 16))
          let error: unknown
          try {
            await decodePartition(bad, 0, crc)
          } catch (e) {
            error = e
          }
          // A flip in the attributes can name a codec brook lacks: that is said as Kafka says it.
          if (error !== undefined)
            expect((error as { type?: string }).type).toMatch(
              /CORRUPT_MESSAGE|RECORD_LIST_TOO_LARGE|UNSUPPORTED_COMPRESSION_TYPE/,
            )
          else expect(mustFail, `a flip at byte ${at} went unnoticed`).toBe(false)
        },
      ),
      { numRuns: 300 },
    )
  })
})
