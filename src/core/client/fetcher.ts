/**
 * @module Turns one partition's fetched bytes into messages: whole batches are walked by header,
 * batches wholly before the fetch offset and control batches are skipped, records below the fetch
 * offset (a batch may start before it) are dropped, compressed batches are decoded asynchronously.
 */

import { BrookError } from '../errors.ts'
import { decompress } from '../format/compression.ts'
import {
  ATTR_COMPRESSION_MASK,
  ATTR_CONTROL,
  ATTR_LOG_APPEND_TIME,
  BATCH_HEADER_SIZE,
  LOG_OVERHEAD,
  readBatchHeader,
  verifyBatch,
  wholeBatchSize,
} from '../format/record-batch.ts'
import { readMessages } from './record-reader.ts'
import type { KafkaMessage } from './types.ts'

export interface DecodedPartition {
  messages: KafkaMessage[]
  /** Where the next fetch starts: one past the last offset covered by a whole batch (gaps included). */
  nextOffset: number
}

export async function decodePartition(
  records: Uint8Array,
  fetchOffset: number,
  checkCrcs: boolean,
): Promise<DecodedPartition> {
  const messages: KafkaMessage[] = []
  let nextOffset = fetchOffset
  let pos = 0
  while (pos < records.length) {
    // A fetch may end with part of a batch (Kafka truncates at maxBytes): stop before it.
    if (wholeBatchSize(records, pos) === undefined) break
    const h = checkCrcs ? verifyBatch(records, pos) : readBatchHeader(records, pos)
    const size = h.batchLength + LOG_OVERHEAD
    const last = h.baseOffset + h.lastOffsetDelta
    const batchStart = pos
    pos += size
    if (last < nextOffset) continue
    if ((h.attributes & ATTR_CONTROL) === 0) {
      const info = {
        baseOffset: h.baseOffset,
        baseTimestamp: h.baseTimestamp,
        appendTime: h.attributes & ATTR_LOG_APPEND_TIME ? h.maxTimestamp : -1,
        recordCount: h.recordCount,
      }
      if ((h.attributes & ATTR_COMPRESSION_MASK) === 0) {
        readMessages(records, batchStart + BATCH_HEADER_SIZE, batchStart + size, info, nextOffset, messages)
      } else {
        const body = await decompress(
          h.attributes & ATTR_COMPRESSION_MASK,
          records.subarray(batchStart + BATCH_HEADER_SIZE, batchStart + size),
        )
        readMessages(body, 0, body.length, info, nextOffset, messages)
      }
    }
    nextOffset = last + 1
  }
  if (pos === 0 && records.length > 0 && nextOffset === fetchOffset) {
    // Not one whole batch fitted: the partition's max bytes is below the batch size.
    throw new BrookError('RECORD_LIST_TOO_LARGE', `a batch at offset ${fetchOffset} exceeds the fetch size`)
  }
  return { messages, nextOffset }
}
