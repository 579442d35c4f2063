/**
 * @module From fetched source batches to the records of destination batches. Each record keeps its key,
 * value, headers and timestamp, and gains the `brook.mirror.offset` header with its source offset (a
 * header of that name from an earlier hop is replaced). Records of consecutive source batches are
 * gathered into destination batches of up to `batchBytes` — a source written one record per batch
 * still travels in large batches — and each destination batch keeps the compression of the source
 * batches it came from (a change of codec starts a new one).
 */

import {
  BATCH_HEADER_SIZE,
  compressionOf,
  decodeRecordsAsync,
  isControlBatch,
  lastOffsetOf,
  type RecordHeader,
  type RecordInput,
  readBatchHeader,
  splitBatches,
} from '../format/record-batch.ts'
import { MIRROR_OFFSET_HEADER, offsetHeader } from './position.ts'

/** The records of one destination batch, before producer fields are chosen. */
export interface CopiedBatch {
  records: RecordInput[]
  compression: number
  /** Estimated encoded size (an upper bound for uncompressed records). */
  bytes: number
  /** The source offset after the last record copied into this batch. */
  next: number
}

export interface Copied {
  batches: CopiedBatch[]
  /** Where the next fetch starts: after the last whole source batch read. */
  next: number
}

/** An upper bound of a record's encoded size: its fields plus every varint at its widest. */
function recordBytes(r: RecordInput): number {
  let n = 40 + (r.key?.length ?? 0) + (r.value?.length ?? 0)
  for (const h of r.headers ?? []) n += 10 + h.key.length * 3 + (h.value?.length ?? 0)
  return n
}

function withOffset(headers: RecordHeader[], offset: number): RecordHeader[] {
  const out: RecordHeader[] = []
  for (const h of headers) if (h.key !== MIRROR_OFFSET_HEADER) out.push(h)
  out.push(offsetHeader(offset))
  return out
}

/**
 * Copies the records at or after `from` out of `fetched` (concatenated source batches, as a Fetch
 * answers; a partial batch at the end is left for the next fetch). Control batches are skipped.
 */
export async function copyRecords(fetched: Uint8Array, from: number, batchBytes: number): Promise<Copied> {
  const batches: CopiedBatch[] = []
  let open: CopiedBatch | null = null
  let next = from
  for (const b of splitBatches(fetched, { partialTail: true })) {
    const h = readBatchHeader(b)
    const last = lastOffsetOf(h)
    if (last < next) continue
    if (isControlBatch(h)) {
      next = last + 1
      continue
    }
    const compression = compressionOf(h)
    // decodeRecords gives LogAppendTime records the append time: the timestamp they are read with.
    for (const r of await decodeRecordsAsync(b)) {
      if (r.offset < next) continue
      const input: RecordInput = {
        key: r.key,
        value: r.value,
        headers: withOffset(r.headers, r.offset),
        timestamp: r.timestamp,
      }
      const size = recordBytes(input)
      if (open && (open.compression !== compression || open.bytes + size > batchBytes)) {
        batches.push(open)
        open = null
      }
      open ??= { records: [], compression, bytes: BATCH_HEADER_SIZE, next }
      open.records.push(input)
      open.bytes += size
      open.next = r.offset + 1
    }
    next = last + 1
    if (open) open.next = next
  }
  if (open) batches.push(open)
  return { batches, next }
}
