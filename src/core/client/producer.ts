/**
 * @module The producer: records from concurrent `send()` calls are gathered per partition into one
 * RecordBatch (linger + batch size), encoded once, and sent with per-partition sequence numbers so that
 * a retried batch is stored once (idempotence, on by default). Retries resend the same bytes.
 */

import { BrookError, isRetriable } from '../errors.ts'
import { Compression } from '../format/compression.ts'
import { encodeBatch, encodeBatchAsync, type RecordInput } from '../format/record-batch.ts'
import type { Acks, ProduceRequest, ProduceResponse } from '../service.ts'
import { type Connection, Events, type Listener } from './connection.ts'
import { Sticky } from './deps.ts'
import { type Bucket, placeMessages } from './message-input.ts'
import type { MetadataCache } from './metadata-cache.ts'
import { backoff, type RetryPolicy, retryPolicy, sleep, toBrookError } from './retry.ts'
import type { ProducerBatch, ProducerConfig, ProducerRecord, RecordMetadata } from './types.ts'

const OUT_OF_ORDER = 45
const DUPLICATE_SEQUENCE = 46
const UNKNOWN_TOPIC = 3
/** Kafka sequence numbers are int32 and wrap to 0. */
const SEQUENCE_WRAP = 0x8000_0000
const EMPTY = new Uint8Array(0)

export const PRODUCER_EVENTS = { CONNECT: 'producer.connect', DISCONNECT: 'producer.disconnect' } as const

/** One send() call waiting for the batches that carry its records. */
interface SendState {
  pending: number
  results: Map<string, RecordMetadata>
  resolve: (r: RecordMetadata[]) => void
  reject: (e: unknown) => void
  failed: boolean
}

interface Mark {
  send: SendState
  /** Index in the batch of this send's first record for the partition. */
  index: number
}

interface OpenBatch {
  topic: string
  partition: number
  acks: Acks
  timeout: number
  compression: number
  records: RecordInput[]
  bytes: number
  marks: Mark[]
}

interface ReadyBatch {
  topic: string
  partition: number
  acks: Acks
  timeout: number
  bytes: Uint8Array
  count: number
  baseSequence: number
  marks: Mark[]
  attempts: number
}

export class Producer {
  readonly events = PRODUCER_EVENTS
  private readonly emitter: Events
  private readonly idempotent: boolean
  private readonly acks: Acks
  private readonly lingerMs: number
  private readonly batchSize: number
  private readonly maxInFlight: number
  private readonly autoCreate: boolean
  private readonly retry: RetryPolicy
  private readonly compression: number
  private producerId = -1
  private producerEpoch = -1
  private connected = false
  private connecting: Promise<void> | null = null
  private readonly sequences = new Map<string, number>()
  private readonly inFlightSeqs = new Map<string, Set<number>>()
  /** Per partition, the sequence after the last acknowledged batch: what the broker expects next. */
  private readonly acked = new Map<string, number>()
  private resetNeeded = false
  private resetting: Promise<void> | null = null
  private activeRequests = 0
  private drainWaiters: (() => void)[] = []
  private readonly open = new Map<string, OpenBatch>()
  private ready: OpenBatch[] = []
  private flushScheduled = false
  private cancelLinger: (() => void) | null = null
  private inFlight = 0
  private slotWaiters: (() => void)[] = []
  private readonly unsettled = new Set<Promise<unknown>>()
  private readonly sticky: Sticky

  constructor(
    private readonly conn: Connection,
    private readonly metadata: MetadataCache,
    config: ProducerConfig = {},
  ) {
    this.emitter = new Events(conn.clock)
    this.idempotent = config.idempotent ?? true
    this.acks = config.acks ?? -1
    this.lingerMs = config.lingerMs ?? 0
    this.batchSize = config.batchSize ?? 1_048_576
    this.maxInFlight = Math.max(1, config.maxInFlightRequests ?? 5)
    this.autoCreate = config.allowAutoTopicCreation ?? true
    this.retry = retryPolicy(config.retry, conn.retry)
    this.compression = config.compression ?? Compression.none
    this.sticky = new Sticky()
    if (this.idempotent && this.acks !== -1) {
      throw new BrookError('INVALID_REQUIRED_ACKS', 'an idempotent producer needs acks = -1 (all)')
    }
    if (this.idempotent && this.maxInFlight > 5) {
      throw new BrookError('INVALID_REQUEST', 'an idempotent producer allows at most 5 requests in flight')
    }
  }

