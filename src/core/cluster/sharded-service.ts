/**
 * @module A BrokerService spread over many brokers: a coordinator that owns topics, configs,
 * producer ids, groups and committed offsets, and one host per partition that owns its log — the
 * shape of brook on Cloudflare, where each is a Durable Object and a topic's partitions live on
 * different machines. Every client, door and test that speaks BrokerService works over it
 * unchanged. It routes; the brokers behind it do all the Kafka work.
 */

import type { AclBinding, AclFilter } from '../acl.ts'
import { BrookError, errorCode } from '../errors.ts'
import type {
  AlterConfigsRequest,
  BrokerService,
  CreatePartitionsRequest,
  CreateTopicsRequest,
  DeleteRecordsRequest,
  DeleteRecordsResponse,
  FetchPartitionResult,
  FetchRequest,
  FetchResponse,
  ListOffsetsRequest,
  ListOffsetsResponse,
  MetadataRequest,
  ProducePartitionResult,
  ProduceRequest,
  ProduceResponse,
  TopicResult,
} from '../service.ts'
import type { PartitionApi, TopicInfo } from './partition-host.ts'

export interface ShardedServiceOptions {
  coordinator: BrokerService
  /** The host of one partition of one topic (by its coordinator topic id: a re-created topic gets new hosts). */
  partition(topicId: string, partition: number): PartitionApi
  /** Create unknown topics on produce, as the coordinator would on metadata. Default false. */
  autoCreateTopics?: boolean
  /** How long a topic's description is reused before asking the coordinator again. Default 1,000 ms. */
  topicCacheMs?: number
  now?: () => number
}

const UNKNOWN_TOPIC = errorCode('UNKNOWN_TOPIC_OR_PARTITION')
const EMPTY = new Uint8Array(0)

function unknownPartition(partition: number): FetchPartitionResult {
  return {
    partition,
    errorCode: UNKNOWN_TOPIC,
    highWatermark: -1,
    lastStableOffset: -1,
    logStartOffset: -1,
    records: EMPTY,
  }
}

export class ShardedService implements BrokerService {
  private readonly topics = new Map<string, { info: TopicInfo | null; at: number }>()
  private readonly now: () => number

  constructor(private readonly opts: ShardedServiceOptions) {
    this.now = opts.now ?? Date.now
  }

  private get coordinator(): BrokerService {
    return this.opts.coordinator
  }

  /** The topic as the coordinator describes it (cached briefly); null when it does not exist. */
  async topic(name: string, create = false): Promise<TopicInfo | null> {
    const cached = this.topics.get(name)
    const ttl = this.opts.topicCacheMs ?? 1000
    if (cached && this.now() - cached.at < ttl && (cached.info || !create)) return cached.info
    const md = await this.coordinator.metadata({ topics: [name], allowAutoTopicCreation: create })
    const t = md.topics.find((x) => x.name === name)
    let info: TopicInfo | null = null
    if (t && t.errorCode === 0) {
      const [described] = await this.coordinator.describeConfigs([name])
      const configs: Record<string, string> = {}
      for (const c of described?.configs ?? [])
        if (!c.isDefault && c.value !== null) configs[c.name] = c.value
      info = { name, topicId: t.topicId, partitions: t.partitions.length, configs }
    }
    this.topics.set(name, { info, at: this.now() })
    return info
  }

  private forget(names: Iterable<string>): void {
    for (const n of names) this.topics.delete(n)
  }

  // ---- owned by the coordinator ----

