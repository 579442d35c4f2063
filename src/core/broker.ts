/**
 * @module `Broker`: one node that is its own controller, leader of every partition and group
 * coordinator. It keeps topics and their partition logs over a `Store`, serves produce (with
 * idempotent producers), long-poll fetch, offsets by time, retention and compaction, and hands
 * consumer-group calls to the `GroupCoordinator`.
 */

import type { AclBinding, AclFilter } from './acl.ts'
import { AclStore } from './acl-store.ts'
import { TOPIC_CONFIG_SYNONYMS } from './broker-config.ts'
import type { PartitionLookup } from './broker-fetch.ts'
import { FetchHandler } from './broker-fetch.ts'
import { deleteRecords, listOffsets } from './broker-offsets.ts'
import type { Clock } from './clock.ts'
import { systemClock } from './clock.ts'
import { BrokerConfigs, validateBrokerConfigs } from './dynamic-configs.ts'
import { BrookError, errorDetail } from './errors.ts'
import { FetchWaiters, partitionKey } from './fetch-waiter.ts'
import { GroupCoordinator } from './group-coordinator.ts'
import type { Log } from './log.ts'
import type { PartitionLog } from './partition-log.ts'
import { checkKeysForCompaction, checkProduceRecords, toTopicCompression } from './produce-validation.ts'
import { code, errorCodeOf, errorMessageOf, isInt, NONE, nameOf, show } from './request-values.ts'
import type {
  AclCreateResult,
  AclDeleteResult,
  AclDescribeResult,
  AlterConfigsRequest,
  BrokerConfigAlteration,
  BrokerConfigScope,
  BrokerService,
  CreatePartitionsRequest,
  CreateTopicsRequest,
  DeleteRecordsRequest,
  DeleteRecordsResponse,
  DescribeConfigsResult,
  DescribedConfig,
  DescribedGroup,
  FetchRequest,
  FetchResponse,
  HeartbeatRequest,
  InitProducerIdRequest,
  InitProducerIdResponse,
  JoinGroupRequest,
  JoinGroupResponse,
  LeaveGroupRequest,
  ListGroupsResponse,
  ListOffsetsRequest,
  ListOffsetsResponse,
  MetadataRequest,
  MetadataResponse,
  OffsetCommitRequest,
  OffsetCommitResponse,
  OffsetFetchRequest,
  OffsetFetchResponse,
  ProducePartitionResult,
  ProduceRequest,
  ProduceResponse,
  SyncGroupRequest,
  SyncGroupResponse,
  TopicMetadata,
  TopicResult,
} from './service.ts'
import type { Store } from './store.ts'
import { validateTopicName } from './topic-config.ts'
import type { Topic } from './topic-registry.ts'
import { newId, TopicRegistry } from './topic-registry.ts'

export interface BrokerOptions {
  store: Store
  clock?: Clock
  nodeId?: number
  host?: string
  port?: number
  /** Default: generated once and kept in the store. */
  clusterId?: string
  /** Create unknown topics on produce and on metadata requests that allow it. Default false. */
  autoCreateTopics?: boolean
  /** num.partitions for created topics that do not say. Default 1. */
  defaultPartitions?: number
  /** How often retention (and compaction of changed compacted logs) runs. Default 300,000 ms. */
  retentionCheckIntervalMs?: number
  /** group.initial.rebalance.delay.ms for the group coordinator. */
  initialRebalanceDelayMs?: number
  /**
   * Broker-wide defaults for topic configs (e.g. a retention.bytes budget for a browser), by topic
   * config name: the same as setting their broker configs (retention.bytes → log.retention.bytes)
   * in `staticConfigs`, which win where both are given.
   */
  topicDefaults?: Record<string, string>
  /**
   * Broker configs the operator started the broker with (Kafka's server.properties), e.g.
   * `log.retention.ms`; described as STATIC_BROKER_CONFIG. Throws INVALID_CONFIG for a name brook
   * does not know or a bad value.
   */
  staticConfigs?: Record<string, string>
  /** Per-partition bytes of recent batches kept in memory for tailing consumers. Default 8 MiB. */
  tailCacheBytes?: number
  /** Where the broker reports what recovery found and maintenance failures. Default: console.warn. */
  log?: Log
}

