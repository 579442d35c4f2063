/**
 * @module Log compaction over a run of batches (cleanup.policy=compact): the latest record per key
 * survives; tombstones (null values) survive until their delete-retention horizon. Batches keep
 * their base offset, last offset delta and producer fields, as Kafka's cleaner does for v2, so
 * offsets never move and producer state stays consistent.
 */

import { BrookError } from './errors.ts'
import { crc32c } from './format/crc32c.ts'
import type { Record } from './format/record-batch.ts'
import {
  ATTR_CONTROL,
  batchFieldsOf,
  decodeRecordsAsync,
  encodeBatchAsync,
  readBatchHeader,
} from './format/record-batch.ts'

export interface CompactOptions {
  /** Records below this offset are already deleted (DeleteRecords) and are dropped. */
  logStartOffset: number
  /** Tombstones with a timestamp before this are dropped. */
  tombstoneBefore: number
}

export interface CompactResult {
  batches: Uint8Array[]
  removedRecords: number
  /** Timestamp of the oldest tombstone kept (undefined if none): it will need another pass. */
  oldestTombstone?: number
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

function keyString(key: Uint8Array): string {
  let s = ''
  for (let i = 0; i < key.length; i++) s += HEX[key[i]!]
  return s
}

/** Restores the original lastOffsetDelta (outside what encodeBatch derives) and re-signs the CRC. */
function setLastOffsetDelta(batch: Uint8Array, lastOffsetDelta: number): void {
  const v = new DataView(batch.buffer, batch.byteOffset, batch.byteLength)
  v.setInt32(23, lastOffsetDelta)
  v.setUint32(17, crc32c(batch, 21))
}

export async function compactBatches(batches: Uint8Array[], options: CompactOptions): Promise<CompactResult> {
  // Records of a batch that cannot be decoded (an unsupported codec) are kept as they are.
  const decoded: (Record[] | undefined)[] = []
  for (const b of batches) {
    const h = readBatchHeader(b)
    if (h.attributes & ATTR_CONTROL) {
      decoded.push(undefined)
      continue
    }
    decoded.push(await decodeRecordsAsync(b, false).catch(() => undefined))
  }
  const latest = new Map<string, number>()
  for (const records of decoded) {
    if (!records) continue
    for (const r of records) if (r.key) latest.set(keyString(r.key), r.offset)
  }
  const out: Uint8Array[] = []
  let removed = 0
  let oldestTombstone: number | undefined
  for (let i = 0; i < batches.length; i++) {
    const b = batches[i]!
    const records = decoded[i]
    if (!records) {
      out.push(b)
      continue
    }
    const kept = records.filter(
      (r) =>
        r.key !== null &&
        r.offset >= options.logStartOffset &&
        latest.get(keyString(r.key)) === r.offset &&
        !(r.value === null && r.timestamp < options.tombstoneBefore),
    )
    // The log's last record always stays (like Kafka's never-cleaned active segment): it keeps
    // the log end visible, or a consumer at a trailing gap would wait forever.
    const lastRecord = records[records.length - 1]
    if (
      i === batches.length - 1 &&
      lastRecord &&
      lastRecord.offset >= options.logStartOffset &&
      kept[kept.length - 1] !== lastRecord
    )
      kept.push(lastRecord)
    for (const r of kept)
      if (r.value === null && (oldestTombstone === undefined || r.timestamp < oldestTombstone))
        oldestTombstone = r.timestamp
    if (kept.length === records.length) {
      out.push(b)
      continue
    }
    if (kept.length === 0) {
      removed += records.length
      continue
    }
    const h = readBatchHeader(b)
    const rebuilt = await encodeBatchAsync({
      ...batchFieldsOf(h),
      records: kept.map((r) => ({
        key: r.key,
        value: r.value,
        headers: r.headers,
        timestamp: r.timestamp,
        offsetDelta: r.offset - h.baseOffset,
      })),
    }).catch((e: unknown) => {
      // A codec brook reads but cannot write here (zstd on workerd): the batch stays whole, as stored.
      if (e instanceof BrookError && e.type === 'UNSUPPORTED_COMPRESSION_TYPE') return undefined
      throw e
    })
    if (!rebuilt) {
      out.push(b)
      continue
    }
    removed += records.length - kept.length
    setLastOffsetDelta(rebuilt, h.lastOffsetDelta)
    out.push(rebuilt)
  }
  return { batches: out, removedRecords: removed, oldestTombstone }
}
