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
 * The encode and decode loops allocate nothing per field beyond the key/value views and the record
 * objects a caller asks for: they sit on every produce and fetch.
 */

export { concatBytes } from './bytes.ts'

import { BrookError } from '../errors.ts'
import { Compression, compress, decompress } from './compression.ts'
import { crc32c } from './crc32c.ts'
import { readUtf8, readVarintTail, utf8Length, varintSize, writeUtf8, writeVarint } from './varint.ts'

export const BATCH_HEADER_SIZE = 61
/** Bytes before `batchLength` counts: baseOffset + batchLength. */
export const LOG_OVERHEAD = 12
const CRC_START = 21
/** The smallest record: length, attributes, timestampDelta, offsetDelta, key, value, header count. */
const MIN_RECORD_SIZE = 7

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

function corrupt(detail: string): never {
  throw new BrookError('CORRUPT_MESSAGE', detail)
}

function invalid(detail: string): never {
  throw new BrookError('INVALID_RECORD', detail)
}

// ---- big-endian fixed-width fields, read and written byte by byte (no DataView per call) ----

function getInt32(b: Uint8Array, p: number): number {
  return (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!
}

function getInt16(b: Uint8Array, p: number): number {
  return ((b[p]! << 24) | (b[p + 1]! << 16)) >> 16
}

/** int64 as a JS number; values beyond ±2^53 cannot be held exactly, so they are corrupt here. */
function getInt64(b: Uint8Array, p: number, field: string): number {
  const n = getInt32(b, p) * 0x1_0000_0000 + (getInt32(b, p + 4) >>> 0)
  if (!Number.isSafeInteger(n)) corrupt(`record batch ${field} is beyond 2^53`)
  return n
}

function setInt32(b: Uint8Array, p: number, n: number): void {
  b[p] = n >>> 24
  b[p + 1] = n >>> 16
  b[p + 2] = n >>> 8
  b[p + 3] = n
}

function setInt16(b: Uint8Array, p: number, n: number): void {
  b[p] = n >>> 8
  b[p + 1] = n
}

function setInt64(b: Uint8Array, p: number, n: number): void {
  if (!Number.isSafeInteger(n))
    throw new BrookError('INVALID_REQUEST', `int64 value ${n} is not a safe integer`)
  const hi = Math.floor(n / 0x1_0000_0000)
  setInt32(b, p, hi)
  setInt32(b, p + 4, n - hi * 0x1_0000_0000)
}

function setInt32Field(b: Uint8Array, p: number, n: number, field: string): void {
  if ((n | 0) !== n) throw new BrookError('INVALID_REQUEST', `${field} ${n} is not an int32`)
  setInt32(b, p, n)
}

// ---- encode ----

/** Per-record body sizes from the sizing pass, reused across calls (encoding is synchronous). */
let sizes = new Int32Array(1024)
let encMaxTimestamp = 0
let encLastOffsetDelta = 0

function nullableSize(b: Uint8Array | null | undefined): number {
  return b == null ? 1 : varintSize(b.length) + b.length
}

/** Sizing pass: fills `sizes`, checks fields, returns the records section's byte length. */
function sizeRecords(records: RecordInput[], base: number): number {
  const n = records.length
  if (sizes.length < n) sizes = new Int32Array(Math.max(n, sizes.length * 2))
  let total = 0
  let maxTimestamp = -1
  let lastOffsetDelta = 0
  for (let i = 0; i < n; i++) {
    const rec = records[i]!
    const ts = rec.timestamp ?? base
    if (!Number.isSafeInteger(ts - base)) invalid(`record ${i} timestamp ${ts} is not a usable integer`)
    if (ts > maxTimestamp) maxTimestamp = ts
    const od = rec.offsetDelta ?? i
    if ((od | 0) !== od || od < 0) invalid(`record ${i} offsetDelta ${od} is not a non-negative int32`)
    if (od > lastOffsetDelta) lastOffsetDelta = od
    let size = 1 + varintSize(ts - base) + varintSize(od) + nullableSize(rec.key) + nullableSize(rec.value)
    const headers = rec.headers
    if (headers === undefined || headers.length === 0) size += 1
    else {
      size += varintSize(headers.length)
      for (let h = 0; h < headers.length; h++) {
        const hdr = headers[h]!
        const kl = utf8Length(hdr.key)
        size += varintSize(kl) + kl + nullableSize(hdr.value)
      }
    }
    sizes[i] = size
    total += varintSize(size) + size
  }
  encMaxTimestamp = maxTimestamp
  encLastOffsetDelta = lastOffsetDelta
  return total
}

/** Lets go of a scratch array grown by one huge batch, so it does not stay allocated forever. */
function releaseScratch(): void {
  if (sizes.length > 1 << 16) sizes = new Int32Array(1024)
}

function writeNullable(out: Uint8Array, p: number, b: Uint8Array | null | undefined): number {
  if (b == null) {
    out[p] = 1 // zig-zag -1
    return p + 1
  }
  p = writeVarint(out, p, b.length)
  out.set(b, p)
  return p + b.length
}

/** Writing pass, after `sizeRecords`; returns the position after the last record. */
function writeRecords(out: Uint8Array, p: number, records: RecordInput[], base: number): number {
  for (let i = 0; i < records.length; i++) {
    const rec = records[i]!
    // `out` is fresh, hence zeroed: attributes (0) and an empty header count (0) need no write.
    p = writeVarint(out, p, sizes[i]!) + 1
    p = writeVarint(out, p, (rec.timestamp ?? base) - base)
    p = writeVarint(out, p, rec.offsetDelta ?? i)
    p = writeNullable(out, p, rec.key)
    p = writeNullable(out, p, rec.value)
    const headers = rec.headers
    if (headers === undefined || headers.length === 0) p++
    else {
      p = writeVarint(out, p, headers.length)
      for (let h = 0; h < headers.length; h++) {
        const hdr = headers[h]!
        p = writeVarint(out, p, utf8Length(hdr.key))
        p = writeUtf8(out, p, hdr.key)
        p = writeNullable(out, p, hdr.value)
      }
    }
  }
  return p
}

/** The batch's base timestamp; each record's timestamp is then checked as an exact delta from it. */
function baseTimestampOf(input: BatchInput): number {
  let base = input.baseTimestamp
  if (base === undefined) {
    let min = Number.POSITIVE_INFINITY
    const records = input.records
    for (let i = 0; i < records.length; i++) {
      const ts = records[i]!.timestamp
      if (ts !== undefined && ts < min) min = ts
    }
    base = min === Number.POSITIVE_INFINITY ? Date.now() : min
  }
  if (!Number.isSafeInteger(base)) invalid(`timestamp ${base} is not an integer`)
  return base
}

/** Fills the 61-byte header of `out` (whose records section is in place) and its CRC. */
function writeHeader(out: Uint8Array, input: BatchInput, base: number, compression: number): void {
  setInt64(out, 0, input.baseOffset ?? 0)
  setInt32(out, 8, out.length - LOG_OVERHEAD)
  setInt32Field(out, 12, input.partitionLeaderEpoch ?? -1, 'partitionLeaderEpoch')
  out[16] = 2
  let attributes = compression & ATTR_COMPRESSION_MASK
  if (input.logAppendTime) attributes |= ATTR_LOG_APPEND_TIME
  if (input.transactional) attributes |= ATTR_TRANSACTIONAL
  if (input.control) attributes |= ATTR_CONTROL
  setInt16(out, 21, attributes)
  setInt32(out, 23, encLastOffsetDelta)
  setInt64(out, 27, base)
  setInt64(out, 35, encMaxTimestamp)
  setInt64(out, 43, input.producerId ?? -1)
  setInt16(out, 51, input.producerEpoch ?? -1)
  setInt32Field(out, 53, input.baseSequence ?? -1, 'baseSequence')
  setInt32(out, 57, input.records.length)
  setInt32(out, 17, crc32c(out, CRC_START))
}

function checkNotEmpty(input: BatchInput): void {
  if (input.records.length === 0) invalid('a record batch needs at least one record')
}

/** Encodes an uncompressed batch. For compressed batches use `encodeBatchAsync`. */
export function encodeBatch(input: BatchInput): Uint8Array {
  const compression = input.compression ?? Compression.none
  if (compression !== Compression.none) {
    throw new BrookError('UNSUPPORTED_COMPRESSION_TYPE', 'compressed batches are built with encodeBatchAsync')
  }
  checkNotEmpty(input)
  const base = baseTimestampOf(input)
  const out = new Uint8Array(BATCH_HEADER_SIZE + sizeRecords(input.records, base))
  writeRecords(out, BATCH_HEADER_SIZE, input.records, base)
  releaseScratch()
  writeHeader(out, input, base, Compression.none)
  return out
}

/** Encodes a batch, compressing the records section when `input.compression` asks for it. */
export async function encodeBatchAsync(input: BatchInput): Promise<Uint8Array> {
  const compression = input.compression ?? Compression.none
  if (compression === Compression.none) return encodeBatch(input)
  checkNotEmpty(input)
  const base = baseTimestampOf(input)
  const plain = new Uint8Array(sizeRecords(input.records, base))
  writeRecords(plain, 0, input.records, base)
  releaseScratch()
  // The sizing pass's results live in module state; keep them across the await.
  const maxTimestamp = encMaxTimestamp
  const lastOffsetDelta = encLastOffsetDelta
  const body = await compress(compression, plain)
  const out = new Uint8Array(BATCH_HEADER_SIZE + body.length)
  out.set(body, BATCH_HEADER_SIZE)
  encMaxTimestamp = maxTimestamp
  encLastOffsetDelta = lastOffsetDelta
  writeHeader(out, input, base, compression)
  return out
}

// ---- headers ----

/**
 * What a batch's header says of the batch as a whole — offsets, epoch, base timestamp, codec,
 * timestamp type, transactional flag, producer id, epoch and base sequence — to build the batch
 * again with other records (compaction) or another codec (a topic's compression.type).
 */
export function batchFieldsOf(h: BatchHeader): Omit<BatchInput, 'records'> {
  return {
    baseOffset: h.baseOffset,
    partitionLeaderEpoch: h.partitionLeaderEpoch,
    baseTimestamp: h.baseTimestamp,
    compression: h.attributes & ATTR_COMPRESSION_MASK,
    logAppendTime: (h.attributes & ATTR_LOG_APPEND_TIME) !== 0,
    transactional: (h.attributes & ATTR_TRANSACTIONAL) !== 0,
    producerId: h.producerId,
    producerEpoch: h.producerEpoch,
    baseSequence: h.baseSequence,
  }
}

/**
 * Reads the 61-byte header of the batch at `pos` without touching its records. Checks the magic
 * byte, that the batch fits in `buf`, and that the counts are possible; does not check the CRC
 * (see `verifyBatch`).
 */
export function readBatchHeader(buf: Uint8Array, pos = 0): BatchHeader {
  const avail = buf.length - pos
  if (!(pos >= 0 && avail >= BATCH_HEADER_SIZE))
    corrupt(`a record batch needs ${BATCH_HEADER_SIZE} bytes, ${avail} left`)
  const batchLength = getInt32(buf, pos + 8)
  const magic = (buf[pos + 16]! << 24) >> 24
  if (magic !== 2) corrupt(`record batch magic ${magic} is not supported (only v2)`)
  if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD || batchLength > avail - LOG_OVERHEAD)
    corrupt(`record batch length ${batchLength} does not fit the ${avail} bytes given`)
  const attributes = getInt16(buf, pos + 21)
  const lastOffsetDelta = getInt32(buf, pos + 23)
  const recordCount = getInt32(buf, pos + 57)
  if (recordCount < 0 || lastOffsetDelta < 0)
    corrupt('record batch has a negative record count or offset delta')
  // Uncompressed records take at least MIN_RECORD_SIZE bytes each; a larger count is a lie.
  const bodySize = batchLength + LOG_OVERHEAD - BATCH_HEADER_SIZE
  if ((attributes & ATTR_COMPRESSION_MASK) === 0 && recordCount > bodySize / MIN_RECORD_SIZE)
    corrupt(`record batch claims ${recordCount} records in ${bodySize} bytes`)
  return {
    baseOffset: getInt64(buf, pos, 'baseOffset'),
    batchLength,
    partitionLeaderEpoch: getInt32(buf, pos + 12),
    magic,
    crc: getInt32(buf, pos + 17) >>> 0,
    attributes,
    lastOffsetDelta,
    baseTimestamp: getInt64(buf, pos + 27, 'baseTimestamp'),
    maxTimestamp: getInt64(buf, pos + 35, 'maxTimestamp'),
    producerId: getInt64(buf, pos + 43, 'producerId'),
    producerEpoch: getInt16(buf, pos + 51),
    baseSequence: getInt32(buf, pos + 53),
    recordCount,
  }
}

