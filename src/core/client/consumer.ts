/**
 * @module The consumer: subscribe, join the group, fetch what the group assigned, hand batches to
 * `eachMessage`/`eachBatch`, commit what was resolved. An uncommitted record is fetched again by
 * whoever owns its partition next — brook's acknowledge-and-redeliver.
 */
import { BrookError, isRetriable } from '../errors.ts'
import { EARLIEST_TIMESTAMP, type FetchResponse, LATEST_TIMESTAMP } from '../service.ts'
import { sendCommit } from './committer.ts'
import { type Connection, Events, type Listener } from './connection.ts'
import { GroupMembership, Signal } from './consumer-group.ts'
import { type DeliveryHost, deliver, HandlerError } from './delivery.ts'
import { defaultAssigners } from './deps.ts'
import { decodePartition } from './fetcher.ts'
import type { MetadataCache } from './metadata-cache.ts'
import { OffsetManager, type PartitionState, tpKey } from './offset-manager.ts'
import { backoff, type RetryPolicy, retryPolicy, sleep, toBrookError, toNumber } from './retry.ts'
import { SubscriptionState } from './subscription-state.ts'
import type {
  ConsumerConfig,
  ConsumerRunConfig,
  ConsumerSubscribeTopic,
  ConsumerSubscribeTopics,
  TopicPartitionOffsetAndMetadata,
} from './types.ts'

const E = { OFFSET_OUT_OF_RANGE: 1, UNKNOWN_TOPIC_OR_PARTITION: 3 } as const

export const CONSUMER_EVENTS = {
  HEARTBEAT: 'consumer.heartbeat',
  COMMIT_OFFSETS: 'consumer.commit_offsets',
  GROUP_JOIN: 'consumer.group_join',
  FETCH: 'consumer.fetch',
  START_BATCH_PROCESS: 'consumer.start_batch_process',
  END_BATCH_PROCESS: 'consumer.end_batch_process',
  CONNECT: 'consumer.connect',
  DISCONNECT: 'consumer.disconnect',
  STOP: 'consumer.stop',
  CRASH: 'consumer.crash',
  REBALANCING: 'consumer.rebalancing',
  /**
   * brook's own: a fetch position fell outside the log (OFFSET_OUT_OF_RANGE, e.g. retention
   * removed records not yet read) and was reset by the subscription's `fromBeginning`
   * (auto.offset.reset earliest or latest). Payload: topic, partition, from, to, strategy.
   */
  OFFSET_RESET: 'consumer.offset_reset',
} as const

export class Consumer {
  readonly events = CONSUMER_EVENTS
  readonly groupId: string
  private readonly emitter: Events
  private readonly group: GroupMembership
  private readonly offsets = new OffsetManager()
  private readonly retry: RetryPolicy
  private readonly cfg: Required<
    Pick<
      ConsumerConfig,
      'maxWaitTimeInMs' | 'minBytes' | 'maxBytes' | 'maxBytesPerPartition' | 'metadataMaxAge' | 'checkCrcs'
    >
  > & { allowAutoTopicCreation: boolean }
  private readonly subs = new SubscriptionState()
  private readonly host: DeliveryHost
  private connected = false
  private running = false
  /** Handlers running now (the loop awaits each): see `stop()`. */
  private delivering = 0
  private runConfig: ConsumerRunConfig | null = null
  private loop: Promise<void> | null = null
  private stopSignal = new Signal()
  private wake = new Signal()
  private lastMetadataCheck = 0

