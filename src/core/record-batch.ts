/**
 * @module Kafka RecordBatch, magic v2 — the one byte format brook stores, sends and serves.
 *
 * RecordBatch =>
 *   baseOffset: int64 | batchLength: int32 | partitionLeaderEpoch: int32 | magic: int8 (2) |
 *   crc: uint32 (CRC-32C of attributes..end) | attributes: int16 | lastOffsetDelta: int32 |
 *   baseTimestamp: int64 | maxTimestamp: int64 | producerId: int64 | producerEpoch: int16 |
 *   baseSequence: int32 | records: [Record] (int32 count)
 * Record =>
 *   length: varint | attributes: int8 | timestampDelta: varlong | offsetDelta: varint |
 *   key: varint-length bytes (-1 = null) | value: varint-length bytes | headers: [key: string, value: bytes]
 *
 * Offsets, timestamps and producer ids are JS numbers (exact to 2^53); bytes are Uint8Array.
 */

import { Compression, compress, decompress } from './compression.ts'
import { crc32c } from './crc32c.ts'
import { BrookError } from './errors.ts'
import { Reader, varintSize, writeVarint } from './varint.ts'

export const BATCH_HEADER_SIZE = 61
/** Bytes before `batchLength` counts: baseOffset + batchLength. */
export const LOG_OVERHEAD = 12
const CRC_START = 21

export const ATTR_COMPRESSION_MASK = 0x07
export const ATTR_LOG_APPEND_TIME = 0x08
export const ATTR_TRANSACTIONAL = 0x10
export const ATTR_CONTROL = 0x20
export const ATTR_DELETE_HORIZON = 0x40

export interface RecordHeader {
  key: string
  value: Uint8Array | null
}

export interface RecordInput {
  key?: Uint8Array | null
  value: Uint8Array | null
  headers?: RecordHeader[]
  /** Milliseconds since the epoch; defaults to the batch's base timestamp. */
  timestamp?: number
  /** Position in the batch; defaults to the record's index. Compaction keeps gaps by setting it. */
  offsetDelta?: number
}

export interface BatchInput {
  records: RecordInput[]
  baseOffset?: number
  partitionLeaderEpoch?: number
  /** Used when records carry no timestamp; defaults to the smallest record timestamp, else now. */
  baseTimestamp?: number
  compression?: number
  logAppendTime?: boolean
  transactional?: boolean
  control?: boolean
  producerId?: number
  producerEpoch?: number
  baseSequence?: number
}

export interface BatchHeader {
  baseOffset: number
  batchLength: number
  partitionLeaderEpoch: number
  magic: number
  crc: number
  attributes: number
  lastOffsetDelta: number
  baseTimestamp: number
  maxTimestamp: number
  producerId: number
  producerEpoch: number
  baseSequence: number
  recordCount: number
}

export interface Record {
  offset: number
  timestamp: number
  key: Uint8Array | null
  value: Uint8Array | null
  headers: RecordHeader[]
  attributes: number
}

const utf8 = new TextEncoder()
const utf8d = new TextDecoder('utf-8', { fatal: false })

// ---- int64 as JS numbers ----
function getInt64(v: DataView, pos: number): number {
  const hi = v.getInt32(pos)
  const lo = v.getUint32(pos + 4)
  return hi * 0x1_0000_0000 + lo
}

function setInt64(v: DataView, pos: number, n: number): void {
  if (!Number.isSafeInteger(n))
    throw new BrookError('INVALID_REQUEST', `int64 value ${n} is not a safe integer`)
  const hi = Math.floor(n / 0x1_0000_0000)
  v.setInt32(pos, hi)
  v.setUint32(pos + 4, n - hi * 0x1_0000_0000)
}

function view(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
}

// ---- encode ----

interface Sized {
  rec: RecordInput
  key: Uint8Array | null
  value: Uint8Array | null
  headerKeys: Uint8Array[]
  tsDelta: number
  offsetDelta: number
  bodySize: number
}