const CLUSTER_ID_KEY = 'broker/clusterId'
const PRODUCER_ID_KEY = 'broker/producerIdBlock'
/** Producer ids are reserved in blocks, so that initProducerId rarely writes meta. */
const PRODUCER_ID_BLOCK = 1000
const MAX_EPOCH = 32_767
export class Broker implements BrokerService {
  readonly nodeId: number
  readonly host: string
  readonly port: number
  private cluster = ''
  private readonly store: Store

  /**
   * Made when the store was new, and kept in it (unless `clusterId` was given): a store found later
   * with another id is another store, and whatever the first held is gone.
   */
  get clusterId(): string {
    return this.cluster
  }
  private readonly clock: Clock
  private readonly options: BrokerOptions
  private readonly report: Log
  /** The store refused the last writes (see noteStorage). */
  private storageRefusing = false
  /** Maintenance tasks failing now, with the reason last logged. */
  private readonly failingTasks = new Map<string, string>()
  private readonly registry: TopicRegistry
  /** Broker configs at every level; the dynamic ones change with AlterConfigs. */
  private readonly configs: BrokerConfigs
  private readonly acls: AclStore
  private readonly waiters: FetchWaiters
  private readonly fetcher: FetchHandler
  private readonly lookup: PartitionLookup = (topic, partition) =>
    typeof partition === 'number' ? this.log(topic, partition) : undefined
  private readonly listeners = new Set<(topic: string, partition: number, highWatermark: number) => void>()
  private readonly rebalanceListeners = new Set<(groupId: string | null) => void>()
  private coordinator!: GroupCoordinator
  private nextProducerId = 0
  private producerIdBlockEnd = 0
  private readonly producerEpochs = new Map<number, number>()
  private cancelRetentionTimer: (() => void) | undefined
  private maintaining = false
  private maintainAgain = false
  private closed = false

  private constructor(options: BrokerOptions) {
    this.options = options
    this.report = options.log ?? ((line) => console.warn(line))
    this.store = options.store
    this.clock = options.clock ?? systemClock
    this.nodeId = options.nodeId ?? 0
    this.host = options.host ?? '127.0.0.1'
    this.port = options.port ?? 9092
    this.waiters = new FetchWaiters(this.clock)
    this.fetcher = new FetchHandler(this.lookup, this.waiters, this.clock, () => this.closed)
    this.acls = new AclStore(this.store)
    this.configs = new BrokerConfigs(
      this.store,
      brokerStaticConfigs(options),
      {
        'broker.id': String(this.nodeId),
        'node.id': String(this.nodeId),
        'auto.create.topics.enable': String(!!options.autoCreateTopics),
        'num.partitions': String(options.defaultPartitions ?? 1),
        // The group coordinator's own default (see group-coordinator.ts).
        'group.initial.rebalance.delay.ms': String(options.initialRebalanceDelayMs ?? 100),
        listeners: `PLAINTEXT://${this.host}:${this.port}`,
        // brook keeps committed offsets until their group or topic is deleted.
        'offsets.retention.minutes': '-1',
      },
      () => this.brokerConfigsChanged(),
    )
    this.registry = new TopicRegistry({
      store: this.store,
      defaultPartitions: Number(this.configs.value('num.partitions')),
      topicDefaults: this.configs.topicDefaults(),
      tailCacheBytes: options.tailCacheBytes,
      log: this.report,
      onAppend: (topic, partition, hwm) => this.appended(topic, partition, hwm),
      // Long-polls on a deleted topic answer UNKNOWN_TOPIC_OR_PARTITION at once.
      onDeleting: (name, partitions) => {
        for (let p = 0; p < partitions; p++) this.waiters.notify(partitionKey(name, p))
      },
      onDeleted: (name) => this.coordinator.deleteTopicOffsets(name),
    })
  }

  /** Opens a broker over `store`, rebuilding topics, logs, producer state and groups from it. */
  static async open(options: BrokerOptions): Promise<Broker> {
    const broker = new Broker(options)
    await broker.load()
    return broker
  }

