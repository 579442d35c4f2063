/**
 * @module What a consumer asked for, apart from what the group assigned: subscribed topics and
 * patterns (with their reset policy), paused topic-partitions, and seeks waiting for their partition.
 */
import type { MetadataCache } from './metadata-cache.ts'

export class SubscriptionState {
  private readonly subscriptions: { topic: string | RegExp; fromBeginning: boolean }[] = []
  private readonly pausedTopics = new Map<string, Set<number> | 'all'>()
  /** Seeks by topic-partition key; applied between fetches once the partition is assigned. */
  readonly pendingSeeks = new Map<string, number>()
  /** The topic names resolved at the last join. */
  joinedTopics: string[] = []

  get isEmpty(): boolean {
    return this.subscriptions.length === 0
  }

  add(topic: string | RegExp, fromBeginning: boolean): void {
    this.subscriptions.push({ topic, fromBeginning })
  }

  /** Where a partition without a committed offset starts: the subscription's `fromBeginning`. */
  fromBeginning(topic: string): boolean {
    for (const s of this.subscriptions) {
      if (typeof s.topic === 'string' ? s.topic === topic : matches(s.topic, topic)) return s.fromBeginning
    }
    return false
  }

  /** Subscribed topic names now: the strings, plus every existing topic a RegExp matches. */
  async resolveTopics(metadata: MetadataCache): Promise<string[]> {
    const names = new Set<string>()
    const patterns: RegExp[] = []
    for (const s of this.subscriptions) {
      if (typeof s.topic === 'string') names.add(s.topic)
      else patterns.push(s.topic)
    }
    if (patterns.length > 0) {
      const md = await metadata.refresh(null)
      for (const t of md.topics) {
        if (t.errorCode !== 0 || t.isInternal) continue
        if (patterns.some((p) => matches(p, t.name))) names.add(t.name)
      }
    }
    this.joinedTopics = [...names].sort()
    return this.joinedTopics
  }

  isPaused(topic: string, partition: number): boolean {
    const p = this.pausedTopics.get(topic)
    return p === 'all' || p?.has(partition) === true
  }

  pause(topics: { topic: string; partitions?: number[] }[]): void {
    for (const { topic, partitions } of topics) {
      if (!partitions) {
        this.pausedTopics.set(topic, 'all')
        continue
      }
      const cur = this.pausedTopics.get(topic)
      if (cur === 'all') continue
      const set = cur ?? new Set<number>()
      for (const p of partitions) set.add(p)
      this.pausedTopics.set(topic, set)
    }
  }

  /** `assigned` lists the partitions held now, so resuming part of a wholly paused topic keeps the rest. */
  resume(
    topics: { topic: string; partitions?: number[] }[],
    assigned: Iterable<{ topic: string; partition: number }>,
  ): void {
    const held = [...assigned]
    for (const { topic, partitions } of topics) {
      const cur = this.pausedTopics.get(topic)
      if (!cur) continue
      if (!partitions) this.pausedTopics.delete(topic)
      else if (cur === 'all') {
        const rest = new Set<number>()
        for (const s of held)
          if (s.topic === topic && !partitions.includes(s.partition)) rest.add(s.partition)
        if (rest.size === 0) this.pausedTopics.delete(topic)
        else this.pausedTopics.set(topic, rest)
      } else {
        for (const p of partitions) cur.delete(p)
        if (cur.size === 0) this.pausedTopics.delete(topic)
      }
    }
  }

  /** Paused topic-partitions: every explicitly paused one, plus assigned ones of wholly paused topics. */
  paused(
    assigned: Iterable<{ topic: string; partition: number }>,
  ): { topic: string; partitions: number[] }[] {
    const out = new Map<string, Set<number>>()
    for (const [topic, v] of this.pausedTopics) if (v !== 'all') out.set(topic, new Set(v))
    for (const s of assigned) {
      if (!this.isPaused(s.topic, s.partition)) continue
      const set = out.get(s.topic) ?? new Set<number>()
      set.add(s.partition)
      out.set(s.topic, set)
    }
    return [...out].map(([topic, set]) => ({ topic, partitions: [...set].sort((a, b) => a - b) }))
  }
}

function matches(pattern: RegExp, topic: string): boolean {
  // A global or sticky RegExp keeps state between test() calls.
  pattern.lastIndex = 0
  return pattern.test(topic)
}