  on(type: string, listener: Listener): () => void {
    return this.emitter.on(type, listener)
  }

  async connect(): Promise<void> {
    if (this.connected) return
    this.connecting ??= (async () => {
      if (this.idempotent) {
        const res = await this.conn.call('InitProducerId', (s) => s.initProducerId({ transactionalId: null }))
        if (res.errorCode !== 0) throw BrookError.fromCode(res.errorCode, 'InitProducerId')
        this.producerId = res.producerId
        this.producerEpoch = res.producerEpoch
      }
      this.connected = true
      this.emitter.emit(PRODUCER_EVENTS.CONNECT, null)
    })().finally(() => {
      this.connecting = null
    })
    return this.connecting
  }

  /** Sends what is pending, waits for every send in flight, and releases the producer. */
  async disconnect(): Promise<void> {
    this.flushAll()
    await Promise.allSettled([...this.unsettled])
    this.connected = false
    this.emitter.emit(PRODUCER_EVENTS.DISCONNECT, null)
  }

  async send(record: ProducerRecord): Promise<RecordMetadata[]> {
    return this.sendBatch({
      topicMessages: [{ topic: record.topic, messages: record.messages }],
      acks: record.acks,
      timeout: record.timeout,
      compression: record.compression,
    })
  }

  async sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    if (!this.connected) await this.connect()
    const acks = batch.acks ?? this.acks
    if (acks !== -1 && acks !== 0 && acks !== 1)
      throw new BrookError('INVALID_REQUIRED_ACKS', `acks ${String(acks)} is not -1, 0 or 1`)
    if (this.idempotent && acks !== -1) {
      throw new BrookError('INVALID_REQUIRED_ACKS', 'an idempotent producer needs acks = -1 (all)')
    }
    const timeout = batch.timeout ?? 30_000
    const compression = batch.compression ?? this.compression
    const counts: number[] = []
    for (const tm of batch.topicMessages) {
      if (typeof tm.topic !== 'string' || tm.topic === '')
        throw new BrookError('INVALID_TOPIC_EXCEPTION', 'a topic name is required')
      if (!Array.isArray(tm.messages)) throw new BrookError('INVALID_RECORD', 'messages must be an array')
      counts.push(await this.metadata.partitionCount(tm.topic, this.autoCreate, this.retry))
    }
    const now = this.conn.clock.now()
    // Convert and place everything first, so a bad message rejects the whole send before anything
    // is queued; records are bucketed per partition so queuing costs one lookup per partition.
    const placed: { topic: string; buckets: (Bucket | undefined)[] }[] = []
    for (let t = 0; t < batch.topicMessages.length; t++) {
      const { topic, messages } = batch.topicMessages[t]!
      const count = counts[t]!
      const buckets = placeMessages(topic, messages, count, now, this.sticky)
      placed.push({ topic, buckets })
    }
    const state: SendState = {
      pending: 0,
      results: new Map(),
      resolve: () => {},
      reject: () => {},
      failed: false,
    }
    const done = new Promise<RecordMetadata[]>((resolve, reject) => {
      state.resolve = resolve
      state.reject = reject
    })
    for (const { topic, buckets } of placed) {
      for (let partition = 0; partition < buckets.length; partition++) {
        const bucket = buckets[partition]
        if (bucket) this.enqueue(state, topic, partition, bucket, acks, timeout, compression)
      }
    }
    if (state.pending === 0) return []
    this.scheduleFlush()
    this.track(done)
    return done
  }

  private track(p: Promise<unknown>): void {
    const settled: Promise<unknown> = p.then(
      () => this.unsettled.delete(settled),
      () => this.unsettled.delete(settled),
    )
    this.unsettled.add(settled)
  }

  private enqueue(
    state: SendState,
    topic: string,
    partition: number,
    bucket: Bucket,
    acks: Acks,
    timeout: number,
    compression: number,
  ): void {
    const tp = `${topic}\u0000${partition}`
    let b = this.open.get(tp)
    if (b && (b.acks !== acks || b.compression !== compression || b.timeout !== timeout)) {
      this.close(tp, b)
      b = undefined
    }
    const { records, sizes } = bucket
    let total = 0
    for (let i = 0; i < sizes.length; i++) total += sizes[i]!
    if (total <= this.batchSize - (b ? b.bytes : 0)) {
      // The common case, the whole bucket fits the open batch: one mark, and a new batch adopts the
      // bucket's array (fresh per send) instead of copying it record by record.
      if (!b) {
        b = { topic, partition, acks, timeout, compression, records, bytes: total, marks: [] }
        this.open.set(tp, b)
      } else {
        for (let i = 0; i < records.length; i++) b.records.push(records[i]!)
        b.bytes += total
      }
      const marks = b.marks
      if (marks.length === 0 || marks[marks.length - 1]!.send !== state) {
        marks.push({ send: state, index: b.records.length - records.length })
        state.pending++
      }
      return
    }
    for (let i = 0; i < records.length; i++) {
      const size = sizes[i]!
      if (b && b.bytes + size > this.batchSize && b.records.length > 0) {
        this.close(tp, b)
        b = undefined
      }
      if (!b) {
        b = { topic, partition, acks, timeout, compression, records: [], bytes: 0, marks: [] }
        this.open.set(tp, b)
      }
      const marks = b.marks
      if (marks.length === 0 || marks[marks.length - 1]!.send !== state) {
        marks.push({ send: state, index: b.records.length })
        state.pending++
      }
      b.records.push(records[i]!)
      b.bytes += size
    }
  }

  private close(tp: string, b: OpenBatch): void {
    this.open.delete(tp)
    this.ready.push(b)
    // Kafka's sticky partitioner (KIP-480) moves keyless records on once a batch is full.
    this.sticky.batchClosed(b.topic, b.partition)
    if (this.ready.length > 0) this.scheduleFlush(true)
  }

  private scheduleFlush(now = false): void {
    if (now || this.lingerMs <= 0) {
      if (this.flushScheduled) return
      this.flushScheduled = true
      queueMicrotask(() => {
        this.flushScheduled = false
        if (this.lingerMs <= 0) this.flushAll()
        else this.flushReady()
      })
      return
    }
    if (this.cancelLinger) return
    this.cancelLinger = this.conn.clock.setTimeout(() => {
      this.cancelLinger = null
      this.flushAll()
    }, this.lingerMs)
  }

  private flushAll(): void {
    if (this.cancelLinger) {
      this.cancelLinger()
      this.cancelLinger = null
    }
    for (const [tp, b] of this.open) {
      this.open.delete(tp)
      this.ready.push(b)
      this.sticky.batchClosed(b.topic, b.partition)
    }
    this.flushReady()
  }

  private flushReady(): void {
    if (this.ready.length === 0) return
    const batches = this.ready
    this.ready = []
    const p = this.dispatch(batches)
    this.track(p)
  }

  /** Encodes, sequences and sends closed batches, grouping them by acks and timeout into requests. */
  private async dispatch(open: OpenBatch[]): Promise<void> {
    let encoded: ReadyBatch[]
    try {
      if (this.resetNeeded || this.resetting) await this.resetSequences()
      encoded = await this.encode(open)
    } catch (e) {
      for (const b of open) this.fail(b.marks, e)
      return
    }
    const groups = new Map<string, ReadyBatch[]>()
    for (const b of encoded) {
      const k = `${b.acks}/${b.timeout}`
      const g = groups.get(k)
      if (g) g.push(b)
      else groups.set(k, [b])
    }
    await Promise.all([...groups.values()].map((g) => this.sendRequest(g)))
  }

  /**
   * Assigns sequences to every batch first (synchronously, in order) and marks them in flight, so a
   * batch that is still being compressed already counts as "earlier" for the ones sent before it.
   */
  private async encode(open: OpenBatch[]): Promise<ReadyBatch[]> {
    const out: ReadyBatch[] = open.map((b) => {
      const tp = `${b.topic}\u0000${b.partition}`
      let baseSequence = -1
      if (this.idempotent) {
        baseSequence = this.sequences.get(tp) ?? 0
        this.sequences.set(tp, (baseSequence + b.records.length) % SEQUENCE_WRAP)
      }
      const r: ReadyBatch = {
        topic: b.topic,
        partition: b.partition,
        acks: b.acks,
        timeout: b.timeout,
        bytes: EMPTY,
        count: b.records.length,
        baseSequence,
        marks: b.marks,
        attempts: 0,
      }
      this.markInFlight(r, true)
      return r
    })
    try {
      for (let i = 0; i < open.length; i++) {
        const b = open[i]!
        const input = {
          records: b.records,
          producerId: this.producerId,
          producerEpoch: this.producerEpoch,
          baseSequence: out[i]!.baseSequence,
          compression: b.compression,
        }
        out[i]!.bytes =
          b.compression === Compression.none ? encodeBatch(input) : await encodeBatchAsync(input)
      }
    } catch (e) {
      // Sequences were handed out for batches that will never be sent: start over with a new epoch.
      for (const r of out) this.markInFlight(r, false)
      if (this.idempotent) this.resetNeeded = true
      throw e
    }
    return out
  }

  private async acquire(): Promise<void> {
    while (this.inFlight >= this.maxInFlight) await new Promise<void>((r) => this.slotWaiters.push(r))
    this.inFlight++
  }

  private release(): void {
    this.inFlight--
    this.slotWaiters.shift()?.()
  }

  private async sendRequest(batches: ReadyBatch[]): Promise<void> {
    this.activeRequests++
    try {
      await this.sendUntilDone(batches)
    } finally {
      if (--this.activeRequests === 0) for (const w of this.drainWaiters.splice(0)) w()
    }
  }

  private async sendUntilDone(batches: ReadyBatch[]): Promise<void> {
    let todo = batches
    while (todo.length > 0) {
      const acks = todo[0]!.acks
      const timeoutMs = todo[0]!.timeout
      const byTopic = new Map<string, { partition: number; records: Uint8Array }[]>()
      for (const b of todo) {
        const list = byTopic.get(b.topic)
        const entry = { partition: b.partition, records: b.bytes }
        if (list) list.push(entry)
        else byTopic.set(b.topic, [entry])
      }
      const req: ProduceRequest = {
        acks,
        timeoutMs,
        topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
      }
      let res: ProduceResponse | null = null
      let requestError: BrookError | null = null
      await this.acquire()
      try {
        res = await this.conn.call('Produce', (s) => s.produce(req), acks === -1 ? timeoutMs : 0)
      } catch (e) {
        requestError = toBrookError(e)
      } finally {
        this.release()
      }
      const retry: ReadyBatch[] = []
      for (const b of todo) {
        if (requestError) {
          this.retryOrFail(b, requestError, retry)
          continue
        }
        if (acks === 0) {
          this.succeed(b, -1, -1, -1)
          continue
        }
        const pr = res?.topics
          .find((t) => t.name === b.topic)
          ?.partitions.find((p) => p.partition === b.partition)
        if (!pr) {
          this.retryOrFail(
            b,
            new BrookError('NETWORK_EXCEPTION', 'the produce response omitted a partition'),
            retry,
          )
          continue
        }
        if (pr.errorCode === 0 || pr.errorCode === DUPLICATE_SEQUENCE) {
          this.succeed(b, pr.baseOffset, pr.logAppendTimeMs, pr.logStartOffset)
        } else {
          if (pr.errorCode === UNKNOWN_TOPIC) this.metadata.invalidate(b.topic)
          const err = BrookError.fromCode(pr.errorCode, pr.errorMessage ?? `${b.topic}[${b.partition}]`)
          this.retryOrFail(b, err, retry)
        }
      }
      if (retry.length > 0) {
        const attempt = Math.max(...retry.map((b) => b.attempts)) - 1
        await sleep(this.conn.clock, backoff(this.retry, attempt))
      }
      todo = retry
    }
  }

  private markInFlight(b: ReadyBatch, on: boolean): void {
    if (!this.idempotent) return
    const tp = `${b.topic}\u0000${b.partition}`
    let set = this.inFlightSeqs.get(tp)
    if (!set) {
      set = new Set()
      this.inFlightSeqs.set(tp, set)
    }
    if (on) set.add(b.baseSequence)
    else set.delete(b.baseSequence)
  }

  /** An out-of-order answer is expected while an earlier batch of the partition is being retried. */
  private earlierInFlight(b: ReadyBatch): boolean {
    const set = this.inFlightSeqs.get(`${b.topic}\u0000${b.partition}`)
    if (!set) return false
    for (const s of set) if (s < b.baseSequence) return true
    return false
  }

  private retryOrFail(b: ReadyBatch, err: BrookError, retry: ReadyBatch[]): void {
    const retriable =
      err.retriable ||
      isRetriable(err.code) ||
      (err.code === OUT_OF_ORDER && this.idempotent && this.earlierInFlight(b))
    if (retriable && b.attempts < this.retry.retries) {
      b.attempts++
      retry.push(b)
      return
    }
    this.markInFlight(b, false)
    if (this.idempotent) {
      const tp = `${b.topic}\u0000${b.partition}`
      const alone = (this.inFlightSeqs.get(tp)?.size ?? 0) === 0
      if (!retriable && alone) {
        // Surely not stored: the broker still expects the sequence after the last acknowledged
        // batch, so continue from there instead of leaving a gap (OUT_OF_ORDER forever).
        this.sequences.set(tp, this.acked.get(tp) ?? 0)
      } else {
        // Maybe stored (retries ran out) or later batches are out: sequences are uncertain. Before
        // the next batch, bump the epoch (KIP-360), which restarts every sequence at 0.
        this.resetNeeded = true
      }
    }
    this.fail(b.marks, err)
  }

  /** Waits for every request to finish, then bumps the producer epoch and restarts sequences. */
  private async resetSequences(): Promise<void> {
    this.resetting ??= (async () => {
      while (this.activeRequests > 0) await new Promise<void>((r) => this.drainWaiters.push(r))
      const res = await this.conn.call('InitProducerId', (s) =>
        s.initProducerId({
          transactionalId: null,
          producerId: this.producerId,
          producerEpoch: this.producerEpoch,
        }),
      )
      if (res.errorCode !== 0) throw BrookError.fromCode(res.errorCode, 'InitProducerId')
      this.producerId = res.producerId
      this.producerEpoch = res.producerEpoch
      this.sequences.clear()
      this.acked.clear()
      this.resetNeeded = false
    })().finally(() => {
      this.resetting = null
    })
    return this.resetting
  }

  private succeed(b: ReadyBatch, baseOffset: number, logAppendTime: number, logStartOffset: number): void {
    this.markInFlight(b, false)
    if (this.idempotent) {
      const tp = `${b.topic}\u0000${b.partition}`
      const next = (b.baseSequence + b.count) % SEQUENCE_WRAP
      const prev = this.acked.get(tp) ?? 0
      // Acknowledgements may arrive out of order across requests: keep the furthest.
      if ((next - prev + SEQUENCE_WRAP) % SEQUENCE_WRAP < SEQUENCE_WRAP / 2) this.acked.set(tp, next)
    }
    for (const m of b.marks) {
      const s = m.send
      if (s.failed) continue
      const key = `${b.topic}\u0000${b.partition}`
      if (!s.results.has(key)) {
        s.results.set(key, {
          topicName: b.topic,
          partition: b.partition,
          errorCode: 0,
          baseOffset: baseOffset < 0 ? -1 : baseOffset + m.index,
          logAppendTime,
          logStartOffset,
        })
      }
      if (--s.pending === 0) s.resolve([...s.results.values()])
    }
  }

  private fail(marks: Mark[], e: unknown): void {
    for (const m of marks) {
      if (m.send.failed) continue
      m.send.failed = true
      m.send.reject(toBrookError(e))
    }
  }
}
