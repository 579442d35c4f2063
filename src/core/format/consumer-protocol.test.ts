import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
// Made by scripts/fixtures/kafka_python_groups.py with kafka-python's ConsumerProtocol structs.
import golden from '../../../test/fixtures/kafka-python/consumer-protocol.json' with { type: 'json' }
import { isBrookError } from '../errors.ts'
import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from './consumer-protocol.ts'

interface TP {
  topic: string
  partitions: number[]
}
interface Fixtures {
  subscriptions: { version: number; topics: string[]; userData: string | null; hex: string }[]
  subscriptionsV1: {
    version: number
    topics: string[]
    userData: string | null
    ownedPartitions: TP[]
    hex: string
  }[]
  assignments: { version: number; assignment: TP[]; userData: string | null; hex: string }[]
}

const fixtures: Fixtures = golden

const fromHex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (b) => Number.parseInt(b, 16))
const toHex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('')
const hexOrNull = (b: Uint8Array | null) => (b === null ? null : toHex(b))
const bytesOrNull = (h: string | null) => (h === null ? null : fromHex(h))

/** Decoding must fail with a clear Kafka error, never a RangeError/TypeError. */
function expectGroupProtocolError(fn: () => unknown): void {
  try {
    fn()
  } catch (e) {
    expect(isBrookError(e)).toBe(true)
    expect((e as { type: string }).type).toBe('INCONSISTENT_GROUP_PROTOCOL')
    return
  }
  expect.unreachable('decoding should have failed')
}

describe('ConsumerProtocol against kafka-python', () => {
  it('decodes kafka-python subscriptions (v0) and encodes the same bytes', () => {
    expect(fixtures.subscriptions.length).toBeGreaterThan(10)
    for (const f of fixtures.subscriptions) {
      const s = decodeSubscription(fromHex(f.hex))
      expect(s.version).toBe(0)
      expect(s.topics).toEqual(f.topics)
      expect(hexOrNull(s.userData)).toBe(f.userData)
      expect(s.ownedPartitions).toEqual([])
      expect(toHex(encodeSubscription({ topics: f.topics, userData: bytesOrNull(f.userData) }))).toBe(f.hex)
    }
  })

  it('decodes v1 subscriptions with owned partitions and encodes the same bytes', () => {
    for (const f of fixtures.subscriptionsV1) {
      const s = decodeSubscription(fromHex(f.hex))
      expect(s.version).toBe(1)
      expect(s.topics).toEqual(f.topics)
      expect(hexOrNull(s.userData)).toBe(f.userData)
      expect(s.ownedPartitions).toEqual(f.ownedPartitions)
      const encoded = encodeSubscription({
        topics: f.topics,
        userData: bytesOrNull(f.userData),
        ownedPartitions: f.ownedPartitions,
      })
      expect(toHex(encoded)).toBe(f.hex)
    }
  })

  it('decodes kafka-python assignments and encodes the same bytes', () => {
    for (const f of fixtures.assignments) {
      const a = decodeAssignment(fromHex(f.hex))
      expect(a.version).toBe(0)
      expect(a.assignment).toEqual(f.assignment)
      expect(hexOrNull(a.userData)).toBe(f.userData)
      expect(toHex(encodeAssignment({ assignment: f.assignment, userData: bytesOrNull(f.userData) }))).toBe(
        f.hex,
      )
    }
  })

  it('rejects every truncation of a valid encoding with INCONSISTENT_GROUP_PROTOCOL', () => {
    for (const f of [...fixtures.subscriptions, ...fixtures.subscriptionsV1]) {
      const b = fromHex(f.hex)
      for (let n = 0; n < b.length; n++) expectGroupProtocolError(() => decodeSubscription(b.subarray(0, n)))
    }
    for (const f of fixtures.assignments) {
      const b = fromHex(f.hex)
      // Zero bytes are the empty assignment Kafka sends to a member the leader left out.
      for (let n = 1; n < b.length; n++) expectGroupProtocolError(() => decodeAssignment(b.subarray(0, n)))
    }
  })
})

describe('ConsumerProtocol edge cases', () => {
  it('treats empty assignment bytes as owning nothing', () => {
    expect(decodeAssignment(new Uint8Array(0))).toEqual({ version: 0, assignment: [], userData: null })
  })

  it('reads the known prefix of a newer version and ignores what follows', () => {
    const v3 = encodeSubscription({
      topics: ['t'],
      ownedPartitions: [{ topic: 't', partitions: [1] }],
      generationId: 7,
      rackId: 'rack-1',
      version: 3,
    })
    // Pretend a future v9 appended more fields.
    const future = new Uint8Array([...v3, 1, 2, 3])
    future[1] = 9
    const s = decodeSubscription(future)
    expect(s).toMatchObject({ version: 9, topics: ['t'], generationId: 7, rackId: 'rack-1' })
    expect(s.ownedPartitions).toEqual([{ topic: 't', partitions: [1] }])
  })

  it('rejects absurd lengths and negative versions without allocating', () => {
    // version 0, topics count 2^31-1
    expectGroupProtocolError(() => decodeSubscription(new Uint8Array([0, 0, 0x7f, 0xff, 0xff, 0xff])))
    expectGroupProtocolError(() =>
      decodeSubscription(new Uint8Array([0xff, 0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff])),
    )
    expectGroupProtocolError(() => decodeAssignment(new Uint8Array([0, 0, 0xff, 0xff, 0xff, 0xfe])))
    // invalid UTF-8 in a topic name
    expectGroupProtocolError(() =>
      decodeSubscription(new Uint8Array([0, 0, 0, 0, 0, 1, 0, 1, 0xff, 0, 0, 0, 0])),
    )
  })

  it('encode → decode is the identity for arbitrary subscriptions and assignments', () => {
    const tp = fc.array(
      fc.record({
        topic: fc.string({ maxLength: 30 }),
        partitions: fc.array(fc.integer({ min: 0, max: 2 ** 31 - 1 })),
      }),
      { maxLength: 5 },
    )
    const userData = fc.option(fc.uint8Array({ maxLength: 50 }), { nil: null })
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 30 }), { maxLength: 8 }),
        userData,
        tp,
        (topics, ud, owned) => {
          const s = decodeSubscription(encodeSubscription({ topics, userData: ud, ownedPartitions: owned }))
          expect(s).toEqual({
            version: 1,
            topics,
            userData: ud,
            ownedPartitions: owned,
            generationId: -1,
            rackId: null,
          })
          const v0 = decodeSubscription(encodeSubscription({ topics, userData: ud }))
          expect(v0.version).toBe(0)
          expect(v0.topics).toEqual(topics)
          const a = decodeAssignment(encodeAssignment({ assignment: owned, userData: ud }))
          expect(a).toEqual({ version: 0, assignment: owned, userData: ud })
        },
      ),
      { numRuns: 300 },
    )
  })

  it('random bytes decode or fail with a Kafka error, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        for (const decode of [decodeSubscription, decodeAssignment]) {
          try {
            decode(bytes)
          } catch (e) {
            expect(isBrookError(e)).toBe(true)
          }
        }
      }),
      { numRuns: 2000 },
    )
  })
})
