/**
 * @module Checks the records of one produce partition before anything is stored, reading only
 * batch headers and CRCs (never the records): magic v2, whole batches, valid CRC-32C, a record
 * count that matches the offset range, no control batches from clients, the size limit.
 */

import { BrookError, isBrookError } from './errors.ts'
import type { BatchHeader } from './format/record-batch.ts'
import { ATTR_COMPRESSION_MASK, ATTR_CONTROL, LOG_OVERHEAD, verifyBatch } from './format/record-batch.ts'

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
