/**
 * @module Committed consumer-group offsets: an in-memory map backed by the store's metadata, one
 * key per partition (`offsets/<group>/<topic>/<partition>`). The coordinator answers fetches from
 * memory; the store is only read once, by `load()`, after a restart.
 */

import type { Json, Store } from './store.ts'

export interface CommittedOffset {
  offset: number
  /** Kafka stores null metadata as '' (OffsetAndMetadata.NoMetadata); so do we. */
  metadata: string
  commitTimestamp: number
}

export const OFFSETS_META_PREFIX = 'offsets/'

// Group ids may hold any character, '/' included; encoding keeps the key splittable.
function offsetKey(group: string, topic: string, partition: number): string {
  return `${OFFSETS_META_PREFIX}${encodeURIComponent(group)}/${encodeURIComponent(topic)}/${partition}`
}

function parseKey(key: string): { group: string; topic: string; partition: number } | undefined {
  const parts = key.slice(OFFSETS_META_PREFIX.length).split('/')
  if (parts.length !== 3) return undefined
  const partition = Number(parts[2])
  if (!Number.isInteger(partition) || partition < 0) return undefined
  try {
    return { group: decodeURIComponent(parts[0]!), topic: decodeURIComponent(parts[1]!), partition }
  } catch {
    return undefined
  }
}

function parseValue(value: Json | undefined): CommittedOffset | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const { offset, metadata, commitTimestamp } = value
  if (typeof offset !== 'number' || !Number.isFinite(offset)) return undefined
  return {
    offset,
    metadata: typeof metadata === 'string' ? metadata : '',
    commitTimestamp: typeof commitTimestamp === 'number' ? commitTimestamp : 0,
  }
}

export class GroupOffsets {
  private readonly byGroup = new Map<string, Map<string, Map<number, CommittedOffset>>>()

  constructor(private readonly store: Store) {}

  /** Rebuilds the map from the store; unreadable entries are skipped rather than failing start-up. */
  async load(): Promise<void> {
    this.byGroup.clear()
    for (const [key, value] of await this.store.listMeta(OFFSETS_META_PREFIX)) {
      const k = parseKey(key)
      const v = parseValue(value)
      if (k && v) this.put(k.group, k.topic, k.partition, v)
    }
  }

  get(group: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.byGroup.get(group)?.get(topic)?.get(partition)
  }

  /** Every committed partition of a group, topics and partitions in ascending order. */
  all(group: string): { topic: string; partitions: { partition: number; committed: CommittedOffset }[] }[] {
    const topics = this.byGroup.get(group)
    if (!topics) return []
    return [...topics.keys()].sort().map((topic) => ({
      topic,
      partitions: [...topics.get(topic)!.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([partition, committed]) => ({ partition, committed })),
    }))
  }

  hasOffsets(group: string): boolean {
    return (this.byGroup.get(group)?.size ?? 0) > 0
  }

  groups(): string[] {
    return [...this.byGroup.keys()]
  }

  /**
   * Records one offset. Memory changes at once, so a fetch right after sees it; the returned
   * promise settles when the store has it (readable, not necessarily flushed). If the store
   * write fails, the previous value is put back unless a newer commit replaced it meanwhile.
   */
  async commit(group: string, topic: string, partition: number, value: CommittedOffset): Promise<void> {
    const previous = this.get(group, topic, partition)
    this.put(group, topic, partition, value)
    try {
      await this.store.setMeta(offsetKey(group, topic, partition), { ...value })
    } catch (e) {
      if (this.get(group, topic, partition) === value) {
        if (previous) this.put(group, topic, partition, previous)
        else this.remove(group, topic, partition)
      }
      throw e
    }
  }

  async deleteGroup(group: string): Promise<void> {
    const topics = this.byGroup.get(group)
    if (!topics) return
    this.byGroup.delete(group)
    const keys: string[] = []
    for (const [topic, partitions] of topics) {
      for (const partition of partitions.keys()) keys.push(offsetKey(group, topic, partition))
    }
    await Promise.all(keys.map((k) => this.store.deleteMeta(k)))
  }

  /** Drops every group's offsets for a topic: the broker calls this when the topic is deleted. */
  async deleteTopic(topic: string): Promise<void> {
    const keys: string[] = []
    for (const [group, topics] of this.byGroup) {
      const partitions = topics.get(topic)
      if (!partitions) continue
      for (const partition of partitions.keys()) keys.push(offsetKey(group, topic, partition))
      topics.delete(topic)
      if (topics.size === 0) this.byGroup.delete(group)
    }
    await Promise.all(keys.map((k) => this.store.deleteMeta(k)))
  }

  private put(group: string, topic: string, partition: number, value: CommittedOffset): void {
    let topics = this.byGroup.get(group)
    if (!topics) {
      topics = new Map()
      this.byGroup.set(group, topics)
    }
    let partitions = topics.get(topic)
    if (!partitions) {
      partitions = new Map()
      topics.set(topic, partitions)
    }
    partitions.set(partition, value)
  }

  private remove(group: string, topic: string, partition: number): void {
    const topics = this.byGroup.get(group)
    const partitions = topics?.get(topic)
    if (!topics || !partitions) return
    partitions.delete(partition)
    if (partitions.size === 0) topics.delete(topic)
    if (topics.size === 0) this.byGroup.delete(group)
  }
}
