/**
 * @module Message sets of magic 0 and 1 (Kafka before 0.11, sent with Produce v0–v2), turned into
 * one RecordBatch v2, as a Kafka broker whose log format is v2 up-converts what old producers send.
 * brook stores only v2, and advertises Produce from v0 because librdkafka compresses only for a
 * broker whose Produce range starts there (rdkafka_msgset_writer.c); the version it then sends is
 * the highest both know, so this is for genuinely old clients.
 *
 * An entry is `offset int64, size int32, crc uint32, magic int8, attributes int8, [timestamp int64
 * when magic 1], key bytes, value bytes`, the CRC (CRC-32, not CRC-32C) over magic to the end. A
 * compressed entry's value is a whole inner message set; the batch made of it is compressed with
 * the same codec, as Kafka keeps the producer's codec.
 */

import { BrookError } from '../errors.ts'
import { decompress } from './compression.ts'
import { encodeBatchAsync, type RecordInput } from './record-batch.ts'

const TIMESTAMP_LOG_APPEND = 0x08
const CODEC_MASK = 0x07

/** CRC-32 (IEEE, zlib's), which magic 0 and 1 use; v2 moved to CRC-32C. */
const CRC_TABLE = (() => {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  return t
})()

export function crc32(buf: Uint8Array, start = 0, end = buf.length): number {
  let c = 0xffffffff
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

interface Entry {
  magic: number
  attributes: number
  timestamp: number
  key: Uint8Array | null
  value: Uint8Array | null
}

function corrupt(detail: string): BrookError {
  return new BrookError('CORRUPT_MESSAGE', `legacy message set: ${detail}`)
}

function readEntries(buf: Uint8Array): Entry[] {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  const out: Entry[] = []
  let at = 0
  while (at < buf.length) {
    if (at + 12 > buf.length) throw corrupt(`entry header cut off at byte ${at}`)
    const size = view.getInt32(at + 8)
    const start = at + 12
    const end = start + size
    if (size < 14 || end > buf.length) throw corrupt(`message of ${size} bytes at byte ${at} does not fit`)
    const stored = view.getUint32(start)
    const computed = crc32(buf, start + 4, end)
    if (stored !== computed)
      throw corrupt(`CRC mismatch at byte ${at} (stored ${stored}, computed ${computed})`)
    const magic = buf[start + 4]!
    if (magic > 1) throw corrupt(`magic ${magic} at byte ${at} in a message set of magic 0 or 1`)
    const attributes = buf[start + 5]!
    let p = start + 6
    let timestamp = -1
    if (magic === 1) {
      if (p + 8 > end) throw corrupt(`timestamp cut off at byte ${p}`)
      timestamp = Number(view.getBigInt64(p))
      p += 8
    }
    const bytes = (): Uint8Array | null => {
      if (p + 4 > end) throw corrupt(`length cut off at byte ${p}`)
      const n = view.getInt32(p)
      p += 4
      if (n < 0) return null
      if (p + n > end) throw corrupt(`${n} bytes at byte ${p} run past the message`)
      const b = buf.subarray(p, p + n)
      p += n
      return b
    }
    const key = bytes()
    const value = bytes()
    out.push({ magic, attributes, timestamp, key, value })
    at = end
  }
  return out
}

/**
 * The records of a magic 0 or 1 message set as one RecordBatch v2: keys, values and (magic 1)
 * timestamps kept, no headers, no producer. Magic 0 records have no timestamp (-1), as in Kafka.
 * Compressed with the codec the producer used, if any. CORRUPT_MESSAGE for anything malformed.
 */
export async function upConvert(messageSet: Uint8Array): Promise<Uint8Array> {
  const records: RecordInput[] = []
  let codec = 0
  for (const e of readEntries(messageSet)) {
    const c = e.attributes & CODEC_MASK
    if (c === 0) {
      records.push({ key: e.key, value: e.value, timestamp: e.timestamp })
      continue
    }
    if (!e.value) throw corrupt('a compressed message without a value')
    codec = c
    const inner = readEntries(await decompress(c, e.value))
    for (const m of inner) {
      if ((m.attributes & CODEC_MASK) !== 0) throw corrupt('a compressed message inside a compressed one')
      // A wrapper stamped by the broker (LogAppendTime) speaks for its records' time.
      const timestamp = e.magic === 1 && e.attributes & TIMESTAMP_LOG_APPEND ? e.timestamp : m.timestamp
      records.push({ key: m.key, value: m.value, timestamp })
    }
  }
  if (records.length === 0) throw corrupt('no messages')
  // gzip, snappy or lz4: magic 0 and 1 predate zstd, and brook writes all three.
  return encodeBatchAsync({ records, compression: codec })
}
