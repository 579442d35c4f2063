/**
 * @module The streams a relay serves: finding one (and expiring it when its TTL or Expires-At has
 * passed), creating one — plain or forked — and deleting one. A fork reads its source's records up
 * to the fork point, so a source with forks is only *soft*-deleted (410 to everyone, still read
 * by its forks) until its last fork goes, and then removed with it (cascading up a fork chain).
 *
 * State kept in memory per stream (its `Live`) is a cache of what the broker holds: rebuilt from
 * the catalog and the stream's topic after a restart, and changed only under the stream's lock.
 * One relay instance must own a broker's Durable Streams writes, as one process owns a Kafka
 * partition's leadership: two relays appending to one stream would each trust their own cache.
 */

import { errorName } from '../../../core/errors.ts'
import type { Log } from '../../../core/log.ts'
import type { BrokerService } from '../../../core/service.ts'
import { Catalog, type StreamMeta } from './catalog.ts'
import { badRequest, conflict, DsError, notFound } from './http.ts'
import { JsonBodyError, jsonValues } from './json-mode.ts'
import { KeyedMutex } from './mutex.ts'
import type { ProducerClaim } from './producers.ts'
import { DEFAULT_CONTENT_TYPE, formatOffset, isJsonType, mediaType, parseOffset } from './protocol.ts'
import { readChunks } from './reads.ts'
import { appendRecords, produce, readTail, type WriterState } from './stream-log.ts'
import { newTopicName } from './topic-names.ts'

/** What this relay knows of a stream right now. */
export interface Live {
  meta: StreamMeta
  /** The high watermark of the stream's topic: its record count, a close marker included. */
  hw: number
  closed: boolean
  /** The producer whose append closed the stream: a retry of that request is a duplicate. */
  closedBy?: ProducerClaim
  /** Last read or write (not HEAD), for the sliding TTL. */
  lastAccess: number
  /** Producers and last Stream-Seq, folded from the topic when an append first needs them. */
  writers?: WriterState
}

/** The position after the stream's last record: what `Stream-Next-Offset` says at the tail. */
export function tailOf(live: Live): number {
  return live.meta.base + live.hw - (live.closed ? 1 : 0)
}

export interface StreamsOptions {
  /** max.message.bytes of stream topics: the largest append (after JSON splitting) they take. */
  maxMessageBytes: number
  /** Bytes one read gathers before answering (more follows on the next request). */
  readBytes: number
}

export interface CreateRequest {
  /** The request's content type, when usable; absent means the default (or the source's, for a fork). */
  contentType?: string
  ttlSeconds?: number
  expiresAt?: string
  closed: boolean
  forkedFrom?: string
  forkOffset?: string
  forkSubOffset?: number
  body: Uint8Array
}

const SWEEP_INTERVAL_MS = 60_000

export class Streams {
  readonly catalog: Catalog
  readonly locks = new KeyedMutex()
  private readonly lives = new Map<string, Live>()
  private readonly loading = new Map<string, Promise<Live>>()
  private startedAt = Date.now()
  private lastSweep = Date.now()

  constructor(
    readonly service: BrokerService,
    readonly options: StreamsOptions,
    private readonly log: Log,
  ) {
    this.catalog = new Catalog(service)
  }

  /**
   * The stream at `path` — soft-deleted ones too (check `meta.softDeleted`) — or undefined. An
   * expired stream is deleted (or soft-deleted) here. `locked`: the caller holds `path`'s lock.
   */
  async find(path: string, locked = false): Promise<Live | undefined> {
    await this.catalog.ready()
    this.maybeSweep()
    let meta = this.catalog.get(path)
    if (!meta) {
      await this.catalog.catchUp()
      meta = this.catalog.get(path)
    }
    if (!meta) return undefined
    const live = await this.liveOf(meta)
    if (meta.softDeleted || !this.expired(live)) return live
    await (locked ? this.expireLocked(path) : this.locks.run(path, () => this.expireLocked(path)))
    const after = this.catalog.get(path)
    return after ? this.liveOf(after) : undefined
  }

  private async liveOf(meta: StreamMeta): Promise<Live> {
    const known = this.lives.get(meta.topic)
    if (known) {
      known.meta = meta
      return known
    }
    let pending = this.loading.get(meta.topic)
    if (!pending) {
      pending = (async () => {
        const tail = await readTail(this.service, meta.topic)
        const live: Live = {
          meta,
          hw: tail.highWatermark,
          closed: tail.closed,
          closedBy: tail.closedBy,
          // Reads before a restart were not recorded: count the TTL from the restart at the latest.
          lastAccess: Math.max(meta.createdAt, this.startedAt),
        }
        this.lives.set(meta.topic, live)
        return live
      })().finally(() => this.loading.delete(meta.topic))
      this.loading.set(meta.topic, pending)
    }
    const live = await pending
    live.meta = meta
    return live
  }

