/**
 * @module The admin client: topics, partitions, offsets (with lag) and groups, as kafkajs's admin.
 */

import {
  type AclBinding,
  type AclFilter,
  AclOperations,
  groupByResource,
  PatternTypes,
  PermissionTypes,
  ResourceTypes,
} from '../acl.ts'
import { BrookError, errorCode } from '../errors.ts'
import { CONFIG_SOURCES } from '../protocol/config-resources.ts'
import {
  type BrokerConfigScope,
  type BrokerService,
  type DescribeConfigsResult,
  EARLIEST_TIMESTAMP,
  LATEST_TIMESTAMP,
} from '../service.ts'
import type { AlterConfigOp } from '../topic-config.ts'
import type { Connection } from './connection.ts'
import { decodeAssignmentTopics, decodeSubscriptionTopics } from './deps.ts'
import { type MetadataCache, topicError } from './metadata-cache.ts'
import { toNumber } from './retry.ts'
import type { GroupDescription, ITopicConfig, TopicMetadataView } from './types.ts'

/** kafkajs' ACL enums (Kafka's wire codes). */
export const AclResourceTypes = ResourceTypes
export const AclOperationTypes = AclOperations
export const AclPermissionTypes = PermissionTypes
export const ResourcePatternTypes = PatternTypes

/** One ACL as kafkajs' createAcls takes it. */
export interface AclEntry {
  resourceType: number
  resourceName: string
  resourcePatternType: number
  principal: string
  host: string
  operation: number
  permissionType: number
}
/** A filter as kafkajs' describeAcls/deleteAcls take it: absent names match anything. */
export interface AclEntryFilter {
  resourceType: number
  resourceName?: string | null
  resourcePatternType: number
  principal?: string | null
  host?: string | null
  operation: number
  permissionType: number
}
export interface AclGrant {
  principal: string
  host: string
  operation: number
  permissionType: number
}

const bindingOf = (a: AclEntry): AclBinding => ({
  resourceType: a.resourceType,
  resourceName: a.resourceName,
  patternType: a.resourcePatternType,
  principal: a.principal,
  host: a.host,
  operation: a.operation,
  permissionType: a.permissionType,
})
const entryOf = (b: AclBinding): AclEntry => ({
  resourceType: b.resourceType,
  resourceName: b.resourceName,
  resourcePatternType: b.patternType,
  principal: b.principal,
  host: b.host,
  operation: b.operation,
  permissionType: b.permissionType,
})
const filterOf = (f: AclEntryFilter): AclFilter => ({
  resourceType: f.resourceType,
  resourceName: f.resourceName ?? null,
  patternType: f.resourcePatternType,
  principal: f.principal ?? null,
  host: f.host ?? null,
  operation: f.operation,
  permissionType: f.permissionType,
})

function aclCall<K extends 'createAcls' | 'describeAcls' | 'deleteAcls'>(
  s: BrokerService,
  name: K,
): NonNullable<BrokerService[K]> {
  const f = s[name]
  if (!f) throw new BrookError('SECURITY_DISABLED', 'this broker keeps no ACLs')
  return f.bind(s) as NonNullable<BrokerService[K]>
}

