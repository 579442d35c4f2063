/**
 * @module Byte-level reader and writer for Kafka's wire types. The reader checks every length against the
 * bytes that remain before it allocates, so hostile frames fail with a BrookError, never a RangeError. The
 * writer collects large byte runs (record batches) by reference and copies them once, into the final frame.
 */
import { BrookError, type KafkaErrorName } from '../errors.ts'

const utf8Decoder = new TextDecoder()
const utf8Encoder = new TextEncoder()
const TWO_32 = 4294967296

export class WireReader {
  pos: number
  end: number
  readonly view: DataView

  constructor(
    readonly buf: Uint8Array,
    readonly errorType: KafkaErrorName,
    pos = 0,
    end = buf.length,
  ) {
    this.pos = pos
    this.end = end
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  }

  fail(detail: string): never {
    throw new BrookError(this.errorType, detail)
  }

  get remaining(): number {
    return this.end - this.pos
  }

  need(n: number, what: string): void {
    if (n > this.end - this.pos) this.fail(`${what}: needs ${n} bytes, ${this.end - this.pos} left`)
  }

  int8(what: string): number {
    this.need(1, what)
    return this.view.getInt8(this.pos++)
  }
  int16(what: string): number {
    this.need(2, what)
    const v = this.view.getInt16(this.pos)
    this.pos += 2
    return v
  }
  uint16(what: string): number {
    this.need(2, what)
    const v = this.view.getUint16(this.pos)
    this.pos += 2
    return v
  }
  int32(what: string): number {
    this.need(4, what)
    const v = this.view.getInt32(this.pos)
    this.pos += 4
    return v
  }
  int64(what: string): number {
    this.need(8, what)
    const hi = this.view.getInt32(this.pos)
    const lo = this.view.getUint32(this.pos + 4)
    this.pos += 8
    // |hi| < 2^21 keeps hi * 2^32 + lo within Number.MAX_SAFE_INTEGER, so the result is exact.
    if (hi >= 0x200000 || hi < -0x200000) this.fail(`${what}: int64 outside the safe integer range`)
    return hi * TWO_32 + lo
  }
  float64(what: string): number {
    this.need(8, what)
    const v = this.view.getFloat64(this.pos)
    this.pos += 8
    return v
  }
  uvarint(what: string): number {
    let v = 0
    let mul = 1
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.end) this.fail(`${what}: varint runs past the end`)
      const b = this.buf[this.pos++]!
      v += (b & 0x7f) * mul
      if (b < 0x80) {
        if (v > 0xffffffff) this.fail(`${what}: varint too large`)
        return v
      }
      mul *= 128
    }
    return this.fail(`${what}: varint longer than 5 bytes`)
  }
  bytes(n: number, what: string): Uint8Array {
    this.need(n, what)
    const out = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }
  utf8(n: number, what: string): string {
    this.need(n, what)
    const start = this.pos
    this.pos += n
    // Short ASCII names (topics, groups, configs) are the common case; skip TextDecoder for them.
    if (n < 64) {
      let s = ''
      for (let i = start; i < start + n; i++) {
        const c = this.buf[i]!
        if (c >= 0x80) return utf8Decoder.decode(this.buf.subarray(start, start + n))
        s += String.fromCharCode(c)
      }
      return s
    }
    return utf8Decoder.decode(this.buf.subarray(start, start + n))
  }
}

const CHUNK = 16 * 1024
/** Byte runs at least this long are kept by reference until `finish`, so they are copied only once. */
const BY_REFERENCE = 1024

export class WireWriter {
  private chunks: Uint8Array[] = []
  private cur: Uint8Array
  private view: DataView
  private pos = 0
  private total = 0

  constructor(
    readonly errorType: KafkaErrorName,
    initial = 512,
  ) {
    this.cur = new Uint8Array(initial)
    this.view = new DataView(this.cur.buffer)
  }

