/**
 * @module `IdbStore`: the core `Store` on IndexedDB. Each `append` call becomes ONE value — its
 * batches concatenated, exactly as in a Kafka log segment — keyed by `[topicId, partition,
 * baseOffset of its first batch]`, because Chromium charges per value (~0.2 ms each), not per byte.
 * Group commit: every write that arrives while a transaction is in flight joins the next one, so
 * many producers share one commit.
 */

import type { IDBPDatabase, IDBPTransaction } from 'idb'
import { deleteDB, unwrap } from 'idb'
import { BrookError } from '../core/errors.ts'
import type { Json, Store } from '../core/store.ts'
import { baseOffsetOf, concat, splitChunk } from './chunks.ts'
import type { BatchKey, BrookDB } from './db.ts'
import { openBrookDB } from './db.ts'

export type Durability = 'strict' | 'relaxed'

export interface IdbStoreOptions {
  /** Database name; one broker per name. Default `'brook'`. */
  name?: string
  /**
   * `strict` (default): a write resolves once it is on disk, so acks=all survives a power cut.
   * `relaxed`: it resolves once the browser holds it — it survives a tab or worker crash, not an
   * OS crash — and commits faster.
   */
  durability?: Durability
  /**
   * Called once when the browser takes the database away (storage cleared, the connection lost,
   * another tab deleting or upgrading it): every later call fails, so the owner opens it again.
   */
  onBroken?: (reason: string) => void
  /**
   * This store's writer token. Opening with one writes it into the database, and every later write
   * transaction first checks it is still there, in the same transaction: once another store has
   * opened the database with its own token (a new leader tab), this one's writes are aborted whole,
   * `fenced` turns true and `onFenced` is called. So a leader frozen mid-work and thawed after
   * another took over cannot write a byte, whatever it still believes.
   */
  fence?: string
  onFenced?: () => void
}

/** The meta key holding the current writer's token (see `IdbStoreOptions.fence`). */
const WRITER_KEY = '~writer'

interface TxStores {
  batches: IDBObjectStore
  meta: IDBObjectStore
}

/**
 * A write inside the group's transaction. It issues its requests synchronously, or — when it must
 * first read a value it splits (retention, compaction) — from that request's callback, still inside
 * the transaction; it calls `done` when the next write may start, so writes apply in call order.
 */
type Op = (tx: TxStores, done: () => void) => void

interface Waiter {
  resolve: () => void
  reject: (e: unknown) => void
}

/** Values fetched per `getAll` while reading or scanning; a read that wants more asks for more. */
const FIRST_CHUNK = 8
const SCAN_CHUNK = 64
/**
 * Transactions open at once. IndexedDB runs them one after another anyway, but with a second one
 * already queued its requests travel while the first commits, and a flush waiting for "the next
 * commit" does not wait for a whole extra round.
 */
const MAX_OPEN = 2

const lowest = (t: string, p: number): BatchKey => [t, p, -Infinity]
const highest = (t: string, p: number): BatchKey => [t, p, Infinity]

export class IdbStore implements Store {
  readonly name: string
  readonly durability: Durability
  private db: IDBPDatabase<BrookDB>
  private queue: Op[] = []
  private waiters: Waiter[] = []
  private scheduled = false
  /** The newest transaction not yet settled (transactions settle in order) and how many are open. */
  private inFlight: Promise<void> | null = null
  private open = 0
  private broken: BrookError | null = null
  private onBroken: ((reason: string) => void) | undefined
  private fence: string | undefined
  private onFenced: (() => void) | undefined
  private deposed = false

  /**
   * Write transactions the browser refused for quota so far: the owner compares it before and
   * after a write to tell "full" from other storage failures, without reading error messages.
   */
  quotaRefusals = 0

  /** True once another writer took the database over (see `IdbStoreOptions.fence`). */
  get fenced(): boolean {
    return this.deposed
  }

  /** A strict transaction completes only after the disk write, so acks=all needs no extra flush. */
  get durableAppends(): boolean {
    return this.durability === 'strict'
  }

  private constructor(db: IDBPDatabase<BrookDB>, name: string, durability: Durability) {
    this.db = db
    this.name = name
    this.durability = durability
  }