  expired(live: Live, now = Date.now()): boolean {
    const { expiresAt, ttlSeconds } = live.meta
    if (expiresAt !== undefined) {
      const at = new Date(expiresAt).getTime()
      // An expiry that no longer parses is treated as passed: fail closed, as the reference does.
      if (!Number.isFinite(at) || now >= at) return true
    }
    return ttlSeconds !== undefined && now >= live.lastAccess + ttlSeconds * 1000
  }

  touch(live: Live): void {
    live.lastAccess = Date.now()
  }

  /** Soft-deletes `path` if forks still read it, removes it otherwise. Caller holds its lock. */
  private async expireLocked(path: string): Promise<void> {
    const meta = this.catalog.get(path)
    if (!meta || meta.softDeleted) return
    const live = await this.liveOf(meta)
    if (!this.expired(live)) return
    await this.removeLocked(path)
  }

  /** DELETE: soft when forks read through the stream, else full, cascading to soft-deleted sources. */
  async delete(path: string): Promise<'deleted' | 'gone' | 'missing'> {
    return this.locks.run(path, async () => {
      const live = await this.find(path, true)
      if (!live) return 'missing'
      if (live.meta.softDeleted) return 'gone'
      await this.removeLocked(path)
      return 'deleted'
    })
  }

  private async removeLocked(path: string): Promise<void> {
    const meta = this.catalog.get(path)
    if (!meta) return
    if (this.catalog.forksOf(path).length > 0) {
      await this.catalog.put({ ...meta, softDeleted: true })
      return
    }
    // The catalog entry goes first: a crash after it leaves an orphan topic, never a stream whose
    // data is missing.
    await this.catalog.remove(path)
    this.lives.delete(meta.topic)
    await this.service.deleteTopics([meta.topic]).catch((e) => {
      this.log(
        `durable streams: cannot delete topic ${meta.topic}: ${e instanceof Error ? e.message : e}`,
        'error',
      )
    })
    if (meta.forkedFrom) {
      const source = meta.forkedFrom
      // Lock order is always fork → source, so this cannot deadlock with a fork being created.
      await this.locks.run(source, async () => {
        const s = this.catalog.get(source)
        if (s?.softDeleted && this.catalog.forksOf(source).length === 0) await this.removeLocked(source)
      })
    }
  }

  /**
   * PUT. Idempotent: the same configuration again answers the existing stream; a different one is
   * 409. A fork's source stays locked while the fork is made, so it cannot vanish meanwhile.
   */
  async create(path: string, req: CreateRequest): Promise<{ live: Live; created: boolean }> {
    return this.locks.run(path, async () => {
      // A catalog entry whose topic is gone (deleted with Kafka tools) is no stream: make a new one.
      const existing = await this.find(path, true).catch((e: unknown) => {
        if (e instanceof DsError && e.status === 404) return undefined
        throw e
      })
      if (existing) {
        if (existing.meta.softDeleted)
          throw conflict('Stream has active forks — path cannot be reused until all forks are removed')
        if (!sameConfig(existing, req)) throw conflict('Stream already exists with different configuration')
        return { live: existing, created: false }
      }
      if (req.forkedFrom === undefined) return { live: await this.make(path, req), created: true }
      const source = req.forkedFrom
      // A stream cannot be its own source (and its lock is held: taking it again would wait forever).
      if (source === path) throw notFound('Source stream not found')
      return this.locks.run(source, async () => {
        return { live: await this.make(path, req, await this.find(source, true)), created: true }
      })
    })
  }

