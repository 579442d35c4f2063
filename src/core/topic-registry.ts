/**
 * @module The topics of a broker: Kafka's name rules, configs and partition counts, each topic's
 * partition logs, and their metadata in the store (`topics/<name>`). Creation, deletion and growth
 * are serialised, so that two requests never race on one name.
 */

import { BrookError } from './errors.ts'
import type { Log } from './log.ts'
import { logMetaKey, PartitionLog } from './partition-log.ts'
import { code, errorCodeOf, errorMessageOf, isInt, NONE, nameOf, show } from './request-values.ts'
import type {
  AlterConfigsRequest,
  CreatePartitionsRequest,
  CreateTopicRequest,
  CreateTopicsRequest,
  DescribeConfigsResult,
  TopicResult,
} from './service.ts'
import type { Json, Store } from './store.ts'
import type { LogConfig } from './topic-config.ts'
import {
  alteredConfigs,
  collisionKey,
  logConfigOf,
  validateConfigs,
  validateTopicName,
} from './topic-config.ts'

export interface Topic {
  name: string
  topicId: string
  /** Configs set explicitly on the topic. */
  configs: Record<string, string>
  config: LogConfig
  logs: PartitionLog[]
}

/** What `topics/<name>` holds in store meta. */
interface TopicMeta {
  topicId: string
  partitions: number
  configs: Record<string, string>
}

const TOPIC_PREFIX = 'topics/'
const MAX_PARTITIONS = 10_000

