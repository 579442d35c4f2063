/**
 * @module Where a mirror resumes, read from the destination's own data. Every record the mirror writes
 * carries its source offset in the `brook.mirror.offset` header (decimal ASCII), so the newest mirrored
 * record of a destination partition says how far the copy got — nothing else has to be persisted, and
 * nothing persisted elsewhere can disagree with what the destination actually holds. The newest batch
 * also names the producer id, epoch and sequence that wrote it: continuing that producer makes the
 * destination's own duplicate check refuse any earlier write that arrives late (see mirror.ts).
 */

import { BrookError } from '../errors.ts'
import {
  decodeRecordsAsync,
  isControlBatch,
  lastOffsetOf,
  type RecordHeader,
  readBatchHeader,
  splitBatches,
} from '../format/record-batch.ts'
import { type BrokerService, EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from '../service.ts'

export const MIRROR_OFFSET_HEADER = 'brook.mirror.offset'

/** Kafka sequence numbers are int32 and wrap to 0. */
const SEQUENCE_WRAP = 0x8000_0000
/** How far back (in offsets) one step of the backward scan reaches. */
const SCAN_STEP = 4096
const READ_BYTES = 1 << 20

/** The header carrying `offset`: decimal ASCII digits, written without a TextEncoder per record. */
export function offsetHeader(offset: number): RecordHeader {
  const digits = offset === 0 ? 1 : Math.floor(Math.log10(offset)) + 1
  const value = new Uint8Array(digits)
  let n = offset
  for (let i = digits - 1; i >= 0; i--) {
    value[i] = 48 + (n % 10)
    n = Math.floor(n / 10)
  }
  return { key: MIRROR_OFFSET_HEADER, value }
}

/** The source offset in a record's headers (the last such header), or undefined. */
export function mirroredOffset(headers: readonly RecordHeader[]): number | undefined {
  for (let i = headers.length - 1; i >= 0; i--) {
    const h = headers[i]!
    if (h.key !== MIRROR_OFFSET_HEADER || h.value === null || h.value.length === 0) continue
    let n = 0
    for (const b of h.value) {
      if (b < 48 || b > 57) return undefined
      n = n * 10 + (b - 48)
    }
    return Number.isSafeInteger(n) ? n : undefined
  }
  return undefined
}

export function nextSequence(sequence: number, count: number): number {
  return (sequence + count) % SEQUENCE_WRAP
}

export interface ResumePoint {
  /** The destination partition's log end offset when it was read. */
  end: number
  /** The source offset to copy next: one past the newest mirrored record; null when there is none. */
  next: number | null
  /**
   * Set when the destination's newest batch is the mirror's and was written by an idempotent
   * producer: that producer, and the sequence its next batch must carry.
   */
  producer: { id: number; epoch: number; sequence: number } | null
  /** Batches decoded to find `next` (1 unless others wrote to the partition after the mirror). */
  scanned: number
}

async function offsetOf(
  service: BrokerService,
  topic: string,
  partition: number,
  timestamp: number,
): Promise<number> {
  const res = await service.listOffsets({ topics: [{ name: topic, partitions: [{ partition, timestamp }] }] })
  const p = res.topics.find((t) => t.name === topic)?.partitions.find((x) => x.partition === partition)
  if (!p) throw new BrookError('UNKNOWN_TOPIC_OR_PARTITION', `${topic}[${partition}]: no ListOffsets answer`)
  if (p.errorCode !== 0) throw BrookError.fromCode(p.errorCode, `ListOffsets ${topic}[${partition}]`)
  return p.offset
}

/** The log start and end offsets of one partition. */
export async function partitionBounds(
  service: BrokerService,
  topic: string,
  partition: number,
): Promise<{ start: number; end: number }> {
  const [start, end] = await Promise.all([
    offsetOf(service, topic, partition, EARLIEST_TIMESTAMP),
    offsetOf(service, topic, partition, LATEST_TIMESTAMP),
  ])
  return { start, end }
}

/** Whole batches from the one holding `offset` on, at most about `maxBytes` (at least one batch). */
export async function readBatches(
  service: BrokerService,
  topic: string,
  partition: number,
  offset: number,
  maxBytes = READ_BYTES,
): Promise<Uint8Array[]> {
  const res = await service.fetch({
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes,
    isolationLevel: 0,
    topics: [{ name: topic, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: maxBytes }] }],
  })
  const p = res.topics.find((t) => t.name === topic)?.partitions.find((x) => x.partition === partition)
  if (!p) throw new BrookError('UNKNOWN_TOPIC_OR_PARTITION', `${topic}[${partition}]: no Fetch answer`)
  if (p.errorCode !== 0) throw BrookError.fromCode(p.errorCode, `Fetch ${topic}[${partition}] at ${offset}`)
  return splitBatches(p.records, { partialTail: true })
}