  private async make(path: string, req: CreateRequest, source?: Live): Promise<Live> {
    let contentType = req.contentType ?? DEFAULT_CONTENT_TYPE
    let base = 0
    let forkOffset: string | undefined
    let prefix: Uint8Array | undefined
    let expiry: Pick<StreamMeta, 'ttlSeconds' | 'expiresAt' | 'inheritedExpiry'> = {
      ttlSeconds: req.ttlSeconds,
      expiresAt: req.expiresAt,
    }
    if (req.forkedFrom !== undefined) {
      if (!source) throw notFound('Source stream not found')
      if (source.meta.softDeleted) throw conflict('source stream was deleted but still has active forks')
      const sourceType = source.meta.contentType
      if (req.contentType !== undefined && mediaType(req.contentType) !== mediaType(sourceType))
        throw conflict('Content type mismatch with source stream')
      contentType = req.contentType ?? sourceType
      const tail = tailOf(source)
      base = tail
      forkOffset = formatOffset(tail)
      if (req.forkOffset !== undefined) {
        const at = parseOffset(req.forkOffset)
        if (at === undefined || at > tail) throw badRequest('Fork offset beyond source stream length')
        base = at
        forkOffset = req.forkOffset
      }
      if (req.forkSubOffset) {
        const split = await this.subOffset(source, base, req.forkSubOffset, isJsonType(contentType))
        base = split.base
        prefix = split.prefix
      }
      if (req.ttlSeconds === undefined && req.expiresAt === undefined) {
        const { ttlSeconds, expiresAt } = source.meta
        if (ttlSeconds !== undefined || expiresAt !== undefined)
          expiry = { ttlSeconds, expiresAt, inheritedExpiry: true }
      }
    }
    let values: Uint8Array[] = []
    if (req.body.length > 0) {
      try {
        values = isJsonType(contentType) ? jsonValues(req.body, true) : [req.body]
      } catch (e) {
        if (e instanceof JsonBodyError) throw badRequest(e.message)
        throw e
      }
    }
    const topic = await newTopicName(path)
    const [made] = await this.service.createTopics({
      topics: [
        {
          name: topic,
          numPartitions: 1,
          configs: { 'retention.ms': '-1', 'max.message.bytes': String(this.options.maxMessageBytes) },
        },
      ],
    })
    if (made && made.errorCode !== 0)
      throw new DsError(503, `cannot create a topic: ${errorName(made.errorCode)}`)
    const records = [...(prefix ? [{ value: prefix }] : []), ...appendRecords(values, { close: req.closed })]
    try {
      if (records.length > 0) await produce(this.service, topic, records)
      const meta: StreamMeta = {
        path,
        topic,
        contentType,
        createdAt: Date.now(),
        ...expiry,
        base,
        ...(req.forkedFrom !== undefined
          ? { forkedFrom: req.forkedFrom, forkOffset, forkSubOffset: req.forkSubOffset || undefined }
          : {}),
      }
      await this.catalog.put(meta)
      const live: Live = { meta, hw: records.length, closed: req.closed, lastAccess: Date.now() }
      this.lives.set(topic, live)
      return live
    } catch (e) {
      await this.service.deleteTopics([topic]).catch(() => {})
      throw e
    }
  }

  /**
   * Where a fork at `at` + `sub` leaves its source. The sub-offset counts into the first message
   * after `at`: JSON values (each a record, so the fork point just moves on) or bytes (the first
   * `sub` bytes become the fork's own first record).
   */
  private async subOffset(
    source: Live,
    at: number,
    sub: number,
    json: boolean,
  ): Promise<{ base: number; prefix?: Uint8Array }> {
    const { chunks } = await readChunks(this, source, at, { maxBytes: 1, json, limit: 1 })
    const first = chunks[0]
    if (!first) throw badRequest('Invalid fork sub-offset: no data past the fork offset')
    if (json) {
      if (sub > first.values.length) throw badRequest('Invalid fork sub-offset: past the message')
      return { base: at + sub }
    }
    const bytes = first.values[0]!
    if (sub > bytes.length) throw badRequest('Invalid fork sub-offset: past the message')
    return { base: at, prefix: bytes.slice(0, sub) }
  }

  /** Lets reads see records this relay has not written (or not yet counted). */
  observe(live: Live, offset: number, closeMarker: boolean, closedBy?: ProducerClaim): void {
    if (offset < live.hw) return
    live.hw = offset + 1
    if (closeMarker) {
      live.closed = true
      live.closedBy = closedBy
    }
  }

  /** Expired streams nobody asks for are found here, at most once a minute, off the request path. */
  private maybeSweep(): void {
    const now = Date.now()
    if (now - this.lastSweep < SWEEP_INTERVAL_MS) return
    this.lastSweep = now
    const due: string[] = []
    for (const meta of this.catalog.all()) {
      if (meta.softDeleted || (meta.ttlSeconds === undefined && meta.expiresAt === undefined)) continue
      const live = this.lives.get(meta.topic) ?? {
        meta,
        hw: 0,
        closed: false,
        lastAccess: Math.max(meta.createdAt, this.startedAt),
      }
      if (this.expired(live, now)) due.push(meta.path)
    }
    void (async () => {
      for (const path of due) await this.locks.run(path, () => this.expireLocked(path))
    })().catch((e) =>
      this.log(`durable streams: expiry sweep failed: ${e instanceof Error ? e.message : e}`, 'error'),
    )
  }

  /** For tests of restarts: forget every cache, as a new process would. */
  forget(): void {
    this.lives.clear()
    this.startedAt = Date.now()
  }
}

/** Whether a PUT asks for what `live` already is (protocol section 5.1: idempotent create). */
function sameConfig(live: Live, req: CreateRequest): boolean {
  const m = live.meta
  const askedType = mediaType(
    req.contentType ?? (req.forkedFrom !== undefined ? m.contentType : DEFAULT_CONTENT_TYPE),
  )
  if (askedType !== mediaType(m.contentType)) return false
  const expiryMatches = m.inheritedExpiry
    ? req.ttlSeconds === undefined && req.expiresAt === undefined
    : req.ttlSeconds === m.ttlSeconds && req.expiresAt === m.expiresAt
  return (
    expiryMatches &&
    req.closed === live.closed &&
    req.forkedFrom === m.forkedFrom &&
    (req.forkOffset === undefined || req.forkOffset === m.forkOffset) &&
    (req.forkSubOffset ?? 0) === (m.forkSubOffset ?? 0)
  )
}
