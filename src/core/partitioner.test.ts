/** @module Kafka's default partitioner: murmur2 against kafka-python and Kafka's own vectors; sticky null keys. */
import { describe, expect, it } from 'vitest'
import fixture from '../../test/fixtures/kafka-python/murmur2.json' with { type: 'json' }
import { isBrookError } from './errors.ts'
import { murmur2, partitionForKey, StickyPartitioner, toPositive } from './partitioner.ts'

const te = new TextEncoder()
const unhex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g) ?? [], (h) => Number.parseInt(h, 16))

describe('murmur2', () => {
  it("matches Kafka's UtilsTest vectors (signed, as Java returns)", () => {
    expect(murmur2(te.encode('21'))).toBe(-973932308)
    expect(murmur2(te.encode('foobar'))).toBe(-790332482)
    expect(murmur2(te.encode('a-little-bit-long-string'))).toBe(-985981536)
    expect(murmur2(te.encode('a-little-bit-longer-string'))).toBe(-1486304829)
    expect(murmur2(te.encode('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'))).toBe(-58897971)
    expect(murmur2(te.encode('abc'))).toBe(479470107)
  })

  it("equals kafka-python's murmur2 and DefaultPartitioner choice for 10,000 random keys", () => {
    const rows = fixture.keys as [string, number, number, number][]
    expect(rows.length).toBe(10_000)
    const sticky = new StickyPartitioner()
    const wrong: string[] = []
    for (const [keyHex, hash, n, partition] of rows) {
      const key = unhex(keyHex)
      if (murmur2(key) >>> 0 !== hash) wrong.push(`murmur2(${keyHex})`)
      if (partitionForKey(key, n) !== partition) wrong.push(`partitionForKey(${keyHex}, ${n})`)
      if (sticky.partition('t', n, key) !== partition) wrong.push(`sticky.partition(${keyHex}, ${n})`)
    }
    expect(wrong).toEqual([])
  })

  it('toPositive clears the sign bit, as Java does (not Math.abs)', () => {
    expect(toPositive(-(2 ** 31))).toBe(0)
    expect(toPositive(-1)).toBe(2 ** 31 - 1)
    expect(toPositive(42)).toBe(42)
  })
})

describe('StickyPartitioner', () => {
  it('keeps unkeyed records on one partition until the batch changes, then moves', () => {
    const p = new StickyPartitioner()
    const first = p.partition('orders', 6)
    for (let i = 0; i < 100; i++) expect(p.partition('orders', 6, null)).toBe(first)
    let previous = first
    for (let i = 0; i < 200; i++) {
      const next = p.nextBatch('orders', 6)
      expect(next).not.toBe(previous)
      expect(p.partition('orders', 6)).toBe(next)
      previous = next
    }
  })

  it('spreads batches over every partition and keeps topics apart', () => {
    let seed = 1
    const random = () => {
      seed = (seed * 48271) % 2147483647 // Park–Miller
      return (seed - 1) / 2147483646
    }
    const p = new StickyPartitioner(random)
    const seen = new Set<number>()
    for (let i = 0; i < 300; i++) seen.add(p.nextBatch('a', 5))
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4])
    const b = p.partition('b', 3)
    p.nextBatch('a', 5)
    expect(p.partition('b', 3)).toBe(b)
  })

  it('honours an explicit partition over the key and rejects one the topic lacks', () => {
    const p = new StickyPartitioner()
    expect(p.partition('t', 4, te.encode('k'), 3)).toBe(3)
    expect(p.partition('t', 4, null, 0)).toBe(0)
    for (const bad of [4, -1, 1.5]) {
      try {
        p.partition('t', 4, null, bad)
        expect.unreachable()
      } catch (e) {
        expect(isBrookError(e) && e.type).toBe('UNKNOWN_TOPIC_OR_PARTITION')
      }
    }
  })

  it('never returns a partition beyond a shrunk count, and has only one choice for one partition', () => {
    const p = new StickyPartitioner(() => 0.99)
    expect(p.partition('t', 10)).toBe(9)
    expect(p.partition('t', 3)).toBeLessThan(3)
    expect(p.nextBatch('t', 1)).toBe(0)
    expect(() => p.partition('t', 0)).toThrow(/INVALID_PARTITIONS/)
  })
})