/** Kafka's config resource types, as kafkajs exports them. */
export const ConfigResourceTypes = { UNKNOWN: 0, TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const

export interface AlteredResource {
  errorCode: number
  errorMessage: string | null
  resourceName: string
  resourceType: number
}

const TOPIC_ALREADY_EXISTS = 36

export interface PartitionOffsets {
  partition: number
  offset: number
  high: number
  low: number
}

export interface GroupPartitionOffset {
  partition: number
  offset: number
  metadata: string | null
  /** high watermark − committed; nothing committed → high − low (everything still in the log). */
  lag: number
}

export class Admin {
  constructor(
    private readonly conn: Connection,
    private readonly metadata: MetadataCache,
  ) {}

  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}

  /** Creates topics; false when every one existed already (as kafkajs). */
  async createTopics(opts: {
    topics: ITopicConfig[]
    validateOnly?: boolean
    waitForLeaders?: boolean
    timeout?: number
  }): Promise<boolean> {
    const res = await this.conn.call('CreateTopics', (s) =>
      s.createTopics({
        validateOnly: opts.validateOnly ?? false,
        topics: opts.topics.map((t) => ({
          name: t.topic,
          numPartitions: t.numPartitions ?? -1,
          configs: Object.fromEntries((t.configEntries ?? []).map((c) => [c.name, c.value])),
        })),
      }),
    )
    let created = false
    const errors: string[] = []
    let firstError: number | null = null
    for (const r of res) {
      if (r.errorCode === 0) created = true
      else if (r.errorCode !== TOPIC_ALREADY_EXISTS) {
        firstError ??= r.errorCode
        // Brook's messages name the topic; a bare code gets the topic's name added.
        errors.push(r.errorMessage ?? topicError(r.errorCode, r.name).detail)
      }
    }
    if (firstError !== null) throw BrookError.fromCode(firstError, errors.join('; '))
    for (const t of opts.topics) this.metadata.invalidate(t.topic)
    return created
  }

  async deleteTopics(opts: { topics: string[]; timeout?: number }): Promise<void> {
    const res = await this.conn.call('DeleteTopics', (s) => s.deleteTopics(opts.topics))
    for (const t of opts.topics) this.metadata.invalidate(t)
    for (const r of res)
      if (r.errorCode !== 0) throw BrookError.fromCode(r.errorCode, r.errorMessage ?? r.name)
  }

  async createPartitions(opts: {
    topicPartitions: { topic: string; count: number }[]
    validateOnly?: boolean
  }): Promise<void> {
    const res = await this.conn.call('CreatePartitions', (s) =>
      s.createPartitions({
        validateOnly: opts.validateOnly ?? false,
        topics: opts.topicPartitions.map((t) => ({ name: t.topic, count: t.count })),
      }),
    )
    for (const t of opts.topicPartitions) this.metadata.invalidate(t.topic)
    for (const r of res)
      if (r.errorCode !== 0) throw BrookError.fromCode(r.errorCode, r.errorMessage ?? r.name)
  }

  async listTopics(): Promise<string[]> {
    const md = await this.metadata.refresh(null)
    return md.topics.filter((t) => t.errorCode === 0).map((t) => t.name)
  }

  async fetchTopicMetadata(opts: { topics?: string[] } = {}): Promise<{ topics: TopicMetadataView[] }> {
    const md = await this.metadata.refresh(opts.topics?.length ? opts.topics : null)
    const topics: TopicMetadataView[] = []
    for (const t of md.topics) {
      if (t.errorCode !== 0) throw topicError(t.errorCode, t.name)
      topics.push({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionErrorCode: p.errorCode,
          partitionId: p.partition,
          leader: p.leader,
          replicas: p.replicas,
          isr: p.isr,
        })),
      })
    }
    return { topics }
  }

  private async partitionIds(topic: string): Promise<number[]> {
    const md = await this.metadata.refresh([topic])
    const t = md.topics.find((x) => x.name === topic)
    if (!t) throw topicError(errorCode('UNKNOWN_TOPIC_OR_PARTITION'), topic)
    if (t.errorCode !== 0) throw topicError(t.errorCode, topic)
    return t.partitions.map((p) => p.partition).sort((a, b) => a - b)
  }

  private async listOffsets(
    topic: string,
    partitions: number[],
    timestamp: number,
  ): Promise<Map<number, number>> {
    const res = await this.conn.call('ListOffsets', (s) =>
      s.listOffsets({
        topics: [{ name: topic, partitions: partitions.map((partition) => ({ partition, timestamp })) }],
      }),
    )
    const out = new Map<number, number>()
    for (const t of res.topics)
      for (const p of t.partitions) {
        if (p.errorCode !== 0) throw BrookError.fromCode(p.errorCode, `${topic}[${p.partition}]`)
        out.set(p.partition, p.offset)
      }
    return out
  }

  /** Per partition: `offset` and `high` = high watermark, `low` = log-start offset. */
  async fetchTopicOffsets(topic: string): Promise<PartitionOffsets[]> {
    const ids = await this.partitionIds(topic)
    const [high, low] = await Promise.all([
      this.listOffsets(topic, ids, LATEST_TIMESTAMP),
      this.listOffsets(topic, ids, EARLIEST_TIMESTAMP),
    ])
    return ids.map((partition) => ({
      partition,
      offset: high.get(partition) ?? 0,
      high: high.get(partition) ?? 0,
      low: low.get(partition) ?? 0,
    }))
  }

  /**
   * The first offset whose timestamp is at or after `timestamp` per partition; the high watermark
   * where no record is that late (as kafkajs).
   */
  async fetchTopicOffsetsByTimestamp(
    topic: string,
    timestamp?: number | string,
  ): Promise<{ partition: number; offset: number }[]> {
    const ids = await this.partitionIds(topic)
    const ts = timestamp === undefined ? LATEST_TIMESTAMP : toNumber(timestamp, 'timestamp')
    const [found, high] = await Promise.all([
      this.listOffsets(topic, ids, ts),
      this.listOffsets(topic, ids, LATEST_TIMESTAMP),
    ])
    return ids.map((partition) => {
      const o = found.get(partition) ?? -1
      return { partition, offset: o < 0 ? (high.get(partition) ?? 0) : o }
    })
  }

  /** Committed offsets of a group with lag, per topic (every partition of each topic). */
  async fetchOffsets(opts: {
    groupId: string
    topics?: string[]
  }): Promise<{ topic: string; partitions: GroupPartitionOffset[] }[]> {
    let topics = opts.topics
    if (!topics) {
      const all = await this.conn.call('OffsetFetch', (s) =>
        s.offsetFetch({ groupId: opts.groupId, topics: null }),
      )
      if (all.errorCode !== 0) throw BrookError.fromCode(all.errorCode, `OffsetFetch ${opts.groupId}`)
      topics = [...new Set(all.topics.map((t) => t.name))].sort()
    }
    const ids = await Promise.all(topics.map((t) => this.partitionIds(t)))
    const res = await this.conn.call('OffsetFetch', (s) =>
      s.offsetFetch({
        groupId: opts.groupId,
        topics: topics.map((name, i) => ({ name, partitions: ids[i]! })),
      }),
    )
    if (res.errorCode !== 0) throw BrookError.fromCode(res.errorCode, `OffsetFetch ${opts.groupId}`)
    const out: { topic: string; partitions: GroupPartitionOffset[] }[] = []
    for (let i = 0; i < topics.length; i++) {
      const topic = topics[i]!
      const partitions = ids[i]!
      const [high, low] = await Promise.all([
        this.listOffsets(topic, partitions, LATEST_TIMESTAMP),
        this.listOffsets(topic, partitions, EARLIEST_TIMESTAMP),
      ])
      const committed = res.topics.find((t) => t.name === topic)?.partitions ?? []
      out.push({
        topic,
        partitions: partitions.map((partition) => {
          const c = committed.find((p) => p.partition === partition)
          const offset = c && c.errorCode === 0 ? c.offset : -1
          const h = high.get(partition) ?? 0
          const from = offset < 0 ? (low.get(partition) ?? 0) : offset
          return { partition, offset, metadata: c?.metadata ?? null, lag: Math.max(0, h - from) }
        }),
      })
    }
    return out
  }

  /** Commits offsets for a group that has no active members (as Kafka requires). */
  async setOffsets(opts: {
    groupId: string
    topic: string
    partitions: { partition: number; offset: number | string }[]
  }): Promise<void> {
    const topics = offsetsOf(opts)
    const res = await this.conn.call('OffsetCommit', (s) =>
      s.offsetCommit({ groupId: opts.groupId, generationId: -1, memberId: '', topics }),
    )
    throwPartitionError(res.topics)
  }

  /** Moves a group's committed offsets on `topic` to the log start (earliest) or the end. */
  async resetOffsets(opts: { groupId: string; topic: string; earliest?: boolean }): Promise<void> {
    const offsets = await this.fetchTopicOffsets(opts.topic)
    await this.setOffsets({
      groupId: opts.groupId,
      topic: opts.topic,
      partitions: offsets.map((o) => ({ partition: o.partition, offset: opts.earliest ? o.low : o.high })),
    })
  }

  async listGroups(): Promise<{ groups: { groupId: string; protocolType: string; state: string }[] }> {
    const res = await this.conn.call('ListGroups', (s) => s.listGroups())
    if (res.errorCode !== 0) throw BrookError.fromCode(res.errorCode, 'ListGroups')
    return {
      groups: res.groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, state: g.state })),
    }
  }

  async describeGroups(groupIds: string[]): Promise<{ groups: GroupDescription[] }> {
    const res = await this.conn.call('DescribeGroups', (s) => s.describeGroups(groupIds))
    return {
      groups: res.map((g) => {
        const consumer = g.protocolType === 'consumer'
        return {
          groupId: g.groupId,
          state: g.state,
          protocol: g.protocol,
          protocolType: g.protocolType,
          errorCode: g.errorCode,
          members: g.members.map((m) => ({
            memberId: m.memberId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            memberMetadata: m.metadata,
            memberAssignment: m.assignment,
            assignment: consumer
              ? tryDecode(() => Object.fromEntries(decodeAssignmentTopics(m.assignment)))
              : null,
            subscription: consumer ? tryDecode(() => decodeSubscriptionTopics(m.metadata)) : null,
          })),
        }
      }),
    }
  }

  async deleteGroups(groupIds: string[]): Promise<{ groupId: string; errorCode: number }[]> {
    const res = await this.conn.call('DeleteGroups', (s) => s.deleteGroups(groupIds))
    const failed = res.find((r) => r.errorCode !== 0)
    if (failed) throw BrookError.fromCode(failed.errorCode, `group ${failed.groupId}`)
    return res
  }

  /**
   * Kafka's DescribeConfigs, in kafkajs's shape: topics, and the broker (named by its id, or ""
   * for the cluster-wide dynamic defaults). `configSource` is Kafka's number (5 = DEFAULT_CONFIG).
   */
  async describeConfigs(opts: {
    resources: { type?: number; name: string; configNames?: string[] }[]
  }): Promise<{
    resources: {
      resourceName: string
      resourceType: number
      errorCode: number
      errorMessage: string | null
      configEntries: {
        configName: string
        configValue: string | null
        isDefault: boolean
        readOnly: boolean
        configSource: number
        configSynonyms: { configName: string; configValue: string | null; configSource: number }[]
      }[]
    }[]
  }> {
    const topics = opts.resources.filter(
      (r) => (r.type ?? ConfigResourceTypes.TOPIC) === ConfigResourceTypes.TOPIC,
    )
    const described = topics.length
      ? await this.conn.call('DescribeConfigs', (s) => s.describeConfigs(topics.map((r) => r.name)))
      : []
    const results: DescribeConfigsResult[] = []
    for (const r of opts.resources) {
      const type = r.type ?? ConfigResourceTypes.TOPIC
      if (type === ConfigResourceTypes.TOPIC) {
        results.push(
          described[topics.indexOf(r)] ?? {
            name: r.name,
            errorCode: errorCode('UNKNOWN_SERVER_ERROR'),
            configs: [],
          },
        )
        continue
      }
      if (type !== ConfigResourceTypes.BROKER)
        throw new BrookError(
          'INVALID_REQUEST',
          `only topic and broker configs can be described (resource type ${type})`,
        )
      const scope = await this.brokerScope(r.name)
      const configs = await this.conn.call('DescribeConfigs', (s) =>
        brokerCall(s, 'describeBrokerConfigs')(scope),
      )
      results.push({ name: r.name, errorCode: 0, configs })
    }
    return {
      resources: results.map((r, i) => {
        const wanted = opts.resources[i]?.configNames
        return {
          resourceName: r.name,
          resourceType: opts.resources[i]?.type ?? ConfigResourceTypes.TOPIC,
          errorCode: r.errorCode,
          errorMessage: null,
          configEntries: r.configs
            .filter((c) => !wanted || wanted.includes(c.name))
            .map((c) => ({
              configName: c.name,
              configValue: c.value,
              isDefault: c.isDefault,
              readOnly: c.readOnly,
              configSource: c.source ? CONFIG_SOURCES[c.source] : c.isDefault ? 5 : 1,
              configSynonyms: (c.synonyms ?? []).map((y) => ({
                configName: y.name,
                configValue: y.value,
                configSource: CONFIG_SOURCES[y.source],
              })),
            })),
        }
      }),
    }
  }

  /**
   * A broker resource's level: "" is the cluster-wide default; an id must be one of the cluster's
   * brokers (Kafka's admin client sends the request to that broker, which refuses another's id).
   */
  private async brokerScope(name: string): Promise<BrokerConfigScope> {
    if (name === '') return 'default'
    const brokers = (await this.conn.call('Metadata', (s) => s.metadata({ topics: [] }))).brokers
    if (!brokers.some((b) => String(b.nodeId) === name))
      throw new BrookError(
        'INVALID_REQUEST',
        `broker ${name} is not in the cluster (brokers: ${brokers.map((b) => b.nodeId).join(', ')})`,
      )
    return 'broker'
  }

  /**
   * Kafka's AlterConfigs, as kafkajs: each topic's `configEntries` become its configs — a config
   * not listed goes back to its default (use `incrementalAlterConfigs` to change a few).
   */
  async alterConfigs(opts: {
    validateOnly?: boolean
    resources: { type: number; name: string; configEntries: { name: string; value: string | null }[] }[]
  }): Promise<{ resources: AlteredResource[] }> {
    return this.alter(
      false,
      opts.validateOnly,
      opts.resources.map((r) => ({
        ...r,
        configEntries: r.configEntries.map((c) => ({ ...c, op: 'set' as const })),
      })),
    )
  }

  /**
   * Kafka's IncrementalAlterConfigs (KIP-339): each entry is set, deleted (back to the default),
   * or — for list configs such as cleanup.policy — appended to or subtracted from.
   */
  async incrementalAlterConfigs(opts: {
    validateOnly?: boolean
    resources: {
      type: number
      name: string
      configEntries: { name: string; value?: string | null; operation?: AlterConfigOp }[]
    }[]
  }): Promise<{ resources: AlteredResource[] }> {
    return this.alter(
      true,
      opts.validateOnly,
      opts.resources.map((r) => ({
        ...r,
        configEntries: r.configEntries.map((c) => ({
          name: c.name,
          value: c.value ?? null,
          op: c.operation ?? 'set',
        })),
      })),
    )
  }

  private async alter(
    incremental: boolean,
    validateOnly: boolean | undefined,
    resources: {
      type: number
      name: string
      configEntries: { name: string; value: string | null; op: AlterConfigOp }[]
    }[],
  ): Promise<{ resources: AlteredResource[] }> {
    const other = resources.find(
      (r) => r.type !== ConfigResourceTypes.TOPIC && r.type !== ConfigResourceTypes.BROKER,
    )
    if (other)
      throw new BrookError(
        'INVALID_REQUEST',
        `only topic and broker configs can be altered (resource type ${other.type})`,
      )
    const what = incremental ? 'IncrementalAlterConfigs' : 'AlterConfigs'
    const topics = resources.filter((r) => r.type === ConfigResourceTypes.TOPIC)
    const res = topics.length
      ? await this.conn.call(what, (s) =>
          s.alterConfigs({
            incremental,
            validateOnly,
            topics: topics.map((r) => ({ name: r.name, configs: r.configEntries })),
          }),
        )
      : []
    const out: AlteredResource[] = res.map((r) => ({
      errorCode: r.errorCode,
      errorMessage: r.errorMessage ?? null,
      resourceName: r.name,
      resourceType: ConfigResourceTypes.TOPIC,
    }))
    for (const r of resources.filter((x) => x.type === ConfigResourceTypes.BROKER)) {
      const scope = await this.brokerScope(r.name)
      const done = await this.conn.call(what, (s) =>
        brokerCall(s, 'alterBrokerConfigs')({ scope, incremental, validateOnly, configs: r.configEntries }),
      )
      out.push({ ...done, resourceName: r.name, resourceType: ConfigResourceTypes.BROKER })
    }
    const failed = out.find((r) => r.errorCode !== 0)
    if (failed) throw BrookError.fromCode(failed.errorCode, failed.errorMessage ?? `${failed.resourceName}`)
    return { resources: out }
  }

  /** Deletes records before `offset` per partition (-1 = up to the high watermark). */
  // ---- ACLs (kafkajs shapes) ----

  /** Adds ACLs; any refused one throws (with the first refusal's Kafka error). */
  async createAcls(opts: { acl: AclEntry[] }): Promise<boolean> {
    const res = await this.conn.call('CreateAcls', (s) => aclCall(s, 'createAcls')(opts.acl.map(bindingOf)))
    const failed = res.find((r) => r.errorCode !== 0)
    if (failed) throw BrookError.fromCode(failed.errorCode, failed.errorMessage ?? 'createAcls')
    return true
  }

  async describeAcls(filter: AclEntryFilter): Promise<{
    throttleTime: number
    errorCode: number
    errorMessage?: string | null
    resources: { resourceType: number; resourceName: string; resourcePatternType: number; acls: AclGrant[] }[]
  }> {
    const res = await this.conn.call('DescribeAcls', (s) => aclCall(s, 'describeAcls')(filterOf(filter)))
    if (res.errorCode !== 0) throw BrookError.fromCode(res.errorCode, res.errorMessage ?? 'describeAcls')
    const resources = groupByResource(res.acls).map((r) => ({
      resourceType: r.resourceType,
      resourceName: r.resourceName,
      resourcePatternType: r.patternType,
      acls: r.acls,
    }))
    return { throttleTime: 0, errorCode: 0, errorMessage: null, resources }
  }

  async deleteAcls(opts: { filters: AclEntryFilter[] }): Promise<{
    filterResponses: {
      errorCode: number
      errorMessage: string | null
      matchingAcls: (AclEntry & { errorCode: number; errorMessage: string | null })[]
    }[]
  }> {
    const res = await this.conn.call('DeleteAcls', (s) =>
      aclCall(s, 'deleteAcls')(opts.filters.map(filterOf)),
    )
    const failed = res.find((r) => r.errorCode !== 0)
    if (failed) throw BrookError.fromCode(failed.errorCode, failed.errorMessage ?? 'deleteAcls')
    return {
      filterResponses: res.map((r) => ({
        errorCode: r.errorCode,
        errorMessage: r.errorMessage,
        matchingAcls: r.deleted.map((b) => ({ errorCode: 0, errorMessage: null, ...entryOf(b) })),
      })),
    }
  }

  async deleteTopicRecords(opts: {
    topic: string
    partitions: { partition: number; offset: number | string }[]
  }): Promise<void> {
    const topics = offsetsOf(opts)
    const res = await this.conn.call('DeleteRecords', (s) => s.deleteRecords({ topics }))
    throwPartitionError(res.topics)
  }
}

