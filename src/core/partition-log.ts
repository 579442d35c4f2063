/**
 * @module The in-memory index of one partition over a `Store`: where each batch starts and ends,
 * its size and max timestamp, the log-start offset and the high watermark. Appends go through a
 * per-partition queue that doubles as group commit: while one `store.append` is in flight, newly
 * arriving batches wait and are written together by the next call. Offsets become visible (the
 * high watermark moves) only once the store has the batches.
 */

import { compactBatches } from './compaction.ts'
import { BrookError, isBrookError } from './errors.ts'
import type { BatchHeader } from './format/record-batch.ts'
import { readBatchHeader, setBaseOffset, setLogAppendTime } from './format/record-batch.ts'
import type { Log } from './log.ts'
import { ProducerTable } from './producer-state.ts'
import type { Json, Store } from './store.ts'

export interface PartitionLogOptions {
  store: Store
  topicId: string
  partition: number
  /** Called synchronously each time the high watermark advances. */
  onAppend?: (highWatermark: number) => void
  /**
   * Bytes of the most recent batches kept in memory, so that tailing consumers (several groups,
   * several tabs) do not each go to the store. Default 8 MiB.
   */
  tailCacheBytes?: number
  /** Where what recovery found is reported (records lost to a torn tail). Default: none. */
  log?: Log
}

export interface AppendResult {
  /** Base offset of the first batch (its original offset when it was a retry). */
  baseOffset: number
  lastOffset: number
  /** True when every batch was a retry of one already stored, so nothing was written. */
  duplicate: boolean
}

export interface RetentionPolicy {
  /** Batches whose max timestamp is older than this are deleted; -1 or Infinity = never. */
  retentionMs: number
  /** The log is trimmed, oldest whole batches first, to at most this many bytes; -1 = no limit. */
  retentionBytes: number
}

interface Entry {
  base: number
  last: number
  size: number
  maxTs: number
  /** The batch (our copy at append, or the store's once read) while in the tail zone. */
  bytes: Uint8Array | undefined
}

interface PendingAppend {
  batches: Uint8Array[]
  headers: BatchHeader[]
  /** Start at the first batch's own base offset when it is past the log end (see ProduceRequest). */
  keepOffsets: boolean
  resolve: (r: AppendResult) => void
  reject: (e: unknown) => void
}

/** The state persisted in store meta beside the batches. */
interface LogMeta {
  logStartOffset: number
  nextOffset: number
  producers: Json
}

const DEFAULT_TAIL_CACHE = 8 << 20

function storageError(e: unknown): BrookError {
  if (isBrookError(e) && e.type === 'KAFKA_STORAGE_ERROR') return e
  const message = e instanceof Error ? e.message : typeof e === 'string' ? e : 'the store failed'
  return new BrookError('KAFKA_STORAGE_ERROR', message, { cause: e })
}

export function logMetaKey(topicId: string, partition: number): string {
  return `log/${topicId}/${partition}`
}

export class PartitionLog {
  readonly topicId: string
  readonly partition: number
  private readonly store: Store
  private readonly tailCacheBytes: number
  onAppend: ((highWatermark: number) => void) | undefined

  private entries: Entry[] = []
  private nextOffset = 0
  private startOffset = 0
  private totalBytes = 0
  /** The tail zone: entries at index >= cacheStart, `tailBytes` in all; only they keep bytes. */
  private cacheStart = 0
  private tailBytes = 0
  private readonly producers = new ProducerTable()

  private queue: PendingAppend[] = []
  private writing = false
  private idle: (() => void)[] = []
  private maintenance: Promise<unknown> = Promise.resolve()
  private closed = false
  private readonly log: Log | undefined
  /** Batches below this are out of the log but their bytes may still be in the store. */
  private hiddenBefore = Number.NEGATIVE_INFINITY
  /** Set by appends, cleared by compaction: lets periodic compaction skip unchanged logs. */
  dirty = false
  /**
   * When a tombstone kept by the last compaction passes delete.retention.ms (Infinity: none): the
   * cleaner must run again then, though nothing was appended (Kafka's delete horizon).
   */
  cleanAgainAt = Number.POSITIVE_INFINITY

  private constructor(options: PartitionLogOptions) {
    this.store = options.store
    this.topicId = options.topicId
    this.partition = options.partition
    this.onAppend = options.onAppend
    this.tailCacheBytes = options.tailCacheBytes ?? DEFAULT_TAIL_CACHE
    this.log = options.log
  }