/**
 * Size of the batch at `pos` when `buf` holds all of it; undefined when the bytes end inside it (a
 * fetch response cut at its size limit, a file still being read). A length field no batch can have
 * is CORRUPT_MESSAGE. The one place that decides where a batch ends; it reads nothing but the length.
 */
export function wholeBatchSize(buf: Uint8Array, pos = 0): number | undefined {
  if (buf.length - pos < LOG_OVERHEAD) return undefined
  const length = getInt32(buf, pos + 8)
  if (length < BATCH_HEADER_SIZE - LOG_OVERHEAD) corrupt(`record batch length ${length} is invalid`)
  return pos + LOG_OVERHEAD + length > buf.length ? undefined : LOG_OVERHEAD + length
}

/** Total size in bytes of the batch starting at `pos` (batchLength + 12). */
export function batchSize(buf: Uint8Array, pos = 0): number {
  if (!(pos >= 0 && buf.length - pos >= LOG_OVERHEAD)) corrupt('record batch ends before its length field')
  return getInt32(buf, pos + 8) + LOG_OVERHEAD
}

/** Rewrites `baseOffset` in place. The field is outside the CRC, so nothing else changes. */
export function setBaseOffset(buf: Uint8Array, baseOffset: number, pos = 0): void {
  setInt64(buf, pos, baseOffset)
}

