/**
 * @module Checks the records of one produce partition before anything is stored, reading only
 * batch headers and CRCs: magic v2, whole batches, valid CRC-32C, a record count that matches the
 * offset range, no control batches from clients, the size limit. Only on a compacted topic are the
 * records read, for their keys.
 */

import { BrookError, isBrookError } from './errors.ts'
import type { BatchHeader } from './format/record-batch.ts'
import {
  ATTR_COMPRESSION_MASK,
  ATTR_CONTROL,
  batchFieldsOf,
  decodeRecordsAsync,
  encodeBatchAsync,
  LOG_OVERHEAD,
  readBatchHeader,
  verifyBatch,
} from './format/record-batch.ts'

/** Highest compression code Kafka defines (zstd). */
const MAX_CODEC = 4

export interface CheckedBatches {
  batches: Uint8Array[]
  headers: BatchHeader[]
}

export function checkProduceRecords(records: unknown, maxMessageBytes: number): CheckedBatches {
  if (!(records instanceof Uint8Array)) throw new BrookError('CORRUPT_MESSAGE', 'records must be bytes')
  if (records.length === 0)
    throw new BrookError('INVALID_RECORD', 'the produce request holds no record batch')
  const batches: Uint8Array[] = []
  const headers: BatchHeader[] = []
  let pos = 0
  while (pos < records.length) {
    let h: BatchHeader
    try {
      h = verifyBatch(records, pos)
    } catch (e) {
      if (isBrookError(e)) throw e
      throw new BrookError('CORRUPT_MESSAGE', `record batch at byte ${pos} is malformed`, { cause: e })
    }
    const size = h.batchLength + LOG_OVERHEAD
    if (size > maxMessageBytes)
      throw new BrookError(
        'MESSAGE_TOO_LARGE',
        `record batch of ${size} bytes is larger than max.message.bytes (${maxMessageBytes})`,
      )
    // Kafka's LogValidator: the offset range must match the record count, or offsets would be
    // assigned to records that do not exist.
    if (h.recordCount < 1 || h.lastOffsetDelta !== h.recordCount - 1)
      throw new BrookError(
        'INVALID_RECORD',
        `record batch has ${h.recordCount} records but last offset delta ${h.lastOffsetDelta}`,
      )
    if (h.attributes & ATTR_CONTROL)
      throw new BrookError('INVALID_RECORD', 'clients may not write control batches')
    if ((h.attributes & ATTR_COMPRESSION_MASK) > MAX_CODEC)
      throw new BrookError(
        'UNSUPPORTED_COMPRESSION_TYPE',
        `compression code ${h.attributes & ATTR_COMPRESSION_MASK} is not defined`,
      )
    batches.push(records.subarray(pos, pos + size))
    headers.push(h)
    pos += size
  }
  return { batches, headers }
}

/**
 * Kafka's LogValidator on a compacted topic: every record needs a key, since compaction keeps the
 * last record per key and a keyless one could never be kept or removed. The records are decoded
 * (decompressed first) only for such topics, as Kafka does.
 */
export async function checkKeysForCompaction(
  batches: Uint8Array[],
  topic: string,
  partition: number,
): Promise<void> {
  for (const batch of batches) {
    for (const r of await decodeRecordsAsync(batch, false)) {
      if (r.key === null)
        throw new BrookError(
          'INVALID_RECORD',
          `Compacted topic cannot accept message without key in topic partition ${topic}-${partition}.`,
        )
    }
  }
}

/**
 * Kafka's LogValidator for a topic whose compression.type names a codec (`target`): a batch in
 * another codec is rebuilt in that one — its records' keys, values, headers and timestamps, its
 * base timestamp, producer id, epoch, base sequence, transactional flag and partition leader epoch
 * kept, inner offsets renumbered from 0 as Kafka's builder does, the CRC computed anew. A batch
 * already in the target codec is kept byte for byte (Kafka's in-place assignment). As in Kafka the
 * rebuilt batch must still fit max.message.bytes (MESSAGE_TOO_LARGE otherwise). A codec brook
 * cannot write where it runs (zstd on workerd) answers UNSUPPORTED_COMPRESSION_TYPE.
 */
export async function toTopicCompression(
  checked: CheckedBatches,
  target: number | undefined,
  maxMessageBytes: number,
): Promise<CheckedBatches> {
  if (target === undefined) return checked
  const { batches, headers } = checked
  if (headers.every((h) => (h.attributes & ATTR_COMPRESSION_MASK) === target)) return checked
  const out: CheckedBatches = { batches: [...batches], headers: [...headers] }
  for (let i = 0; i < batches.length; i++) {
    const h = headers[i]!
    if ((h.attributes & ATTR_COMPRESSION_MASK) === target) continue
    // The CRC was checked by checkProduceRecords.
    const records = await decodeRecordsAsync(batches[i]!, false)
    const batch = await encodeBatchAsync({
      ...batchFieldsOf(h),
      compression: target,
      // The timestamp type is the topic's, which the append sets.
      logAppendTime: false,
      records: records.map((r, offsetDelta) => ({
        key: r.key,
        value: r.value,
        headers: r.headers,
        timestamp: r.timestamp,
        offsetDelta,
      })),
    })
    if (batch.length > maxMessageBytes)
      throw new BrookError(
        'MESSAGE_TOO_LARGE',
        `record batch of ${batch.length} bytes once recompressed for the topic's compression.type is ` +
          `larger than max.message.bytes (${maxMessageBytes})`,
      )
    out.batches[i] = batch
    out.headers[i] = readBatchHeader(batch)
  }
  return out
}