  /** Opens a partition, rebuilding the index and producer state from what the store holds. */
  static async open(options: PartitionLogOptions): Promise<PartitionLog> {
    const log = new PartitionLog(options)
    await log.load()
    return log
  }

  get highWatermark(): number {
    return this.nextOffset
  }

  get logStartOffset(): number {
    return this.startOffset
  }

  /** Bytes of the batches currently in the log. */
  get sizeBytes(): number {
    return this.totalBytes
  }

  get batchCount(): number {
    return this.entries.length
  }

  private async load(): Promise<void> {
    const meta = (await this.store.getMeta(logMetaKey(this.topicId, this.partition))) as LogMeta | undefined
    this.producers.restore(meta?.producers)
    const persistedStart = typeof meta?.logStartOffset === 'number' ? meta.logStartOffset : 0
    for await (const bytes of this.store.scan(this.topicId, this.partition)) {
      let h: BatchHeader
      try {
        h = readBatchHeader(bytes)
      } catch (e) {
        throw storageError(e)
      }
      const last = h.baseOffset + h.lastOffsetDelta
      // Batches below a persisted log start were deleted in memory before a crash; skip them.
      if (last < persistedStart) continue
      this.pushEntry({ base: h.baseOffset, last, size: bytes.length, maxTs: h.maxTimestamp, bytes })
      this.producers.replay(h)
    }
    const lastEntry = this.entries[this.entries.length - 1]
    // The end comes from the data: the last batch always stays (compaction keeps the log's last
    // record), and below the persisted log start nothing is expected. A larger end remembered in
    // meta means the store lost the tail (a crash tore it, the store cut it off): those offsets
    // are given again, as Kafka does after truncating an unflushed tail, and it is said.
    this.nextOffset = Math.max(lastEntry ? lastEntry.last + 1 : 0, persistedStart)
    const remembered = meta?.nextOffset ?? 0
    this.producers.truncate(this.nextOffset)
    if (remembered > this.nextOffset)
      this.log?.(
        `brook: partition ${this.topicId}/${this.partition}: the stored log ends at offset ` +
          `${this.nextOffset}, but offsets up to ${remembered - 1} had been assigned: ` +
          `${remembered - this.nextOffset} records past the end were lost (unflushed or damaged tail)`,
        'warn',
      )
    const first = this.entries[0]
    this.startOffset = Math.min(
      this.nextOffset,
      Math.max(first ? first.base : this.nextOffset, persistedStart),
    )
    // A new partition records itself at once, so that a broker restarted after a topic deletion
    // cut short by a crash can find (and drop) its data.
    if (!meta) await this.persistMeta()
  }

  private pushEntry(e: Entry): void {
    this.entries.push(e)
    this.totalBytes += e.size
    this.tailBytes += e.size
    // Shrink the zone from its oldest entry, but always keep the newest batch in it.
    while (this.tailBytes > this.tailCacheBytes && this.cacheStart < this.entries.length - 1) {
      const old = this.entries[this.cacheStart++]!
      this.tailBytes -= old.size
      old.bytes = undefined
    }
  }

  /** Removes the first `n` entries from the index. */
  private dropHead(n: number): void {
    const removed = this.entries.splice(0, n)
    for (let m = 0; m < removed.length; m++) {
      this.totalBytes -= removed[m]!.size
      if (m >= this.cacheStart) this.tailBytes -= removed[m]!.size
    }
    this.cacheStart = Math.max(0, this.cacheStart - n)
  }

  private meta(): LogMeta {
    return {
      logStartOffset: this.startOffset,
      nextOffset: this.nextOffset,
      producers: this.producers.snapshot(),
    }
  }

  private async persistMeta(): Promise<void> {
    await this.store.setMeta(logMetaKey(this.topicId, this.partition), this.meta() as unknown as Json)
  }

