import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BrookError } from '../errors.ts'
import { concatBytes } from './bytes.ts'
import { crc32, upConvert } from './legacy-messages.ts'
import { decodeRecords, readBatchHeader } from './record-batch.ts'

/** A magic 1 entry as the format describes it (the interop tests use kafka-python's own bytes). */
function entry(key: string | null, value: string, timestamp: number): Uint8Array {
  const k = key === null ? null : new TextEncoder().encode(key)
  const v = new TextEncoder().encode(value)
  const body = new Uint8Array(2 + 8 + 4 + (k?.length ?? 0) + 4 + v.length)
  const view = new DataView(body.buffer)
  body[0] = 1
  view.setBigInt64(2, BigInt(timestamp))
  view.setInt32(10, k ? k.length : -1)
  if (k) body.set(k, 14)
  view.setInt32(14 + (k?.length ?? 0), v.length)
  body.set(v, 18 + (k?.length ?? 0))
  const out = new Uint8Array(12 + 4 + body.length)
  const o = new DataView(out.buffer)
  o.setInt32(8, 4 + body.length)
  o.setUint32(12, crc32(body))
  out.set(body, 16)
  return out
}

const set = (...entries: Uint8Array[]) => concatBytes(entries)

describe('legacy message sets', () => {
  it('CRC-32 is zlib’s: the check value of "123456789" is 0xCBF43926', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926)
  })

  it('become one v2 batch with keys, values and timestamps', async () => {
    const batch = await upConvert(
      set(entry('a', 'one', 1_700_000_000_000), entry(null, 'two', 1_700_000_000_005)),
    )
    expect(readBatchHeader(batch).magic).toBe(2)
    const records = decodeRecords(batch)
    expect(
      records.map((r) => [
        r.key && new TextDecoder().decode(r.key),
        new TextDecoder().decode(r.value!),
        r.timestamp,
      ]),
    ).toEqual([
      ['a', 'one', 1_700_000_000_000],
      [null, 'two', 1_700_000_000_005],
    ])
  })

  it('refuse anything malformed with CORRUPT_MESSAGE, never another error (fuzz)', async () => {
    const good = set(entry('k', 'v'.repeat(20), 1), entry('k2', 'w', 2))
    const damaged = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.integer({ min: 0, max: good.length - 1 }).map((n) => good.subarray(0, n)),
      fc
        .tuple(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 1, max: 255 }))
        .map(([i, x]) => {
          const b = good.slice()
          b[i]! ^= x
          return b
        }),
    )
    await fc.assert(
      fc.asyncProperty(damaged, async (bytes) => {
        try {
          const batch = await upConvert(bytes)
          // Only a flip that leaves every CRC valid converts: then it is a real batch.
          expect(decodeRecords(batch).length).toBeGreaterThan(0)
        } catch (e) {
          expect(e).toBeInstanceOf(BrookError)
          expect((e as BrookError).type).toMatch(/CORRUPT_MESSAGE|UNSUPPORTED_COMPRESSION_TYPE/)
        }
      }),
      { numRuns: 500 },
    )
  })
})
