/**
 * @module The client's seams onto core modules it shares with the broker side: the partitioner,
 * the assignors and the ConsumerProtocol codec, adapted to the shapes the client uses.
 */

import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment as encodeAssignmentBytes,
  encodeSubscription as encodeSubscriptionBytes,
} from '../format/consumer-protocol.ts'
import { partitionForKey, StickyPartitioner } from '../partitioner.ts'
import { type Assignor, DEFAULT_ASSIGNORS, rangeAssignor, roundRobinAssignor } from './assignors.ts'

export type { Assignor }

export const PartitionAssigners = { range: rangeAssignor, roundRobin: roundRobinAssignor } as const

export function defaultAssigners(): Assignor[] {
  return [...DEFAULT_ASSIGNORS]
}

export function encodeSubscription(topics: string[]): Uint8Array {
  return encodeSubscriptionBytes({ topics, version: 0 })
}

export function decodeSubscriptionTopics(bytes: Uint8Array): string[] {
  return decodeSubscription(bytes).topics
}

export function encodeAssignment(topics: Map<string, number[]>): Uint8Array {
  const assignment = [...topics.keys()]
    .sort()
    .map((topic) => ({ topic, partitions: [...topics.get(topic)!].sort((a, b) => a - b) }))
  return encodeAssignmentBytes({ assignment, version: 0 })
}

export function decodeAssignmentTopics(bytes: Uint8Array): Map<string, number[]> {
  const out = new Map<string, number[]>()
  for (const tp of decodeAssignment(bytes).assignment) out.set(tp.topic, tp.partitions)
  return out
}

/** Kafka's keyed partition: murmur2 of the key bytes, made positive, modulo the partition count. */
export function keyPartition(key: Uint8Array, count: number): number {
  return partitionForKey(key, count)
}

/**
 * Kafka's sticky choice for records without a key (KIP-480): one partition per topic until a batch
 * for it closes, then another, so keyless records fill batches instead of scattering one per partition.
 */
export class Sticky {
  private readonly partitioner = new StickyPartitioner()
  private readonly counts = new Map<string, number>()

  partition(topic: string, count: number): number {
    this.counts.set(topic, count)
    return this.partitioner.partition(topic, count)
  }

  batchClosed(topic: string, partition: number): void {
    const count = this.counts.get(topic)
    if (count === undefined || count < 2) return
    if (this.partitioner.partition(topic, count) === partition) this.partitioner.nextBatch(topic, count)
  }
}
