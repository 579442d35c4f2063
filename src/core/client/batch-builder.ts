/**
 * @module The producer's hot path: builds an uncompressed RecordBatch v2 straight from the records in
 * one sizing pass and one writing pass, with integer fast paths for varints and a byte loop for short
 * keys (TypedArray#set costs more than it copies below ~32 bytes). Its bytes equal `encodeBatch`'s;
 * the general codec stays in record-batch.ts, this only makes the common case cheap.
 */
import { crc32c } from '../crc32c.ts'
import { BrookError } from '../errors.ts'
import { BATCH_HEADER_SIZE, LOG_OVERHEAD, type RecordInput } from '../record-batch.ts'
import { varintSize, writeVarint } from '../varint.ts'

const utf8 = new TextEncoder()
const CRC_START = 21
/** Header keys repeat across records; encoding each once saves a TextEncoder call per header. */
const keyCache = new Map<string, Uint8Array>()

function headerKey(k: string): Uint8Array {
  let b = keyCache.get(k)
  if (!b) {
    b = utf8.encode(k)
    if (keyCache.size >= 1024) keyCache.clear()
    keyCache.set(k, b)
  }
  return b
}

function vsize(v: number): number {
  const z = v >= 0 ? v * 2 : -v * 2 - 1
  if (z < 0x80) return 1
  if (z < 0x4000) return 2
  if (z < 0x20_0000) return 3
  if (z < 0x1000_0000) return 4
  return varintSize(v)
}

function wvarint(out: Uint8Array, p: number, v: number): number {
  let z = v >= 0 ? v * 2 : -v * 2 - 1
  if (z < 0x80) {
    out[p] = z
    return p + 1
  }
  if (z >= 0x8000_0000) return writeVarint(out, p, v)
  while (z >= 0x80) {
    out[p++] = (z & 0x7f) | 0x80
    z >>>= 7
  }
  out[p] = z
  return p + 1
}

function copy(out: Uint8Array, p: number, b: Uint8Array): number {
  const n = b.length
  if (n < 32) for (let i = 0; i < n; i++) out[p + i] = b[i]!
  else out.set(b, p)
  return p + n
}

function setInt64(v: DataView, pos: number, n: number): void {
  if (!Number.isSafeInteger(n))
    throw new BrookError('INVALID_REQUEST', `int64 value ${n} is not a safe integer`)
  const hi = Math.floor(n / 0x1_0000_0000)
  v.setInt32(pos, hi)
  v.setUint32(pos + 4, n - hi * 0x1_0000_0000)
}

export interface BuildOptions {
  producerId: number
  producerEpoch: number
  baseSequence: number
}

/** An uncompressed batch of `records` (timestamps required), base offset 0, CRC set. */
export function buildBatch(records: RecordInput[], opts: BuildOptions): Uint8Array {
  const n = records.length
  if (n === 0) throw new BrookError('INVALID_RECORD', 'a record batch needs at least one record')
  let base = Number.POSITIVE_INFINITY
  let max = Number.NEGATIVE_INFINITY
  for (let i = 0; i < n; i++) {
    const ts = records[i]!.timestamp!
    if (ts < base) base = ts
    if (ts > max) max = ts
  }
  // Sizing pass: body sizes kept in a typed array; header keys encoded once.
  const sizes = new Int32Array(n)
  let headerKeys: (Uint8Array[] | undefined)[] | undefined
  let total = 0
  for (let i = 0; i < n; i++) {
    const r = records[i]!
    const key = r.key
    const value = r.value
    let size = 1 + vsize(r.timestamp! - base) + vsize(i)
    size += key ? vsize(key.length) + key.length : 1
    size += value ? vsize(value.length) + value.length : 1
    const hs = r.headers
    if (hs && hs.length > 0) {
      headerKeys ??= new Array(n)
      const keys: Uint8Array[] = new Array(hs.length)
      size += vsize(hs.length)
      for (let h = 0; h < hs.length; h++) {
        const hk = headerKey(hs[h]!.key)
        keys[h] = hk
        const hv = hs[h]!.value
        size += vsize(hk.length) + hk.length + (hv ? vsize(hv.length) + hv.length : 1)
      }
      headerKeys[i] = keys
    } else size += 1
    sizes[i] = size
    total += vsize(size) + size
  }
  const out = new Uint8Array(BATCH_HEADER_SIZE + total)
  let p = BATCH_HEADER_SIZE
  for (let i = 0; i < n; i++) {
    const r = records[i]!
    p = wvarint(out, p, sizes[i]!)
    out[p++] = 0
    p = wvarint(out, p, r.timestamp! - base)
    p = wvarint(out, p, i)
    const key = r.key
    if (key) p = copy(out, wvarint(out, p, key.length), key)
    else out[p++] = 1 // zig-zag -1
    const value = r.value
    if (value) p = copy(out, wvarint(out, p, value.length), value)
    else out[p++] = 1
    const hs = r.headers
    if (hs && hs.length > 0) {
      const keys = headerKeys![i]!
      p = wvarint(out, p, hs.length)
      for (let h = 0; h < hs.length; h++) {
        const hk = keys[h]!
        p = copy(out, wvarint(out, p, hk.length), hk)
        const hv = hs[h]!.value
        if (hv) p = copy(out, wvarint(out, p, hv.length), hv)
        else out[p++] = 1
      }
    } else out[p++] = 0
  }
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength)
  // baseOffset stays 0: the broker assigns it.
  v.setInt32(8, out.length - LOG_OVERHEAD)
  v.setInt32(12, -1)
  out[16] = 2
  v.setInt16(21, 0)
  v.setInt32(23, n - 1)
  setInt64(v, 27, base)
  setInt64(v, 35, max)
  setInt64(v, 43, opts.producerId)
  v.setInt16(51, opts.producerEpoch)
  v.setInt32(53, opts.baseSequence)
  v.setInt32(57, n)
  v.setUint32(17, crc32c(out, CRC_START))
  return out
}