/** Kafka's topic ids: 16 random bytes, printed as unpadded URL-safe base64. */
export function newId(): string {
  const b = new Uint8Array(16)
  crypto.getRandomValues(b)
  let s = ''
  for (const x of b) s += String.fromCharCode(x)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

export interface TopicRegistryOptions {
  store: Store
  /** num.partitions for created topics that do not say. Default 1. */
  defaultPartitions?: number
  /** Broker-wide defaults for topic configs. */
  topicDefaults?: Record<string, string>
  tailCacheBytes?: number
  log?: Log
  /** Called after each append that moves a high watermark. */
  onAppend: (topic: string, partition: number, highWatermark: number) => void
  /** Called once a deleted topic is out of the map, before its data goes. */
  onDeleting: (name: string, partitions: number) => void
  /** Called after a topic's data is gone. */
  onDeleted: (name: string) => Promise<void>
}

export class TopicRegistry {
  private readonly topics = new Map<string, Topic>()
  private readonly store: Store
  private adminLock: Promise<unknown> = Promise.resolve()

  constructor(private readonly options: TopicRegistryOptions) {
    this.store = options.store
  }

  /** Opens every stored topic, and finishes deleting the data of any whose deletion a crash cut short. */
  async load(): Promise<void> {
    const known = new Set<string>()
    for (const [key, value] of await this.store.listMeta(TOPIC_PREFIX)) {
      const name = key.slice(TOPIC_PREFIX.length)
      const meta = value as unknown as TopicMeta
      known.add(meta.topicId)
      await this.openTopic(name, meta)
    }
    // Data of topics whose deletion was interrupted by a crash: finish deleting it.
    for (const [key] of await this.store.listMeta('log/')) {
      const [, topicId, partition] = key.split('/')
      if (!topicId || known.has(topicId)) continue
      await this.store.dropPartition(topicId, Number(partition))
      await this.store.deleteMeta(key)
    }
  }

  get(name: string): Topic | undefined {
    return this.topics.get(name)
  }

  values(): Topic[] {
    return [...this.topics.values()]
  }

  /** Topic names, sorted. */
  names(): string[] {
    return [...this.topics.keys()].sort()
  }

  partitionExists(topic: string, partition: number): boolean {
    const t = this.topics.get(topic)
    return !!t && isInt(partition) && partition >= 0 && partition < t.logs.length
  }

  log(topic: string, partition: number): PartitionLog | undefined {
    return this.partitionExists(topic, partition) ? this.topics.get(topic)!.logs[partition] : undefined
  }

  /** Resolves once no topic operation is running. */
  async idle(): Promise<void> {
    await this.adminLock
  }

  private async openTopic(name: string, meta: TopicMeta): Promise<Topic> {
    const topic: Topic = {
      name,
      topicId: meta.topicId,
      configs: meta.configs,
      config: logConfigOf(meta.configs, this.options.topicDefaults),
      logs: [],
    }
    for (let p = 0; p < meta.partitions; p++) topic.logs.push(await this.openLog(topic, p))
    this.topics.set(name, topic)
    return topic
  }

  private openLog(topic: Topic, partition: number): Promise<PartitionLog> {
    return PartitionLog.open({
      store: this.store,
      topicId: topic.topicId,
      partition,
      tailCacheBytes: this.options.tailCacheBytes,
      log: this.options.log,
      onAppend: (hwm) => this.options.onAppend(topic.name, partition, hwm),
    })
  }

  /** Serialises topic creation, deletion and growth. */
  private admin<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.adminLock.then(fn, fn)
    this.adminLock = run.catch(() => {})
    return run
  }

  private async createOne(req: CreateTopicRequest, validateOnly: boolean): Promise<TopicResult> {
    const name = req?.name
    try {
      validateTopicName(name)
      if (this.topics.has(name))
        throw new BrookError('TOPIC_ALREADY_EXISTS', `topic "${name}" already exists`)
      const key = collisionKey(name)
      for (const other of this.topics.keys())
        if (collisionKey(other) === key)
          throw new BrookError(
            'INVALID_TOPIC_EXCEPTION',
            `topic "${name}" collides with existing topic "${other}" ('.' and '_' are the same in metric names)`,
          )
      const requested = req.numPartitions
      const partitions =
        requested === undefined || requested === -1 ? (this.options.defaultPartitions ?? 1) : requested
      if (!isInt(partitions) || partitions < 1 || partitions > MAX_PARTITIONS)
        throw new BrookError(
          'INVALID_PARTITIONS',
          `number of partitions must be between 1 and ${MAX_PARTITIONS}, got ${show(requested)}`,
        )
      const configs = validateConfigs(req.configs)
      if (!validateOnly) {
        const meta: TopicMeta = { topicId: newId(), partitions, configs }
        await this.store.setMeta(TOPIC_PREFIX + name, meta as unknown as Json)
        await this.openTopic(name, meta)
      }
      return { name, errorCode: NONE, errorMessage: null }
    } catch (e) {
      return {
        name: typeof name === 'string' ? name : '',
        errorCode: errorCodeOf(e),
        errorMessage: errorMessageOf(e),
      }
    }
  }

  async createTopics(req: CreateTopicsRequest): Promise<TopicResult[]> {
    const topics = Array.isArray(req?.topics) ? req.topics : []
    return this.admin(async () => {
      const out: TopicResult[] = []
      const seen = new Set<string>()
      for (const t of topics) {
        // Kafka refuses every entry of a name given twice in one request.
        if (typeof t?.name === 'string' && topics.filter((x) => x?.name === t.name).length > 1) {
          if (!seen.has(t.name))
            out.push({ name: t.name, errorCode: code('INVALID_REQUEST'), errorMessage: 'topic given twice' })
          seen.add(t.name)
          continue
        }
        out.push(await this.createOne(t, !!req.validateOnly))
      }
      return out
    })
  }

  /** Creates a topic with defaults for auto-creation; undefined if the name is not valid. */
  /** The topic, created with the defaults if missing; rejects with why it could not be. */
  autoCreate(name: string): Promise<Topic> {
    return this.admin(async () => {
      const existing = this.topics.get(name)
      if (existing) return existing
      const r = await this.createOne({ name }, false)
      const topic = this.topics.get(name)
      if (r.errorCode !== NONE || !topic)
        throw BrookError.fromCode(r.errorCode || code('UNKNOWN_SERVER_ERROR'), r.errorMessage ?? undefined)
      return topic
    })
  }

  async deleteTopics(names: string[]): Promise<TopicResult[]> {
    const list = Array.isArray(names) ? names : []
    return this.admin(async () => {
      const out: TopicResult[] = []
      for (const name of list) {
        const topic = typeof name === 'string' ? this.topics.get(name) : undefined
        if (!topic) {
          out.push({
            name: show(name),
            errorCode: code('UNKNOWN_TOPIC_OR_PARTITION'),
            errorMessage: `topic "${show(name)}" does not exist`,
          })
          continue
        }
        this.topics.delete(name)
        this.options.onDeleting(name, topic.logs.length)
        await this.store.deleteMeta(TOPIC_PREFIX + name)
        await Promise.all(topic.logs.map((l) => l.abandon()))
        for (let p = 0; p < topic.logs.length; p++) {
          await this.store.dropPartition(topic.topicId, p)
          await this.store.deleteMeta(logMetaKey(topic.topicId, p))
        }
        await this.options.onDeleted(name)
        out.push({ name, errorCode: NONE, errorMessage: null })
      }
      return out
    })
  }

  async createPartitions(req: CreatePartitionsRequest): Promise<TopicResult[]> {
    const list = Array.isArray(req?.topics) ? req.topics : []
    return this.admin(async () => {
      const out: TopicResult[] = []
      for (const t of list) {
        const name = nameOf(t)
        const topic = this.topics.get(name)
        try {
          if (!topic) throw new BrookError('UNKNOWN_TOPIC_OR_PARTITION', `topic "${name}" does not exist`)
          const count = t.count
          const current = topic.logs.length
          if (!isInt(count) || count <= current || count > MAX_PARTITIONS)
            throw new BrookError(
              'INVALID_PARTITIONS',
              `topic "${name}" has ${current} partitions; the new count must be larger (and at most ${MAX_PARTITIONS}), got ${show(count)}`,
            )
          if (!req.validateOnly) {
            const meta: TopicMeta = { topicId: topic.topicId, partitions: count, configs: topic.configs }
            await this.store.setMeta(TOPIC_PREFIX + name, meta as unknown as Json)
            for (let p = current; p < count; p++) topic.logs.push(await this.openLog(topic, p))
          }
          out.push({ name, errorCode: NONE, errorMessage: null })
        } catch (e) {
          out.push({ name, errorCode: errorCodeOf(e), errorMessage: errorMessageOf(e) })
        }
      }
      return out
    })
  }

  /** Each topic's configs as `describe` reports them from its overrides; unknown topics get their error. */
  async describeConfigs(
    topics: string[],
    describe: (explicit: Record<string, string>) => DescribeConfigsResult['configs'],
  ): Promise<DescribeConfigsResult[]> {
    return (Array.isArray(topics) ? topics : []).map((name) => {
      const topic = this.topics.get(name)
      if (!topic) return { name: show(name), errorCode: code('UNKNOWN_TOPIC_OR_PARTITION'), configs: [] }
      return { name, errorCode: NONE, configs: describe(topic.configs) }
    })
  }

  /**
   * New broker-wide topic defaults (a dynamic broker config changed): every topic without its own
   * value acts on them from the next retention or cleaner pass, as with a topic override.
   */
  setTopicDefaults(defaults: Record<string, string>): void {
    this.options.topicDefaults = defaults
    for (const topic of this.topics.values()) {
      const wasCompacted = topic.config.compactEnabled
      topic.config = logConfigOf(topic.configs, defaults)
      if (topic.config.compactEnabled && !wasCompacted) for (const log of topic.logs) log.dirty = true
    }
  }

  /**
   * AlterConfigs and IncrementalAlterConfigs on topics: each topic's entries are checked as a
   * whole before any applies; the new configs are stored, and act from the next retention or
   * cleaner pass. A topic that becomes compacted has its logs marked for the cleaner.
   */
  async alterConfigs(req: AlterConfigsRequest): Promise<TopicResult[]> {
    const list = Array.isArray(req?.topics) ? req.topics : []
    return this.admin(async () => {
      const out: TopicResult[] = []
      for (const t of list) {
        const name = nameOf(t)
        try {
          const topic = this.topics.get(name)
          if (!topic) throw new BrookError('UNKNOWN_TOPIC_OR_PARTITION', `topic "${name}" does not exist`)
          const configs = alteredConfigs(
            topic.configs,
            t.configs,
            !!req.incremental,
            this.options.topicDefaults,
          )
          if (!req.validateOnly) {
            const meta: TopicMeta = { topicId: topic.topicId, partitions: topic.logs.length, configs }
            await this.store.setMeta(TOPIC_PREFIX + name, meta as unknown as Json)
            const wasCompacted = topic.config.compactEnabled
            topic.configs = configs
            topic.config = logConfigOf(configs, this.options.topicDefaults)
            if (topic.config.compactEnabled && !wasCompacted) for (const log of topic.logs) log.dirty = true
          }
          out.push({ name, errorCode: NONE, errorMessage: null })
        } catch (e) {
          out.push({ name, errorCode: errorCodeOf(e), errorMessage: errorMessageOf(e) })
        }
      }
      return out
    })
  }

  /** Topic names, sorted. */
  topicNames(): string[] {
    return [...this.topics.keys()].sort()
  }
}