  /** Runs `fn` after every earlier maintenance task of this partition (retention, compaction). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.maintenance.then(fn, fn)
    this.maintenance = run.catch(() => {})
    return run
  }

  // ---- append ----

  /**
   * Appends batches whose headers (and CRCs) the caller has checked. The bytes are copied first:
   * offsets are assigned by rewriting `baseOffset` in the copy, and the same buffer may be in
   * several concurrent requests (one batch sent to many partitions). With `logAppendTime`, each
   * batch is stamped with it. Rejects with KAFKA_STORAGE_ERROR (nothing stored, no offset used) or
   * a sequencing error for idempotent producers.
   */
  append(
    batches: Uint8Array[],
    headers: BatchHeader[],
    logAppendTime?: number,
    keepOffsets = false,
  ): Promise<AppendResult> {
    if (this.closed)
      return Promise.reject(new BrookError('UNKNOWN_TOPIC_OR_PARTITION', 'the partition is closed'))
    const copies = new Array<Uint8Array>(batches.length)
    for (let i = 0; i < batches.length; i++) {
      const copy = batches[i]!.slice()
      if (logAppendTime !== undefined) {
        setLogAppendTime(copy, logAppendTime)
        headers[i] = { ...headers[i]!, maxTimestamp: logAppendTime }
      }
      copies[i] = copy
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ batches: copies, headers, keepOffsets, resolve, reject })
      if (!this.writing) {
        // Set now so later appends queue behind this one, but write from a microtask: appends made
        // in the same tick (a wave of concurrent producers) then share one store write instead of
        // the first going alone and the rest waiting a whole commit for the next group.
        this.writing = true
        queueMicrotask(() => this.drain())
      }
    })
  }

  /** Starts one store write with everything queued (group commit). */
  private drain(): void {
    const group = this.queue
    this.queue = []
    if (group.length === 0) {
      this.writing = false
      for (const f of this.idle.splice(0)) f()
      return
    }
    this.writing = true
    const stage = this.producers.stage()
    let next = this.nextOffset
    const toWrite: Uint8Array[] = []
    const newEntries: Entry[] = []
    const accepted: { p: PendingAppend; result: AppendResult }[] = []
    for (const p of group) {
      let a: ReturnType<typeof stage.assign>
      const start = p.keepOffsets ? Math.max(next, p.headers[0]!.baseOffset) : next
      try {
        a = stage.assign(p.headers, start)
      } catch (e) {
        p.reject(e)
        continue
      }
      let duplicate = true
      for (let i = 0; i < p.batches.length; i++) {
        if (!a.isNew[i]) continue
        duplicate = false
        const bytes = p.batches[i]!
        const h = p.headers[i]!
        const base = a.baseOffsets[i]!
        setBaseOffset(bytes, base)
        toWrite.push(bytes)
        newEntries.push({
          base,
          last: base + h.lastOffsetDelta,
          size: bytes.length,
          maxTs: h.maxTimestamp,
          // Our own copy, never changed once stored: tailing consumers read it without the store.
          bytes,
        })
      }
      const lastIdx = p.batches.length - 1
      // A request of duplicates only leaves the log end where it was, gap or not.
      if (!duplicate) next = a.nextOffset
      accepted.push({
        p,
        result: {
          baseOffset: a.baseOffsets[0]!,
          lastOffset: a.baseOffsets[lastIdx]! + p.headers[lastIdx]!.lastOffsetDelta,
          duplicate,
        },
      })
    }
    if (toWrite.length === 0) {
      stage.commit()
      for (const { p, result } of accepted) p.resolve(result)
      this.drain()
      return
    }
    let written: Promise<void>
    try {
      written = Promise.resolve(this.store.append(this.topicId, this.partition, toWrite))
    } catch (e) {
      written = Promise.reject(e)
    }
    written.then(
      () => {
        stage.commit()
        for (const e of newEntries) this.pushEntry(e)
        this.nextOffset = next
        this.dirty = true
        for (const { p, result } of accepted) p.resolve(result)
        try {
          this.onAppend?.(next)
        } catch {
          // A listener's failure must not fail the producers whose data is stored.
        }
        this.drain()
      },
      (err) => {
        const e = storageError(err)
        for (const { p } of accepted) p.reject(e)
        this.drain()
      },
    )
  }

  // ---- read ----

  /** Index of the first entry whose last offset is >= `offset`, or -1. */
  private find(offset: number): number {
    let lo = 0
    let hi = this.entries.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.entries[mid]!.last < offset) lo = mid + 1
      else hi = mid
    }
    return lo < this.entries.length ? lo : -1
  }

  /**
   * Whole batches from the one containing `offset`, while their total stays within `maxBytes`;
   * with `minOne`, the first batch comes even if it alone is larger (Kafka's fetch semantics).
   */
  async read(offset: number, maxBytes: number, minOne = true): Promise<Uint8Array[]> {
    if (offset >= this.nextOffset) return []
    const i = this.find(Math.max(offset, this.startOffset))
    if (i < 0) return []
    let j = i
    let total = 0
    while (j < this.entries.length) {
      const size = this.entries[j]!.size
      if (total + size > maxBytes && (j > i || !minOne)) break
      total += size
      j++
    }
    if (j === i) return []
    let cached = true
    for (let m = i; m < j && cached; m++) cached = this.entries[m]!.bytes !== undefined
    if (cached) {
      const out: Uint8Array[] = new Array(j - i)
      for (let m = i; m < j; m++) out[m - i] = this.entries[m]!.bytes!
      return out
    }
    const firstBase = this.entries[i]!.base
    const lastBase = this.entries[j - 1]!.base
    const fromStore = await this.store.read(this.topicId, this.partition, firstBase, total)
    const out: Uint8Array[] = []
    for (const b of fromStore) {
      const base = readBatchHeader(b).baseOffset
      // Retention or compaction may have changed the store meanwhile: keep only the expected range.
      if (out.length === 0 && base !== firstBase) return []
      if (base > lastBase) break
      out.push(b)
      this.remember(base, b)
    }
    return out
  }

  /** Keeps the store's copy of a batch read from the store when its entry is in the tail zone. */
  private remember(base: number, bytes: Uint8Array): void {
    const k = this.find(base)
    if (k < this.cacheStart) return
    const e = this.entries[k]!
    if (e.base === base && e.size === bytes.length) e.bytes = bytes
  }

  /** The batch at index `i` of the index, from the cache or the store. */
  private async batchAt(i: number): Promise<Uint8Array | undefined> {
    const e = this.entries[i]!
    if (e.bytes) return e.bytes
    const [b] = await this.store.read(this.topicId, this.partition, e.base, e.size)
    if (!b || readBatchHeader(b).baseOffset !== e.base) return undefined
    this.remember(e.base, b)
    return b
  }

  /** Entries' max timestamps, in offset order (for timestamp lookups). */
  timestampIndex(): { base: number; last: number; maxTs: number }[] {
    return this.entries.map((e) => ({ base: e.base, last: e.last, maxTs: e.maxTs }))
  }

  /**
   * Visits stored batches (from the cache or store) in offset order, starting with the first one
   * whose max timestamp satisfies `pick`; `visit` returns true to stop.
   */
  async scanBatches(
    pick: (maxTs: number, last: number) => boolean,
    visit: (batch: Uint8Array) => Promise<boolean>,
  ): Promise<void> {
    const bases: number[] = []
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries[i]!
      if (pick(e.maxTs, e.last)) bases.push(e.base)
    }
    for (const base of bases) {
      const i = this.find(base)
      if (i < 0 || this.entries[i]!.base !== base) continue
      const b = await this.batchAt(i)
      if (b && (await visit(b))) return
    }
  }

  // ---- retention ----

  /** Deletes expired batches (by max timestamp) and trims the log to its byte budget. */
  enforceRetention(policy: RetentionPolicy, now: number): Promise<number> {
    return this.exclusive(async () => {
      await this.reclaimHidden()
      const n = this.entries.length
      let k = 0
      const { retentionMs, retentionBytes } = policy
      if (retentionMs >= 0 && Number.isFinite(retentionMs)) {
        while (k < n && now - this.entries[k]!.maxTs > retentionMs) k++
      }
      if (retentionBytes >= 0 && Number.isFinite(retentionBytes)) {
        let size = this.totalBytes
        for (let m = 0; m < k; m++) size -= this.entries[m]!.size
        while (k < n && size > retentionBytes) size -= this.entries[k++]!.size
      }
      if (k === 0) return 0
      await this.removeHead(k, k < n ? this.entries[k]!.base : this.nextOffset)
      return k
    })
  }

  /** Drops the first `k` batches and moves the log start to at least `newStart`. */
  private async removeHead(k: number, newStart: number): Promise<void> {
    const keepFrom = k < this.entries.length ? this.entries[k]!.base : this.nextOffset
    const start = Math.max(this.startOffset, newStart)
    // The new log start is persisted before the batches go, so a crash in between hides them; and
    // before anything changes in memory, so a refused write (a full disk, a storage quota) leaves
    // the log as it was instead of a log start that only memory believes.
    await this.store.setMeta(logMetaKey(this.topicId, this.partition), {
      ...this.meta(),
      logStartOffset: start,
    } as unknown as Json)
    this.startOffset = start
    this.dropHead(k)
    // Hidden already (the persisted start is past them); should the store fail to delete the
    // bytes, the next retention pass tries again rather than leaving them on disk for good.
    this.hiddenBefore = Math.max(this.hiddenBefore, keepFrom)
    await this.reclaimHidden()
  }

  private async reclaimHidden(): Promise<void> {
    if (this.hiddenBefore === Number.NEGATIVE_INFINITY) return
    await this.store.deleteBefore(this.topicId, this.partition, this.hiddenBefore)
    this.hiddenBefore = Number.NEGATIVE_INFINITY
  }

  /**
   * Moves the log start to `offset` (-1 = the high watermark), deleting whole batches below it
   * (Kafka's DeleteRecords). Returns the new log start.
   */
  deleteRecordsBefore(offset: number): Promise<number> {
    return this.exclusive(async () => {
      const target = offset === -1 ? this.nextOffset : offset
      if (!Number.isSafeInteger(target) || target < 0 || target > this.nextOffset)
        throw new BrookError(
          'OFFSET_OUT_OF_RANGE',
          `cannot delete records before ${offset}: the log holds ${this.startOffset}..${this.nextOffset}`,
        )
      if (target <= this.startOffset) return this.startOffset
      let k = 0
      while (k < this.entries.length && this.entries[k]!.last < target) k++
      await this.removeHead(k, target)
      return this.startOffset
    })
  }

  // ---- compaction ----

  /**
   * Keeps only the latest record per key (cleanup.policy=compact). Tombstones (null values) older
   * than `deleteRetentionMs` go too. Offsets never change: surviving records keep theirs, leaving
   * gaps. Returns the number of records removed.
   */
  compact(deleteRetentionMs: number, now: number): Promise<number> {
    return this.exclusive(async () => {
      this.dirty = false
      const count = this.entries.length
      if (count === 0) return 0
      const from = this.entries[0]!.base
      const lastBase = this.entries[count - 1]!.base
      const batches: Uint8Array[] = []
      for (let i = 0; i < count; i++) {
        const b = await this.batchAt(i)
        if (!b) throw new BrookError('KAFKA_STORAGE_ERROR', `batch at ${this.entries[i]!.base} is missing`)
        batches.push(b)
      }
      const result = await compactBatches(batches, {
        logStartOffset: this.startOffset,
        tombstoneBefore: now - deleteRetentionMs,
      })
      this.cleanAgainAt =
        result.oldestTombstone === undefined
          ? Number.POSITIVE_INFINITY
          : result.oldestTombstone + deleteRetentionMs
      if (result.removedRecords === 0) return 0
      await this.persistMeta()
      await this.store.replaceRange(this.topicId, this.partition, from, lastBase + 1, result.batches)
      const replaced = this.entries.splice(0, count)
      for (let m = 0; m < replaced.length; m++) {
        this.totalBytes -= replaced[m]!.size
        if (m >= this.cacheStart) this.tailBytes -= replaced[m]!.size
      }
      const fresh: Entry[] = result.batches.map((b) => {
        const h = readBatchHeader(b)
        return {
          base: h.baseOffset,
          last: h.baseOffset + h.lastOffsetDelta,
          size: b.length,
          maxTs: h.maxTimestamp,
          bytes: undefined,
        }
      })
      for (const e of fresh) this.totalBytes += e.size
      this.entries.unshift(...fresh)
      this.cacheStart = Math.max(this.cacheStart, count) - count + fresh.length
      return result.removedRecords
    })
  }

  // ---- lifecycle ----

  /** Stops accepting appends and waits for queued ones and maintenance; persists state. */
  async close(): Promise<void> {
    this.closed = true
    if (this.writing) await new Promise<void>((resolve) => this.idle.push(resolve))
    await this.maintenance
    await this.persistMeta()
  }

  /** Stops accepting appends and waits for the queue, without persisting (topic deletion). */
  async abandon(): Promise<void> {
    this.closed = true
    if (this.writing) await new Promise<void>((resolve) => this.idle.push(resolve))
    await this.maintenance
  }
}