/** Rewrites `partitionLeaderEpoch` in place; like `baseOffset` it is outside the CRC. */
export function setPartitionLeaderEpoch(buf: Uint8Array, epoch: number, pos = 0): void {
  setInt32Field(buf, pos + 12, epoch, 'partitionLeaderEpoch')
}

/** Rewrites maxTimestamp and sets the LogAppendTime attribute, recomputing the CRC. */
export function setLogAppendTime(buf: Uint8Array, timestamp: number, pos = 0): void {
  const h = readBatchHeader(buf, pos)
  setInt16(buf, pos + 21, h.attributes | ATTR_LOG_APPEND_TIME)
  setInt64(buf, pos + 35, timestamp)
  setInt32(buf, pos + 17, crc32c(buf, pos + CRC_START, pos + h.batchLength + LOG_OVERHEAD))
}

/**
 * A copy of one whole, CRC-checked batch as written by another producer: its records and their
 * compression kept byte for byte, the producer id, epoch and base sequence replaced, the
 * transactional flag cleared, the CRC recomputed. Throws CORRUPT_MESSAGE if the batch's CRC is
 * wrong: damaged bytes never get a fresh, valid CRC.
 */
export function withProducer(
  batch: Uint8Array,
  producerId: number,
  epoch: number,
  baseSequence: number,
): Uint8Array {
  const h = verifyBatch(batch)
  const out = batch.slice(0, h.batchLength + LOG_OVERHEAD)
  setInt16(out, 21, h.attributes & ~ATTR_TRANSACTIONAL)
  setInt64(out, 43, producerId)
  setInt16(out, 51, epoch)
  setInt32(out, 53, baseSequence)
  setInt32(out, 17, crc32c(out, CRC_START, out.length))
  return out
}