function encodeRecords(
  input: BatchInput,
  baseTimestamp: number,
): { bytes: Uint8Array; maxTimestamp: number; lastOffsetDelta: number } {
  const sized: Sized[] = new Array(input.records.length)
  let total = 0
  let maxTimestamp = -1
  let lastOffsetDelta = 0
  for (let i = 0; i < input.records.length; i++) {
    const rec = input.records[i]!
    const ts = rec.timestamp ?? baseTimestamp
    if (ts > maxTimestamp) maxTimestamp = ts
    const tsDelta = ts - baseTimestamp
    const key = rec.key ?? null
    const value = rec.value ?? null
    const od = rec.offsetDelta ?? i
    if (od > lastOffsetDelta) lastOffsetDelta = od
    let size = 1 + varintSize(tsDelta) + varintSize(od)
    size += key ? varintSize(key.length) + key.length : 1
    size += value ? varintSize(value.length) + value.length : 1
    const headers = rec.headers ?? []
    const headerKeys: Uint8Array[] = []
    size += varintSize(headers.length)
    for (const h of headers) {
      const hk = utf8.encode(h.key)
      headerKeys.push(hk)
      size += varintSize(hk.length) + hk.length
      size += h.value ? varintSize(h.value.length) + h.value.length : 1
    }
    sized[i] = { rec, key, value, headerKeys, tsDelta, offsetDelta: od, bodySize: size }
    total += varintSize(size) + size
  }
  const out = new Uint8Array(total)
  let p = 0
  for (let i = 0; i < sized.length; i++) {
    const s = sized[i]!
    p = writeVarint(out, p, s.bodySize)
    out[p++] = 0
    p = writeVarint(out, p, s.tsDelta)
    p = writeVarint(out, p, s.offsetDelta)
    if (s.key) {
      p = writeVarint(out, p, s.key.length)
      out.set(s.key, p)
      p += s.key.length
    } else p = writeVarint(out, p, -1)
    if (s.value) {
      p = writeVarint(out, p, s.value.length)
      out.set(s.value, p)
      p += s.value.length
    } else p = writeVarint(out, p, -1)
    const headers = s.rec.headers ?? []
    p = writeVarint(out, p, headers.length)
    for (let h = 0; h < headers.length; h++) {
      const hk = s.headerKeys[h]!
      p = writeVarint(out, p, hk.length)
      out.set(hk, p)
      p += hk.length
      const hv = headers[h]!.value
      if (hv) {
        p = writeVarint(out, p, hv.length)
        out.set(hv, p)
        p += hv.length
      } else p = writeVarint(out, p, -1)
    }
  }
  return { bytes: out, maxTimestamp, lastOffsetDelta }
}

function baseTimestampOf(input: BatchInput): number {
  if (input.baseTimestamp !== undefined) return input.baseTimestamp
  let min = Number.POSITIVE_INFINITY
  for (const r of input.records) if (r.timestamp !== undefined && r.timestamp < min) min = r.timestamp
  return min === Number.POSITIVE_INFINITY ? Date.now() : min
}

function assemble(
  input: BatchInput,
  body: Uint8Array,
  baseTimestamp: number,
  maxTimestamp: number,
  lastOffsetDelta: number,
  compression: number,
): Uint8Array {
  if (input.records.length === 0)
    throw new BrookError('INVALID_RECORD', 'a record batch needs at least one record')
  const out = new Uint8Array(BATCH_HEADER_SIZE + body.length)
  const v = view(out)
  setInt64(v, 0, input.baseOffset ?? 0)
  v.setInt32(8, out.length - LOG_OVERHEAD)
  v.setInt32(12, input.partitionLeaderEpoch ?? -1)
  out[16] = 2
  let attributes = compression & ATTR_COMPRESSION_MASK
  if (input.logAppendTime) attributes |= ATTR_LOG_APPEND_TIME
  if (input.transactional) attributes |= ATTR_TRANSACTIONAL
  if (input.control) attributes |= ATTR_CONTROL
  v.setInt16(21, attributes)
  v.setInt32(23, lastOffsetDelta)
  setInt64(v, 27, baseTimestamp)
  setInt64(v, 35, maxTimestamp)
  setInt64(v, 43, input.producerId ?? -1)
  v.setInt16(51, input.producerEpoch ?? -1)
  v.setInt32(53, input.baseSequence ?? -1)
  v.setInt32(57, input.records.length)
  out.set(body, BATCH_HEADER_SIZE)
  v.setUint32(17, crc32c(out, CRC_START))
  return out
}

/** Encodes an uncompressed batch. For compressed batches use `encodeBatchAsync`. */
export function encodeBatch(input: BatchInput): Uint8Array {
  const compression = input.compression ?? Compression.none
  if (compression !== Compression.none) {
    throw new BrookError('UNSUPPORTED_COMPRESSION_TYPE', 'compressed batches are built with encodeBatchAsync')
  }
  const base = baseTimestampOf(input)
  const { bytes, maxTimestamp, lastOffsetDelta } = encodeRecords(input, base)
  return assemble(input, bytes, base, maxTimestamp, lastOffsetDelta, Compression.none)
}

