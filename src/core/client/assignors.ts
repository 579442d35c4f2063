/**
 * @module Partition assignors run by the group leader, as Kafka's client-side `RangeAssignor` and
 * `RoundRobinAssignor` do it, so that a brook consumer in a group with Java, kafka-python or
 * librdkafka consumers hands out exactly the partitions they would.
 */

import type { TopicPartitions } from '../format/consumer-protocol.ts'

export interface AssignorMember {
  memberId: string
  /** Static members sort by instance id first, as in Kafka's `MemberInfo.compareTo`. */
  groupInstanceId?: string | null
  topics: string[]
  ownedPartitions?: TopicPartitions[]
}

/** memberId → topic → partitions (ascending). Every member has an entry, possibly empty. */
export type GroupAssignment = Map<string, Map<string, number[]>>

export interface Assignor {
  /** The protocol name sent in JoinGroup: `range`, `roundrobin`. */
  readonly name: string
  assign(members: AssignorMember[], partitionsPerTopic: Map<string, number>): GroupAssignment
}

// Java's String.compareTo compares UTF-16 code units, as JS relational operators do
// (localeCompare would not).
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function compareMembers(a: AssignorMember, b: AssignorMember): number {
  const ia = a.groupInstanceId ?? null
  const ib = b.groupInstanceId ?? null
  if (ia !== null && ib !== null) return compareStrings(ia, ib) || compareStrings(a.memberId, b.memberId)
  if (ia !== null) return -1
  if (ib !== null) return 1
  return compareStrings(a.memberId, b.memberId)
}

function emptyAssignment(members: AssignorMember[]): GroupAssignment {
  return new Map(members.map((m) => [m.memberId, new Map<string, number[]>()]))
}

function add(assignment: GroupAssignment, memberId: string, topic: string, partition: number): void {
  const topics = assignment.get(memberId)!
  const list = topics.get(topic)
  if (list) list.push(partition)
  else topics.set(topic, [partition])
}

/**
 * Per topic, the sorted subscribers get consecutive ranges; the first `n % c` of them one extra
 * partition. Topics nobody subscribes to, or that do not exist, are skipped.
 */
export const rangeAssignor: Assignor = {
  name: 'range',
  assign(members, partitionsPerTopic) {
    const assignment = emptyAssignment(members)
    const sorted = [...members].sort(compareMembers)
    const topics = new Set(sorted.flatMap((m) => m.topics))
    for (const topic of [...topics].sort(compareStrings)) {
      const count = partitionsPerTopic.get(topic)
      if (count === undefined || count <= 0) continue
      const consumers = sorted.filter((m) => m.topics.includes(topic))
      const perConsumer = Math.floor(count / consumers.length)
      const withExtra = count % consumers.length
      consumers.forEach((m, i) => {
        const start = perConsumer * i + Math.min(i, withExtra)
        const length = perConsumer + (i < withExtra ? 1 : 0)
        for (let p = start; p < start + length; p++) add(assignment, m.memberId, topic, p)
      })
    }
    return assignment
  },
}

/**
 * All partitions of all subscribed topics, sorted by topic then partition, dealt in turn to the
 * sorted members, skipping members not subscribed to the partition's topic. The dealer keeps its
 * position across topics, as Kafka's `CircularIterator` does.
 */
export const roundRobinAssignor: Assignor = {
  name: 'roundrobin',
  assign(members, partitionsPerTopic) {
    const assignment = emptyAssignment(members)
    const sorted = [...members].sort(compareMembers)
    if (sorted.length === 0) return assignment
    const subscribed = sorted.map((m) => new Set(m.topics))
    const topics = [...new Set(sorted.flatMap((m) => m.topics))].sort(compareStrings)
    let next = 0
    for (const topic of topics) {
      const count = partitionsPerTopic.get(topic)
      if (count === undefined || count <= 0) continue
      for (let p = 0; p < count; p++) {
        // Some member subscribes to `topic` (it came from a subscription), so this loop ends.
        while (!subscribed[next]!.has(topic)) next = (next + 1) % sorted.length
        add(assignment, sorted[next]!.memberId, topic, p)
        next = (next + 1) % sorted.length
      }
    }
    return assignment
  },
}

/** The assignors brook's consumer offers, in preference order (kafka-python's default order). */
export const DEFAULT_ASSIGNORS: readonly Assignor[] = [rangeAssignor, roundRobinAssignor]

/** An assignor's result in ConsumerProtocol shape, topics sorted, for `encodeAssignment`. */
export function toTopicPartitions(topics: Map<string, number[]>): TopicPartitions[] {
  return [...topics.keys()]
    .sort(compareStrings)
    .map((topic) => ({ topic, partitions: [...topics.get(topic)!].sort((a, b) => a - b) }))
}

/**
 * Consumer lag of one partition: high watermark − committed offset. A partition with nothing
 * committed (-1, or Kafka's special negative offsets) lags by everything still in the log.
 */
export function computeLag(committed: number, highWatermark: number, logStartOffset = 0): number {
  const from = committed < 0 ? logStartOffset : committed
  return Math.max(0, highWatermark - from)
}