/** The newest mirrored source offset among `batches` (newest batch first), or undefined. */
async function newestMirrored(batches: Uint8Array[]): Promise<number | undefined> {
  for (let i = batches.length - 1; i >= 0; i--) {
    const b = batches[i]!
    if (isControlBatch(readBatchHeader(b))) continue
    const records = await decodeRecordsAsync(b)
    for (let j = records.length - 1; j >= 0; j--) {
      const o = mirroredOffset(records[j]!.headers)
      if (o !== undefined) return o
    }
  }
  return undefined
}

/**
 * Reads where mirroring into `topic[partition]` of `destination` stopped: the newest batch first, and
 * only when that holds no mirrored record (someone else wrote last), older batches, step by step back
 * to the log start.
 */
export async function readResumePoint(
  destination: BrokerService,
  topic: string,
  partition: number,
): Promise<ResumePoint> {
  const { start, end } = await partitionBounds(destination, topic, partition)
  if (end <= start) return { end, next: null, producer: null, scanned: 0 }
  const tail = (await readBatches(destination, topic, partition, end - 1)).filter(
    (b) => readBatchHeader(b).baseOffset <= end - 1,
  )
  const last = tail.at(-1)
  if (!last)
    throw new BrookError('CORRUPT_MESSAGE', `${topic}[${partition}]: no batch holds offset ${end - 1}`)
  const h = readBatchHeader(last)
  if (!isControlBatch(h)) {
    const records = await decodeRecordsAsync(last)
    const o = records.length > 0 ? mirroredOffset(records[records.length - 1]!.headers) : undefined
    if (o !== undefined) {
      const producer =
        h.producerId >= 0 && h.baseSequence >= 0
          ? {
              id: h.producerId,
              epoch: h.producerEpoch,
              sequence: nextSequence(h.baseSequence, h.lastOffsetDelta + 1),
            }
          : null
      return { end, next: o + 1, producer, scanned: 1 }
    }
  }
  // Others wrote after the mirror: walk back one step of offsets at a time until a mirrored record shows up.
  let scanned = 1
  let upto = h.baseOffset
  while (upto > start) {
    const from = Math.max(start, upto - SCAN_STEP)
    const older: Uint8Array[] = []
    let pos = from
    let first = upto
    while (pos < upto) {
      const got = await readBatches(destination, topic, partition, pos)
      if (got.length === 0) break
      for (const b of got) {
        const bh = readBatchHeader(b)
        if (bh.baseOffset >= upto) break
        first = Math.min(first, bh.baseOffset)
        older.push(b)
      }
      pos = Math.max(pos + 1, lastOffsetOf(readBatchHeader(got.at(-1)!)) + 1)
    }
    scanned += older.length
    const o = await newestMirrored(older)
    if (o !== undefined) return { end, next: o + 1, producer: null, scanned }
    upto = Math.min(from, first)
  }
  return { end, next: null, producer: null, scanned }
}
