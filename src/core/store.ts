/**
 * @module The storage seam. Every place brook keeps data — memory, IndexedDB, files, Durable
 * Objects — implements `Store`. Batches are opaque Kafka RecordBatch v2 bytes whose `baseOffset`
 * is already assigned; a store never decodes records.
 */

/** JSON-compatible values: what metadata may hold in every store (files write JSON, IDB clones). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

export interface Store {
  /**
   * Appends batches to the end of a partition, in order. Each batch's first 8 bytes already hold
   * its base offset, which is greater than every offset stored before in that partition.
   * Resolves when the batches are readable (not necessarily durable: see `flush`).
   * Either all batches of one call are stored or none (no partial append).
   * Ownership passes to the store: it may keep the given arrays as they are rather than copy them
   * (memory does, to save a copy per produce), and the caller must not change them afterwards
   * (`PartitionLog` hands over its own copy). The store never changes them either.
   */
  append(topicId: string, partition: number, batches: Uint8Array[]): Promise<void>

  /**
   * Whole batches with `baseOffset >= fromBaseOffset`, in offset order, until their total size
   * exceeds `maxBytes` — always at least one batch when any exists.
   */
  read(topicId: string, partition: number, fromBaseOffset: number, maxBytes: number): Promise<Uint8Array[]>

  /** Every batch of a partition in offset order: used to rebuild the in-memory index at start. */
  scan(topicId: string, partition: number): AsyncIterable<Uint8Array>

  /** Removes whole batches whose base offset is below `beforeBaseOffset` (retention). */
  deleteBefore(topicId: string, partition: number, beforeBaseOffset: number): Promise<void>

  /**
   * Replaces every batch with `fromBaseOffset <= baseOffset < toBaseOffset` by `batches`
   * (compaction). Atomic: readers see the old range or the new one.
   */
  replaceRange(
    topicId: string,
    partition: number,
    fromBaseOffset: number,
    toBaseOffset: number,
    batches: Uint8Array[],
  ): Promise<void>

  /** Drops all batches of a partition (topic deletion). */
  dropPartition(topicId: string, partition: number): Promise<void>

  /** Small metadata map: topics and configs, committed offsets, producer state. */
  getMeta(key: string): Promise<Json | undefined>
  setMeta(key: string, value: Json): Promise<void>
  deleteMeta(key: string): Promise<void>
  /** Entries whose key starts with `prefix`, sorted by key. */
  listMeta(prefix: string): Promise<[string, Json][]>

  /** Resolves once everything appended or set before the call is durable. */
  flush(): Promise<void>

  /**
   * True when `append` and `setMeta` resolve only once their data is durable (IndexedDB with
   * strict durability: a transaction completes after the disk write). acks=all then needs no
   * `flush()`, which would wait for the *next* group commit too and halve the rate of many
   * concurrent single-record producers.
   */
  readonly durableAppends?: boolean

  close(): Promise<void>
}