  constructor(
    private readonly conn: Connection,
    private readonly metadata: MetadataCache,
    config: ConsumerConfig,
  ) {
    if (!config || typeof config.groupId !== 'string' || config.groupId === '')
      throw new BrookError('INVALID_GROUP_ID', 'a consumer needs a groupId')
    this.groupId = config.groupId
    this.emitter = new Events(conn.clock)
    this.retry = retryPolicy(config.retry, conn.retry)
    const self = this
    this.cfg = {
      maxWaitTimeInMs: config.maxWaitTimeInMs ?? 5000,
      minBytes: config.minBytes ?? 1,
      maxBytes: config.maxBytes ?? 10_485_760,
      maxBytesPerPartition: config.maxBytesPerPartition ?? 1_048_576,
      metadataMaxAge: config.metadataMaxAge ?? 300_000,
      checkCrcs: config.checkCrcs ?? true,
      allowAutoTopicCreation: config.allowAutoTopicCreation ?? true,
    }
    const sessionTimeout = config.sessionTimeout ?? 30_000
    this.group = new GroupMembership(conn, metadata, this.emitter, {
      groupId: config.groupId,
      sessionTimeout,
      rebalanceTimeout: config.rebalanceTimeout ?? 60_000,
      heartbeatInterval: config.heartbeatInterval ?? 3000,
      assigners: config.partitionAssigners?.length ? config.partitionAssigners : defaultAssigners(),
      retry: this.retry,
    })
    this.host = {
      get config() {
        return self.runConfig!
      },
      offsets: this.offsets,
      isRunning: () => this.running,
      mustRejoin: () => this.group.rejoin.isFired,
      isPaused: (t, p) => this.subs.isPaused(t, p),
      pause: (l) => this.pause(l),
      resume: (l) => this.resume(l),
      heartbeat: () => this.group.beat(),
      commitOffsets: (l) => this.commitOffsets(l),
      commitIfNecessary: () => this.commitIfNecessary(),
      emit: (type, payload) => this.emitter.emit(type, payload),
    }
  }

  on(type: string, listener: Listener): () => void {
    return this.emitter.on(type, listener)
  }

  async connect(): Promise<void> {
    this.connected = true
    this.emitter.emit(CONSUMER_EVENTS.CONNECT, null)
  }

  async subscribe(sub: ConsumerSubscribeTopics | ConsumerSubscribeTopic): Promise<void> {
    if (this.running) throw new BrookError('INVALID_REQUEST', 'subscribe before run()')
    const list = 'topics' in sub ? sub.topics : [sub.topic]
    const fromBeginning = sub.fromBeginning ?? false
    for (const t of list) {
      if (typeof t !== 'string' && !(t instanceof RegExp))
        throw new BrookError('INVALID_TOPIC_EXCEPTION', 'topics are strings or RegExps')
    }
    const names = list.filter((t): t is string => typeof t === 'string')
    // As kafkajs: a topic that is not there (and will not be created) is an error now, not an
    // empty assignment later; so is a name no broker accepts.
    await Promise.all(
      names.map((name) => this.metadata.topic(name, this.cfg.allowAutoTopicCreation, this.retry, false)),
    )
    for (const t of list) this.subs.add(t, fromBeginning)
  }

  /** Starts consuming in the background; resolves once the loop is running (not once joined). */
  async run(config: ConsumerRunConfig = {}): Promise<void> {
    if (this.running) throw new BrookError('INVALID_REQUEST', 'the consumer is already running')
    if (!config.eachMessage && !config.eachBatch)
      throw new BrookError('INVALID_REQUEST', 'run() needs eachMessage or eachBatch')
    if (this.subs.isEmpty)
      throw new BrookError('INVALID_REQUEST', 'subscribe to at least one topic before run()')
    if (!this.connected) await this.connect()
    // A stop called from a handler may still be finishing that handler: one loop at a time.
    const previous = this.loop
    if (previous) {
      await previous
      await this.stopped(previous)
    }
    this.runConfig = config
    this.running = true
    this.stopSignal = new Signal()
    this.loop = this.runLoop()
  }

