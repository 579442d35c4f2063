/**
 * @module `DurableObjectStore`: brook's `Store` in a Durable Object's SQLite storage. One row per
 * batch (a batch over 1 MiB spans rows: a row holds at most 2 MB), metadata as JSON text. Every
 * write is one synchronous transaction, and the Durable Object's output gate holds any answer
 * until it is durable — so `append` resolving means acknowledged data is on disk (`durableAppends`).
 */

import { BrookError } from '../../core/errors.ts'
import { baseOffsetOf } from '../../core/format/record-batch.ts'
import type { Json, Store } from '../../core/store.ts'
import type { DurableObjectStorage, SqlValue } from './sql-types.ts'

const CHUNK = 1 << 20

type BatchRow = { base: number; seq: number; bytes: ArrayBuffer }

export class DurableObjectStore implements Store {
  readonly durableAppends = true
  private closed = false
  private readonly batchTable: string
  private readonly metaTable: string

  /** `prefix` names the tables (default `brook_`): several stores can share one object's storage. */
  constructor(
    private readonly storage: DurableObjectStorage,
    options: { prefix?: string } = {},
  ) {
    const prefix = options.prefix ?? 'brook_'
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(prefix)) throw new Error(`bad table prefix ${prefix}`)
    this.batchTable = `${prefix}batches`
    this.metaTable = `${prefix}meta`
    storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS ${this.batchTable} (
         topic TEXT NOT NULL, part INTEGER NOT NULL, base INTEGER NOT NULL, seq INTEGER NOT NULL, bytes BLOB NOT NULL,
         PRIMARY KEY (topic, part, base, seq)) WITHOUT ROWID`,
    )
    storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS ${this.metaTable} (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID`,
    )
  }

  private check(): void {
    if (this.closed) throw new BrookError('KAFKA_STORAGE_ERROR', 'the store is closed')
  }

  private exec<T>(query: string, ...bindings: SqlValue[]) {
    return this.storage.sql.exec<T>(query, ...bindings)
  }

  private insert(topicId: string, partition: number, batch: Uint8Array): void {
    const base = baseOffsetOf(batch)
    for (let seq = 0, at = 0; at < batch.length || seq === 0; seq++, at += CHUNK)
      this.exec(
        `INSERT INTO ${this.batchTable} (topic, part, base, seq, bytes) VALUES (?, ?, ?, ?, ?)`,
        topicId,
        partition,
        base,
        seq,
        batch.subarray(at, at + CHUNK),
      )
  }

  async append(topicId: string, partition: number, batches: Uint8Array[]): Promise<void> {
    this.check()
    for (const b of batches) baseOffsetOf(b)
    this.storage.transactionSync(() => {
      for (const b of batches) this.insert(topicId, partition, b)
    })
  }

  /** Rows from `from`, joined back into batches, until `maxBytes` (always one batch when any). */
  private *batches(topicId: string, partition: number, from: number, maxBytes = Number.POSITIVE_INFINITY) {
    const rows = this.exec<BatchRow>(
      `SELECT base, seq, bytes FROM ${this.batchTable} WHERE topic = ? AND part = ? AND base >= ? ORDER BY base, seq`,
      topicId,
      partition,
      from,
    )
    let parts: Uint8Array[] = []
    let base = -1
    let total = 0
    let count = 0
    const join = () => {
      if (parts.length === 1) return parts[0]!
      const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
      let at = 0
      for (const p of parts) {
        out.set(p, at)
        at += p.length
      }
      return out
    }
    for (const row of rows) {
      if (row.base !== base && parts.length > 0) {
        const b = join()
        if (count > 0 && total + b.length > maxBytes) return
        total += b.length
        count++
        yield b
        parts = []
      }
      base = row.base
      parts.push(new Uint8Array(row.bytes))
    }
    if (parts.length > 0) {
      const b = join()
      if (count > 0 && total + b.length > maxBytes) return
      yield b
    }
  }

  async read(
    topicId: string,
    partition: number,
    fromBaseOffset: number,
    maxBytes: number,
  ): Promise<Uint8Array[]> {
    this.check()
    return [...this.batches(topicId, partition, fromBaseOffset, maxBytes)]
  }

  async *scan(topicId: string, partition: number): AsyncIterable<Uint8Array> {
    this.check()
    // Read at once: a snapshot that later writes cannot shift.
    for (const b of [...this.batches(topicId, partition, Number.MIN_SAFE_INTEGER)]) yield b
  }

  async deleteBefore(topicId: string, partition: number, beforeBaseOffset: number): Promise<void> {
    this.check()
    this.exec(
      `DELETE FROM ${this.batchTable} WHERE topic = ? AND part = ? AND base < ?`,
      topicId,
      partition,
      beforeBaseOffset,
    )
  }

  async replaceRange(
    topicId: string,
    partition: number,
    fromBaseOffset: number,
    toBaseOffset: number,
    batches: Uint8Array[],
  ): Promise<void> {
    this.check()
    for (const b of batches) baseOffsetOf(b)
    this.storage.transactionSync(() => {
      this.exec(
        `DELETE FROM ${this.batchTable} WHERE topic = ? AND part = ? AND base >= ? AND base < ?`,
        topicId,
        partition,
        fromBaseOffset,
        toBaseOffset,
      )
      for (const b of batches) this.insert(topicId, partition, b)
    })
  }

  async dropPartition(topicId: string, partition: number): Promise<void> {
    this.check()
    this.exec(`DELETE FROM ${this.batchTable} WHERE topic = ? AND part = ?`, topicId, partition)
  }

  async getMeta(key: string): Promise<Json | undefined> {
    this.check()
    const [row] = this.exec<{ value: string }>(
      `SELECT value FROM ${this.metaTable} WHERE key = ?`,
      key,
    ).toArray()
    return row ? (JSON.parse(row.value) as Json) : undefined
  }

  async setMeta(key: string, value: Json): Promise<void> {
    this.check()
    this.exec(
      `INSERT OR REPLACE INTO ${this.metaTable} (key, value) VALUES (?, ?)`,
      key,
      JSON.stringify(value),
    )
  }

  async deleteMeta(key: string): Promise<void> {
    this.check()
    this.exec(`DELETE FROM ${this.metaTable} WHERE key = ?`, key)
  }

  async listMeta(prefix: string): Promise<[string, Json][]> {
    this.check()
    return this.exec<{ key: string; value: string }>(
      `SELECT key, value FROM ${this.metaTable} WHERE substr(key, 1, ?) = ? ORDER BY key`,
      // SQLite counts characters (code points), not UTF-16 units.
      [...prefix].length,
      prefix,
    )
      .toArray()
      .map((r) => [r.key, JSON.parse(r.value) as Json])
  }

  async flush(): Promise<void> {
    this.check()
    await this.storage.sync?.()
  }

  async close(): Promise<void> {
    this.closed = true
  }
}