  fail(detail: string): never {
    throw new BrookError(this.errorType, detail)
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.cur.length) return
    this.flushChunk()
    const size = Math.max(CHUNK, n)
    this.cur = new Uint8Array(size)
    this.view = new DataView(this.cur.buffer)
  }

  private flushChunk(): void {
    if (this.pos > 0) {
      this.chunks.push(this.cur.subarray(0, this.pos))
      this.total += this.pos
      this.cur = this.cur.subarray(this.pos)
      this.view = new DataView(this.cur.buffer, this.cur.byteOffset, this.cur.byteLength)
      this.pos = 0
    }
  }

  int8(v: number): void {
    this.ensure(1)
    this.view.setInt8(this.pos++, v)
  }
  int16(v: number): void {
    this.ensure(2)
    this.view.setInt16(this.pos, v)
    this.pos += 2
  }
  uint16(v: number): void {
    this.ensure(2)
    this.view.setUint16(this.pos, v)
    this.pos += 2
  }
  int32(v: number): void {
    this.ensure(4)
    this.view.setInt32(this.pos, v)
    this.pos += 4
  }
  /** `v` must already be a safe integer. */
  int64(v: number): void {
    this.ensure(8)
    const hi = Math.floor(v / TWO_32)
    this.view.setInt32(this.pos, hi)
    this.view.setUint32(this.pos + 4, v - hi * TWO_32)
    this.pos += 8
  }
  float64(v: number): void {
    this.ensure(8)
    this.view.setFloat64(this.pos, v)
    this.pos += 8
  }
  uvarint(v: number): void {
    this.ensure(5)
    while (v >= 0x80) {
      this.cur[this.pos++] = (v & 0x7f) | 0x80
      v = Math.floor(v / 128)
    }
    this.cur[this.pos++] = v
  }
  raw(b: Uint8Array): void {
    if (b.length >= BY_REFERENCE) {
      this.flushChunk()
      this.chunks.push(b)
      this.total += b.length
      return
    }
    this.ensure(b.length)
    this.cur.set(b, this.pos)
    this.pos += b.length
  }

  /** Writes a string with its length prefix: int16 (classic) or unsigned varint length+1 (compact). */
  string(s: string, compact: boolean): void {
    let ascii = s.length < 4096
    for (let i = 0; ascii && i < s.length; i++) if (s.charCodeAt(i) >= 0x80) ascii = false
    if (!ascii) {
      const b = utf8Encoder.encode(s)
      if (compact) this.uvarint(b.length + 1)
      else {
        if (b.length > 0x7fff) this.fail('string longer than 32767 bytes')
        this.int16(b.length)
      }
      this.raw(b)
      return
    }
    const n = s.length
    if (compact) this.uvarint(n + 1)
    else this.int16(n)
    this.ensure(n)
    const cur = this.cur
    let p = this.pos
    for (let i = 0; i < n; i++) cur[p++] = s.charCodeAt(i)
    this.pos = p
  }

  get length(): number {
    return this.total + this.pos
  }

  /**
   * The written bytes as a list of arrays, not joined: long runs (record batches) are the arrays
   * that were written, by reference, so a transport that writes a list (writev) copies nothing.
   * When `sizePrefix`, the list starts with the int32 length of the rest (a Kafka frame). The
   * arrays must not change until written.
   */
  finishChunks(sizePrefix = false): Uint8Array[] {
    this.flushChunk()
    if (!sizePrefix) return this.chunks
    const size = new Uint8Array(4)
    new DataView(size.buffer).setInt32(0, this.total)
    return [size, ...this.chunks]
  }

  /** The written bytes as one array; when `sizePrefix`, preceded by their int32 length (a Kafka frame). */
  finish(sizePrefix = false): Uint8Array {
    const extra = sizePrefix ? 4 : 0
    if (this.chunks.length === 0 && !sizePrefix) return this.cur.subarray(0, this.pos)
    this.flushChunk()
    const out = new Uint8Array(this.total + extra)
    if (sizePrefix) new DataView(out.buffer).setInt32(0, this.total)
    let p = extra
    for (const c of this.chunks) {
      out.set(c, p)
      p += c.length
    }
    return out
  }
}
