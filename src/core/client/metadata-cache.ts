/**
 * @module Topic metadata the client keeps: partition ids per topic, refreshed when a broker answers
 * UNKNOWN_TOPIC_OR_PARTITION or LEADER_NOT_AVAILABLE (e.g. a topic that is being auto-created).
 */
import { BrookError, errorName } from '../errors.ts'
import type { MetadataResponse, TopicMetadata } from '../service.ts'
import { topicNameProblem } from '../topic-config.ts'
import type { Connection } from './connection.ts'
import { type RetryPolicy, withRetry } from './retry.ts'

const UNKNOWN_TOPIC = 3
const LEADER_NOT_AVAILABLE = 5

/** Kafka's metadata.max.age.ms: cached topics are looked up again after this, to see added partitions. */
const MAX_AGE_MS = 300_000

/**
 * The error for a topic-level code in a metadata answer, saying what a user can act on: why the
 * name is invalid, or that the topic does not exist.
 */
export function topicError(code: number, name: string): BrookError {
  const type = errorName(code)
  if (type === 'INVALID_TOPIC_EXCEPTION')
    return new BrookError(type, topicNameProblem(name) ?? `topic "${name}" is not a valid topic name`)
  if (type === 'UNKNOWN_TOPIC_OR_PARTITION') return new BrookError(type, `topic "${name}" does not exist`)
  return new BrookError(type, `topic "${name}"`)
}

export class MetadataCache {
  private topics = new Map<string, TopicMetadata>()
  private fetchedAt = new Map<string, number>()

  constructor(private readonly conn: Connection) {}

  /** Asks the broker; `null` = every topic. Updates the cache with what came back. */
  async refresh(topics: string[] | null, allowAutoTopicCreation = false): Promise<MetadataResponse> {
    const res = await this.conn.call('Metadata', (s) => s.metadata({ topics, allowAutoTopicCreation }))
    if (topics === null) this.topics.clear()
    const now = this.conn.clock.now()
    for (const t of res.topics) {
      if (t.errorCode === 0) {
        this.topics.set(t.name, t)
        this.fetchedAt.set(t.name, now)
      } else this.topics.delete(t.name)
    }
    return res
  }

  cached(topic: string): TopicMetadata | undefined {
    return this.topics.get(topic)
  }

  invalidate(topic: string): void {
    this.topics.delete(topic)
  }

  /**
   * Metadata of one topic, from the cache when present. A topic still being created (or not yet
   * created, when auto-creation is allowed) is retried with back-off; otherwise its error is thrown.
   */
  /**
   * `retryUnknown: false` takes UNKNOWN_TOPIC_OR_PARTITION as final even when auto-creation was
   * asked for: a broker that would create the topic answers with it or LEADER_NOT_AVAILABLE.
   */
  async topic(
    name: string,
    allowAutoTopicCreation: boolean,
    policy: RetryPolicy,
    retryUnknown = true,
  ): Promise<TopicMetadata> {
    const hit = this.topics.get(name)
    if (hit && this.conn.clock.now() - (this.fetchedAt.get(name) ?? 0) < MAX_AGE_MS) return hit
    return withRetry(
      this.conn.clock,
      policy,
      async () => {
        const res = await this.refresh([name], allowAutoTopicCreation)
        const t = res.topics.find((x) => x.name === name)
        if (!t) throw new BrookError('UNKNOWN_TOPIC_OR_PARTITION', `topic "${name}" is not in the metadata`)
        if (t.errorCode !== 0) throw topicError(t.errorCode, name)
        if (t.partitions.length === 0)
          throw new BrookError('LEADER_NOT_AVAILABLE', `topic "${name}" has no partitions yet`)
        return t
      },
      (e) =>
        e.code === LEADER_NOT_AVAILABLE ||
        (e.code === UNKNOWN_TOPIC && allowAutoTopicCreation && retryUnknown) ||
        (e.retriable && e.code !== UNKNOWN_TOPIC),
    )
  }

  async partitionCount(name: string, allowAutoTopicCreation: boolean, policy: RetryPolicy): Promise<number> {
    return (await this.topic(name, allowAutoTopicCreation, policy)).partitions.length
  }
}