/** Throws CORRUPT_MESSAGE unless the batch at `pos` has a valid header and CRC. */
export function verifyBatch(buf: Uint8Array, pos = 0): BatchHeader {
  const h = readBatchHeader(buf, pos)
  const crc = crc32c(buf, pos + CRC_START, pos + h.batchLength + LOG_OVERHEAD)
  if (crc !== h.crc) corrupt(`record batch CRC mismatch (stored ${h.crc}, computed ${crc})`)
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
    if (options.partialTail && wholeBatchSize(buf, pos) === undefined) break
    const h = verify ? verifyBatch(buf, pos) : readBatchHeader(buf, pos)
    const size = h.batchLength + LOG_OVERHEAD
    out.push(buf.subarray(pos, pos + size))
    pos += size
  }
  return out
}

// ---- decode ----

interface Cursor {
  pos: number
}

/**
 * One varint at `c.pos`, which must lie before `end`. One- and two-byte varints (record lengths under
 * 8 KiB, offset deltas under 8,192) are decoded here so the call inlines; longer ones take the tail.
 */
function varint(c: Cursor, buf: Uint8Array, end: number): number {
  const p = c.pos
  if (p >= end) corrupt('record data ends early')
  const b = buf[p]!
  if (b < 0x80) {
    c.pos = p + 1
    return (b >>> 1) ^ -(b & 1)
  }
  if (p + 1 < end) {
    const b2 = buf[p + 1]!
    if (b2 < 0x80) {
      c.pos = p + 2
      const z = (b & 0x7f) | (b2 << 7)
      return (z >>> 1) ^ -(z & 1)
    }
  }
  c.pos = p + 1
  return readVarintTail(c, buf, b, end)
}