  /**
   * Stops fetching, commits what was resolved (autoCommit) and leaves the group.
   *
   * A handler that is still running after a task's turn is not waited for: the loop waits for the
   * handler, so a handler that awaits `disconnect()` would otherwise wait for itself (kafkajs hangs
   * there). The consumer then stops as soon as that handler returns — its message committed, the
   * member gone — and emits `consumer.stop`.
   */
  async stop(): Promise<void> {
    const loop = this.loop
    if (!this.running && !loop) return
    this.running = false
    this.stopSignal.fire()
    this.group.requestRejoin()
    // A handler about to return (it resolved what stopped us, say) gets to finish first: one real
    // task turn, not clock time (a test's manual clock must not hold it).
    if (this.delivering > 0) await new Promise((r) => setTimeout(r, 0))
    if (this.delivering > 0 && loop) {
      void loop.then(() => this.stopped(loop))
      return
    }
    await loop
    await this.stopped(loop)
  }

  private async stopped(loop: Promise<void> | null): Promise<void> {
    if (this.loop !== loop) return
    this.loop = null
    await this.group.leave()
    this.emitter.emit(CONSUMER_EVENTS.STOP, null)
  }

  async disconnect(): Promise<void> {
    await this.stop()
    this.connected = false
    this.emitter.emit(CONSUMER_EVENTS.DISCONNECT, null)
  }

  /** Commits `offset` (the next offset to read, as Kafka) for each partition given. */
  async commitOffsets(list: TopicPartitionOffsetAndMetadata[]): Promise<void> {
    const topics = new Map<string, { partition: number; offset: number; metadata: string | null }[]>()
    for (const o of list) {
      const offset = toNumber(o.offset, 'offset')
      const entries = topics.get(o.topic) ?? []
      entries.push({ partition: o.partition, offset, metadata: o.metadata ?? null })
      topics.set(o.topic, entries)
    }
    const req = [...topics].map(([name, partitions]) => ({ name, partitions }))
    await sendCommit(this.conn, this.group, this.emitter, req, true)
    for (const o of list) {
      const s = this.offsets.get(o.topic, o.partition)
      if (!s) continue
      const offset = toNumber(o.offset, 'offset')
      s.committed = offset
      if (s.resolved < offset) s.resolved = offset
    }
  }

  /**
   * Moves the next fetch of a partition to `offset` (-2 = earliest, -1 = latest). With autoCommit
   * the new position is committed, so a rebalance does not undo the seek (as kafkajs does).
   */
  seek({ topic, partition, offset }: { topic: string; partition: number; offset: number | string }): void {
    const o = toNumber(offset, 'offset')
    if (o < -2) throw new BrookError('OFFSET_OUT_OF_RANGE', `cannot seek to ${o}`)
    const s = this.offsets.get(topic, partition)
    if (!s) {
      this.subs.pendingSeeks.set(tpKey(topic, partition), o)
      return
    }
    this.subs.pendingSeeks.set(tpKey(topic, partition), o)
    s.epoch++
    this.wake.fire()
  }

  pause(topics: { topic: string; partitions?: number[] }[]): void {
    this.subs.pause(topics)
  }

  resume(topics: { topic: string; partitions?: number[] }[]): void {
    this.subs.resume(topics, this.offsets.states.values())
    this.wake.fire()
  }

  /** Paused topic-partitions among those assigned (and every explicitly paused one). */
  paused(): { topic: string; partitions: number[] }[] {
    return this.subs.paused(this.offsets.states.values())
  }

  /** The member's current assignment (topic → partitions), for tests and tooling. */
  assignment(): Record<string, number[]> {
    return Object.fromEntries(this.group.assignment)
  }

  describeGroupMember(): { memberId: string; generationId: number; isLeader: boolean } {
    return {
      memberId: this.group.memberId,
      generationId: this.group.generationId,
      isLeader: this.group.isLeader,
    }
  }

  private isPaused(topic: string, partition: number): boolean {
    return this.subs.isPaused(topic, partition)
  }

  // ---- the loop ----

