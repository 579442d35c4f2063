/** @module What both sync directions do to a partition: look it up, create it, read its batches. */

import { BrookError, errorCode } from '../errors.ts'
import {
  decodeRecordsAsync,
  encodeBatch,
  isControlBatch,
  lastOffsetOf,
  type Record,
  type RecordInput,
  readBatchHeader,
  splitBatches,
  withProducer,
} from '../format/record-batch.ts'
import type { BrokerService } from '../service.ts'

const TOPIC_EXISTS = errorCode('TOPIC_ALREADY_EXISTS')
const UNKNOWN_TOPIC = errorCode('UNKNOWN_TOPIC_OR_PARTITION')
/** A sync round reads at most this much of a partition per fetch. */
const FETCH_BYTES = 1 << 20

/**
 * A topic's partitions as `service` knows them; none when it does not exist. Any other refusal (not
 * authorized to describe it) is an error: a topic the token may not see must not look empty.
 */
export async function partitionsOf(service: BrokerService, topic: string): Promise<number[]> {
  const md = await service.metadata({ topics: [topic], allowAutoTopicCreation: false })
  const t = md.topics.find((x) => x.name === topic)
  if (!t || t.errorCode === UNKNOWN_TOPIC) return []
  if (t.errorCode !== 0) throw BrookError.fromCode(t.errorCode, `describing ${topic}`)
  return t.partitions.map((p) => p.partition).sort((a, b) => a - b)
}

/**
 * Makes `topic` on `service` have at least `partitions`: created if missing, grown if it has fewer
 * (a consumer's subscribe or another client may have auto-created it with one). Partition p goes
 * to partition p on the other side, so a topic with fewer would refuse the ones past its count.
 */
export async function ensureTopic(
  service: BrokerService,
  topic: string,
  partitions: number,
  where: string,
): Promise<void> {
  if (partitions === 0) return
  // Looked up first: a principal allowed to write an existing topic may not be allowed to create.
  let has = (await partitionsOf(service, topic)).length
  if (has >= partitions) return
  if (has === 0) {
    const res = await service.createTopics({ topics: [{ name: topic, numPartitions: partitions }] })
    const code = res[0]?.errorCode ?? 0
    if (code === 0) return
    if (code !== TOPIC_EXISTS) throw BrookError.fromCode(code, `creating ${topic} ${where}`)
    // Made meanwhile by someone else: grown below if it has fewer.
    has = (await partitionsOf(service, topic)).length
    if (has >= partitions) return
  }
  const grown = await service.createPartitions({ topics: [{ name: topic, count: partitions }] })
  const g = grown[0]?.errorCode ?? 0
  if (g !== 0)
    throw BrookError.fromCode(g, `growing ${topic} ${where} from ${has} to ${partitions} partitions`)
}

/** The whole batches `service` holds for a partition from `position` (none at its end). */
export async function readBatches(
  service: BrokerService,
  topic: string,
  partition: number,
  position: number,
  where: string,
  maxBytes = FETCH_BYTES,
): Promise<Uint8Array[]> {
  const res = await service.fetch({
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes,
    topics: [
      { name: topic, partitions: [{ partition, fetchOffset: position, partitionMaxBytes: maxBytes }] },
    ],
  })
  const p = res.topics[0]?.partitions[0]
  if (!p) return []
  if (p.errorCode !== 0)
    throw BrookError.fromCode(p.errorCode, `reading ${where} ${topic}[${partition}] at ${position}`)
  return splitBatches(p.records)
}

/** Stored records as records to write again: key, value, headers and timestamp kept. */
export function inputsOf(records: readonly Record[]): RecordInput[] {
  return records.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp }))
}

/**
 * Each topic's partitions on `source`, handed to `each` side by side, with `ready`: the topic made
 * to exist on `target` (`where`). `each` may read before `ready` settles, and writes to `target`
 * after. A topic or partition that fails does not hold back the others; the first failure is
 * thrown at the end. Returns the sum of what `each` returned.
 */
export async function eachPartition(
  source: BrokerService,
  target: BrokerService,
  topics: readonly string[],
  where: string,
  each: (topic: string, partition: number, ready: Promise<void>) => Promise<number>,
): Promise<number> {
  let total = 0
  const failures: unknown[] = []
  for (const topic of topics) {
    try {
      const partitions = await partitionsOf(source, topic)
      const ready = ensureTopic(target, topic, partitions.length, where)
      // Its failure is each partition's, and thrown below once more if none awaited it.
      ready.catch(() => {})
      for (const d of await Promise.allSettled(partitions.map((p) => each(topic, p, ready)))) {
        if (d.status === 'fulfilled') total += d.value
        else failures.push(d.reason)
      }
      await ready
    } catch (e) {
      failures.push(e)
    }
  }
  if (failures.length > 0) throw failures[0]
  return total
}

/** One batch to copy to the other side: a stored batch taken whole, or its records past a position. */
export interface Unit {
  /** The offset of its first record. */
  first: number
  /** The offset after its batch. */
  next: number
  count: number
  /** A whole batch of consecutive records, copied byte for byte with new producer fields… */
  batch?: Uint8Array
  /** …or the records of one past the position (or with gaps), encoded again. */
  records?: Record[]
}

/**
 * What of `batch` lies at or past `position`, as a unit; undefined when nothing does (a control
 * batch — a transaction marker — carries no records for readers).
 */
export async function unitOf(batch: Uint8Array, position: number): Promise<Unit | undefined> {
  const h = readBatchHeader(batch)
  const next = lastOffsetOf(h) + 1
  if (next <= position || isControlBatch(h)) return undefined
  if (h.baseOffset >= position && h.recordCount === h.lastOffsetDelta + 1)
    return { batch, first: h.baseOffset, next, count: h.recordCount }
  const records = (await decodeRecordsAsync(batch)).filter((r) => r.offset >= position)
  if (records.length === 0) return undefined
  return { records, first: records[0]!.offset, next, count: records.length }
}

/** A unit as a batch of the producer `producerId`/`epoch` whose first sequence is `seq`. */
export function unitBatch(unit: Unit, producerId: number, epoch: number, seq: number): Uint8Array {
  if (unit.batch) return withProducer(unit.batch, producerId, epoch, seq)
  return encodeBatch({
    records: inputsOf(unit.records ?? []),
    baseOffset: unit.first,
    producerId,
    producerEpoch: epoch,
    baseSequence: seq,
  })
}
