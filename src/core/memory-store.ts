/**
 * @module `MemoryStore`: the `Store` kept in plain arrays, for tests, benchmarks and throwaway
 * brokers. It behaves like a durable store in every observable way except surviving the process.
 */

import { BrookError } from './errors.ts'
import { baseOffsetOf } from './format/record-batch.ts'
import type { Json, Store } from './store.ts'

/** Batches of one partition, ordered by base offset (parallel arrays for cheap binary search). */
interface PartitionData {
  bases: number[]
  batches: Uint8Array[]
}

/** Index of the first element of the sorted `bases` that is >= `offset`. */
function lowerBound(bases: number[], offset: number): number {
  let lo = 0
  let hi = bases.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (bases[mid]! < offset) lo = mid + 1
    else hi = mid
  }
  return lo
}

export class MemoryStore implements Store {
  private readonly partitions: Map<string, PartitionData>
  private readonly meta: Map<string, string>
  private closed = false

  constructor(shared?: { partitions: Map<string, PartitionData>; meta: Map<string, string> }) {
    this.partitions = shared?.partitions ?? new Map()
    this.meta = shared?.meta ?? new Map()
  }

  /**
   * A new store over the same data, as if the process restarted with everything persisted: for
   * tests of recovery. The old instance may be closed first.
   */
  reopen(): MemoryStore {
    return new MemoryStore({ partitions: this.partitions, meta: this.meta })
  }

  private key(topicId: string, partition: number): string {
    return `${topicId}\u0000${partition}`
  }

  private check(): void {
    if (this.closed) throw new BrookError('KAFKA_STORAGE_ERROR', 'the store is closed')
  }

  async append(topicId: string, partition: number, batches: Uint8Array[]): Promise<void> {
    this.check()
    const key = this.key(topicId, partition)
    let data = this.partitions.get(key)
    // Validate everything first so that a bad batch leaves the partition untouched. The arrays are
    // kept, not copied: `Store.append` takes ownership of them.
    const bases: number[] = new Array(batches.length)
    for (let i = 0; i < batches.length; i++) bases[i] = baseOffsetOf(batches[i]!)
    if (!data) {
      data = { bases: [], batches: [] }
      this.partitions.set(key, data)
    }
    for (let i = 0; i < batches.length; i++) {
      data.bases.push(bases[i]!)
      data.batches.push(batches[i]!)
    }
  }

  async read(
    topicId: string,
    partition: number,
    fromBaseOffset: number,
    maxBytes: number,
  ): Promise<Uint8Array[]> {
    this.check()
    const data = this.partitions.get(this.key(topicId, partition))
    if (!data) return []
    const out: Uint8Array[] = []
    let total = 0
    for (let i = lowerBound(data.bases, fromBaseOffset); i < data.batches.length; i++) {
      const b = data.batches[i]!
      if (out.length > 0 && total + b.length > maxBytes) break
      out.push(b)
      total += b.length
    }
    return out
  }

  async *scan(topicId: string, partition: number): AsyncIterable<Uint8Array> {
    this.check()
    const data = this.partitions.get(this.key(topicId, partition))
    if (!data) return
    // A snapshot, so that appends or deletions during the scan do not shift positions under it.
    const batches = data.batches.slice()
    for (const b of batches) yield b
  }

  async deleteBefore(topicId: string, partition: number, beforeBaseOffset: number): Promise<void> {
    this.check()
    const data = this.partitions.get(this.key(topicId, partition))
    if (!data) return
    const n = lowerBound(data.bases, beforeBaseOffset)
    if (n === 0) return
    data.bases.splice(0, n)
    data.batches.splice(0, n)
  }

  async replaceRange(
    topicId: string,
    partition: number,
    fromBaseOffset: number,
    toBaseOffset: number,
    batches: Uint8Array[],
  ): Promise<void> {
    this.check()
    const bases = batches.map(baseOffsetOf)
    const copies = batches.map((b) => b.slice())
    const key = this.key(topicId, partition)
    let data = this.partitions.get(key)
    if (!data) {
      data = { bases: [], batches: [] }
      this.partitions.set(key, data)
    }
    const from = lowerBound(data.bases, fromBaseOffset)
    const to = lowerBound(data.bases, toBaseOffset)
    data.bases.splice(from, Math.max(0, to - from), ...bases)
    data.batches.splice(from, Math.max(0, to - from), ...copies)
  }

  async dropPartition(topicId: string, partition: number): Promise<void> {
    this.check()
    this.partitions.delete(this.key(topicId, partition))
  }

  async getMeta(key: string): Promise<Json | undefined> {
    this.check()
    const v = this.meta.get(key)
    return v === undefined ? undefined : (JSON.parse(v) as Json)
  }

  async setMeta(key: string, value: Json): Promise<void> {
    this.check()
    // Kept serialised: callers must not change stored metadata through a shared reference, exactly
    // as with a store that writes files or structured-clones into IndexedDB.
    this.meta.set(key, JSON.stringify(value))
  }

  async deleteMeta(key: string): Promise<void> {
    this.check()
    this.meta.delete(key)
  }

  async listMeta(prefix: string): Promise<[string, Json][]> {
    this.check()
    const out: [string, Json][] = []
    for (const [k, v] of this.meta) if (k.startsWith(prefix)) out.push([k, JSON.parse(v) as Json])
    out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    return out
  }

  async flush(): Promise<void> {
    this.check()
  }

  async close(): Promise<void> {
    this.closed = true
  }

  /** Total bytes of stored batches (for tests and demos of retention). */
  sizeBytes(): number {
    let n = 0
    for (const d of this.partitions.values()) for (const b of d.batches) n += b.length
    return n
  }
}
