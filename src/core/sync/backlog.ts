/**
 * @module What is left to upload, read from the local broker alone (no connection needed): per
 * partition, log end − upload position in records, exact after any crash, and the bytes of the
 * batches in that range. Bytes come from a ledger of batch sizes that reads each batch once: a
 * backlog of 100 MB is not read again on every status refresh, only what was appended since.
 */

import { lastOffsetOf, readBatchHeader } from '../format/record-batch.ts'
import { type BrokerService, EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from '../service.ts'
import { partitionsOf, readBatches } from './partitions.ts'

/** The group whose committed offsets are the upload positions. */
export function uploadGroup(name = 'upload'): string {
  return `__brook-sync-${name}`
}

/** A committed offset as an upload position: none yet (-1) means everything, from offset 0. */
function positionOf(committed: number | undefined): number {
  return Math.max(0, committed ?? -1)
}

export async function uploadPosition(
  local: BrokerService,
  group: string,
  topic: string,
  partition: number,
): Promise<number> {
  const res = await local.offsetFetch({ groupId: group, topics: [{ name: topic, partitions: [partition] }] })
  return positionOf(res.topics[0]?.partitions[0]?.offset)
}

export interface PartitionBacklog {
  topic: string
  partition: number
  /** The local log start offset. */
  start: number
  /** The upload position: the first local offset not yet acknowledged by the remote broker. */
  position: number
  /** The local log end offset. */
  end: number
  records: number
}

/** Each partition's backlog for the uploader `name` (default `upload`). */
export async function uploadBacklog(
  local: BrokerService,
  topics: readonly string[],
  name?: string,
): Promise<PartitionBacklog[]> {
  const group = uploadGroup(name)
  const out: PartitionBacklog[] = []
  for (const topic of topics) {
    const partitions = await partitionsOf(local, topic)
    if (partitions.length === 0) continue
    const offsets = (timestamp: number) =>
      local.listOffsets({
        topics: [{ name: topic, partitions: partitions.map((partition) => ({ partition, timestamp })) }],
      })
    const ends = await offsets(LATEST_TIMESTAMP)
    const starts = await offsets(EARLIEST_TIMESTAMP)
    // Every partition's position in one request: this runs after every append.
    const positions = await local.offsetFetch({ groupId: group, topics: [{ name: topic, partitions }] })
    for (const p of ends.topics[0]?.partitions ?? []) {
      const position = positionOf(
        positions.topics[0]?.partitions.find((x) => x.partition === p.partition)?.offset,
      )
      const start = starts.topics[0]?.partitions.find((x) => x.partition === p.partition)?.offset ?? 0
      out.push({
        topic,
        partition: p.partition,
        start,
        position,
        end: p.offset,
        // Records deleted unsent (retention) are not pending any more: they cannot be sent.
        records: Math.max(0, p.offset - Math.max(position, start)),
      })
    }
  }
  return out
}

export interface TopicBacklog {
  records: number
  bytes: number
}

interface Ledger {
  /** Batches from the position on: the offset after each, and its size. */
  batches: { next: number; size: number }[]
  /** Where the ledger has read up to. */
  end: number
}

/** Backlog per topic in records and bytes, kept up to date by reading only new batches. */
export class BacklogLedger {
  private readonly ledgers = new Map<string, Ledger>()

  constructor(
    private readonly local: BrokerService,
    private readonly name?: string,
  ) {}

  async measure(topics: readonly string[]): Promise<Record<string, TopicBacklog>> {
    const out: Record<string, TopicBacklog> = {}
    const seen = new Set<string>()
    for (const p of await uploadBacklog(this.local, topics, this.name)) {
      const key = `${p.topic}/${p.partition}`
      seen.add(key)
      const t = out[p.topic] ?? { records: 0, bytes: 0 }
      out[p.topic] = t
      t.records += p.records
      t.bytes += await this.bytes(key, p)
    }
    for (const key of this.ledgers.keys()) if (!seen.has(key)) this.ledgers.delete(key)
    return out
  }

  private async bytes(key: string, p: PartitionBacklog): Promise<number> {
    let ledger = this.ledgers.get(key)
    // A log that shrank (topic deleted and made again) is read afresh.
    if (!ledger || ledger.end > p.end) {
      ledger = { batches: [], end: p.position }
      this.ledgers.set(key, ledger)
    }
    let drop = 0
    while (drop < ledger.batches.length && ledger.batches[drop]!.next <= Math.max(p.position, p.start)) drop++
    if (drop > 0) ledger.batches.splice(0, drop)
    const from = Math.max(p.position, p.start)
    if (ledger.end < from) ledger.end = from
    // Bounded: each read moves `end` forward or stops.
    while (ledger.end < p.end) {
      const batches = await readBatches(this.local, p.topic, p.partition, ledger.end, 'local')
      let moved = false
      for (const batch of batches) {
        const next = lastOffsetOf(readBatchHeader(batch)) + 1
        if (next <= ledger.end) continue
        ledger.batches.push({ next, size: batch.byteLength })
        ledger.end = next
        moved = true
      }
      if (!moved) break
    }
    let bytes = 0
    for (const b of ledger.batches) bytes += b.size
    return bytes
  }
}

/**
 * Deletes, in each partition of `topics`, the records the remote broker already acknowledged
 * (those before the upload position): the space a full store can give back without losing
 * anything unsent. Returns how many records went.
 */
export async function reclaimUploaded(
  local: BrokerService,
  topics: readonly string[],
  name?: string,
): Promise<number> {
  let reclaimed = 0
  for (const p of await uploadBacklog(local, topics, name)) {
    if (p.position <= p.start) continue
    const res = await local.deleteRecords({
      topics: [{ name: p.topic, partitions: [{ partition: p.partition, offset: p.position }] }],
    })
    const r = res.topics[0]?.partitions[0]
    if (r?.errorCode === 0) reclaimed += Math.max(0, r.lowWatermark - p.start)
  }
  return reclaimed
}
