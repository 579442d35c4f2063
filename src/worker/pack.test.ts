/** @module Packed produce batches arrive as the same requests, bytes intact. */

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { ProduceRequest } from '../core/service.ts'
import type { BatchCall } from './api.ts'
import { isPacked, packProduces, unpackProduces } from './pack.ts'

const bytes = fc.uint8Array({ maxLength: 64 })
const request: fc.Arbitrary<ProduceRequest> = fc.record({
  acks: fc.constantFrom(-1 as const, 0 as const, 1 as const),
  timeoutMs: fc.nat(),
  topics: fc.array(
    fc.record({
      name: fc.string(),
      partitions: fc.array(fc.record({ partition: fc.integer({ min: -1, max: 100 }), records: bytes })),
    }),
  ),
})

describe('packed produce batches', () => {
  it('unpack returns every request with its own bytes', () => {
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 8 }), (reqs) => {
        const calls: BatchCall[] = reqs.map((arg) => ({ method: 'produce', arg }))
        const packed = packProduces(calls)!
        expect(isPacked(packed)).toBe(true)
        // Through a structured clone, as across postMessage.
        expect(unpackProduces(structuredClone(packed))).toEqual(calls)
      }),
    )
  })

  it('copies only the viewed bytes of records that are views into larger buffers', () => {
    const big = new Uint8Array([9, 9, 1, 2, 3, 9, 9])
    const calls: BatchCall[] = [
      {
        method: 'produce',
        arg: {
          acks: -1,
          timeoutMs: 1,
          topics: [{ name: 't', partitions: [{ partition: 0, records: big.subarray(2, 5) }] }],
        },
      },
    ]
    const packed = packProduces(calls)!
    expect(packed.bytes.byteLength).toBe(3)
    const arg = unpackProduces(packed)[0]!.arg as ProduceRequest
    expect([...arg.topics[0]!.partitions[0]!.records]).toEqual([1, 2, 3])
    expect(isPacked(calls)).toBe(false)
  })

  it('declines malformed requests, which then travel as they are', () => {
    const bad = [
      { topics: [{ name: 't', partitions: [{ partition: 0, records: [1, 2] }] }] },
      { topics: 'x' },
      undefined,
    ]
    for (const arg of bad) expect(packProduces([{ method: 'produce', arg }])).toBeNull()
  })
})
