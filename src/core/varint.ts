/**
 * @module Zig-zag varints (protobuf style), as Kafka records use. Values are JS numbers; arithmetic
 * rather than bit operations keeps varlongs exact beyond 32 bits (timestamps, up to 2^53).
 */
import { BrookError } from './errors.ts'

export function varintSize(value: number): number {
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
  let v = value >= 0 ? value * 2 : -value * 2 - 1
  if (v < 0x80) {
    buf[pos] = v
    return pos + 1
  }
  while (v >= 0x80) {
    buf[pos++] = (v % 128) | 0x80
    v = Math.floor(v / 128)
  }
  buf[pos++] = v
  return pos
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
    const buf = this.buf
    let b = this.pos < this.end ? buf[this.pos++]! : this.eof()
    if (b < 0x80) return b & 1 ? -(b + 1) / 2 : b / 2
    let v = b & 0x7f
    let mul = 128
    for (let i = 1; ; i++) {
      if (i >= 10) throw new BrookError('CORRUPT_MESSAGE', 'varint longer than 10 bytes')
      b = this.pos < this.end ? buf[this.pos++]! : this.eof()
      v += (b & 0x7f) * mul
      if (b < 0x80) break
      mul *= 128
    }
    if (v > Number.MAX_SAFE_INTEGER) throw new BrookError('CORRUPT_MESSAGE', 'varint out of range')
    return v % 2 === 1 ? -(v + 1) / 2 : v / 2
  }

  int8(): number {
    if (this.pos >= this.end) this.eof()
    return (this.buf[this.pos++]! << 24) >> 24
  }

  bytes(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.end) this.eof()
    const out = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }

  private eof(): never {
    throw new BrookError('CORRUPT_MESSAGE', 'record data ends early')
  }
}
