/** @module What both sync directions do to a partition: look it up, create it, read its batches. */

import { BrookError, errorCode } from '../errors.ts'
import { type Record, type RecordInput, splitBatches } from '../record-batch.ts'
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
): Promise<Uint8Array[]> {
  const res = await service.fetch({
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: FETCH_BYTES,
    topics: [
      { name: topic, partitions: [{ partition, fetchOffset: position, partitionMaxBytes: FETCH_BYTES }] },
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
