/**
 * @module ListOffsets and DeleteRecords over partition logs: earliest, latest, max timestamp and
 * by time (the first record at or after a timestamp — how users query a stored log by time).
 */

import type { PartitionLookup } from './broker-fetch.ts'
import { BrookError } from './errors.ts'
import { decodeRecordsAsync } from './format/record-batch.ts'
import type { PartitionLog } from './partition-log.ts'
import { code, errorCodeOf, isInt, NONE, nameOf, show } from './request-values.ts'
import type {
  DeleteRecordsRequest,
  DeleteRecordsResponse,
  ListOffsetsRequest,
  ListOffsetsResponse,
} from './service.ts'
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, MAX_TIMESTAMP } from './service.ts'

/** ListOffsets: per partition, the offset (and timestamp) a special or real timestamp points at. */
export async function listOffsets(
  lookup: PartitionLookup,
  req: ListOffsetsRequest,
): Promise<ListOffsetsResponse> {
  const topics: ListOffsetsResponse['topics'] = []
  for (const t of Array.isArray(req?.topics) ? req.topics : []) {
    const partitions: ListOffsetsResponse['topics'][number]['partitions'] = []
    for (const p of Array.isArray(t?.partitions) ? t.partitions : []) {
      const partition = isInt(p?.partition) ? p.partition : -1
      const log = lookup(nameOf(t), p?.partition)
      if (!log) {
        partitions.push({
          partition,
          errorCode: code('UNKNOWN_TOPIC_OR_PARTITION'),
          timestamp: -1,
          offset: -1,
        })
        continue
      }
      try {
        const r = await offsetFor(log, p.timestamp)
        partitions.push({ partition, errorCode: NONE, ...r })
      } catch (e) {
        partitions.push({ partition, errorCode: errorCodeOf(e), timestamp: -1, offset: -1 })
      }
    }
    topics.push({ name: nameOf(t), partitions })
  }
  return { topics }
}

async function offsetFor(log: PartitionLog, ts: number): Promise<{ timestamp: number; offset: number }> {
  if (!isInt(ts)) throw new BrookError('INVALID_REQUEST', `timestamp ${show(ts)} is not an integer`)
  // Without tiered storage -4 (earliest local, KIP-405) is the log start, and -5 (latest tiered,
  // KIP-1005) is "none": Kafka's UnifiedLog answers offset -1 when remote storage is off.
  if (ts === EARLIEST_TIMESTAMP || ts === -4) return { timestamp: -1, offset: log.logStartOffset }
  if (ts === LATEST_TIMESTAMP) return { timestamp: -1, offset: log.highWatermark }
  if (ts === -5) return { timestamp: -1, offset: -1 }
  const start = log.logStartOffset
  if (ts === MAX_TIMESTAMP) {
    let best = -1
    for (const e of log.timestampIndex()) if (e.last >= start && e.maxTs > best) best = e.maxTs
    if (best < 0) return { timestamp: -1, offset: -1 }
    return (
      (await firstRecordAtOrAfter(log, best, (maxTs) => maxTs === best)) ?? {
        timestamp: -1,
        offset: -1,
      }
    )
  }
  if (ts < 0) throw new BrookError('INVALID_REQUEST', `timestamp ${ts} is not a known special value`)
  return (await firstRecordAtOrAfter(log, ts, (maxTs) => maxTs >= ts)) ?? { timestamp: -1, offset: -1 }
}

/** First record (offset order, from the log start) with timestamp >= `ts` in batches `pick` selects. */
async function firstRecordAtOrAfter(
  log: PartitionLog,
  ts: number,
  pick: (maxTs: number) => boolean,
): Promise<{ timestamp: number; offset: number } | undefined> {
  const start = log.logStartOffset
  let found: { timestamp: number; offset: number } | undefined
  await log.scanBatches(
    (maxTs, last) => last >= start && pick(maxTs),
    async (batch) => {
      const records = await decodeRecordsAsync(batch, false)
      for (const r of records)
        if (r.offset >= start && r.timestamp >= ts) {
          found = { timestamp: r.timestamp, offset: r.offset }
          return true
        }
      return false
    },
  )
  return found
}

/** DeleteRecords: moves each log start forward, deleting whole batches below it. */
export async function deleteRecords(
  lookup: PartitionLookup,
  req: DeleteRecordsRequest,
): Promise<DeleteRecordsResponse> {
  const topics: DeleteRecordsResponse['topics'] = []
  for (const t of Array.isArray(req?.topics) ? req.topics : []) {
    const partitions: DeleteRecordsResponse['topics'][number]['partitions'] = []
    for (const p of Array.isArray(t?.partitions) ? t.partitions : []) {
      const partition = isInt(p?.partition) ? p.partition : -1
      const log = lookup(nameOf(t), p?.partition)
      if (!log) {
        partitions.push({ partition, errorCode: code('UNKNOWN_TOPIC_OR_PARTITION'), lowWatermark: -1 })
        continue
      }
      try {
        const lowWatermark = await log.deleteRecordsBefore(p.offset)
        partitions.push({ partition, errorCode: NONE, lowWatermark })
      } catch (e) {
        partitions.push({ partition, errorCode: errorCodeOf(e), lowWatermark: log.logStartOffset })
      }
    }
    topics.push({ name: nameOf(t), partitions })
  }
  return { topics }
}