  static async open(options: IdbStoreOptions = {}): Promise<IdbStore> {
    const name = options.name ?? 'brook'
    let store: IdbStore | undefined
    const db = await openBrookDB(name, {
      // A newer schema in another tab wins: close rather than block its upgrade forever.
      onBlocking: () => store?.fail('the database was upgraded or deleted by another tab'),
      onTerminated: () => store?.fail('the browser closed the database (storage cleared?)'),
    }).catch((e) => {
      throw storageError(e, 'cannot open IndexedDB')
    })
    store = new IdbStore(db, name, options.durability ?? 'strict')
    store.onBroken = options.onBroken
    if (options.fence !== undefined) {
      // Written before anything is read: a former writer's transaction either committed before
      // this one (and recovery sees it) or starts after it and finds the token changed.
      await store.setMeta(WRITER_KEY, options.fence).catch((e) => {
        db.close()
        throw e
      })
      store.fence = options.fence
      store.onFenced = options.onFenced
    }
    return store
  }

  /** Deletes a whole broker database (tests, "reset app data"). Close stores on it first. */
  static destroy(name = 'brook'): Promise<void> {
    return deleteDB(name)
  }

  append(topicId: string, partition: number, batches: Uint8Array[]): Promise<void> {
    if (batches.length === 0) return this.enqueue((_, done) => done())
    // concat copies: the caller may reuse its buffers once we return, and a view into a larger
    // buffer would otherwise clone (and store) that whole buffer.
    const value = concat(batches, true)
    const key: BatchKey = [topicId, partition, baseOffsetOf(batches[0]!)]
    return this.enqueue(({ batches: store }, done) => {
      store.put(value, key)
      done()
    })
  }

  async read(
    topicId: string,
    partition: number,
    fromBaseOffset: number,
    maxBytes: number,
  ): Promise<Uint8Array[]> {
    this.check()
    const out: Uint8Array[] = []
    let total = 0
    const take = (value: Uint8Array): boolean => {
      for (const b of splitChunk(value)) {
        if (baseOffsetOf(b) < fromBaseOffset) continue
        if (out.length > 0 && total + b.byteLength > maxBytes) return false
        out.push(b)
        total += b.byteLength
      }
      return true
    }
    let tx: IDBPTransaction<BrookDB, ['batches'], 'readonly'>
    try {
      tx = this.db.transaction('batches', 'readonly')
    } catch (e) {
      throw storageError(e, 'read failed')
    }
    // The value holding `fromBaseOffset` may start before it: look one value back as well.
    const before = IDBKeyRange.bound(
      lowest(topicId, partition),
      [topicId, partition, fromBaseOffset],
      false,
      true,
    )
    let count = FIRST_CHUNK
    const [prev, first] = await Promise.all([
      tx.store.openCursor(before, 'prev'),
      tx.store.getAll(
        IDBKeyRange.bound([topicId, partition, fromBaseOffset], highest(topicId, partition)),
        count,
      ),
    ]).catch((e) => {
      throw storageError(e, 'read failed')
    })
    if (prev && !take(prev.value)) return out
    let rows = first
    for (;;) {
      for (const row of rows) if (!take(row)) return out
      if (rows.length < count || total >= maxBytes) return out
      const after: BatchKey = [topicId, partition, baseOffsetOf(rows[rows.length - 1]!)]
      count *= 4
      rows = await this.db
        .getAll('batches', IDBKeyRange.bound(after, highest(topicId, partition), true, false), count)
        .catch((e) => {
          throw storageError(e, 'read failed')
        })
    }
  }

  async *scan(topicId: string, partition: number): AsyncIterable<Uint8Array> {
    this.check()
    let lower = lowest(topicId, partition)
    let lowerOpen = false
    for (;;) {
      // A fresh transaction per chunk: the consumer may await between items, which would let a
      // long-lived transaction auto-commit under us.
      const range = IDBKeyRange.bound(lower, highest(topicId, partition), lowerOpen, false)
      const rows = await this.db.getAll('batches', range, SCAN_CHUNK).catch((e) => {
        throw storageError(e, 'scan failed')
      })
      for (const row of rows) yield* splitChunk(row)
      if (rows.length < SCAN_CHUNK) return
      lower = [topicId, partition, baseOffsetOf(rows[rows.length - 1]!)]
      lowerOpen = true
    }
  }

  deleteBefore(topicId: string, partition: number, beforeBaseOffset: number): Promise<void> {
    if (!(beforeBaseOffset > -Infinity)) return this.enqueue((_, done) => done())
    const below = IDBKeyRange.bound(
      lowest(topicId, partition),
      [topicId, partition, beforeBaseOffset],
      false,
      true,
    )
    return this.enqueue(({ batches: store }, done) => {
      // Only the last value below the cut can hold batches at or after it: keep those.
      const req = store.openCursor(below, 'prev')
      req.onsuccess = () => {
        const keep = req.result
          ? splitChunk(req.result.value).filter((b) => baseOffsetOf(b) >= beforeBaseOffset)
          : []
        store.delete(below)
        if (keep.length > 0) store.put(concat(keep), [topicId, partition, baseOffsetOf(keep[0]!)])
        done()
      }
    })
  }