/** The request shape of one topic's `{partition, offset}` list (offsets may come as strings, as in kafkajs). */
function offsetsOf(opts: { topic: string; partitions: { partition: number; offset: number | string }[] }) {
  return [
    {
      name: opts.topic,
      partitions: opts.partitions.map((p) => ({
        partition: p.partition,
        offset: toNumber(p.offset, 'offset'),
      })),
    },
  ]
}

function throwPartitionError(
  topics: { name: string; partitions: { partition: number; errorCode: number }[] }[],
) {
  for (const t of topics)
    for (const p of t.partitions)
      if (p.errorCode !== 0) throw BrookError.fromCode(p.errorCode, `${t.name}[${p.partition}]`)
}

function tryDecode<T>(fn: () => T): T | null {
  try {
    return fn()
  } catch {
    return null
  }
}

/** A broker-config method of the service; a service without broker configs is INVALID_REQUEST, as Kafka's answer. */
function brokerCall<K extends 'describeBrokerConfigs' | 'alterBrokerConfigs'>(
  s: BrokerService,
  name: K,
): NonNullable<BrokerService[K]> {
  const fn = s[name]
  if (!fn) throw new BrookError('INVALID_REQUEST', 'this broker has no broker configs to describe or alter')
  return fn.bind(s) as NonNullable<BrokerService[K]>
}
