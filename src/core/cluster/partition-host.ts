/**
 * @module One partition of a sharded cluster, served by a Broker of its own (on Cloudflare, one
 * Durable Object per partition). The coordinator owns topics and their configs; each call here
 * carries the topic as the coordinator describes it, and the host creates or updates its local copy
 * to match before serving — so the partition's log has the same retention, compaction, size limits
 * and producer-state checks as on a single broker, from the same code.
 */

import type { Broker } from '../broker.ts'
import { errorCode } from '../errors.ts'
import type { Acks, FetchPartitionResult, ProducePartitionResult } from '../service.ts'

/** A topic as the coordinator has it. Plain data: it crosses Durable Object RPC. */
export interface TopicInfo {
  name: string
  topicId: string
  partitions: number
  /** Explicit (non-default) configs. */
  configs: Record<string, string>
}

export interface PartitionFetch {
  fetchOffset: number
  maxBytes: number
  maxWaitMs: number
  isolationLevel?: number
}

/** What the sharded service asks of a partition: plain data in and out, so that it can be RPC. */
export interface PartitionApi {
  produce(
    topic: TopicInfo,
    partition: number,
    acks: Acks,
    timeoutMs: number,
    records: Uint8Array,
  ): Promise<ProducePartitionResult>
  fetch(topic: TopicInfo, partition: number, q: PartitionFetch): Promise<FetchPartitionResult>
  listOffset(
    topic: TopicInfo,
    partition: number,
    timestamp: number,
    isolationLevel?: number,
  ): Promise<{ errorCode: number; timestamp: number; offset: number }>
  deleteRecords(
    topic: TopicInfo,
    partition: number,
    offset: number,
  ): Promise<{ errorCode: number; lowWatermark: number }>
  /** The topic was deleted at the coordinator: drop its data here. */
  drop(topicName: string): Promise<void>
}

const signature = (t: TopicInfo) =>
  `${t.topicId}|${t.partitions}|${JSON.stringify(Object.entries(t.configs).sort())}`

export class PartitionHost implements PartitionApi {
  /** topic name → the signature last applied: a matching call goes straight to the broker. */
  private readonly applied = new Map<string, string>()
  private readonly pending = new Map<string, Promise<void>>()

  constructor(private readonly broker: Broker) {}

  private ensure(t: TopicInfo): Promise<void> {
    const sig = signature(t)
    if (this.applied.get(t.name) === sig) return Promise.resolve()
    let p = this.pending.get(sig)
    if (!p) {
      p = this.apply(t, sig).finally(() => this.pending.delete(sig))
      this.pending.set(sig, p)
    }
    return p
  }

  private async apply(t: TopicInfo, sig: string): Promise<void> {
    const md = await this.broker.metadata({ topics: [t.name], allowAutoTopicCreation: false })
    const local = md.topics[0]
    if (local?.errorCode !== 0) {
      const [r] = await this.broker.createTopics({
        topics: [{ name: t.name, numPartitions: t.partitions, configs: t.configs }],
      })
      if (r && r.errorCode !== 0 && r.errorCode !== errorCode('TOPIC_ALREADY_EXISTS'))
        throw new Error(`partition host: cannot create ${t.name}: ${r.errorMessage ?? r.errorCode}`)
    } else {
      if (local.partitions.length < t.partitions)
        await this.broker.createPartitions({ topics: [{ name: t.name, count: t.partitions }] })
      // Replace the explicit configs with the coordinator's (AlterConfigs semantics).
      await this.broker.alterConfigs({
        incremental: false,
        topics: [
          { name: t.name, configs: Object.entries(t.configs).map(([name, value]) => ({ name, value })) },
        ],
      })
    }
    this.applied.set(t.name, sig)
  }

  async produce(t: TopicInfo, partition: number, acks: Acks, timeoutMs: number, records: Uint8Array) {
    await this.ensure(t)
    const res = await this.broker.produce({
      acks,
      timeoutMs,
      topics: [{ name: t.name, partitions: [{ partition, records }] }],
    })
    return res.topics[0]!.partitions[0]!
  }

  async fetch(t: TopicInfo, partition: number, q: PartitionFetch) {
    await this.ensure(t)
    const res = await this.broker.fetch({
      maxWaitMs: q.maxWaitMs,
      minBytes: 1,
      maxBytes: q.maxBytes,
      isolationLevel: q.isolationLevel,
      topics: [
        {
          name: t.name,
          partitions: [{ partition, fetchOffset: q.fetchOffset, partitionMaxBytes: q.maxBytes }],
        },
      ],
    })
    return res.topics[0]!.partitions[0]!
  }

  async listOffset(t: TopicInfo, partition: number, timestamp: number, isolationLevel?: number) {
    await this.ensure(t)
    const res = await this.broker.listOffsets({
      isolationLevel,
      topics: [{ name: t.name, partitions: [{ partition, timestamp }] }],
    })
    const p = res.topics[0]!.partitions[0]!
    return { errorCode: p.errorCode, timestamp: p.timestamp, offset: p.offset }
  }

  async deleteRecords(t: TopicInfo, partition: number, offset: number) {
    await this.ensure(t)
    const res = await this.broker.deleteRecords({
      topics: [{ name: t.name, partitions: [{ partition, offset }] }],
    })
    const p = res.topics[0]!.partitions[0]!
    return { errorCode: p.errorCode, lowWatermark: p.lowWatermark }
  }

  async drop(topicName: string): Promise<void> {
    this.applied.delete(topicName)
    await this.broker.deleteTopics([topicName])
  }
}
