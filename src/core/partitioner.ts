/**
 * @module Kafka's default partitioning: murmur2 of the key (as Java's `Utils.murmur2`), made positive,
 * modulo the partition count; records without a key stick to one partition per batch (KIP-480);
 * an explicit partition always wins.
 */
import { BrookError } from './errors.ts'

const SEED = 0x9747b28c
const M = 0x5bd1e995

/** Kafka's murmur2 of `data`, as the signed int32 Java's `Utils.murmur2` returns. */
export function murmur2(data: Uint8Array): number {
  const length = data.length
  let h = SEED ^ length
  const length4 = length & ~3
  for (let i = 0; i < length4; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)
    k = Math.imul(k, M)
    k ^= k >>> 24
    k = Math.imul(k, M)
    h = Math.imul(h, M) ^ k
  }
  const tail = length & 3
  if (tail === 3) h ^= data[length4 + 2]! << 16
  if (tail >= 2) h ^= data[length4 + 1]! << 8
  if (tail >= 1) h = Math.imul(h ^ data[length4]!, M)
  h ^= h >>> 13
  h = Math.imul(h, M)
  h ^= h >>> 15
  return h | 0
}

/** Java's `Utils.toPositive`: clears the sign bit (not `Math.abs`, which fails for -2^31). */
export function toPositive(n: number): number {
  return n & 0x7fffffff
}

function checkCount(numPartitions: number): void {
  if (!Number.isInteger(numPartitions) || numPartitions < 1)
    throw new BrookError('INVALID_PARTITIONS', `a topic needs at least one partition, not ${numPartitions}`)
}

/** The partition Kafka's default partitioner gives a keyed record. */
export function partitionForKey(key: Uint8Array, numPartitions: number): number {
  checkCount(numPartitions)
  return toPositive(murmur2(key)) % numPartitions
}

/**
 * Kafka's default partitioner with the sticky behaviour for records without a key: they all go to one
 * partition per topic until `nextBatch` is called (the producer does so when it closes a batch), which
 * then picks another one at random. Keyed records hash; an explicit partition is honoured.
 */
export class StickyPartitioner {
  private readonly sticky = new Map<string, number>()

  /** `random` returns a number in [0, 1); inject one for reproducible tests. */
  constructor(private readonly random: () => number = Math.random) {}

  partition(
    topic: string,
    numPartitions: number,
    key?: Uint8Array | null,
    explicitPartition?: number | null,
  ): number {
    checkCount(numPartitions)
    if (explicitPartition != null) {
      if (
        !Number.isInteger(explicitPartition) ||
        explicitPartition < 0 ||
        explicitPartition >= numPartitions
      ) {
        throw new BrookError(
          'UNKNOWN_TOPIC_OR_PARTITION',
          `partition ${explicitPartition} is not in [0, ${numPartitions - 1}] for topic ${topic}`,
        )
      }
      return explicitPartition
    }
    if (key != null) return toPositive(murmur2(key)) % numPartitions
    const current = this.sticky.get(topic)
    // A topic that shrank (or was recreated smaller) must not keep a partition it no longer has.
    if (current !== undefined && current < numPartitions) return current
    return this.nextBatch(topic, numPartitions)
  }

  /** Starts a new batch for `topic`'s unkeyed records: moves to a different partition when there is one. */
  nextBatch(topic: string, numPartitions: number): number {
    checkCount(numPartitions)
    const current = this.sticky.get(topic)
    let next: number
    if (numPartitions === 1) next = 0
    else if (current === undefined || current >= numPartitions)
      next = Math.floor(this.random() * numPartitions)
    else {
      // Uniform over the other partitions, as Kafka's StickyPartitionCache does.
      next = Math.floor(this.random() * (numPartitions - 1))
      if (next >= current) next++
    }
    if (!(next >= 0 && next < numPartitions)) next = 0 // a misbehaving `random`
    this.sticky.set(topic, next)
    return next
  }
}
