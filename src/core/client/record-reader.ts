/**
 * @module The consumer's hot path: decodes an uncompressed batch's records straight into the
 * messages handed to the application (one object per record, no intermediate `Record` and header
 * arrays), skipping records below the fetch offset. Same checks as record-batch's decoder: every
 * malformed length or overrun is CORRUPT_MESSAGE.
 */
import { BrookError } from '../errors.ts'
import type { KafkaMessage, MessageHeaders } from './types.ts'

const utf8 = new TextDecoder()
/** Records without headers share one frozen empty object instead of allocating one each. */
export const NO_HEADERS: MessageHeaders = Object.freeze({}) as MessageHeaders

/**
 * Adds one header: defined, never assigned, so a key such as `__proto__` is a header like any
 * other instead of replacing the object's prototype; a repeated key keeps every value.
 */
export function addHeader(headers: MessageHeaders, key: string, value: Uint8Array | null): void {
  const had = Object.hasOwn(headers, key)
  const prev = headers[key]
  const next = !had ? value : Array.isArray(prev) ? [...prev, value] : [prev as Uint8Array | null, value]
  Object.defineProperty(headers, key, { value: next, enumerable: true, writable: true, configurable: true })
}

function corrupt(detail: string): never {
  throw new BrookError('CORRUPT_MESSAGE', detail)
}

// The read cursor lives in module state: one decode runs at a time (it is synchronous).
let pos = 0

function varint(buf: Uint8Array, end: number): number {
  let p = pos
  if (p >= end) corrupt('record data ends early')
  let b = buf[p++]!
  if (b < 0x80) {
    pos = p
    return (b >>> 1) ^ -(b & 1)
  }
  let v = b & 0x7f
  let mul = 128
  for (let i = 1; ; i++) {
    if (i >= 10) corrupt('varint longer than 10 bytes')
    if (p >= end) corrupt('record data ends early')
    b = buf[p++]!
    v += (b & 0x7f) * mul
    if (b < 0x80) break
    mul *= 128
  }
  pos = p
  if (v > Number.MAX_SAFE_INTEGER) corrupt('varint out of range')
  return v % 2 === 1 ? -(v + 1) / 2 : v / 2
}

function bytes(buf: Uint8Array, end: number, what: string): Uint8Array | null {
  const n = varint(buf, end)
  if (n >= 0) {
    const p = pos
    if (n > end - p) corrupt(`${what} length ${n} overruns its record`)
    pos = p + n
    return buf.subarray(p, p + n)
  }
  if (n !== -1) corrupt(`${what} length ${n}`)
  return null
}

export interface SectionInfo {
  baseOffset: number
  baseTimestamp: number
  /** The batch's max timestamp when it uses LogAppendTime, else -1. */
  appendTime: number
  recordCount: number
}

/** Appends the records of `buf[start, end)` with offset >= `fromOffset` to `out`. */
export function readMessages(
  buf: Uint8Array,
  start: number,
  end: number,
  h: SectionInfo,
  fromOffset: number,
  out: KafkaMessage[],
): void {
  const count = h.recordCount
  if (count > end - start) corrupt(`record batch claims ${count} records`)
  const { baseOffset, baseTimestamp, appendTime } = h
  pos = start
  for (let i = 0; i < count; i++) {
    const len = varint(buf, end)
    const re = pos + len
    if (len < 6 || re > end) corrupt(`record ${i} has length ${len}`)
    const attributes = (buf[pos++]! << 24) >> 24
    const tsDelta = varint(buf, re)
    const od = varint(buf, re)
    if (od < 0) corrupt(`record ${i} has offset delta ${od}`)
    const offset = baseOffset + od
    if (offset < fromOffset) {
      pos = re
      continue
    }
    const key = bytes(buf, re, 'key')
    const value = bytes(buf, re, 'value')
    const hc = varint(buf, re)
    let headers = NO_HEADERS
    if (hc !== 0) {
      if (hc < 0 || hc > re - pos) corrupt(`record ${i} has ${hc} headers`)
      headers = {}
      for (let j = 0; j < hc; j++) {
        const kl = varint(buf, re)
        if (kl < 0 || kl > re - pos) corrupt(`record ${i} header key length ${kl}`)
        const k = utf8.decode(buf.subarray(pos, pos + kl))
        pos += kl
        addHeader(headers, k, bytes(buf, re, 'header value'))
      }
    }
    if (pos !== re) corrupt(`record ${i} length does not match its fields`)
    out.push({
      key,
      value,
      headers,
      timestamp: appendTime >= 0 ? appendTime : baseTimestamp + tsDelta,
      offset,
      attributes,
    })
  }
  if (pos !== end) corrupt('record batch has bytes after its last record')
}