  metadata(req: MetadataRequest) {
    return this.coordinator.metadata(req)
  }
  async createTopics(req: CreateTopicsRequest) {
    const res = await this.coordinator.createTopics(req)
    this.forget(req.topics.map((t) => t.name))
    return res
  }
  async createPartitions(req: CreatePartitionsRequest) {
    const res = await this.coordinator.createPartitions(req)
    this.forget(req.topics.map((t) => t.name))
    return res
  }
  describeConfigs(topics: string[]) {
    return this.coordinator.describeConfigs(topics)
  }
  async alterConfigs(req: AlterConfigsRequest) {
    const res = await this.coordinator.alterConfigs(req)
    this.forget(req.topics.map((t) => t.name))
    return res
  }
  initProducerId(req: Parameters<BrokerService['initProducerId']>[0]) {
    return this.coordinator.initProducerId(req)
  }
  findCoordinator(groupId: string) {
    return this.coordinator.findCoordinator(groupId)
  }
  joinGroup(req: Parameters<BrokerService['joinGroup']>[0]) {
    return this.coordinator.joinGroup(req)
  }
  syncGroup(req: Parameters<BrokerService['syncGroup']>[0]) {
    return this.coordinator.syncGroup(req)
  }
  heartbeat(req: Parameters<BrokerService['heartbeat']>[0]) {
    return this.coordinator.heartbeat(req)
  }
  leaveGroup(req: Parameters<BrokerService['leaveGroup']>[0]) {
    return this.coordinator.leaveGroup(req)
  }
  offsetCommit(req: Parameters<BrokerService['offsetCommit']>[0]) {
    return this.coordinator.offsetCommit(req)
  }
  offsetFetch(req: Parameters<BrokerService['offsetFetch']>[0]) {
    return this.coordinator.offsetFetch(req)
  }
  listGroups() {
    return this.coordinator.listGroups()
  }
  describeGroups(groupIds: string[]) {
    return this.coordinator.describeGroups(groupIds)
  }
  deleteGroups(groupIds: string[]) {
    return this.coordinator.deleteGroups(groupIds)
  }
  createAcls(bindings: AclBinding[]) {
    return this.need('createAcls')(bindings)
  }
  describeAcls(filter: AclFilter) {
    return this.need('describeAcls')(filter)
  }
  deleteAcls(filters: AclFilter[]) {
    return this.need('deleteAcls')(filters)
  }
  /** An ACL call of the coordinator; SECURITY_DISABLED when it keeps none. */
  private need<K extends 'createAcls' | 'describeAcls' | 'deleteAcls'>(
    name: K,
  ): NonNullable<BrokerService[K]> {
    const f = this.coordinator[name]
    if (!f) throw new BrookError('SECURITY_DISABLED', 'the coordinator keeps no ACLs')
    return f.bind(this.coordinator) as NonNullable<BrokerService[K]>
  }

  /** Deleted at the coordinator first (clients stop seeing it), then each partition drops its data. */
  async deleteTopics(names: string[]): Promise<TopicResult[]> {
    const before = new Map<string, TopicInfo>()
    for (const n of names) {
      const t = await this.topic(n).catch(() => null)
      if (t) before.set(n, t)
    }
    const res = await this.coordinator.deleteTopics(names)
    this.forget(names)
    for (const r of res) {
      const t = before.get(r.name)
      if (r.errorCode !== 0 || !t) continue
      await Promise.allSettled(
        Array.from({ length: t.partitions }, (_, p) => this.opts.partition(t.topicId, p).drop(t.name)),
      )
    }
    return res
  }

  // ---- owned by the partitions ----

  async produce(req: ProduceRequest): Promise<ProduceResponse> {
    const topics = await Promise.all(
      req.topics.map(async (t) => {
        const info = await this.topic(t.name, this.opts.autoCreateTopics === true)
        const partitions = await Promise.all(
          t.partitions.map(async (p): Promise<ProducePartitionResult> => {
            if (!info || p.partition < 0 || p.partition >= info.partitions)
              return {
                partition: p.partition,
                errorCode: UNKNOWN_TOPIC,
                baseOffset: -1,
                logAppendTimeMs: -1,
                logStartOffset: -1,
              }
            return this.opts
              .partition(info.topicId, p.partition)
              .produce(info, p.partition, req.acks, req.timeoutMs, p.records)
          }),
        )
        return { name: t.name, partitions }
      }),
    )
    return { topics }
  }