/** A nullable byte field (varint length, -1 = null) as a view into `buf`, bounded by `end`. */
function nullableBytes(c: Cursor, buf: Uint8Array, end: number, what: string): Uint8Array | null {
  const n = varint(c, buf, end)
  const p = c.pos
  if (n >= 0) {
    if (n > end - p) corrupt(`${what} length ${n} overruns its record`)
    c.pos = p + n
    return buf.subarray(p, p + n)
  }
  if (n !== -1) corrupt(`${what} length ${n}`)
  return null
}

/**
 * How a reader of records shapes what it reads: the broker and tools want `Record`s with header
 * arrays, the consumer wants messages with a header map. The walk over the bytes, and every check
 * on them, is `readRecords`'s alone.
 */
export interface RecordShape<T, H> {
  /** Headers of a record that has none (may be shared). */
  noHeaders(): H
  newHeaders(count: number): H
  addHeader(headers: H, index: number, key: string, value: Uint8Array | null): void
  make(
    offset: number,
    timestamp: number,
    key: Uint8Array | null,
    value: Uint8Array | null,
    headers: H,
    attributes: number,
  ): T
}

/** Where a section of records sits: the batch header fields the records are relative to. */
export interface SectionInfo {
  baseOffset: number
  baseTimestamp: number
  /** The batch's max timestamp when it uses LogAppendTime, else -1. */
  appendTime: number
  recordCount: number
}

/**
 * Appends to `out` the records of `buf[start, end)` whose offset is at least `fromOffset` (those
 * below are stepped over without decoding their key, value or headers). Every count and length is
 * checked against the bytes that remain before anything is allocated for it: a lying count or
 * length is CORRUPT_MESSAGE.
 */
