/**
 * @module The mirror: copies the topics matching a pattern from a source broker to a destination
 * broker, each partition to the same partition, exactly once across restarts. Runtime-neutral: both
 * ends are `BrokerService`s (the in-process broker, or the Kafka protocol over TCP to brook or any
 * Kafka cluster), opened through `MirrorEndpoint`s so that a broken connection is opened again.
 *
 * How it is exact, per partition:
 * - Position. Every copied record carries its source offset in the `brook.mirror.offset` header, so
 *   the destination's newest mirrored record says where to go on (position.ts). The position is read
 *   from the destination on start and after every failure — never from a checkpoint that a crash could
 *   leave behind or ahead of the data (MirrorMaker's committed offsets give at-least-once).
 * - Fencing late writes. A write can still be on its way when the position is read (a request the
 *   destination received from a relay that was then killed, or one that timed out here). So the mirror
 *   continues the producer id, epoch and sequence of the destination's newest batch: such a late batch
 *   carries a sequence the destination has already seen (it answers DUPLICATE and stores nothing) or
 *   one that no longer follows (OUT_OF_ORDER_SEQUENCE_NUMBER) — and a refusal of our own batch sends
 *   this partition back to reading its position. A partition with no mirrored record yet gets a new
 *   producer id from InitProducerId and starts at sequence 0 (so there, and only there, nothing fences
 *   a late write of a killed mirror: it would have to reach the destination's log after the new
 *   mirror, which takes far longer to start, read the partition empty).
 * - Ordering. Batches of a partition are sent in order, up to `maxInFlight` requests at once; after an
 *   error everything in flight for the partition is awaited and dropped, and the position read again.
 * The positions acknowledged so far are also committed to a consumer group on the source (default
 * `brook-mirror`), for monitoring lag with the usual tools; resuming never reads them.
 */

import { timeout } from '../client/retry.ts'
import { type Clock, systemClock } from '../clock.ts'
import { BrookError, errorDetail } from '../errors.ts'
import { encodeBatchAsync } from '../format/record-batch.ts'
import type { Log } from '../log.ts'
import type { BrokerService, FetchResponse, ProducePartitionResult, ProduceRequest } from '../service.ts'
import { copyRecords } from './convert.ts'
import type { MirrorConnection, MirrorOptions, MirrorStatus } from './options.ts'
import { topicMatcher } from './pattern.ts'
import { nextSequence, partitionBounds, readResumePoint } from './position.ts'
import { ensureTopic } from './topics.ts'

export type {
  MirrorConnection,
  MirrorEndpoint,
  MirrorOptions,
  MirrorPartitionStatus,
  MirrorStatus,
} from './options.ts'

const DUPLICATE_SEQUENCE = 46
/** Answers that say our sequence picture is stale: read the position again at once, no back-off. */
const SEQUENCE_ERRORS = new Set([45, 46, 47, 59])
const UNKNOWN_TOPIC = 3
const OFFSET_OUT_OF_RANGE = 1
/** Batches queued or in flight per partition before its fetching pauses. */
const PER_PARTITION_BATCHES = 3
/** Bytes queued or in flight in all before fetching pauses. */
const MAX_BUFFERED_BYTES = 64 << 20
const MAX_REQUEST_BYTES = 8 << 20
/** How long stop() waits for the loop, the writes in flight and a last commit. */
const STOP_WAIT_MS = 5000
const FETCH_MAX_BYTES = 16 << 20
const PARTITION_FETCH_BYTES = 1 << 20

interface Part {
  topic: string
  partition: number
  key: string
  resuming: boolean
  /** Not before this time (a back-off after failures). */
  retryAt: number
  failures: number
  /** Bumped whenever the partition goes back to resuming: answers and fetches of older ones are void. */
  gen: number
  position: number
  producerId: number
  producerEpoch: number
  sequence: number
  queued: Built[]
  inflight: number
  acked: number
  committed: number
  lastError: string | null
  /** What the last resume found, to tell a producer the destination forgot from a late write. */
  resumedEnd: number
  continued: boolean
  ackedSinceResume: boolean
  lastFailCode: number
}

interface Built {
  part: Part
  gen: number
  bytes: Uint8Array
  count: number
  next: number
}

type Side = 'source' | 'destination'

