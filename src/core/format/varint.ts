/**
 * @module Byte-level primitives of Kafka records: zig-zag varints (protobuf style) and UTF-8 header keys.
 * Varint values are JS numbers: small values take a 32-bit fast path; larger ones use arithmetic rather
 * than bit operations so varlongs stay exact beyond 32 bits (timestamps, up to 2^53).
 */
import { BrookError } from '../errors.ts'

/** Zig-zag values below 2^28 fit in four varint bytes and in 32-bit arithmetic. */
const SMALL = 0x800_0000

/** Bytes needed for zig-zag `value`. */
export function varintSize(value: number): number {
  if (value < SMALL && value >= -SMALL) {
    const z = (value << 1) ^ (value >> 31)
    return z < 0x80 ? 1 : z < 0x4000 ? 2 : z < 0x20_0000 ? 3 : 4
  }
  let v = value >= 0 ? value * 2 : -value * 2 - 1
  let n = 1
  while (v >= 0x80) {
    v = Math.floor(v / 128)
    n++
  }
  return n
}

/** Writes zig-zag `value` at `pos`; returns the position after it. */
export function writeVarint(buf: Uint8Array, pos: number, value: number): number {
  if (value < SMALL && value >= -SMALL) {
    let z = (value << 1) ^ (value >> 31)
    while (z >= 0x80) {
      buf[pos++] = (z & 0x7f) | 0x80
      z >>>= 7
    }
    buf[pos] = z
    return pos + 1
  }
  let v = value >= 0 ? value * 2 : -value * 2 - 1
  while (v >= 0x80) {
    buf[pos++] = (v % 128) | 0x80
    v = Math.floor(v / 128)
  }
  buf[pos] = v
  return pos + 1
}

/**
 * Decodes the varint whose first byte `b` (≥ 0x80) was at `pos - 1`, bytes before `end`. The position
 * after it is left in `reader.pos`. Shared by `Reader` and the record decoder's inlined fast path.
 */
export function readVarintTail(reader: { pos: number }, buf: Uint8Array, b: number, end: number): number {
  let pos = reader.pos
  let z = b & 0x7f
  let shift = 7
  // Up to four bytes stay within 28 bits, so 32-bit operations are exact.
  for (let i = 1; i < 4; i++) {
    if (pos >= end) return eof()
    b = buf[pos++]!
    z |= (b & 0x7f) << shift
    if (b < 0x80) {
      reader.pos = pos
      return (z >>> 1) ^ -(z & 1)
    }
    shift += 7
  }
  let v = z
  let mul = 0x1000_0000
  for (let i = 4; ; i++) {
    if (i >= 10) throw new BrookError('CORRUPT_MESSAGE', 'varint longer than 10 bytes')
    if (pos >= end) return eof()
    b = buf[pos++]!
    v += (b & 0x7f) * mul
    if (b < 0x80) break
    mul *= 128
  }
  if (v > Number.MAX_SAFE_INTEGER) throw new BrookError('CORRUPT_MESSAGE', 'varint out of range')
  reader.pos = pos
  return v % 2 === 1 ? -(v + 1) / 2 : v / 2
}

function eof(): never {
  throw new BrookError('CORRUPT_MESSAGE', 'record data ends early')
}

/** A cursor over bytes: `pos` advances as values are read; reads past `end` throw CORRUPT_MESSAGE. */
export class Reader {
  pos: number
  constructor(
    readonly buf: Uint8Array,
    pos = 0,
    readonly end = buf.length,
  ) {
    this.pos = pos
  }

  varint(): number {
    if (this.pos >= this.end) eof()
    const b = this.buf[this.pos++]!
    return b < 0x80 ? (b >>> 1) ^ -(b & 1) : readVarintTail(this, this.buf, b, this.end)
  }

  int8(): number {
    if (this.pos >= this.end) eof()
    return (this.buf[this.pos++]! << 24) >> 24
  }

  bytes(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.end) eof()
    const out = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }
}

// ---- UTF-8 header keys: most are short ASCII, which skips TextEncoder/TextDecoder entirely ----

const utf8 = new TextEncoder()
const utf8d = new TextDecoder('utf-8', { fatal: false })

/** UTF-8 byte length of `s` as TextEncoder writes it (a lone surrogate becomes U+FFFD, 3 bytes). */
export function utf8Length(s: string): number {
  const n = s.length
  let bytes = n
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) continue
    if (c < 0x800) bytes += 1
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2 // a surrogate pair: 2 UTF-16 units, 4 bytes
      i++
    } else bytes += 2
  }
  return bytes
}

/** Writes `s` as UTF-8 at `pos` (room for `utf8Length(s)` bytes is assumed); returns the end. */
export function writeUtf8(buf: Uint8Array, pos: number, s: string): number {
  const n = s.length
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0x80) return pos + i + utf8.encodeInto(s.slice(i), buf.subarray(pos + i)).written
    buf[pos + i] = c
  }
  return pos + n
}

/** Decodes `buf[start, end)` as UTF-8 (invalid sequences become U+FFFD, as Kafka's Java client does). */
export function readUtf8(buf: Uint8Array, start: number, end: number): string {
  if (end - start > 32) return utf8d.decode(buf.subarray(start, end))
  let s = ''
  for (let i = start; i < end; i++) {
    const c = buf[i]!
    if (c >= 0x80) return utf8d.decode(buf.subarray(start, end))
    s += String.fromCharCode(c)
  }
  return s
}