/** Encodes a batch, compressing the records section when `input.compression` asks for it. */
export async function encodeBatchAsync(input: BatchInput): Promise<Uint8Array> {
  const compression = input.compression ?? Compression.none
  const base = baseTimestampOf(input)
  const { bytes, maxTimestamp, lastOffsetDelta } = encodeRecords(input, base)
  const body = compression === Compression.none ? bytes : await compress(compression, bytes)
  return assemble(input, body, base, maxTimestamp, lastOffsetDelta, compression)
}

// ---- headers ----

/**
 * Reads the 61-byte header of the batch at `pos` without touching its records. Checks the magic
 * byte and that the batch fits in `buf`; does not check the CRC (see `verifyBatch`).
 */
export function readBatchHeader(buf: Uint8Array, pos = 0): BatchHeader {
  if (buf.length - pos < BATCH_HEADER_SIZE) {
    throw new BrookError(
      'CORRUPT_MESSAGE',
      `a record batch needs ${BATCH_HEADER_SIZE} bytes, ${buf.length - pos} left`,
    )
  }
  const v = new DataView(buf.buffer, buf.byteOffset + pos, buf.length - pos)
  const batchLength = v.getInt32(8)
  const magic = v.getInt8(16)
  if (magic !== 2)
    throw new BrookError('CORRUPT_MESSAGE', `record batch magic ${magic} is not supported (only v2)`)
  if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD || batchLength + LOG_OVERHEAD > buf.length - pos) {
    throw new BrookError(
      'CORRUPT_MESSAGE',
      `record batch length ${batchLength} does not fit the ${buf.length - pos} bytes given`,
    )
  }
  const recordCount = v.getInt32(57)
  const lastOffsetDelta = v.getInt32(23)
  if (recordCount < 0 || lastOffsetDelta < 0) {
    throw new BrookError('CORRUPT_MESSAGE', 'record batch has a negative record count or offset delta')
  }
  return {
    baseOffset: getInt64(v, 0),
    batchLength,
    partitionLeaderEpoch: v.getInt32(12),
    magic,
    crc: v.getUint32(17),
    attributes: v.getInt16(21),
    lastOffsetDelta,
    baseTimestamp: getInt64(v, 27),
    maxTimestamp: getInt64(v, 35),
    producerId: getInt64(v, 43),
    producerEpoch: v.getInt16(51),
    baseSequence: v.getInt32(53),
    recordCount,
  }
}

/** Total size in bytes of the batch starting at `pos` (batchLength + 12). */
export function batchSize(buf: Uint8Array, pos = 0): number {
  return view(buf).getInt32(pos + 8) + LOG_OVERHEAD
}

/** Rewrites `baseOffset` in place. The field is outside the CRC, so nothing else changes. */
export function setBaseOffset(buf: Uint8Array, baseOffset: number, pos = 0): void {
  setInt64(view(buf), pos, baseOffset)
}

/** Rewrites maxTimestamp and sets the LogAppendTime attribute, recomputing the CRC. */
export function setLogAppendTime(buf: Uint8Array, timestamp: number, pos = 0): void {
  const v = new DataView(buf.buffer, buf.byteOffset + pos)
  const size = v.getInt32(8) + LOG_OVERHEAD
  v.setInt16(21, v.getInt16(21) | ATTR_LOG_APPEND_TIME)
  setInt64(v, 35, timestamp)
  v.setUint32(17, crc32c(buf, pos + CRC_START, pos + size))
}

/** Throws CORRUPT_MESSAGE unless the batch at `pos` has a valid header and CRC. */
export function verifyBatch(buf: Uint8Array, pos = 0): BatchHeader {
  const h = readBatchHeader(buf, pos)
  const end = pos + h.batchLength + LOG_OVERHEAD
  const crc = crc32c(buf, pos + CRC_START, end)
  if (crc !== h.crc) {
    throw new BrookError('CORRUPT_MESSAGE', `record batch CRC mismatch (stored ${h.crc}, computed ${crc})`)
  }
  return h
}

/**
 * Splits concatenated batches into views of each one, verifying each CRC. With `partialTail`,
 * trailing bytes too short to hold a whole batch are ignored (as Kafka fetch responses allow);
 * otherwise they are CORRUPT_MESSAGE.
 */