export class Mirror {
  private readonly clock: Clock
  private readonly log: Log
  private readonly matches: (topic: string) => boolean
  private readonly refreshMs: number
  private readonly batchBytes: number
  /** Per partition and fetch: a few batches' worth, so that fetching keeps pace with sending. */
  private readonly partitionFetchBytes: number
  private readonly maxInFlight: number
  private readonly timeoutMs: number
  private readonly retryMinMs: number
  private readonly retryMaxMs: number
  private readonly fetchMaxWaitMs: number
  private readonly group: string | null
  private readonly label: string
  private readonly conns: Record<Side, MirrorConnection | null> = { source: null, destination: null }
  private readonly parts = new Map<string, Part>()
  private readonly topicCounts = new Map<string, number>()
  private order: Part[] = []
  private rotate = 0
  private fresh: { id: number; epoch: number; used: Set<string> } | null = null
  private refreshAt = 0
  private commitAt = 0
  private requests = 0
  private buffered = 0
  private forwarded = 0
  private failures = 0
  private lastFailure = ''
  private commitWarned = false
  private stopping = false
  private running: Promise<void> | null = null
  private wakeUp: (() => void) | null = null
  private woken = false
  private readonly drained = new Set<() => void>()

  constructor(private readonly options: MirrorOptions) {
    this.clock = options.clock ?? systemClock
    this.log = options.log ?? (() => {})
    const matches = topicMatcher(options.topics)
    const exclude = options.exclude
    this.matches = exclude ? (t) => matches(t) && !exclude(t) : matches
    this.refreshMs = options.refreshMs ?? 5000
    this.batchBytes = options.batchBytes ?? 1_000_000
    this.partitionFetchBytes = Math.min(
      PARTITION_FETCH_BYTES,
      Math.max(64 << 10, this.batchBytes * PER_PARTITION_BATCHES),
    )
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 5)
    this.timeoutMs = options.requestTimeoutMs ?? 30_000
    this.retryMinMs = options.retryMinMs ?? 200
    this.retryMaxMs = options.retryMaxMs ?? 10_000
    this.fetchMaxWaitMs = options.fetchMaxWaitMs ?? 500
    this.group = options.group === undefined ? 'brook-mirror' : options.group
    this.label = `${options.source.name} → ${options.destination.name}`
  }

  /** Starts copying in the background; failures are logged and retried, never thrown. */
  start(): this {
    this.running ??= this.loop()
    return this
  }

  /** Stops fetching, waits for the writes in flight, commits the positions and closes connections. */
  async stop(): Promise<void> {
    this.stopping = true
    this.wake()
    // Bounded: a hung connection must not hold up a shutdown, and nothing depends on waiting — a
    // write left unanswered is settled by the next start, which reads the position again.
    const deadline = this.clock.now() + STOP_WAIT_MS
    const until = (p: Promise<unknown>) =>
      new Promise<void>((resolve) => {
        const cancel = this.clock.setTimeout(resolve, Math.max(0, deadline - this.clock.now()))
        void p.finally(() => {
          cancel()
          resolve()
        })
      })
    await until(this.running ?? Promise.resolve())
    if (this.requests > 0) await until(new Promise<void>((resolve) => this.drained.add(resolve)))
    if (this.clock.now() < deadline) await until(this.commit().catch(() => {}))
    for (const side of ['source', 'destination'] as const) await this.drop(side)
  }

  status(): MirrorStatus {
    return {
      forwarded: this.forwarded,
      partitions: this.order.map((p) => ({
        topic: p.topic,
        partition: p.partition,
        state: p.resuming ? 'resuming' : 'copying',
        position: p.position,
        acked: p.acked,
        lastError: p.lastError,
      })),
    }
  }

  // ---- the loop ----

  private async loop(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.step()
        if (this.failures > 0) {
          this.log(`${this.label}: connected again after ${this.failures} failed attempt(s)`)
          this.failures = 0
          this.lastFailure = ''
        }
      } catch (e) {
        if (this.stopping) break
        const ms = this.backoff(this.failures++)
        const detail = errorDetail(e)
        if (detail !== this.lastFailure || this.failures % 30 === 0)
          this.log(`${this.label}: ${describe(e)}; retrying in ${ms} ms`, 'warn')
        this.lastFailure = detail
        await this.idle(ms)
      }
    }
  }

  private async step(): Promise<void> {
    const now = this.clock.now()
    if (now >= this.refreshAt) await this.refresh()
    await this.resumeDue()
    this.pump()
    if (this.clock.now() >= this.commitAt) {
      this.commitAt = this.clock.now() + 1000
      await this.commit()
    }
    const ready: Part[] = []
    let paused = false
    for (const p of this.order) {
      if (p.resuming) continue
      if (p.queued.length + p.inflight >= PER_PARTITION_BATCHES || this.buffered >= MAX_BUFFERED_BYTES)
        paused = true
      else ready.push(p)
    }
    if (ready.length === 0) {
      await this.idle(this.nextDue())
      return
    }
    // While other partitions wait for acknowledgements, do not sit in a long poll: they must go on
    // as soon as one comes back.
    const got = await this.fetch(ready, paused ? 0 : this.fetchMaxWaitMs)
    if (!got && paused) await this.idle(this.fetchMaxWaitMs)
  }

  /** How long nothing is due: the next refresh, commit or partition back-off. */
  private nextDue(): number {
    let at = Math.min(this.refreshAt, this.commitAt)
    for (const p of this.order) if (p.resuming && p.inflight === 0) at = Math.min(at, p.retryAt)
    return Math.max(1, Math.min(at - this.clock.now(), this.fetchMaxWaitMs))
  }

  private idle(ms: number): Promise<void> {
    // Something happened since the loop last looked (an answer came back): no sleeping through it.
    if (this.woken) {
      this.woken = false
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      const cancel = this.clock.setTimeout(() => {
        this.wakeUp = null
        resolve()
      }, ms)
      this.wakeUp = () => {
        cancel()
        this.wakeUp = null
        resolve()
      }
    })
  }

  private wake(): void {
    if (this.wakeUp) this.wakeUp()
    else this.woken = true
  }

  private backoff(failures: number): number {
    const base = Math.min(this.retryMaxMs, this.retryMinMs * 2 ** Math.min(failures, 30))
    return Math.round(base * (0.8 + Math.random() * 0.4))
  }

  // ---- connections ----

  private async open(side: Side): Promise<MirrorConnection> {
    let c = this.conns[side]
    if (!c) {
      c = await this.options[side].open()
      if (this.stopping) {
        await c.close().catch(() => {})
        throw new BrookError('NETWORK_EXCEPTION', 'the mirror is stopping')
      }
      this.conns[side] = c
    }
    return c
  }

  /** Calls one side with a timeout; a failed call closes that side's connection, to be opened again. */
  private async call<T>(side: Side, fn: (s: BrokerService) => Promise<T>, extraMs = 0): Promise<T> {
    const c = await this.open(side)
    try {
      return await timeout(this.clock, fn(c.service), this.timeoutMs + extraMs, 'the call')
    } catch (e) {
      if (isConnectionError(e) && this.conns[side] === c) await this.drop(side)
      throw e
    }
  }

  private async drop(side: Side): Promise<void> {
    const c = this.conns[side]
    if (!c) return
    this.conns[side] = null
    // What was in flight to the destination may or may not have landed: every partition reads its
    // position again (on the new connection) before it writes.
    if (side === 'destination') for (const p of this.order) this.fail(p, null)
    await c.close().catch(() => {})
  }

  // ---- topics ----

  private async refresh(): Promise<void> {
    const md = await this.call('source', (s) => s.metadata({ topics: null, allowAutoTopicCreation: false }))
    const seen = new Set<string>()
    for (const t of md.topics) {
      if (t.errorCode !== 0 || t.isInternal || !this.matches(t.name)) continue
      seen.add(t.name)
      const count = t.partitions.length
      if ((this.topicCounts.get(t.name) ?? 0) < count) {
        await ensureTopic(
          (side, fn) => this.call(side, fn),
          t.name,
          count,
          (line, level) => this.log(`${this.label}: ${line}`, level),
        )
        this.topicCounts.set(t.name, count)
      }
      for (let p = 0; p < count; p++) {
        const key = `${t.name}\u0000${p}`
        if (this.parts.has(key)) continue
        const part: Part = {
          topic: t.name,
          partition: p,
          key,
          resuming: true,
          retryAt: 0,
          failures: 0,
          gen: 0,
          position: -1,
          producerId: -1,
          producerEpoch: -1,
          sequence: 0,
          queued: [],
          inflight: 0,
          acked: -1,
          committed: -1,
          lastError: null,
          resumedEnd: -1,
          continued: false,
          ackedSinceResume: false,
          lastFailCode: 0,
        }
        this.parts.set(key, part)
      }
    }
    for (const [key, p] of this.parts) {
      if (seen.has(p.topic)) continue
      this.fail(p, null)
      this.parts.delete(key)
      if (this.topicCounts.delete(p.topic)) this.log(`${this.label}: ${p.topic} is gone from the source`)
    }
    this.order = [...this.parts.values()]
    this.refreshAt = this.clock.now() + this.refreshMs
  }

  // ---- positions ----

  private async resumeDue(): Promise<void> {
    const now = this.clock.now()
    const due = this.order.filter((p) => p.resuming && p.inflight === 0 && p.retryAt <= now)
    // A few at a time: each is two or three requests to each side.
    for (let i = 0; i < due.length; i += 16) {
      const failed = (await Promise.all(due.slice(i, i + 16).map((p) => this.resume(p)))).find((e) => e)
      if (failed) throw failed
    }
  }

  /** Reads the partition's position; returns a connection failure for the loop to report. */
  private async resume(p: Part): Promise<unknown> {
    const gen = p.gen
    try {
      const point = await this.call('destination', (s) => readResumePoint(s, p.topic, p.partition))
      const src = await this.call('source', (s) => partitionBounds(s, p.topic, p.partition))
      if (gen !== p.gen || !this.parts.has(p.key)) return
      let position = point.next ?? src.start
      if (position > src.end) {
        // The destination holds records this source does not: another source (a new data
        // directory?) would be copied over them wrongly. Wait and say so.
        throw new BrookError(
          'OFFSET_OUT_OF_RANGE',
          `the destination already holds records up to source offset ${position - 1}, but the source ends at ${src.end}`,
        )
      }
      if (position < src.start) {
        this.log(
          `${this.label}: ${p.topic}[${p.partition}]: offsets ${position}…${src.start - 1} were deleted ` +
            'from the source (retention) before they were copied; going on from the log start',
        )
        position = src.start
      }
      const forgotten =
        p.continued &&
        !p.ackedSinceResume &&
        point.end === p.resumedEnd &&
        (p.lastFailCode === 45 || p.lastFailCode === 59 || p.lastFailCode === 47)
      if (point.producer && !forgotten) {
        p.producerId = point.producer.id
        p.producerEpoch = point.producer.epoch
        p.sequence = point.producer.sequence
        p.continued = true
      } else {
        // No batch of ours to continue, or the destination forgot that producer (Kafka expires idle
        // producer ids): a new producer id, never used on this partition, from sequence 0.
        const f = await this.freshProducer(p.key)
        if (gen !== p.gen) return
        p.producerId = f.id
        p.producerEpoch = f.epoch
        p.sequence = 0
        p.continued = false
      }
      if (gen !== p.gen) return
      p.position = position
      if (p.acked < 0) p.acked = position
      p.resumedEnd = point.end
      p.ackedSinceResume = false
      p.resuming = false
      if (p.failures > 0 || p.lastError) {
        this.log(`${this.label}: ${p.topic}[${p.partition}] resumes at source offset ${position}`)
      } else {
        this.log(
          `${this.label}: ${p.topic}[${p.partition}] from source offset ${position} ` +
            `(destination end ${point.end})`,
        )
      }
      p.lastError = null
      this.wake()
    } catch (e) {
      if (gen !== p.gen) return
      p.failures++
      p.retryAt = this.clock.now() + this.backoff(p.failures)
      const detail = describe(e)
      // A connection failing is the mirror's trouble, not this partition's: the loop reports it once.
      if (isConnectionError(e)) {
        p.lastError = detail
        return e
      }
      if (detail !== p.lastError)
        this.log(`${this.label}: ${p.topic}[${p.partition}]: ${detail}; retrying`, 'warn')
      p.lastError = detail
      if (e instanceof BrookError && e.type === 'UNKNOWN_TOPIC_OR_PARTITION') {
        this.topicCounts.delete(p.topic)
        this.refreshAt = 0
      }
    }
  }

  private async freshProducer(key: string): Promise<{ id: number; epoch: number }> {
    let f = this.fresh
    if (!f || f.used.has(key)) {
      const res = await this.call('destination', (s) => s.initProducerId({ transactionalId: null }))
      if (res.errorCode !== 0) throw BrookError.fromCode(res.errorCode, 'InitProducerId')
      f = { id: res.producerId, epoch: res.producerEpoch, used: new Set() }
      this.fresh = f
    }
    f.used.add(key)
    return f
  }

  /** Sends the partition back to reading its position; `err` null: no back-off, nothing to log. */
  private fail(p: Part, err: BrookError | null): void {
    if (p.resuming && !err) return
    p.gen++
    p.resuming = true
    for (const b of p.queued) this.buffered -= b.bytes.length
    p.queued = []
    p.lastFailCode = err?.code ?? 0
    if (!err || SEQUENCE_ERRORS.has(err.code)) {
      p.retryAt = 0
      return
    }
    p.failures++
    p.retryAt = this.clock.now() + this.backoff(p.failures)
    const detail = describe(err)
    if (detail !== p.lastError)
      this.log(`${this.label}: ${p.topic}[${p.partition}]: ${detail}; retrying`, 'warn')
    p.lastError = detail
  }

  // ---- copying ----

  /** One fetch for every ready partition; false when it brought nothing. */
  private async fetch(ready: Part[], maxWaitMs: number): Promise<boolean> {
    const byTopic = new Map<string, Part[]>()
    for (const p of ready) {
      const list = byTopic.get(p.topic)
      if (list) list.push(p)
      else byTopic.set(p.topic, [p])
    }
    const gens = new Map(ready.map((p) => [p, p.gen]))
    const res: FetchResponse = await this.call(
      'source',
      (s) =>
        s.fetch({
          maxWaitMs,
          minBytes: 1,
          maxBytes: FETCH_MAX_BYTES,
          isolationLevel: 0,
          topics: [...byTopic].map(([name, parts]) => ({
            name,
            partitions: parts.map((p) => ({
              partition: p.partition,
              fetchOffset: p.position,
              partitionMaxBytes: this.partitionFetchBytes,
            })),
          })),
        }),
      maxWaitMs,
    )
    let any = false
    for (const t of res.topics) {
      for (const r of t.partitions) {
        const p = this.parts.get(`${t.name}\u0000${r.partition}`)
        if (!p || p.resuming || gens.get(p) !== p.gen) continue
        if (r.errorCode === OFFSET_OUT_OF_RANGE || r.errorCode === UNKNOWN_TOPIC) {
          this.fail(
            p,
            BrookError.fromCode(r.errorCode, `fetching ${p.topic}[${p.partition}] at ${p.position}`),
          )
          if (r.errorCode === UNKNOWN_TOPIC) this.refreshAt = 0
          continue
        }
        if (r.errorCode !== 0 || r.records.length === 0) continue
        const copied = await copyRecords(r.records, p.position, this.batchBytes)
        if (gens.get(p) !== p.gen || p.resuming) continue
        for (const c of copied.batches) {
          const bytes = await encodeBatchAsync({
            records: c.records,
            compression: c.compression,
            producerId: p.producerId,
            producerEpoch: p.producerEpoch,
            baseSequence: p.sequence,
          })
          if (gens.get(p) !== p.gen || p.resuming) break
          p.sequence = nextSequence(p.sequence, c.records.length)
          p.queued.push({ part: p, gen: p.gen, bytes, count: c.records.length, next: c.next })
          this.buffered += bytes.length
          any = true
        }
        if (gens.get(p) === p.gen && !p.resuming) p.position = copied.next
      }
    }
    this.pump()
    return any
  }

  /** Sends queued batches, one per partition per request (as Kafka requires), while slots are free. */
  private pump(): void {
    while (this.requests < this.maxInFlight && !this.stopping) {
      const conn = this.conns.destination
      if (!conn) return
      const taken: Built[] = []
      let bytes = 0
      const n = this.order.length
      for (let i = 0; i < n; i++) {
        const p = this.order[(this.rotate + i) % n]!
        const b = p.queued[0]
        if (!b || p.resuming) continue
        if (taken.length > 0 && bytes + b.bytes.length > MAX_REQUEST_BYTES) break
        p.queued.shift()
        p.inflight++
        taken.push(b)
        bytes += b.bytes.length
      }
      if (taken.length === 0) return
      this.rotate = (this.rotate + 1) % Math.max(1, n)
      this.requests++
      void this.send(conn, taken)
    }
  }

  private async send(conn: MirrorConnection, batches: Built[]): Promise<void> {
    const byTopic = new Map<string, { partition: number; records: Uint8Array }[]>()
    for (const b of batches) {
      const entry = { partition: b.part.partition, records: b.bytes }
      const list = byTopic.get(b.part.topic)
      if (list) list.push(entry)
      else byTopic.set(b.part.topic, [entry])
    }
    const req: ProduceRequest = {
      acks: -1,
      timeoutMs: this.timeoutMs,
      topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
    }
    let answers: Map<string, ProducePartitionResult> | null = null
    let error: BrookError | null = null
    try {
      const res = await timeout(this.clock, conn.service.produce(req), this.timeoutMs * 2, 'produce')
      answers = new Map()
      for (const t of res.topics)
        for (const p of t.partitions) answers.set(`${t.name}\u0000${p.partition}`, p)
    } catch (e) {
      error = e instanceof BrookError ? e : new BrookError('NETWORK_EXCEPTION', errorDetail(e), { cause: e })
      if (this.conns.destination === conn) {
        this.log(`${this.label}: produce failed: ${describe(error)}`, 'warn')
        await this.drop('destination')
      }
    }
    this.requests--
    for (const b of batches) {
      const p = b.part
      p.inflight--
      this.buffered -= b.bytes.length
      if (b.gen !== p.gen) continue
      const a = answers?.get(p.key)
      if (a && (a.errorCode === 0 || a.errorCode === DUPLICATE_SEQUENCE)) {
        p.acked = b.next
        p.ackedSinceResume = true
        p.failures = 0
        this.forwarded += b.count
        continue
      }
      this.fail(
        p,
        error ??
          (a
            ? BrookError.fromCode(a.errorCode, a.errorMessage ?? `producing to ${p.topic}[${p.partition}]`)
            : new BrookError('NETWORK_EXCEPTION', `no answer for ${p.topic}[${p.partition}]`)),
      )
    }
    if (this.requests === 0) for (const d of this.drained) d()
    this.wake()
    this.pump()
  }

  /** Commits acknowledged positions to the monitoring group on the source. */
  private async commit(): Promise<void> {
    if (!this.group) return
    const group = this.group
    const changed = this.order.filter((p) => p.acked >= 0 && p.acked !== p.committed)
    if (changed.length === 0) return
    const byTopic = new Map<string, { partition: number; offset: number }[]>()
    for (const p of changed) {
      const list = byTopic.get(p.topic) ?? []
      list.push({ partition: p.partition, offset: p.acked })
      byTopic.set(p.topic, list)
    }
    const offsets = new Map(changed.map((p) => [p, p.acked]))
    try {
      const res = await this.call('source', (s) =>
        s.offsetCommit({
          groupId: group,
          generationId: -1,
          memberId: '',
          topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
        }),
      )
      const bad = res.topics.flatMap((t) => t.partitions).find((x) => x.errorCode !== 0)
      if (bad) throw BrookError.fromCode(bad.errorCode, `committing to group ${group}`)
      for (const [p, o] of offsets) p.committed = o
    } catch (e) {
      if (e instanceof BrookError && (e.type === 'NETWORK_EXCEPTION' || e.type === 'REQUEST_TIMED_OUT'))
        throw e
      if (!this.commitWarned)
        this.log(
          `${this.label}: positions not committed to group ${group} (monitoring only): ${describe(e)}`,
          'warn',
        )
      this.commitWarned = true
    }
  }
}

export function startMirror(options: MirrorOptions): Mirror {
  return new Mirror(options).start()
}

/** A failure of the connection rather than an answer: the connection is opened again. */
function isConnectionError(e: unknown): boolean {
  return !(e instanceof BrookError) || e.type === 'NETWORK_EXCEPTION' || e.type === 'REQUEST_TIMED_OUT'
}

function describe(e: unknown): string {
  return e instanceof BrookError ? `${e.type}: ${e.detail}` : errorDetail(e)
}
