/**
 * @module The catalog: what a stream *is* — its path, its topic, content type, TTL or expiry, fork
 * parent and fork point, and whether it is soft-deleted — as one record per stream in the
 * compacted topic `__durable_streams` (key: the path; value: JSON; a tombstone when the stream is
 * gone). What *happens* to a stream (appends, producer sequences, closing) is not here: it is in
 * the stream's own topic (see stream-log.ts). The catalog is read whole on first use and caught
 * up from where it was whenever a path is not found, so a restarted relay knows every stream.
 */

import { errorName } from '../../../core/errors.ts'
import { decodeRecordsAsync, encodeBatch, splitBatches } from '../../../core/format/record-batch.ts'
import { type BrokerService, EARLIEST_TIMESTAMP } from '../../../core/service.ts'
import { CATALOG_TOPIC } from './topic-names.ts'

export interface StreamMeta {
  path: string
  /** The topic holding this stream's own records (one partition). */
  topic: string
  contentType: string
  createdAt: number
  ttlSeconds?: number
  expiresAt?: string
  /** A fork that asked for no expiry of its own and took its source's. */
  inheritedExpiry?: boolean
  forkedFrom?: string
  /** The fork point as the creating request gave it (or resolved), for idempotent re-creates. */
  forkOffset?: string
  forkSubOffset?: number
  /** The position of this stream's first own record: 0, or where a fork leaves its source. */
  base: number
  /** Deleted while forks still read through it: 410 to everyone else until the last fork goes. */
  softDeleted?: boolean
}

const FORMAT_VERSION = 1
const READ_BYTES = 4 << 20
const encoder = new TextEncoder()
const decoder = new TextDecoder()

export class Catalog {
  private readonly metas = new Map<string, StreamMeta>()
  /** Catalog offset of the record each path's entry came from: replays never go backwards. */
  private readonly applied = new Map<string, number>()
  private readonly forks = new Map<string, Set<string>>()
  private position = 0
  private loading: Promise<void> | undefined
  private catchingUp: Promise<void> | undefined

  constructor(private readonly service: BrokerService) {}

  /** Creates the catalog topic if needed and reads it whole; once, shared by concurrent callers. */
  ready(): Promise<void> {
    this.loading ??= this.load().catch((e) => {
      this.loading = undefined
      throw e
    })
    return this.loading
  }

  private async load(): Promise<void> {
    const [created] = await this.service.createTopics({
      topics: [{ name: CATALOG_TOPIC, numPartitions: 1, configs: { 'cleanup.policy': 'compact' } }],
    })
    if (created && created.errorCode !== 0 && errorName(created.errorCode) !== 'TOPIC_ALREADY_EXISTS')
      throw new Error(`cannot create ${CATALOG_TOPIC}: ${errorName(created.errorCode)}`)
    await this.catchUp()
  }

  get(path: string): StreamMeta | undefined {
    return this.metas.get(path)
  }

  /** Streams forked from `path` that still exist (soft-deleted ones included: they still read it). */
  forksOf(path: string): string[] {
    return [...(this.forks.get(path) ?? [])]
  }

  all(): IterableIterator<StreamMeta> {
    return this.metas.values()
  }

  /** Reads what others wrote to the catalog since the last look (another relay on the same broker). */
  catchUp(): Promise<void> {
    this.catchingUp ??= this.readFrom().finally(() => {
      this.catchingUp = undefined
    })
    return this.catchingUp
  }

  private async readFrom(): Promise<void> {
    for (;;) {
      const res = await this.service.fetch({
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: READ_BYTES,
        topics: [
          {
            name: CATALOG_TOPIC,
            partitions: [{ partition: 0, fetchOffset: this.position, partitionMaxBytes: READ_BYTES }],
          },
        ],
      })
      const p = res.topics[0]?.partitions[0]
      if (!p) return
      if (errorName(p.errorCode) === 'OFFSET_OUT_OF_RANGE') {
        // Compaction removed the prefix we had not read yet: start again from the log start.
        this.position = await this.earliest()
        continue
      }
      if (p.errorCode !== 0) throw new Error(`cannot read ${CATALOG_TOPIC}: ${errorName(p.errorCode)}`)
      let advanced = false
      for (const batch of splitBatches(p.records, { partialTail: true })) {
        for (const r of await decodeRecordsAsync(batch)) {
          if (r.offset < this.position || !r.key) continue
          this.apply(decoder.decode(r.key), r.value, r.offset)
          this.position = r.offset + 1
          advanced = true
        }
      }
      if (!advanced || this.position >= p.highWatermark) {
        this.forgetOldTombstones()
        return
      }
    }
  }

  /** A deleted path's guard is needed only while a replay could still bring its old entry back. */
  private forgetOldTombstones(): void {
    for (const [path, offset] of this.applied)
      if (offset < this.position && !this.metas.has(path)) this.applied.delete(path)
  }

  private async earliest(): Promise<number> {
    const res = await this.service.listOffsets({
      topics: [{ name: CATALOG_TOPIC, partitions: [{ partition: 0, timestamp: EARLIEST_TIMESTAMP }] }],
    })
    return res.topics[0]?.partitions[0]?.offset ?? 0
  }

  /** Stores `meta` (acks=all) and applies it here at once. */
  async put(meta: StreamMeta): Promise<void> {
    const offset = await this.write(meta.path, encoder.encode(JSON.stringify({ v: FORMAT_VERSION, ...meta })))
    this.apply(meta.path, meta, offset)
  }

  /** Writes the tombstone of `path`. */
  async remove(path: string): Promise<void> {
    const offset = await this.write(path, null)
    this.apply(path, null, offset)
  }

  private async write(path: string, value: Uint8Array | null): Promise<number> {
    const res = await this.service.produce({
      acks: -1,
      timeoutMs: 30_000,
      topics: [
        {
          name: CATALOG_TOPIC,
          partitions: [
            { partition: 0, records: encodeBatch({ records: [{ key: encoder.encode(path), value }] }) },
          ],
        },
      ],
    })
    const p = res.topics[0]?.partitions[0]
    if (p?.errorCode !== 0)
      throw new Error(`cannot write ${CATALOG_TOPIC}: ${p ? errorName(p.errorCode) : 'no answer'}`)
    return p.baseOffset
  }

  private apply(path: string, value: Uint8Array | StreamMeta | null, offset: number): void {
    if ((this.applied.get(path) ?? -1) >= offset) return
    this.applied.set(path, offset)
    const before = this.metas.get(path)
    if (before?.forkedFrom) this.forks.get(before.forkedFrom)?.delete(path)
    const meta = value instanceof Uint8Array ? parseMeta(value) : value
    if (!meta) {
      this.metas.delete(path)
      return
    }
    this.metas.set(path, meta)
    if (meta.forkedFrom) {
      const set = this.forks.get(meta.forkedFrom) ?? new Set<string>()
      set.add(path)
      this.forks.set(meta.forkedFrom, set)
    }
  }
}

/** A stored entry, or null for a tombstone or an entry this version cannot read. */
function parseMeta(bytes: Uint8Array): StreamMeta | null {
  try {
    const { v, ...meta } = JSON.parse(decoder.decode(bytes)) as StreamMeta & { v?: number }
    if (v !== FORMAT_VERSION || typeof meta.topic !== 'string' || typeof meta.path !== 'string') return null
    return meta
  } catch {
    return null
  }
}