  private async load(): Promise<void> {
    const storedCluster = await this.store.getMeta(CLUSTER_ID_KEY)
    this.cluster = this.options.clusterId ?? (typeof storedCluster === 'string' ? storedCluster : newId())
    if (storedCluster !== this.cluster) await this.store.setMeta(CLUSTER_ID_KEY, this.cluster)
    const block = await this.store.getMeta(PRODUCER_ID_KEY)
    this.nextProducerId = this.producerIdBlockEnd = typeof block === 'number' ? block : 0

    await this.configs.load(this.report)
    this.registry.setTopicDefaults(this.configs.topicDefaults())
    await this.registry.load()
    await this.acls.load()

    this.coordinator = new GroupCoordinator({
      store: this.store,
      clock: this.clock,
      initialRebalanceDelayMs: this.options.initialRebalanceDelayMs,
      partitionExists: (topic, partition) => this.partitionExists(topic, partition),
      // After the coordinator's own step: a listener that heartbeats must not re-enter it.
      onRebalance: (groupId) =>
        queueMicrotask(() => {
          for (const l of this.rebalanceListeners) l(groupId)
        }),
    })
    await this.coordinator.load()
    this.scheduleRetention()
  }

  private appended(topic: string, partition: number, hwm: number): void {
    this.waiters.notify(partitionKey(topic, partition))
    for (const l of this.listeners) {
      try {
        l(topic, partition, hwm)
      } catch {
        // A transport's listener must not break produce.
      }
    }
  }

  /** Calls `listener` after each append that moves a high watermark; returns an unsubscribe. */
  /** See `BrokerService.onGroupRebalance`; returns a function that unsubscribes. */
  onGroupRebalance(listener: (groupId: string | null) => void): () => void {
    this.rebalanceListeners.add(listener)
    return () => this.rebalanceListeners.delete(listener)
  }

