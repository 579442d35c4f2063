/**
 * @module Fetch with long-poll, after Kafka's `ReplicaManager.fetchMessages`: whole batches up to
 * the partition and response budgets (at least one batch for the first partition with data), and a
 * wait for `minBytes` that appends wake — never polling — bounded by `maxWaitMs` on the clock.
 */

import type { Clock } from './clock.ts'
import type { FetchWaiters } from './fetch-waiter.ts'
import { partitionKey } from './fetch-waiter.ts'
import { concatBytes } from './format/record-batch.ts'
import type { PartitionLog } from './partition-log.ts'
import { code, isInt, NONE, nameOf } from './request-values.ts'
import type { FetchPartitionResult, FetchRequest, FetchResponse } from './service.ts'

/** Timers longer than int32 milliseconds fire at once in browsers and Node; no real wait is that long. */
const MAX_TIMER_MS = 0x7fffffff

/** Finds the log of a partition named in a request; undefined when it does not exist. */
export type PartitionLookup = (topic: string, partition: unknown) => PartitionLog | undefined

/** A partition a fetch read, as it was then: a later change means the fetch should look again. */
interface Seen {
  topic: string
  partition: unknown
  log: PartitionLog | undefined
  hwm: number
}

export class FetchHandler {
  constructor(
    private readonly lookup: PartitionLookup,
    private readonly waiters: FetchWaiters,
    private readonly clock: Clock,
    private readonly isClosed: () => boolean,
  ) {}

  async fetch(req: FetchRequest): Promise<FetchResponse> {
    const maxWaitMs = isInt(req?.maxWaitMs) ? req.maxWaitMs : 0
    const minBytes = isInt(req?.minBytes) ? req.minBytes : 1
    const keys: string[] = []
    for (const t of Array.isArray(req?.topics) ? req.topics : [])
      for (const p of Array.isArray(t?.partitions) ? t.partitions : [])
        keys.push(partitionKey(nameOf(t), p?.partition))
    const deadline = this.clock.now() + maxWaitMs
    for (;;) {
      const { response, bytes, error, seen } = await this.readFetch(req)
      const remaining = deadline - this.clock.now()
      if (bytes >= minBytes || error || remaining <= 0 || this.isClosed() || keys.length === 0)
        return response
      const wait = this.waiters.wait(keys, Math.min(remaining, MAX_TIMER_MS))
      // An append may have landed while we read: look again instead of sleeping through it.
      if (this.changedSince(seen)) {
        wait.cancel()
        continue
      }
      const why = await wait.promise
      if (why === 'close') return response
      if (why === 'timeout') return (await this.readFetch(req)).response
    }
  }

  /** Whether any partition read by a fetch has moved (or gone) since. */
  private changedSince(seen: Seen[]): boolean {
    for (const s of seen) {
      const log = this.lookup(s.topic, s.partition)
      if (log !== s.log || (log ? log.highWatermark : -1) !== s.hwm) return true
    }
    return false
  }

  private async readFetch(
    req: FetchRequest,
  ): Promise<{ response: FetchResponse; bytes: number; error: boolean; seen: Seen[] }> {
    let budget = isInt(req?.maxBytes) && req.maxBytes > 0 ? req.maxBytes : 0x7fffffff
    let minOne = true
    let bytes = 0
    let error = false
    const seen: Seen[] = []
    const topics: FetchResponse['topics'] = []
    for (const t of Array.isArray(req?.topics) ? req.topics : []) {
      const partitions: FetchPartitionResult[] = []
      for (const p of Array.isArray(t?.partitions) ? t.partitions : []) {
        const log = this.lookup(nameOf(t), p?.partition)
        const result: FetchPartitionResult = {
          partition: isInt(p?.partition) ? p.partition : -1,
          errorCode: NONE,
          highWatermark: -1,
          lastStableOffset: -1,
          logStartOffset: -1,
          records: new Uint8Array(0),
        }
        partitions.push(result)
        seen.push({ topic: nameOf(t), partition: p?.partition, log, hwm: log ? log.highWatermark : -1 })
        if (!log) {
          result.errorCode = code('UNKNOWN_TOPIC_OR_PARTITION')
          error = true
          continue
        }
        if (typeof t.topicId === 'string' && t.topicId !== log.topicId) {
          result.errorCode = code('UNKNOWN_TOPIC_ID')
          error = true
          continue
        }
        const hwm = log.highWatermark
        result.highWatermark = result.lastStableOffset = hwm
        result.logStartOffset = log.logStartOffset
        const offset = p.fetchOffset
        if (!isInt(offset) || offset < log.logStartOffset || offset > hwm) {
          result.errorCode = code('OFFSET_OUT_OF_RANGE')
          error = true
          continue
        }
        if (offset === hwm) continue
        const limit = Math.min(isInt(p.partitionMaxBytes) ? p.partitionMaxBytes : 0x7fffffff, budget)
        let batches: Uint8Array[]
        try {
          batches = await log.read(offset, limit, minOne)
        } catch {
          // The store failed to read: this partition reports it, the others are still served.
          result.errorCode = code('KAFKA_STORAGE_ERROR')
          error = true
          continue
        }
        if (batches.length === 0) continue
        // A fresh buffer: consumers may keep or transfer it without touching stored batches.
        result.records = concatBytes(batches, true)
        bytes += result.records.length
        budget -= result.records.length
        minOne = false
      }
      topics.push({ name: nameOf(t), partitions })
    }
    return { response: { topics }, bytes, error, seen }
  }
}
