/**
 * @module Where a consumer stands in each assigned partition: the next offset to fetch, the next offset
 * to commit (one past the last resolved record, as Kafka commits) and what was last committed.
 */
import type { OffsetCommitRequest } from '../service.ts'

export interface PartitionState {
  topic: string
  partition: number
  /** Next offset to fetch. */
  position: number
  /** Next offset to commit: one past the last record the application resolved; -1 = none yet. */
  resolved: number
  /** Last committed next-offset; -1 = none. */
  committed: number
  /** Bumped by seek, pause and revocation so that a batch in the application's hands knows it is stale. */
  epoch: number
}

export function tpKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`
}

export class OffsetManager {
  readonly states = new Map<string, PartitionState>()
  /** Records resolved since the last commit (for autoCommitThreshold). */
  resolvedSinceCommit = 0
  lastCommitAt = 0

  get(topic: string, partition: number): PartitionState | undefined {
    return this.states.get(tpKey(topic, partition))
  }

  add(topic: string, partition: number, position: number, committed: number): PartitionState {
    const s: PartitionState = { topic, partition, position, resolved: -1, committed, epoch: 0 }
    this.states.set(tpKey(topic, partition), s)
    return s
  }

  clear(): void {
    for (const s of this.states.values()) s.epoch++
    this.states.clear()
    this.resolvedSinceCommit = 0
  }

  resolve(s: PartitionState, nextOffset: number, count = 1): void {
    if (nextOffset > s.resolved) {
      s.resolved = nextOffset
      this.resolvedSinceCommit += count
    }
  }

  hasUncommitted(): boolean {
    for (const s of this.states.values()) if (s.resolved >= 0 && s.resolved !== s.committed) return true
    return false
  }

  /** The commit that would bring the broker up to date, or null when nothing changed. */
  pendingCommit(): { topics: OffsetCommitRequest['topics']; states: PartitionState[] } | null {
    const byTopic = new Map<string, { partition: number; offset: number }[]>()
    const states: PartitionState[] = []
    for (const s of this.states.values()) {
      if (s.resolved < 0 || s.resolved === s.committed) continue
      states.push(s)
      const list = byTopic.get(s.topic)
      const entry = { partition: s.partition, offset: s.resolved }
      if (list) list.push(entry)
      else byTopic.set(s.topic, [entry])
    }
    if (states.length === 0) return null
    return { topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })), states }
  }

  uncommitted(): { topics: { topic: string; partitions: { partition: number; offset: number }[] }[] } {
    const byTopic = new Map<string, { partition: number; offset: number }[]>()
    for (const s of this.states.values()) {
      if (s.resolved < 0 || s.resolved === s.committed) continue
      const list = byTopic.get(s.topic) ?? []
      list.push({ partition: s.partition, offset: s.resolved })
      byTopic.set(s.topic, list)
    }
    return { topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) }
  }
}