export function splitBatches(
  buf: Uint8Array,
  options: { partialTail?: boolean; verify?: boolean } = {},
): Uint8Array[] {
  const out: Uint8Array[] = []
  const verify = options.verify ?? true
  let pos = 0
  while (pos < buf.length) {
    if (options.partialTail) {
      if (buf.length - pos < LOG_OVERHEAD) break
      const len = view(buf).getInt32(pos + 8)
      if (len >= 0 && pos + LOG_OVERHEAD + len > buf.length) break
    }
    const h = verify ? verifyBatch(buf, pos) : readBatchHeader(buf, pos)
    const size = h.batchLength + LOG_OVERHEAD
    out.push(buf.subarray(pos, pos + size))
    pos += size
  }
  return out
}

// ---- decode ----

function decodeRecordSection(body: Uint8Array, h: BatchHeader): Record[] {
  const r = new Reader(body)
  const out: Record[] = new Array(h.recordCount)
  for (let i = 0; i < h.recordCount; i++) {
    const len = r.varint()
    if (len < 1 || r.pos + len > body.length)
      throw new BrookError('CORRUPT_MESSAGE', `record ${i} has length ${len}`)
    const end = r.pos + len
    const rr = new Reader(body, r.pos, end)
    const attributes = rr.int8()
    const timestamp = h.baseTimestamp + rr.varint()
    const offset = h.baseOffset + rr.varint()
    const kl = rr.varint()
    const key = kl < 0 ? null : rr.bytes(kl)
    const vl = rr.varint()
    const value = vl < 0 ? null : rr.bytes(vl)
    const hc = rr.varint()
    if (hc < 0 || hc > len) throw new BrookError('CORRUPT_MESSAGE', `record ${i} has ${hc} headers`)
    const headers: RecordHeader[] = new Array(hc)
    for (let j = 0; j < hc; j++) {
      const hkl = rr.varint()
      if (hkl < 0) throw new BrookError('CORRUPT_MESSAGE', 'record header key is null')
      const hk = utf8d.decode(rr.bytes(hkl))
      const hvl = rr.varint()
      headers[j] = { key: hk, value: hvl < 0 ? null : rr.bytes(hvl) }
    }
    if (rr.pos !== end)
      throw new BrookError('CORRUPT_MESSAGE', `record ${i} length does not match its fields`)
    out[i] = { offset, timestamp, key, value, headers, attributes }
    r.pos = end
  }
  if (r.pos !== body.length)
    throw new BrookError('CORRUPT_MESSAGE', 'record batch has bytes after its last record')
  return out
}

function withAppendTime(records: Record[], h: BatchHeader): Record[] {
  if (h.attributes & ATTR_LOG_APPEND_TIME) for (const r of records) r.timestamp = h.maxTimestamp
  return records
}

/** Decodes the records of one uncompressed batch (the CRC is checked unless `verify` is false). */
export function decodeRecords(batch: Uint8Array, verify = true): Record[] {
  const h = verify ? verifyBatch(batch) : readBatchHeader(batch)
  const compression = h.attributes & ATTR_COMPRESSION_MASK
  if (compression !== Compression.none) {
    throw new BrookError(
      'UNSUPPORTED_COMPRESSION_TYPE',
      'compressed batches are decoded with decodeRecordsAsync',
    )
  }
  const body = batch.subarray(BATCH_HEADER_SIZE, h.batchLength + LOG_OVERHEAD)
  return withAppendTime(decodeRecordSection(body, h), h)
}

/** Decodes the records of one batch, decompressing when needed. */
export async function decodeRecordsAsync(batch: Uint8Array, verify = true): Promise<Record[]> {
  const h = verify ? verifyBatch(batch) : readBatchHeader(batch)
  const compression = h.attributes & ATTR_COMPRESSION_MASK
  let body = batch.subarray(BATCH_HEADER_SIZE, h.batchLength + LOG_OVERHEAD)
  if (compression !== Compression.none) body = await decompress(compression, body)
  return withAppendTime(decodeRecordSection(body, h), h)
}

export function isControlBatch(h: BatchHeader): boolean {
  return (h.attributes & ATTR_CONTROL) !== 0
}

export function compressionOf(h: BatchHeader): number {
  return h.attributes & ATTR_COMPRESSION_MASK
}

/** Offset of the last record in the batch. */
export function lastOffsetOf(h: BatchHeader): number {
  return h.baseOffset + h.lastOffsetDelta
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  let pos = 0
  for (const p of parts) {
    out.set(p, pos)
    pos += p.length
  }
  return out
}
