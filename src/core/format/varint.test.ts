/** @module Zig-zag varints against the protobuf encoding rules, and the UTF-8 helpers against TextEncoder. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isBrookError } from '../errors.ts'
import { Reader, readUtf8, utf8Length, varintSize, writeUtf8, writeVarint } from './varint.ts'

function encode(n: number): number[] {
  const buf = new Uint8Array(10)
  const end = writeVarint(buf, 0, n)
  expect(end).toBe(varintSize(n))
  return [...buf.subarray(0, end)]
}

describe('zig-zag varints', () => {
  it('encode as protobuf sint64 does', () => {
    // Zig-zag maps 0, -1, 1, -2 … to 0, 1, 2, 3 …; then base-128 groups, low first.
    expect(encode(0)).toEqual([0])
    expect(encode(-1)).toEqual([1])
    expect(encode(1)).toEqual([2])
    expect(encode(-64)).toEqual([0x7f])
    expect(encode(64)).toEqual([0x80, 0x01])
    expect(encode(150)).toEqual([0xac, 0x02])
    expect(encode(300)).toEqual([0xd8, 0x04])
    expect(encode(2 ** 31 - 1)).toEqual([0xfe, 0xff, 0xff, 0xff, 0x0f])
    expect(encode(-(2 ** 31))).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f])
    expect(encode(2 ** 40)).toEqual([0x80, 0x80, 0x80, 0x80, 0x80, 0x40])
  })

  it('round-trip every integer below ±2^52 (timestamps to the year 144,000)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1 - 2 ** 52, max: 2 ** 52 - 1 }), (n) => {
        const buf = new Uint8Array(10)
        const end = writeVarint(buf, 0, n)
        const r = new Reader(buf, 0, end)
        expect(r.varint()).toBe(n)
        expect(r.pos).toBe(end)
      }),
      { numRuns: 2000 },
    )
  })

  it('reject a truncated or overlong varint with CORRUPT_MESSAGE', () => {
    for (const bytes of [[0x80], [0xff, 0xff], new Array(11).fill(0xff), []]) {
      try {
        new Reader(Uint8Array.from(bytes)).varint()
        expect.unreachable()
      } catch (e) {
        expect(isBrookError(e) && e.type).toBe('CORRUPT_MESSAGE')
      }
    }
  })
})

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

describe('UTF-8 header keys', () => {
  it('measure, write and read exactly as TextEncoder/TextDecoder', () => {
    const enc = new TextEncoder()
    const dec = new TextDecoder()
    fc.assert(
      fc.property(anyText, (s) => {
        const want = enc.encode(s)
        expect(utf8Length(s)).toBe(want.length)
        const buf = new Uint8Array(want.length + 2)
        expect(writeUtf8(buf, 1, s)).toBe(want.length + 1)
        expect(buf.subarray(1, want.length + 1)).toEqual(want)
        expect(readUtf8(buf, 1, want.length + 1)).toBe(dec.decode(want))
      }),
      { numRuns: 1000 },
    )
    // Lone surrogates are replaced, not dropped.
    expect(utf8Length('a\ud800b')).toBe(5)
  })
})