  replaceRange(
    topicId: string,
    partition: number,
    fromBaseOffset: number,
    toBaseOffset: number,
    batches: Uint8Array[],
  ): Promise<void> {
    const replacement = batches.length > 0 ? concat(batches, true) : null
    const t = topicId
    const p = partition
    return this.enqueue(({ batches: store }, done) => {
      if (!(fromBaseOffset < toBaseOffset)) {
        if (replacement) store.put(replacement, [t, p, baseOffsetOf(replacement)])
        done()
        return
      }
      // Values are cut at both ends: the one starting before `from` may reach into the range, and
      // the last one starting inside it may reach past `to`. All of it in this one transaction, so
      // readers see the old range or the new one.
      const headReq = store.openCursor(
        IDBKeyRange.bound(lowest(t, p), [t, p, fromBaseOffset], false, true),
        'prev',
      )
      const tailReq = store.openCursor(
        IDBKeyRange.bound([t, p, fromBaseOffset], [t, p, toBaseOffset], false, true),
        'prev',
      )
      let pending = 2
      const both = () => {
        if (--pending > 0) return
        const puts: Uint8Array[][] = []
        const head = headReq.result
        if (head) {
          const parts = splitChunk(head.value)
          const inside = parts.some((b) => baseOffsetOf(b) >= fromBaseOffset)
          if (inside) {
            store.delete(head.primaryKey)
            puts.push(parts.filter((b) => baseOffsetOf(b) < fromBaseOffset))
            puts.push(parts.filter((b) => baseOffsetOf(b) >= toBaseOffset))
          }
        }
        const tail = tailReq.result
        if (tail) puts.push(splitChunk(tail.value).filter((b) => baseOffsetOf(b) >= toBaseOffset))
        store.delete(IDBKeyRange.bound([t, p, fromBaseOffset], [t, p, toBaseOffset], false, true))
        for (const part of puts) if (part.length > 0) store.put(concat(part), [t, p, baseOffsetOf(part[0]!)])
        if (replacement) store.put(replacement, [t, p, baseOffsetOf(replacement)])
        done()
      }
      headReq.onsuccess = both
      tailReq.onsuccess = both
    })
  }

  dropPartition(topicId: string, partition: number): Promise<void> {
    const range = IDBKeyRange.bound(lowest(topicId, partition), highest(topicId, partition))
    return this.enqueue(({ batches }, done) => {
      batches.delete(range)
      done()
    })
  }

  async getMeta(key: string): Promise<Json | undefined> {
    this.check()
    return this.db.get('meta', key).catch((e) => {
      throw storageError(e, `reading ${key} failed`)
    })
  }

  setMeta(key: string, value: Json): Promise<void> {
    // Cloned now, not at commit: later changes to the caller's object must not leak in.
    const copy = structuredClone(value)
    return this.enqueue(({ meta }, done) => {
      meta.put(copy, key)
      done()
    })
  }

  deleteMeta(key: string): Promise<void> {
    return this.enqueue(({ meta }, done) => {
      meta.delete(key)
      done()
    })
  }

  async listMeta(prefix: string): Promise<[string, Json][]> {
    this.check()
    // Keys compare by UTF-16 code units, as JS strings do, so the range holds exactly the prefix.
    const range = prefix === '' ? undefined : IDBKeyRange.bound(prefix, `${prefix}\uffff`, false, false)
    const [keys, values] = await (async () => {
      const tx = this.db.transaction('meta', 'readonly')
      return Promise.all([tx.store.getAllKeys(range), tx.store.getAll(range)])
    })().catch((e) => {
      throw storageError(e, 'listing metadata failed')
    })
    const out: [string, Json][] = []
    for (let i = 0; i < keys.length; i++) if (keys[i]!.startsWith(prefix)) out.push([keys[i]!, values[i]!])
    return out
  }