  onAppend(listener: (topic: string, partition: number, highWatermark: number) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  partitionExists(topic: string, partition: number): boolean {
    return this.registry.partitionExists(topic, partition)
  }

  /** The log of a partition, for tools and tests; undefined when it does not exist. */
  log(topic: string, partition: number): PartitionLog | undefined {
    return this.registry.log(topic, partition)
  }

  /** Topic names, sorted. */
  topicNames(): string[] {
    return this.registry.names()
  }

  // ---- topics ----

  async createTopics(req: CreateTopicsRequest): Promise<TopicResult[]> {
    this.check()
    return this.registry.createTopics(req)
  }

  async deleteTopics(names: string[]): Promise<TopicResult[]> {
    this.check()
    return this.registry.deleteTopics(names)
  }

  async createPartitions(req: CreatePartitionsRequest): Promise<TopicResult[]> {
    this.check()
    return this.registry.createPartitions(req)
  }

  async describeConfigs(topics: string[]): Promise<DescribeConfigsResult[]> {
    this.check()
    return this.registry.describeConfigs(topics, (explicit) => this.configs.describeTopic(explicit))
  }

  async describeBrokerConfigs(scope: BrokerConfigScope): Promise<DescribedConfig[]> {
    this.check()
    return this.configs.describe(scope)
  }

  async alterBrokerConfigs(
    req: BrokerConfigAlteration,
  ): Promise<{ errorCode: number; errorMessage: string | null }> {
    this.check()
    try {
      await this.configs.alter(req)
      return { errorCode: NONE, errorMessage: null }
    } catch (e) {
      return { errorCode: errorCodeOf(e), errorMessage: errorMessageOf(e) }
    }
  }

  /**
   * Read-only broker configs only the server knows once it listens (`listeners`,
   * `advertised.listeners`, `log.dirs`), described as brook's defaults.
   */
  setServerConfigs(values: Record<string, string>): void {
    this.configs.setDefaults(values)
  }

  /** A dynamic broker config changed: topics without an override follow it, retention at once. */
  private brokerConfigsChanged(): void {
    this.registry.setTopicDefaults(this.configs.topicDefaults())
    void this.runMaintenance()
  }

  async alterConfigs(req: AlterConfigsRequest): Promise<TopicResult[]> {
    this.check()
    return this.registry.alterConfigs(req)
  }

  private check(): void {
    if (this.closed) throw new BrookError('BROKER_NOT_AVAILABLE', 'the broker is closed')
  }

  // ---- metadata ----

  private topicMetadata(topic: Topic): TopicMetadata {
    return {
      errorCode: NONE,
      name: topic.name,
      topicId: topic.topicId,
      isInternal: false,
      partitions: topic.logs.map((_, partition) => ({
        errorCode: NONE,
        partition,
        leader: this.nodeId,
        replicas: [this.nodeId],
        isr: [this.nodeId],
      })),
    }
  }

  async metadata(req: MetadataRequest): Promise<MetadataResponse> {
    this.check()
    const topics: TopicMetadata[] = []
    const requested = req?.topics
    if (requested !== null && requested !== undefined && !Array.isArray(requested))
      throw new BrookError('INVALID_REQUEST', 'metadata topics must be a list of names or null')
    if (requested === null || requested === undefined) {
      for (const name of this.topicNames()) topics.push(this.topicMetadata(this.registry.get(name)!))
    } else {
      for (const name of requested) {
        let topic = this.registry.get(name)
        let error: number = code('UNKNOWN_TOPIC_OR_PARTITION')
        if (!topic) {
          try {
            validateTopicName(name)
            if (req.allowAutoTopicCreation && this.options.autoCreateTopics)
              topic = await this.registry.autoCreate(name)
          } catch (e) {
            error = errorCodeOf(e)
          }
        }
        if (topic) topics.push(this.topicMetadata(topic))
        else
          topics.push({
            errorCode: error,
            name: show(name),
            topicId: '',
            isInternal: false,
            partitions: [],
          })
      }
    }
    return {
      brokers: [{ nodeId: this.nodeId, host: this.host, port: this.port }],
      clusterId: this.cluster,
      controllerId: this.nodeId,
      topics,
    }
  }

  // ---- produce ----

  async produce(req: ProduceRequest): Promise<ProduceResponse> {
    this.check()
    const acks = req?.acks
    const acksValid = acks === -1 || acks === 0 || acks === 1
    const topics = Array.isArray(req?.topics) ? req.topics : []
    const results = await Promise.all(
      topics.map(async (t) => {
        const name = nameOf(t)
        let topic = this.registry.get(name)
        let nameError: unknown
        if (!topic && acksValid && this.options.autoCreateTopics) {
          // A topic that cannot be created (a full disk) fails its partitions, not the request.
          topic = await this.registry.autoCreate(name).catch((e) => {
            nameError = e
            return undefined
          })
        }
        const parts = Array.isArray(t?.partitions) ? t.partitions : []
        if (!topic && !nameError) {
          try {
            validateTopicName(name)
          } catch (e) {
            nameError = e
          }
        }
        const partitions = await Promise.all(
          parts.map((p) =>
            this.producePartition(
              topic,
              p?.partition,
              p?.records,
              acksValid,
              nameError,
              req.keepOffsets === true,
            ),
          ),
        )
        return { name, partitions }
      }),
    )
    if (acks === -1 && !this.store.durableAppends) {
      const wrote = results.some((t) => t.partitions.some((p) => p.errorCode === NONE))
      if (wrote) {
        try {
          await this.store.flush()
        } catch (e) {
          const message = errorMessageOf(e)
          for (const t of results)
            for (const p of t.partitions)
              if (p.errorCode === NONE) {
                p.errorCode = code('KAFKA_STORAGE_ERROR')
                p.errorMessage = message
              }
        }
      }
    }
    this.noteStorage(results)
    return { topics: results }
  }

  /**
   * A store refusing writes (a full disk) is logged once when it starts, and once when writes pass
   * again, not on every produce: clients hear KAFKA_STORAGE_ERROR meanwhile and retry.
   */
  private noteStorage(results: { name: string; partitions: ProducePartitionResult[] }[]): void {
    const STORAGE = code('KAFKA_STORAGE_ERROR')
    let refused: ProducePartitionResult | undefined
    let stored = false
    for (const t of results)
      for (const p of t.partitions) {
        if (p.errorCode === STORAGE) refused ??= p
        else if (p.errorCode === NONE) stored = true
      }
    if (refused && !this.storageRefusing) {
      this.storageRefusing = true
      this.report(
        `brook: the store refuses writes (${refused.errorMessage ?? 'storage error'}); producers get ` +
          'KAFKA_STORAGE_ERROR until it accepts them again',
        'error',
      )
    } else if (stored && !refused && this.storageRefusing) {
      this.storageRefusing = false
      this.report('brook: the store accepts writes again', 'info')
    }
  }

  private async producePartition(
    topic: Topic | undefined,
    partition: unknown,
    records: unknown,
    acksValid: boolean,
    nameError?: unknown,
    keepOffsets = false,
  ): Promise<ProducePartitionResult> {
    const p = isInt(partition) ? partition : -1
    const fail = (e: unknown, logStartOffset = -1): ProducePartitionResult => ({
      partition: p,
      errorCode: errorCodeOf(e),
      errorMessage: errorMessageOf(e),
      baseOffset: -1,
      logAppendTimeMs: -1,
      logStartOffset,
    })
    if (!acksValid) return fail(new BrookError('INVALID_REQUIRED_ACKS'))
    if (nameError) return fail(nameError)
    const log = topic && p >= 0 ? topic.logs[p] : undefined
    if (!topic || !log)
      return fail(new BrookError('UNKNOWN_TOPIC_OR_PARTITION', `partition ${show(partition)} does not exist`))
    try {
      const checked = checkProduceRecords(records, topic.config.maxMessageBytes)
      if (topic.config.compactEnabled) await checkKeysForCompaction(checked.batches, topic.name, p)
      const { batches, headers } = await toTopicCompression(
        checked,
        topic.config.compression,
        topic.config.maxMessageBytes,
      )
      const appendTime = topic.config.logAppendTime ? this.clock.now() : undefined
      const r = await log.append(batches, headers, appendTime, keepOffsets)
      return {
        partition: p,
        errorCode: NONE,
        errorMessage: null,
        baseOffset: r.baseOffset,
        logAppendTimeMs: appendTime ?? -1,
        logStartOffset: log.logStartOffset,
      }
    } catch (e) {
      return fail(e, log.logStartOffset)
    }
  }

  // ---- fetch and offsets ----

  async fetch(req: FetchRequest): Promise<FetchResponse> {
    this.check()
    return this.fetcher.fetch(req)
  }

  async listOffsets(req: ListOffsetsRequest): Promise<ListOffsetsResponse> {
    this.check()
    return listOffsets(this.lookup, req)
  }

  async deleteRecords(req: DeleteRecordsRequest): Promise<DeleteRecordsResponse> {
    this.check()
    return deleteRecords(this.lookup, req)
  }

  // ---- producers ----

  async initProducerId(req: InitProducerIdRequest): Promise<InitProducerIdResponse> {
    this.check()
    // KIP-360: a producer that knows its id and epoch gets the next epoch of the same id.
    const pid = req?.producerId
    const epoch = req?.producerEpoch
    if (isInt(pid) && pid >= 0 && pid < this.nextProducerId && isInt(epoch) && epoch >= 0) {
      const next = Math.max(epoch, this.producerEpochs.get(pid) ?? 0) + 1
      if (next <= MAX_EPOCH) {
        this.producerEpochs.set(pid, next)
        return { errorCode: NONE, producerId: pid, producerEpoch: next }
      }
    }
    if (this.nextProducerId >= this.producerIdBlockEnd) {
      const end = this.producerIdBlockEnd + PRODUCER_ID_BLOCK
      this.producerIdBlockEnd = end
      await this.store.setMeta(PRODUCER_ID_KEY, end)
    }
    const producerId = this.nextProducerId++
    this.producerEpochs.set(producerId, 0)
    return { errorCode: NONE, producerId, producerEpoch: 0 }
  }

  // ---- retention and compaction ----

  private scheduleRetention(): void {
    const interval = this.options.retentionCheckIntervalMs ?? 300_000
    if (this.closed || !(interval > 0)) return
    // Fixed rate: the next check is due whatever this one costs; overlapping ticks run it again.
    this.cancelRetentionTimer = this.clock.setTimeout(() => {
      this.scheduleRetention()
      void this.runMaintenance()
    }, interval)
  }

  private async runMaintenance(): Promise<void> {
    if (this.maintaining) {
      this.maintainAgain = true
      return
    }
    this.maintaining = true
    try {
      do {
        this.maintainAgain = false
        await this.maintain()
      } while (this.maintainAgain && !this.closed)
    } finally {
      this.maintaining = false
    }
  }

  private async maintain(): Promise<void> {
    for (const topic of this.registry.values()) {
      for (let p = 0; p < topic.logs.length; p++) {
        const log = topic.logs[p]!
        if (topic.config.deleteEnabled)
          await this.attempt(`retention of ${topic.name}[${p}]`, () =>
            log.enforceRetention(topic.config, this.clock.now()),
          )
        if (topic.config.compactEnabled && (log.dirty || log.cleanAgainAt <= this.clock.now()))
          await this.attempt(`compaction of ${topic.name}[${p}]`, () =>
            log.compact(topic.config.deleteRetentionMs, this.clock.now()),
          )
      }
    }
  }

  /**
   * Runs one maintenance task. A failure does not stop the others and is tried again next round;
   * it is logged when it starts (or its reason changes) and when it ends, not every round.
   */
  private async attempt(what: string, task: () => Promise<unknown>): Promise<void> {
    try {
      await task()
      if (this.failingTasks.delete(what)) this.report(`brook: ${what} works again`, 'info')
    } catch (e) {
      if (this.closed) return
      const reason = errorDetail(e)
      if (this.failingTasks.get(what) === reason) return
      this.failingTasks.set(what, reason)
      this.report(`brook: ${what} failed: ${reason}; tried again at every check`, 'error')
    }
  }

  /** Applies retention.ms and retention.bytes to every topic with cleanup.policy delete. */
  async enforceRetention(): Promise<number> {
    let removed = 0
    for (const topic of this.registry.values()) {
      if (!topic.config.deleteEnabled) continue
      for (const log of topic.logs) removed += await log.enforceRetention(topic.config, this.clock.now())
    }
    return removed
  }

  /** Compacts the compacted topics (or just `topic`); returns the number of records removed. */
  async compact(topic?: string): Promise<number> {
    let removed = 0
    const list = topic === undefined ? this.registry.values() : [this.registry.get(topic)]
    for (const t of list) {
      if (!t?.config.compactEnabled) continue
      for (const log of t.logs) removed += await log.compact(t.config.deleteRetentionMs, this.clock.now())
    }
    return removed
  }

  // ---- groups ----

  async findCoordinator(
    _groupId: string,
  ): Promise<{ errorCode: number; nodeId: number; host: string; port: number }> {
    this.check()
    return { errorCode: NONE, nodeId: this.nodeId, host: this.host, port: this.port }
  }

  async joinGroup(req: JoinGroupRequest): Promise<JoinGroupResponse> {
    this.check()
    return this.coordinator.joinGroup(req)
  }

  async syncGroup(req: SyncGroupRequest): Promise<SyncGroupResponse> {
    this.check()
    return this.coordinator.syncGroup(req)
  }

  async heartbeat(req: HeartbeatRequest): Promise<{ errorCode: number }> {
    this.check()
    return this.coordinator.heartbeat(req)
  }

  async leaveGroup(
    req: LeaveGroupRequest,
  ): Promise<{ errorCode: number; members: { memberId: string; errorCode: number }[] }> {
    this.check()
    return this.coordinator.leaveGroup(req)
  }

  async offsetCommit(req: OffsetCommitRequest): Promise<OffsetCommitResponse> {
    this.check()
    return this.coordinator.offsetCommit(req)
  }

  async offsetFetch(req: OffsetFetchRequest): Promise<OffsetFetchResponse> {
    this.check()
    return this.coordinator.offsetFetch(req)
  }

  async listGroups(): Promise<ListGroupsResponse> {
    this.check()
    return this.coordinator.listGroups()
  }

  async describeGroups(groupIds: string[]): Promise<DescribedGroup[]> {
    this.check()
    return this.coordinator.describeGroups(groupIds)
  }

  async deleteGroups(groupIds: string[]): Promise<{ groupId: string; errorCode: number }[]> {
    this.check()
    return this.coordinator.deleteGroups(groupIds)
  }

  // ---- ACLs ----

  async createAcls(bindings: AclBinding[]): Promise<AclCreateResult[]> {
    this.check()
    return this.acls.create(bindings)
  }

  async describeAcls(filter: AclFilter): Promise<AclDescribeResult> {
    this.check()
    return this.acls.describe(filter)
  }

  async deleteAcls(filters: AclFilter[]): Promise<AclDeleteResult[]> {
    this.check()
    return this.acls.delete(filters)
  }

  // ---- lifecycle ----

  /** Stops timers, answers pending fetches, closes the coordinator, persists and closes the store. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.cancelRetentionTimer?.()
    this.waiters.closeAll()
    this.coordinator.close()
    await this.registry.idle()
    for (const topic of this.registry.values()) await Promise.all(topic.logs.map((l) => l.close()))
    await this.store.flush()
    await this.store.close()
  }
}

/**
 * The broker's start-up configs: `staticConfigs`, over `topicDefaults` given by topic config name
 * (each becomes its first broker synonym; one without a broker synonym is refused).
 */
function brokerStaticConfigs(options: BrokerOptions): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(options.topicDefaults ?? {})) {
    const synonym = TOPIC_CONFIG_SYNONYMS[name]?.[0]?.name
    if (!synonym) throw new BrookError('INVALID_CONFIG', `topic config "${name}" has no broker-wide default`)
    out[synonym] = value
  }
  return validateBrokerConfigs({ ...out, ...options.staticConfigs })
}