  private async runLoop(): Promise<void> {
    let failures = 0
    while (this.running) {
      try {
        // A stop must not wait for a JoinGroup the coordinator may hold for the whole rebalance timeout.
        const assignment = await this.raceStop(
          this.group.join(
            () => this.subs.resolveTopics(this.metadata),
            () => !this.running,
          ),
        )
        if (!this.running || assignment === null) break
        await this.assign(assignment)
        failures = 0
        await this.consumeGeneration()
      } catch (e) {
        if (!this.running) break
        const error = toBrookError(e)
        // A retriable failure (timeouts, coordinator moves) restarts with a rejoin; others stop.
        const restart = error.retriable
        this.emitter.emit(CONSUMER_EVENTS.CRASH, { error, groupId: this.groupId, restart })
        this.conn.logger.error(`consumer ${this.groupId} crashed: ${error.message}`, { restart })
        if (!restart) {
          this.running = false
          break
        }
        await this.race(sleep(this.conn.clock, backoff(this.retry, Math.min(failures++, 10))))
      } finally {
        await this.revoke()
      }
    }
    // After a fatal crash the member leaves at once, so the others need not wait a session timeout.
    await this.group.leave()
  }

  /** Commits (autoCommit) and forgets the generation's partitions before a rejoin or a stop. */
  private async revoke(): Promise<void> {
    if (this.runConfig?.autoCommit !== false) {
      try {
        await this.commitResolved(false)
      } catch (e) {
        this.conn.logger.warn(`commit before rebalance failed: ${(e as Error).message}`)
      }
    }
    this.offsets.clear()
  }

  /** Starts each newly assigned partition at its committed offset, or by the reset policy. */
  private async assign(assignment: Map<string, number[]>): Promise<void> {
    this.offsets.clear()
    const topics = [...assignment].filter(([, ps]) => ps.length > 0)
    if (topics.length === 0) return
    const res = await this.conn.call('OffsetFetch', (s) =>
      s.offsetFetch({
        groupId: this.groupId,
        topics: topics.map(([name, partitions]) => ({ name, partitions })),
      }),
    )
    if (res.errorCode !== 0) throw BrookError.fromCode(res.errorCode, `OffsetFetch ${this.groupId}`)
    const committed = new Map<string, number>()
    for (const t of res.topics)
      for (const p of t.partitions) if (p.errorCode === 0) committed.set(tpKey(t.name, p.partition), p.offset)
    const reset: { topic: string; partition: number; timestamp: number }[] = []
    for (const [topic, partitions] of topics) {
      for (const partition of partitions) {
        const key = tpKey(topic, partition)
        const c = committed.get(key) ?? -1
        const s = this.offsets.add(topic, partition, c, c)
        if (c < 0) {
          s.committed = -1
          reset.push({
            topic,
            partition,
            timestamp: this.subs.fromBeginning(topic) ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP,
          })
        }
      }
    }
    await this.listOffsetsInto(reset)
    await this.applySeeks()
  }