  /** Resolves when the transaction holding every write issued before this call has committed. */
  flush(): Promise<void> {
    if (this.broken) return Promise.reject(this.broken)
    if (this.queue.length > 0 || this.scheduled) {
      return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }))
    }
    return this.inFlight ?? Promise.resolve()
  }

  async close(): Promise<void> {
    if (this.broken?.message.endsWith('store closed')) return
    await this.flush().catch(() => {})
    this.broken = new BrookError('KAFKA_STORAGE_ERROR', 'store closed')
    this.db.close()
  }

  private check(): void {
    if (this.broken) throw this.broken
  }

  private fail(reason: string, fenced?: BrookError): void {
    if (this.broken) return
    this.broken = fenced ?? new BrookError('KAFKA_STORAGE_ERROR', reason)
    if (fenced) {
      this.deposed = true
      queueMicrotask(() => this.onFenced?.())
    } else queueMicrotask(() => this.onBroken?.(reason))
    this.db.close()
    const waiters = this.waiters
    this.queue = []
    this.waiters = []
    for (const w of waiters) w.reject(this.broken)
  }

  private enqueue(op: Op): Promise<void> {
    if (this.broken) return Promise.reject(this.broken)
    this.queue.push(op)
    const p = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }))
    if (!this.scheduled && this.open < MAX_OPEN) {
      this.scheduled = true
      // A microtask, not a timer: calls made in the same tick share a transaction at no latency cost.
      queueMicrotask(() => this.commit())
    }
    return p
  }

  /** Starts one readwrite transaction with everything queued; the next group waits until it ends. */
  private commit(): void {
    this.scheduled = false
    if (this.open >= MAX_OPEN || this.broken) return
    const ops = this.queue
    const waiters = this.waiters
    this.queue = []
    this.waiters = []
    if (waiters.length === 0) return
    this.open++
    const current: Promise<void> = new Promise<void>((resolve) => {
      let settled = false
      const settle = (err: unknown) => {
        if (settled) return
        settled = true
        for (const w of waiters) err === undefined ? w.resolve() : w.reject(err)
        this.open--
        if (this.inFlight === current) this.inFlight = null
        resolve()
        if (this.waiters.length > 0) this.commit()
      }
      let tx: IDBTransaction
      try {
        tx = unwrap(this.db).transaction(['batches', 'meta'], 'readwrite', { durability: this.durability })
      } catch (e) {
        settle(storageError(e, 'cannot start a transaction'))
        return
      }
      let failure: unknown
      tx.oncomplete = () => settle(undefined)
      tx.onabort = () => {
        if (isQuota(failure ?? tx.error)) this.quotaRefusals++
        if (failure instanceof BrookError && failure.type === 'NOT_LEADER_OR_FOLLOWER')
          this.fail(failure.message, failure)
        settle(storageError(failure ?? tx.error, 'write aborted; nothing of it was stored'))
      }
      const stores: TxStores = { batches: tx.objectStore('batches'), meta: tx.objectStore('meta') }
      const fence = this.fence
      if (fence !== undefined) {
        // Checked inside the transaction, so no other writer can come between check and write;
        // the writes below are issued at once and all undone by the abort.
        const check = stores.meta.get(WRITER_KEY)
        check.onsuccess = () => {
          if (check.result === fence) return
          failure = new BrookError(
            'NOT_LEADER_OR_FOLLOWER',
            `another worker took over the broker "${this.name}": this one may no longer write`,
          )
          tx.abort()
        }
      }
      let i = 0
      const next = (): void => {
        try {
          while (i < ops.length) {
            let finished = false
            let sync = true
            ops[i++]!(stores, () => {
              finished = true
              if (!sync) next()
            })
            sync = false
            if (!finished) return
          }
        } catch (e) {
          // A synchronous failure (a value that cannot be cloned) aborts the group as a whole.
          failure = e
          try {
            tx.abort()
          } catch {
            settle(storageError(e, 'write rejected'))
          }
        }
      }
      next()
    })
    this.inFlight = current
  }
}

function isQuota(e: unknown): boolean {
  return (e as { name?: string } | null)?.name === 'QuotaExceededError'
}

function storageError(e: unknown, what: string): BrookError {
  if (e instanceof BrookError) return e
  const name = (e as { name?: string } | null)?.name
  if (isQuota(e)) {
    return new BrookError(
      'KAFKA_STORAGE_ERROR',
      'storage quota exceeded: the browser refused more IndexedDB data for this origin; ' +
        'lower retention.bytes, delete old topics or ask for persistent storage',
      { cause: e },
    )
  }
  const message = (e as { message?: string } | null)?.message ?? String(e)
  return new BrookError('KAFKA_STORAGE_ERROR', `${what}: ${name ?? 'Error'}: ${message}`, { cause: e })
}