  /**
   * Asks every partition at once without waiting; if that is not enough, asks again waiting up to
   * maxWaitMs and answers when the first partition has data (the others are asked once more
   * without waiting, so the answer has all there is).
   */
  async fetch(req: FetchRequest): Promise<FetchResponse> {
    const targets: {
      topic: string
      topicId?: string
      partition: number
      info: TopicInfo | null
      offset: number
      max: number
    }[] = []
    for (const t of req.topics) {
      const info = await this.topic(t.name)
      for (const p of t.partitions)
        targets.push({
          topic: t.name,
          topicId: t.topicId,
          partition: p.partition,
          info,
          offset: p.fetchOffset,
          max: Math.min(p.partitionMaxBytes, req.maxBytes),
        })
    }
    const ask = (i: number, maxWaitMs: number): Promise<FetchPartitionResult> => {
      const x = targets[i]!
      if (!x.info || x.partition < 0 || x.partition >= x.info.partitions)
        return Promise.resolve(unknownPartition(x.partition))
      if (typeof x.topicId === 'string' && x.topicId !== x.info.topicId)
        return Promise.resolve({ ...unknownPartition(x.partition), errorCode: errorCode('UNKNOWN_TOPIC_ID') })
      const host = this.opts.partition(x.info.topicId, x.partition)
      return host.fetch(x.info, x.partition, {
        fetchOffset: x.offset,
        maxBytes: x.max,
        maxWaitMs,
        isolationLevel: req.isolationLevel,
      })
    }
    let results = await Promise.all(targets.map((_, i) => ask(i, 0)))
    const bytes = (rs: FetchPartitionResult[]) => rs.reduce((n, r) => n + r.records.byteLength, 0)
    const anyError = results.some((r) => r.errorCode !== 0)
    if (!anyError && req.maxWaitMs > 0 && bytes(results) < Math.max(1, req.minBytes) && targets.length > 0) {
      const waited = targets.map((_, i) => ask(i, req.maxWaitMs))
      const first = await Promise.race(
        waited.map((p, i) => p.then((r) => (r.records.byteLength > 0 || r.errorCode !== 0 ? i : -1))),
      ).catch(() => -1)
      if (first >= 0)
        results = await Promise.all(targets.map((_, i) => (i === first ? waited[i]! : ask(i, 0))))
      else results = await Promise.all(waited)
    }
    // The whole answer stays within maxBytes, as Kafka's: the first partition with data always has it.
    let budget = req.maxBytes
    const byTopic = new Map<string, FetchPartitionResult[]>()
    results.forEach((r, i) => {
      let out = r
      if (r.records.byteLength > 0) {
        if (budget <= 0) out = { ...r, records: EMPTY }
        budget -= r.records.byteLength
      }
      const name = targets[i]!.topic
      byTopic.set(name, [...(byTopic.get(name) ?? []), out])
    })
    return { topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) }
  }

  async listOffsets(req: ListOffsetsRequest): Promise<ListOffsetsResponse> {
    const topics = await Promise.all(
      req.topics.map(async (t) => {
        const info = await this.topic(t.name)
        const partitions = await Promise.all(
          t.partitions.map(async (p) => {
            if (!info || p.partition < 0 || p.partition >= info.partitions)
              return { partition: p.partition, errorCode: UNKNOWN_TOPIC, timestamp: -1, offset: -1 }
            const r = await this.opts
              .partition(info.topicId, p.partition)
              .listOffset(info, p.partition, p.timestamp, req.isolationLevel)
            return { partition: p.partition, ...r }
          }),
        )
        return { name: t.name, partitions }
      }),
    )
    return { topics }
  }

  async deleteRecords(req: DeleteRecordsRequest): Promise<DeleteRecordsResponse> {
    const topics = await Promise.all(
      req.topics.map(async (t) => {
        const info = await this.topic(t.name)
        const partitions = await Promise.all(
          t.partitions.map(async (p) => {
            if (!info || p.partition < 0 || p.partition >= info.partitions)
              return { partition: p.partition, errorCode: UNKNOWN_TOPIC, lowWatermark: -1 }
            const r = await this.opts
              .partition(info.topicId, p.partition)
              .deleteRecords(info, p.partition, p.offset)
            return { partition: p.partition, ...r }
          }),
        )
        return { name: t.name, partitions }
      }),
    )
    return { topics }
  }

  async close(): Promise<void> {}
}