  private async listOffsetsInto(
    list: { topic: string; partition: number; timestamp: number }[],
  ): Promise<void> {
    if (list.length === 0) return
    const byTopic = new Map<string, { partition: number; timestamp: number }[]>()
    for (const r of list) {
      const l = byTopic.get(r.topic) ?? []
      l.push({ partition: r.partition, timestamp: r.timestamp })
      byTopic.set(r.topic, l)
    }
    const res = await this.conn.call('ListOffsets', (s) =>
      s.listOffsets({ topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) }),
    )
    for (const t of res.topics) {
      for (const p of t.partitions) {
        if (p.errorCode !== 0) throw BrookError.fromCode(p.errorCode, `ListOffsets ${t.name}[${p.partition}]`)
        const s = this.offsets.get(t.name, p.partition)
        if (s) s.position = p.offset
      }
    }
  }

  /** Seeks asked for before or during a fetch take effect between fetches. */
  private async applySeeks(): Promise<void> {
    if (this.subs.pendingSeeks.size === 0) return
    const special: { topic: string; partition: number; timestamp: number }[] = []
    const applied: PartitionState[] = []
    for (const [key, offset] of this.subs.pendingSeeks) {
      const s = this.offsets.states.get(key)
      if (!s) continue
      this.subs.pendingSeeks.delete(key)
      s.epoch++
      if (offset < 0) special.push({ topic: s.topic, partition: s.partition, timestamp: offset })
      else s.position = offset
      applied.push(s)
    }
    await this.listOffsetsInto(special)
    if (this.runConfig?.autoCommit !== false) {
      for (const s of applied) s.resolved = s.position
      await this.commitResolved(false)
    } else for (const s of applied) s.resolved = -1
  }

  private raceStop<T>(p: Promise<T>): Promise<T | null> {
    return this.raceSignals(p, [this.stopSignal])
  }

  /** Resolves with `p`, or with null as soon as the consumer is stopped, must rejoin, or is woken. */
  private race<T>(p: Promise<T>): Promise<T | null> {
    return this.raceSignals(p, [this.stopSignal, this.group.rejoin, this.wake])
  }

  private raceSignals<T>(p: Promise<T>, signals: Signal[]): Promise<T | null> {
    return new Promise<T | null>((resolve, reject) => {
      const offs: (() => void)[] = []
      let settled = false
      const finish = (fn: () => void) => {
        if (settled) return
        settled = true
        for (const off of offs) off()
        fn()
      }
      for (const sig of signals) offs.push(sig.listen(() => finish(() => resolve(null))))
      p.then(
        (v) => finish(() => resolve(v)),
        (e) => finish(() => reject(e)),
      )
    })
  }

  private async consumeGeneration(): Promise<void> {
    const cfg = this.cfg
    let idleFailures = 0
    let handlerFailures = 0
    while (this.running && !this.group.rejoin.isFired) {
      if (this.wake.isFired) this.wake = new Signal()
      await this.applySeeks()
      await this.checkMetadata()
      const partitionsByTopic = new Map<
        string,
        { partition: number; fetchOffset: number; partitionMaxBytes: number }[]
      >()
      const asked: PartitionState[] = []
      for (const s of this.offsets.states.values()) {
        if (this.isPaused(s.topic, s.partition)) continue
        const l = partitionsByTopic.get(s.topic) ?? []
        l.push({
          partition: s.partition,
          fetchOffset: s.position,
          partitionMaxBytes: cfg.maxBytesPerPartition,
        })
        partitionsByTopic.set(s.topic, l)
        asked.push(s)
      }
      if (asked.length === 0) {
        await this.race(sleep(this.conn.clock, cfg.maxWaitTimeInMs))
        continue
      }
      const epochs = asked.map((s) => s.epoch)
      const started = this.conn.clock.now()
      let res: FetchResponse | null
      try {
        res = await this.race(
          this.conn.call(
            'Fetch',
            (s) =>
              s.fetch({
                maxWaitMs: cfg.maxWaitTimeInMs,
                minBytes: cfg.minBytes,
                maxBytes: cfg.maxBytes,
                topics: [...partitionsByTopic].map(([name, partitions]) => ({ name, partitions })),
              }),
            cfg.maxWaitTimeInMs,
          ),
        )
      } catch (e) {
        const err = toBrookError(e)
        if (!err.retriable) throw err
        await this.race(sleep(this.conn.clock, backoff(this.retry, Math.min(idleFailures++, 10))))
        continue
      }
      if (res === null) continue // woken: seek, resume, rebalance or stop — the answer is dropped
      idleFailures = 0
      let batches = 0
      let retriableError = false
      let handlerFailed = false
      const index = new Map<string, number>()
      for (let i = 0; i < asked.length; i++) index.set(tpKey(asked[i]!.topic, asked[i]!.partition), i)
      outer: for (const t of res.topics) {
        for (const p of t.partitions) {
          if (!this.running || this.group.rejoin.isFired) break outer
          const i = index.get(tpKey(t.name, p.partition))
          if (i === undefined) continue
          const s = asked[i]!
          // Dropped when sought, paused or revoked while the fetch was out.
          if (s.epoch !== epochs[i] || this.offsets.get(s.topic, s.partition) !== s) continue
          if (this.isPaused(s.topic, s.partition)) continue
          if (p.errorCode === E.OFFSET_OUT_OF_RANGE) {
            const from = s.position
            const earliest = this.subs.fromBeginning(s.topic)
            await this.listOffsetsInto([
              {
                topic: s.topic,
                partition: s.partition,
                timestamp: earliest ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP,
              },
            ])
            this.emitter.emit(CONSUMER_EVENTS.OFFSET_RESET, {
              topic: s.topic,
              partition: s.partition,
              from,
              to: s.position,
              strategy: earliest ? 'earliest' : 'latest',
            })
            continue
          }
          if (p.errorCode !== 0) {
            if (!isRetriable(p.errorCode))
              throw BrookError.fromCode(p.errorCode, `Fetch ${t.name}[${p.partition}]`)
            if (p.errorCode === E.UNKNOWN_TOPIC_OR_PARTITION) this.metadata.invalidate(t.name)
            retriableError = true
            continue
          }
          if (p.records.length === 0) continue
          const decoded = await decodePartition(p.records, s.position, cfg.checkCrcs)
          if (s.epoch !== epochs[i]) continue
          batches++
          this.delivering++
          try {
            await deliver(this.host, s, decoded.messages, decoded.nextOffset, p.highWatermark)
          } catch (e) {
            if (!(e instanceof HandlerError)) throw e
            // The failed record stays unresolved, so it is delivered again after a back-off.
            this.emitter.emit(CONSUMER_EVENTS.CRASH, { error: e.error, groupId: this.groupId, restart: true })
            this.conn.logger.error(`handler failed on ${s.topic}[${s.partition}]: ${String(e.error)}`)
            handlerFailed = true
            break outer
          } finally {
            this.delivering--
          }
        }
      }
      this.emitter.emit(CONSUMER_EVENTS.FETCH, {
        numberOfBatches: batches,
        duration: this.conn.clock.now() - started,
        nodeId: 0,
      })
      await this.commitIfNecessary()
      if (handlerFailed)
        await this.race(sleep(this.conn.clock, backoff(this.retry, Math.min(handlerFailures++, 10))))
      else handlerFailures = 0
      if (retriableError) await this.race(sleep(this.conn.clock, this.retry.initialRetryTime))
    }
  }

  /** Rejoins when a RegExp now matches other topics, or (leader) when partition counts changed. */
  private async checkMetadata(): Promise<void> {
    const now = this.conn.clock.now()
    if (now - this.lastMetadataCheck < this.cfg.metadataMaxAge) return
    const first = this.lastMetadataCheck === 0
    this.lastMetadataCheck = now
    if (first) return
    const before = this.subs.joinedTopics.join('\u0000')
    const after = (await this.subs.resolveTopics(this.metadata)).join('\u0000')
    if (before !== after) {
      this.group.requestRejoin()
      return
    }
    if (this.group.isLeader && this.subs.joinedTopics.length > 0) {
      const known = this.group.partitionCounts
      const md = await this.metadata.refresh(this.subs.joinedTopics, false)
      for (const t of md.topics) {
        if (t.errorCode === 0 && known[t.name] !== t.partitions.length) {
          this.group.requestRejoin()
          return
        }
      }
    }
  }

  // ---- commits ----

  private async commitIfNecessary(): Promise<void> {
    const cfg = this.runConfig
    if (!cfg || cfg.autoCommit === false) return
    const interval = cfg.autoCommitInterval ?? null
    const threshold = cfg.autoCommitThreshold ?? null
    const now = this.conn.clock.now()
    const due =
      (interval === null && threshold === null) ||
      (interval !== null && now - this.offsets.lastCommitAt >= interval) ||
      (threshold !== null && this.offsets.resolvedSinceCommit >= threshold)
    if (due) await this.commitResolved(false)
  }

  private async commitResolved(userCall: boolean): Promise<void> {
    const pending = this.offsets.pendingCommit()
    if (!pending) return
    const values = pending.states.map((s) => s.resolved)
    await sendCommit(this.conn, this.group, this.emitter, pending.topics, userCall)
    pending.states.forEach((s, i) => {
      s.committed = values[i]!
    })
    this.offsets.resolvedSinceCommit = 0
    this.offsets.lastCommitAt = this.conn.clock.now()
  }
}