export function readRecords<T, H>(
  buf: Uint8Array,
  start: number,
  end: number,
  h: SectionInfo,
  fromOffset: number,
  shape: RecordShape<T, H>,
  out: T[],
): void {
  const count = h.recordCount
  if (count > (end - start) / MIN_RECORD_SIZE) corrupt(`record batch claims ${count} records`)
  const { baseOffset, baseTimestamp, appendTime } = h
  const c: Cursor = { pos: start }
  for (let i = 0; i < count; i++) {
    const len = varint(c, buf, end)
    const re = c.pos + len
    if (len < MIN_RECORD_SIZE - 1 || re > end) corrupt(`record ${i} has length ${len}`)
    const attributes = (buf[c.pos++]! << 24) >> 24
    const tsDelta = varint(c, buf, re)
    const od = varint(c, buf, re)
    if (od < 0) corrupt(`record ${i} has offset delta ${od}`)
    const offset = baseOffset + od
    if (offset < fromOffset) {
      c.pos = re
      continue
    }
    const key = nullableBytes(c, buf, re, 'key')
    const value = nullableBytes(c, buf, re, 'value')
    const hc = varint(c, buf, re)
    let headers: H
    if (hc === 0) {
      headers = shape.noHeaders()
    } else {
      // A header takes at least two bytes (key length, value length).
      if (hc < 0 || hc > (re - c.pos) / 2) corrupt(`record ${i} has ${hc} headers`)
      headers = shape.newHeaders(hc)
      for (let j = 0; j < hc; j++) {
        const kl = varint(c, buf, re)
        const p = c.pos
        if (kl < 0 || kl > re - p) corrupt(`record ${i} header key length ${kl}`)
        const k = readUtf8(buf, p, p + kl)
        c.pos = p + kl
        shape.addHeader(headers, j, k, nullableBytes(c, buf, re, 'header value'))
      }
    }
    if (c.pos !== re) corrupt(`record ${i} length does not match its fields`)
    out.push(
      shape.make(
        offset,
        appendTime >= 0 ? appendTime : baseTimestamp + tsDelta,
        key,
        value,
        headers,
        attributes,
      ),
    )
  }
  if (c.pos !== end) corrupt('record batch has bytes after its last record')
}

/** `Record`s with their headers in an array, in order, repeats and all. */
const RECORDS: RecordShape<Record, RecordHeader[]> = {
  noHeaders: () => [],
  newHeaders: (count) => new Array(count),
  addHeader: (headers, index, key, value) => {
    headers[index] = { key, value }
  },
  make: (offset, timestamp, key, value, headers, attributes) => ({
    offset,
    timestamp,
    key,
    value,
    headers,
    attributes,
  }),
}

function decodeSection(buf: Uint8Array, start: number, end: number, h: BatchHeader): Record[] {
  const out: Record[] = []
  const info = {
    baseOffset: h.baseOffset,
    baseTimestamp: h.baseTimestamp,
    appendTime: (h.attributes & ATTR_LOG_APPEND_TIME) !== 0 ? h.maxTimestamp : -1,
    recordCount: h.recordCount,
  }
  readRecords(buf, start, end, info, Number.NEGATIVE_INFINITY, RECORDS, out)
  return out
}

/** Decodes the records of one uncompressed batch (the CRC is checked unless `verify` is false). */
export function decodeRecords(batch: Uint8Array, verify = true): Record[] {
  const h = verify ? verifyBatch(batch) : readBatchHeader(batch)
  if ((h.attributes & ATTR_COMPRESSION_MASK) !== Compression.none) {
    throw new BrookError(
      'UNSUPPORTED_COMPRESSION_TYPE',
      'compressed batches are decoded with decodeRecordsAsync',
    )
  }
  return decodeSection(batch, BATCH_HEADER_SIZE, h.batchLength + LOG_OVERHEAD, h)
}

/** Decodes the records of one batch, decompressing when needed. */
export async function decodeRecordsAsync(batch: Uint8Array, verify = true): Promise<Record[]> {
  const h = verify ? verifyBatch(batch) : readBatchHeader(batch)
  const compression = h.attributes & ATTR_COMPRESSION_MASK
  const end = h.batchLength + LOG_OVERHEAD
  if (compression === Compression.none) return decodeSection(batch, BATCH_HEADER_SIZE, end, h)
  const body = await decompress(compression, batch.subarray(BATCH_HEADER_SIZE, end))
  return decodeSection(body, 0, body.length, h)
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

/** The batch's base offset (its first 8 bytes) without reading the rest of the header. */
export function baseOffsetOf(buf: Uint8Array): number {
  if (buf.length < 8) throw new BrookError('CORRUPT_MESSAGE', 'a record batch needs at least 8 bytes')
  const v = new DataView(buf.buffer, buf.byteOffset, 8)
  return v.getInt32(0) * 0x1_0000_0000 + v.getUint32(4)
}
