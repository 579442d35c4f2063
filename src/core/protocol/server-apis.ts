/**
 * @module The Kafka APIs brook serves, each a mapping from a decoded request body (field names as in
 * Kafka's JSON message specs, camelCased) to a `BrokerService` call and back to a response body.
 * `SUPPORTED_APIS` is what ApiVersions advertises: exactly the keys and versions handled here.
 */
import { errorCode as codeNamed, isBrookError } from '../errors.ts'
import type { Log } from '../log.ts'
import { errorMessageOf } from '../request-values.ts'
import type { BrokerInfo, BrokerService, DescribedGroup } from '../service.ts'
import { API } from './api-keys.ts'
import { CONFIG_OPS, RESOURCE_BROKER, RESOURCE_TOPIC } from './config-resources.ts'
import { createAcls, deleteAcls, describeAcls } from './server-acls.ts'

export { API }

/**
 * [min, max] per API key. Produce and Fetch start at v3/v4 because brook stores only RecordBatch
 * v2 (magic 2); older versions carry message sets no client here sends (KAFKA-INTEROP §API versions).
 * The maxima cover every version kafka-python 2.0.2, librdkafka 2.0.2 and kafkajs 2.2.4 pick, and
 * stop before versions whose semantics brook lacks (topic ids, batched OffsetFetch, KIP-848).
 */
export const SUPPORTED_APIS: ReadonlyMap<number, readonly [number, number]> = new Map([
  [API.Produce, [3, 8]],
  [API.Fetch, [4, 11]],
  [API.ListOffsets, [0, 5]],
  [API.Metadata, [0, 8]],
  [API.OffsetCommit, [0, 7]],
  [API.OffsetFetch, [0, 7]],
  [API.FindCoordinator, [0, 3]],
  [API.JoinGroup, [0, 6]],
  [API.Heartbeat, [0, 4]],
  [API.LeaveGroup, [0, 4]],
  [API.SyncGroup, [0, 5]],
  [API.DescribeGroups, [0, 5]],
  [API.ListGroups, [0, 4]],
  [API.SaslHandshake, [0, 1]],
  [API.ApiVersions, [0, 3]],
  [API.CreateTopics, [0, 4]],
  [API.DeleteTopics, [0, 4]],
  [API.DeleteRecords, [0, 2]],
  [API.InitProducerId, [0, 4]],
  [API.DescribeAcls, [0, 3]],
  [API.CreateAcls, [0, 3]],
  [API.DeleteAcls, [0, 3]],
  [API.DescribeConfigs, [0, 4]],
  [API.AlterConfigs, [0, 2]],
  [API.SaslAuthenticate, [0, 2]],
  [API.CreatePartitions, [0, 2]],
  [API.DeleteGroups, [0, 2]],
  [API.IncrementalAlterConfigs, [0, 1]],
])

// biome-ignore lint/suspicious/noExplicitAny: decoded bodies are typed by the codec's descriptions, not TS
export type Body = Record<string, any>

export interface ApiContext {
  service: BrokerService
  advertised: BrokerInfo
  clientId: string
  clientHost: string
  log: Log
  /** Mutes the connection for this long after the response (a quota's throttle time). */
  throttle?: (ms: number) => void
}

/** What an API handler returns: a response body, or null when Kafka sends no response (acks=0). */
export type ApiHandler = (ctx: ApiContext, version: number, body: Body) => Promise<Body | null>

const NO_AUTHORIZED_OPERATIONS = -2147483648

/** The Kafka error code for anything a call threw; unexpected errors are logged, never fatal. */
export function codeOf(e: unknown, ctx: ApiContext, what: string): number {
  if (isBrookError(e)) return e.code
  ctx.log(`${what} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`, 'error')
  return -1
}

const arr = <T>(v: T[] | null | undefined): T[] => v ?? []

const UNKNOWN_TOPIC_OR_PARTITION = 3

/** `topics[].partitions[]` of a service response, by topic name and partition. */
function indexPartitions<P extends { partition: number }>(
  topics: { name: string; partitions: P[] }[],
): Map<string, Map<number, P>> {
  return new Map(topics.map((t) => [t.name, new Map(t.partitions.map((p) => [p.partition, p]))]))
}

interface PartitionResults<P> {
  /** The service's result for one partition, when it returned one. */
  get(topic: string, partition: number): P | undefined
  /** The error of a partition without a result: the call's failure, else UNKNOWN_TOPIC_OR_PARTITION. */
  missingCode: number
}

/** Runs a per-partition service call; a call that throws leaves every partition with its error code. */
async function partitionResults<P extends { partition: number }>(
  ctx: ApiContext,
  what: string,
  call: () => Promise<{ topics: { name: string; partitions: P[] }[] }>,
): Promise<PartitionResults<P>> {
  let res: { topics: { name: string; partitions: P[] }[] }
  try {
    res = await call()
  } catch (e) {
    return { get: () => undefined, missingCode: codeOf(e, ctx, what) || UNKNOWN_TOPIC_OR_PARTITION }
  }
  const byTopic = indexPartitions(res.topics)
  return { get: (t, p) => byTopic.get(t)?.get(p), missingCode: UNKNOWN_TOPIC_OR_PARTITION }
}

/** Runs a per-topic admin call; a call that throws gives every named topic its error code. */
async function topicResults(
  ctx: ApiContext,
  what: string,
  names: string[],
  call: () => Promise<{ name: string; errorCode: number; errorMessage?: string | null }[]>,
): Promise<{ name: string; errorCode: number; errorMessage: string | null }[]> {
  let results: { name: string; errorCode: number; errorMessage?: string | null }[]
  try {
    results = await call()
  } catch (e) {
    const errorCode = codeOf(e, ctx, what)
    results = names.map((name) => ({ name, errorCode }))
  }
  return results.map((r) => ({ name: r.name, errorCode: r.errorCode, errorMessage: r.errorMessage ?? null }))
}

/** brook is one node: every node id the broker reports is this listener's advertised id. */
const node = (ctx: ApiContext) => ctx.advertised.nodeId

async function metadata(ctx: ApiContext, version: number, body: Body): Promise<Body> {
  let topics: string[] | null =
    body.topics === null ? null : arr(body.topics as Body[]).map((t) => t.name as string)
  // v0 has no null: an empty list asks for every topic.
  if (version === 0 && topics?.length === 0) topics = null
  const allowAutoTopicCreation = version >= 4 ? body.allowAutoTopicCreation !== false : true
  let res: Awaited<ReturnType<BrokerService['metadata']>>
  try {
    res = await ctx.service.metadata({ topics, allowAutoTopicCreation })
  } catch (e) {
    // Metadata has no request-level error: report the failure on each topic asked for.
    const errorCode = codeOf(e, ctx, 'metadata')
    res = {
      brokers: [],
      clusterId: '',
      controllerId: -1,
      topics: (topics ?? []).map((name) => ({
        errorCode,
        name,
        topicId: '',
        isInternal: false,
        partitions: [],
      })),
    }
  }
  const id = node(ctx)
  return {
    throttleTimeMs: 0,
    brokers: [{ nodeId: id, host: ctx.advertised.host, port: ctx.advertised.port, rack: null }],
    clusterId: res.clusterId,
    controllerId: id,
    topics: res.topics.map((t) => ({
      errorCode: t.errorCode,
      name: t.name,
      isInternal: t.isInternal,
      partitions: t.partitions.map((p) => ({
        errorCode: p.errorCode,
        partitionIndex: p.partition,
        leaderId: p.leader < 0 ? p.leader : id,
        leaderEpoch: 0,
        replicaNodes: p.replicas.map(() => id),
        isrNodes: p.isr.map(() => id),
        offlineReplicas: [],
      })),
      topicAuthorizedOperations: NO_AUTHORIZED_OPERATIONS,
    })),
    clusterAuthorizedOperations: NO_AUTHORIZED_OPERATIONS,
  }
}

interface ProduceBody {
  transactionalId: string | null
  acks: number
  timeoutMs: number
  topicData: { name: string; partitionData: { index: number; records: Uint8Array | null }[] }[]
}

async function produce(ctx: ApiContext, _version: number, raw: Body): Promise<Body | null> {
  const body = raw as ProduceBody
  const acks = body.acks
  const topicData = arr(body.topicData)
  const respond = (codeFor: (topic: string, partition: number) => number) => ({
    responses: topicData.map((t) => ({
      name: t.name,
      partitionResponses: arr(t.partitionData).map((p) => ({
        index: p.index,
        errorCode: codeFor(t.name, p.index),
        baseOffset: -1,
        logAppendTimeMs: -1,
        logStartOffset: -1,
        recordErrors: [],
        errorMessage: null,
      })),
    })),
    throttleTimeMs: 0,
  })
  if (acks !== 0 && acks !== 1 && acks !== -1) return respond(() => 21)
  if (body.transactionalId != null) return respond(() => 53) // TRANSACTIONAL_ID_AUTHORIZATION_FAILED
  const empty = new Uint8Array(0)
  let res: Awaited<ReturnType<BrokerService['produce']>>
  try {
    res = await ctx.service.produce({
      acks: acks as -1 | 0 | 1,
      timeoutMs: body.timeoutMs,
      topics: topicData.map((t) => ({
        name: t.name,
        partitions: arr(t.partitionData).map((p) => ({ partition: p.index, records: p.records ?? empty })),
      })),
    })
  } catch (e) {
    const code = codeOf(e, ctx, 'produce')
    if (acks === 0) throw new Error(`acks=0 produce failed with error ${code}`)
    return respond(() => code)
  }
  const byTopic = indexPartitions(res.topics)
  // Over quota, Kafka answers at once and then mutes the channel for the throttle time (KIP-219):
  // an acks=0 producer, which gets no answer, is slowed down all the same.
  if (res.throttleTimeMs) ctx.throttle?.(res.throttleTimeMs)
  if (acks === 0) {
    // Kafka closes an acks=0 connection on error: the only way such a producer can notice.
    for (const t of res.topics)
      for (const p of t.partitions)
        if (p.errorCode !== 0)
          throw new Error(`acks=0 produce to ${t.name}-${p.partition}: error ${p.errorCode}`)
    return null
  }
  return {
    responses: topicData.map((t) => ({
      name: t.name,
      partitionResponses: arr(t.partitionData).map((p) => {
        const r = byTopic.get(t.name)?.get(p.index)
        return {
          index: p.index,
          errorCode: r ? r.errorCode : UNKNOWN_TOPIC_OR_PARTITION,
          baseOffset: r ? r.baseOffset : -1,
          logAppendTimeMs: r ? r.logAppendTimeMs : -1,
          logStartOffset: r ? r.logStartOffset : -1,
          recordErrors: [],
          errorMessage: r?.errorMessage ?? null,
        }
      }),
    })),
    throttleTimeMs: res.throttleTimeMs ?? 0,
  }
}

interface FetchBody {
  maxWaitMs: number
  minBytes: number
  maxBytes?: number
  isolationLevel?: number
  topics: {
    topic: string
    partitions: {
      partition: number
      fetchOffset: number
      partitionMaxBytes: number
      logStartOffset?: number
    }[]
  }[]
}

async function fetch(ctx: ApiContext, _version: number, raw: Body): Promise<Body> {
  const body = raw as FetchBody
  const topics = arr(body.topics)
  const req = {
    maxWaitMs: Math.max(0, body.maxWaitMs),
    minBytes: Math.max(0, body.minBytes),
    maxBytes: body.maxBytes ?? 0x7fffffff,
    isolationLevel: body.isolationLevel ?? 0,
    topics: topics.map((t) => ({
      name: t.topic,
      partitions: arr(t.partitions).map((p) => ({
        partition: p.partition,
        fetchOffset: p.fetchOffset,
        partitionMaxBytes: p.partitionMaxBytes,
      })),
    })),
  }
  const empty = new Uint8Array(0)
  const results = await partitionResults(ctx, 'fetch', () => ctx.service.fetch(req))
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    responses: topics.map((t) => ({
      topic: t.topic,
      partitions: arr(t.partitions).map((p) => {
        const r = results.get(t.topic, p.partition)
        return {
          partitionIndex: p.partition,
          errorCode: r ? r.errorCode : results.missingCode,
          highWatermark: r ? r.highWatermark : -1,
          // No transactions in brook: the last stable offset is the high watermark.
          lastStableOffset: r ? r.highWatermark : -1,
          logStartOffset: r ? r.logStartOffset : -1,
          abortedTransactions: [],
          preferredReadReplica: -1,
          records: r ? r.records : empty,
        }
      }),
    })),
  }
}

interface ListOffsetsBody {
  isolationLevel?: number
  topics: {
    name: string
    partitions: { partitionIndex: number; timestamp: number; maxNumOffsets?: number }[]
  }[]
}

async function listOffsets(ctx: ApiContext, version: number, raw: Body): Promise<Body> {
  const body = raw as ListOffsetsBody
  const topics = arr(body.topics)
  const results = await partitionResults(ctx, 'listOffsets', () =>
    ctx.service.listOffsets({
      isolationLevel: body.isolationLevel ?? 0,
      topics: topics.map((t) => ({
        name: t.name,
        partitions: arr(t.partitions).map((p) => ({ partition: p.partitionIndex, timestamp: p.timestamp })),
      })),
    }),
  )
  return {
    throttleTimeMs: 0,
    topics: topics.map((t) => ({
      name: t.name,
      partitions: arr(t.partitions).map((p) => {
        const r = results.get(t.name, p.partitionIndex)
        const errorCode = r ? r.errorCode : results.missingCode
        const offset = r && errorCode === 0 ? r.offset : -1
        return {
          partitionIndex: p.partitionIndex,
          errorCode,
          // v0 answers with a list of offsets (at most maxNumOffsets) instead of one offset.
          oldStyleOffsets: version === 0 && offset >= 0 && (p.maxNumOffsets ?? 1) > 0 ? [offset] : [],
          timestamp: r && errorCode === 0 ? r.timestamp : -1,
          offset,
          leaderEpoch: 0,
        }
      }),
    })),
  }
}

async function findCoordinator(ctx: ApiContext, _version: number, body: Body): Promise<Body> {
  let errorCode = 0
  try {
    if ((body.keyType ?? 0) === 0)
      errorCode = (await ctx.service.findCoordinator(body.key as string)).errorCode
    else errorCode = 15 // COORDINATOR_NOT_AVAILABLE: brook has no transaction coordinator
  } catch (e) {
    errorCode = codeOf(e, ctx, 'findCoordinator')
  }
  const ok = errorCode === 0
  return {
    throttleTimeMs: 0,
    errorCode,
    errorMessage: null,
    nodeId: ok ? node(ctx) : -1,
    host: ok ? ctx.advertised.host : '',
    port: ok ? ctx.advertised.port : -1,
  }
}

async function joinGroup(ctx: ApiContext, version: number, body: Body): Promise<Body> {
  try {
    const res = await ctx.service.joinGroup({
      groupId: body.groupId,
      sessionTimeoutMs: body.sessionTimeoutMs,
      // v0 has no rebalance timeout: Kafka uses the session timeout.
      rebalanceTimeoutMs:
        version >= 1 && body.rebalanceTimeoutMs >= 0 ? body.rebalanceTimeoutMs : body.sessionTimeoutMs,
      memberId: body.memberId ?? '',
      groupInstanceId: body.groupInstanceId ?? null,
      protocolType: body.protocolType,
      protocols: arr(body.protocols as Body[]).map((p) => ({ name: p.name, metadata: p.metadata })),
      requireKnownMemberId: version >= 4,
      clientId: ctx.clientId,
      clientHost: ctx.clientHost,
    })
    return {
      throttleTimeMs: 0,
      errorCode: res.errorCode,
      generationId: res.generationId,
      protocolType: res.protocolType,
      // Nullable only from v7; before that an unset protocol is the empty string.
      protocolName: res.protocolName ?? '',
      leader: res.leader,
      skipAssignment: false,
      memberId: res.memberId,
      members: res.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        metadata: m.metadata,
      })),
    }
  } catch (e) {
    const errorCode = codeOf(e, ctx, 'joinGroup')
    return {
      throttleTimeMs: 0,
      errorCode,
      generationId: -1,
      protocolType: null,
      protocolName: '',
      leader: '',
      skipAssignment: false,
      memberId: body.memberId ?? '',
      members: [],
    }
  }
}

async function syncGroup(ctx: ApiContext, _version: number, body: Body): Promise<Body> {
  try {
    const res = await ctx.service.syncGroup({
      groupId: body.groupId,
      generationId: body.generationId,
      memberId: body.memberId,
      groupInstanceId: body.groupInstanceId ?? null,
      protocolType: body.protocolType ?? null,
      protocolName: body.protocolName ?? null,
      assignments: arr(body.assignments as Body[]).map((a) => ({
        memberId: a.memberId,
        assignment: a.assignment,
      })),
    })
    return {
      throttleTimeMs: 0,
      errorCode: res.errorCode,
      protocolType: res.protocolType ?? null,
      protocolName: res.protocolName ?? null,
      assignment: res.assignment,
    }
  } catch (e) {
    const errorCode = codeOf(e, ctx, 'syncGroup')
    return {
      throttleTimeMs: 0,
      errorCode,
      protocolType: null,
      protocolName: null,
      assignment: new Uint8Array(0),
    }
  }
}

async function heartbeat(ctx: ApiContext, _version: number, body: Body): Promise<Body> {
  try {
    const res = await ctx.service.heartbeat({
      groupId: body.groupId,
      generationId: body.generationId,
      memberId: body.memberId,
      groupInstanceId: body.groupInstanceId ?? null,
    })
    return { throttleTimeMs: 0, errorCode: res.errorCode }
  } catch (e) {
    return { throttleTimeMs: 0, errorCode: codeOf(e, ctx, 'heartbeat') }
  }
}

async function leaveGroup(ctx: ApiContext, version: number, body: Body): Promise<Body> {
  // v0–2 name one member; v3+ a list (KIP-345).
  const members: { memberId: string; groupInstanceId?: string | null }[] =
    version >= 3
      ? arr(body.members as Body[]).map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId ?? null,
        }))
      : [{ memberId: body.memberId }]
  try {
    const res = await ctx.service.leaveGroup({ groupId: body.groupId, members })
    const byId = new Map(res.members.map((m) => [m.memberId, m.errorCode]))
    return {
      throttleTimeMs: 0,
      // One member on v0–2: its own error is the request's.
      errorCode: version >= 3 ? res.errorCode : res.errorCode || (byId.get(members[0]!.memberId) ?? 0),
      members: members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId ?? null,
        errorCode: byId.get(m.memberId) ?? 0,
      })),
    }
  } catch (e) {
    return { throttleTimeMs: 0, errorCode: codeOf(e, ctx, 'leaveGroup'), members: [] }
  }
}

interface OffsetCommitBody {
  groupId: string
  generationIdOrMemberEpoch?: number
  generationId?: number
  memberId?: string
  groupInstanceId?: string | null
  topics: {
    name: string
    partitions: { partitionIndex: number; committedOffset: number; committedMetadata: string | null }[]
  }[]
}

async function offsetCommit(ctx: ApiContext, version: number, raw: Body): Promise<Body> {
  const body = raw as OffsetCommitBody
  const topics = arr(body.topics)
  const results = await partitionResults(ctx, 'offsetCommit', () =>
    ctx.service.offsetCommit({
      groupId: body.groupId,
      // v0 commits outside group management.
      generationId: version >= 1 ? (body.generationIdOrMemberEpoch ?? body.generationId ?? -1) : -1,
      memberId: version >= 1 ? (body.memberId ?? '') : '',
      groupInstanceId: body.groupInstanceId ?? null,
      topics: topics.map((t) => ({
        name: t.name,
        partitions: arr(t.partitions).map((p) => ({
          partition: p.partitionIndex,
          offset: p.committedOffset,
          metadata: p.committedMetadata ?? null,
        })),
      })),
    }),
  )
  return {
    throttleTimeMs: 0,
    topics: topics.map((t) => ({
      name: t.name,
      partitions: arr(t.partitions).map((p) => ({
        partitionIndex: p.partitionIndex,
        errorCode: results.get(t.name, p.partitionIndex)?.errorCode ?? results.missingCode,
      })),
    })),
  }
}

async function offsetFetch(ctx: ApiContext, version: number, body: Body): Promise<Body> {
  const asked: { name: string; partitionIndexes: number[] }[] | null = body.topics ?? null
  try {
    const res = await ctx.service.offsetFetch({
      groupId: body.groupId,
      topics:
        asked === null ? null : asked.map((t) => ({ name: t.name, partitions: arr(t.partitionIndexes) })),
    })
    // Before v2 there is no top-level error: put it on every partition.
    const lift = version < 2 ? res.errorCode : 0
    return {
      throttleTimeMs: 0,
      errorCode: res.errorCode,
      topics: res.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partition,
          committedOffset: p.offset,
          committedLeaderEpoch: -1,
          metadata: p.metadata ?? (version < 2 ? '' : null),
          errorCode: p.errorCode || lift,
        })),
      })),
    }
  } catch (e) {
    return { throttleTimeMs: 0, errorCode: codeOf(e, ctx, 'offsetFetch'), topics: [] }
  }
}

async function listGroups(ctx: ApiContext, _version: number, body: Body): Promise<Body> {
  try {
    const res = await ctx.service.listGroups()
    const filter: string[] = arr(body.statesFilter)
    const groups = res.groups.filter((g) => filter.length === 0 || filter.includes(g.state))
    return {
      throttleTimeMs: 0,
      errorCode: res.errorCode,
      groups: groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state })),
    }
  } catch (e) {
    return { throttleTimeMs: 0, errorCode: codeOf(e, ctx, 'listGroups'), groups: [] }
  }
}

async function describeGroups(ctx: ApiContext, _version: number, body: Body): Promise<Body> {
  const ids: string[] = arr(body.groups)
  let described: DescribedGroup[]
  try {
    described = await ctx.service.describeGroups(ids)
  } catch (e) {
    const errorCode = codeOf(e, ctx, 'describeGroups')
    described = ids.map((groupId) => ({
      errorCode,
      groupId,
      state: 'Dead' as const,
      protocolType: '',
      protocol: '',
      members: [],
    }))
  }
  return {
    throttleTimeMs: 0,
    groups: described.map((g) => ({
      errorCode: g.errorCode,
      groupId: g.groupId,
      groupState: g.state,
      protocolType: g.protocolType,
      protocolData: g.protocol,
      members: g.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: m.metadata,
        memberAssignment: m.assignment,
      })),
      authorizedOperations: NO_AUTHORIZED_OPERATIONS,
    })),
  }
}

async function createTopics(ctx: ApiContext, _version: number, body: Body): Promise<Body> {
  const topics: Body[] = arr(body.topics)
  const early = new Map<string, number>()
  const wanted = []
  for (const t of topics) {
    const assignments: Body[] = arr(t.assignments)
    if (t.replicationFactor > 1 || assignments.some((a) => arr(a.brokerIds).length > 1)) {
      early.set(t.name, 38) // INVALID_REPLICATION_FACTOR: brook is one broker
      continue
    }
    const configs: Record<string, string> = {}
    for (const c of arr(t.configs as Body[])) if (c.value != null) configs[c.name] = c.value
    wanted.push({ name: t.name as string, numPartitions: assignments.length || t.numPartitions, configs })
  }
  const results = new Map<string, { errorCode: number; errorMessage?: string | null }>()
  if (wanted.length > 0) {
    try {
      for (const r of await ctx.service.createTopics({
        topics: wanted,
        validateOnly: body.validateOnly === true,
      }))
        results.set(r.name, r)
    } catch (e) {
      const errorCode = codeOf(e, ctx, 'createTopics')
      for (const t of wanted)
        results.set(t.name, { errorCode, errorMessage: e instanceof Error ? e.message : null })
    }
  }
  return {
    throttleTimeMs: 0,
    topics: topics.map((t) => {
      const r = results.get(t.name)
      const errorCode = early.get(t.name) ?? r?.errorCode ?? 0
      return {
        name: t.name,
        errorCode,
        errorMessage: r?.errorMessage ?? null,
        numPartitions: -1,
        replicationFactor: -1,
        configs: null,
      }
    }),
  }
}

async function deleteTopics(ctx: ApiContext, _version: number, body: Body): Promise<Body> {
  const names: string[] = arr(body.topicNames)
  return {
    throttleTimeMs: 0,
    responses: await topicResults(ctx, 'deleteTopics', names, () => ctx.service.deleteTopics(names)),
  }
}

async function deleteRecords(ctx: ApiContext, _version: number, body: Body): Promise<Body> {
  const topics: Body[] = arr(body.topics)
  const results = await partitionResults(ctx, 'deleteRecords', () =>
    ctx.service.deleteRecords({
      topics: topics.map((t) => ({
        name: t.name,
        partitions: arr(t.partitions as Body[]).map((p) => ({
          partition: p.partitionIndex,
          offset: p.offset,
        })),
      })),
    }),
  )
  return {
    throttleTimeMs: 0,
    topics: topics.map((t) => ({
      name: t.name,
      partitions: arr(t.partitions as Body[]).map((p) => {
        const r = results.get(t.name, p.partitionIndex)
        return {
          partitionIndex: p.partitionIndex,
          lowWatermark: r?.lowWatermark ?? -1,
          errorCode: r?.errorCode ?? results.missingCode,
        }
      }),
    })),
  }
}

async function initProducerId(ctx: ApiContext, _version: number, body: Body): Promise<Body> {
  if (body.transactionalId != null) {
    // No transactions: refuse a transactional id rather than pretend to fence it.
    return {
      throttleTimeMs: 0,
      errorCode: codeNamed('TRANSACTIONAL_ID_AUTHORIZATION_FAILED'),
      producerId: -1,
      producerEpoch: -1,
    }
  }
  try {
    const res = await ctx.service.initProducerId({
      transactionalId: null,
      transactionTimeoutMs: body.transactionTimeoutMs,
      producerId: body.producerId ?? -1,
      producerEpoch: body.producerEpoch ?? -1,
    })
    return { throttleTimeMs: 0, ...res }
  } catch (e) {
    return {
      throttleTimeMs: 0,
      errorCode: codeOf(e, ctx, 'initProducerId'),
      producerId: -1,
      producerEpoch: -1,
    }
  }
}

const SOURCE_DYNAMIC_TOPIC = 1
const SOURCE_DEFAULT = 5

async function describeConfigs(ctx: ApiContext, _version: number, body: Body): Promise<Body> {
  const resources: Body[] = arr(body.resources)
  const topicNames = resources
    .filter((r) => r.resourceType === RESOURCE_TOPIC)
    .map((r) => r.resourceName as string)
  const byName = new Map<string, Awaited<ReturnType<BrokerService['describeConfigs']>>[number]>()
  let code = 0
  if (topicNames.length > 0) {
    try {
      for (const r of await ctx.service.describeConfigs(topicNames)) byName.set(r.name, r)
    } catch (e) {
      code = codeOf(e, ctx, 'describeConfigs')
    }
  }
  return {
    throttleTimeMs: 0,
    results: resources.map((r) => {
      const keys: string[] | null = r.configurationKeys ?? null
      const base = { errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName }
      if (r.resourceType === RESOURCE_BROKER) return { ...base, errorCode: 0, configs: [] }
      if (r.resourceType !== RESOURCE_TOPIC)
        return { ...base, errorCode: codeNamed('INVALID_REQUEST'), configs: [] }
      const found = byName.get(r.resourceName)
      if (!found) return { ...base, errorCode: code || 3, configs: [] }
      return {
        ...base,
        errorCode: found.errorCode,
        configs: found.configs
          .filter((c) => keys === null || keys.includes(c.name))
          .map((c) => ({
            name: c.name,
            value: c.value,
            readOnly: c.readOnly,
            isDefault: c.isDefault,
            configSource: c.isDefault ? SOURCE_DEFAULT : SOURCE_DYNAMIC_TOPIC,
            isSensitive: false,
            synonyms: [],
            configType: 0,
            documentation: null,
          })),
      }
    }),
  }
}

/**
 * AlterConfigs (replace a topic's configs) and IncrementalAlterConfigs (change entries, KIP-339).
 * Topics only: brook has no dynamic broker configs, so a broker resource is INVALID_REQUEST.
 */
function alterConfigs(incremental: boolean) {
  return async (ctx: ApiContext, _version: number, body: Body): Promise<Body> => {
    const resources: Body[] = arr(body.resources)
    const topics = resources.filter((r) => r.resourceType === RESOURCE_TOPIC)
    const byName = new Map<string, { errorCode: number; errorMessage: string | null }>()
    if (topics.length > 0) {
      try {
        const results = await ctx.service.alterConfigs({
          incremental,
          validateOnly: !!body.validateOnly,
          topics: topics.map((r) => ({
            name: r.resourceName,
            configs: arr<Body>(r.configs).map((c) => ({
              name: c.name,
              value: c.value,
              op: incremental ? (CONFIG_OPS[c.configOperation] ?? ('unknown' as never)) : 'set',
            })),
          })),
        })
        for (const r of results)
          byName.set(r.name, { errorCode: r.errorCode, errorMessage: r.errorMessage ?? null })
      } catch (e) {
        const errorCode = codeOf(e, ctx, 'alterConfigs')
        for (const r of topics) byName.set(r.resourceName, { errorCode, errorMessage: errorMessageOf(e) })
      }
    }
    return {
      throttleTimeMs: 0,
      responses: resources.map((r) => {
        const base = { resourceType: r.resourceType, resourceName: r.resourceName }
        if (r.resourceType !== RESOURCE_TOPIC)
          return {
            ...base,
            errorCode: codeNamed('INVALID_REQUEST'),
            errorMessage:
              r.resourceType === RESOURCE_BROKER
                ? 'brook has no dynamic broker configs'
                : 'unknown resource type',
          }
        const found = byName.get(r.resourceName)
        return {
          ...base,
          errorCode: found?.errorCode ?? codeNamed('UNKNOWN_SERVER_ERROR'),
          errorMessage: found?.errorMessage ?? null,
        }
      }),
    }
  }
}

async function createPartitions(ctx: ApiContext, _version: number, body: Body): Promise<Body> {
  const topics: Body[] = arr(body.topics)
  const results = await topicResults(
    ctx,
    'createPartitions',
    topics.map((t) => t.name),
    () =>
      ctx.service.createPartitions({
        topics: topics.map((t) => ({ name: t.name, count: t.count })),
        validateOnly: body.validateOnly === true,
      }),
  )
  return { throttleTimeMs: 0, results }
}

async function deleteGroups(ctx: ApiContext, _version: number, body: Body): Promise<Body> {
  const ids: string[] = arr(body.groupsNames)
  let results: { groupId: string; errorCode: number }[]
  try {
    results = await ctx.service.deleteGroups(ids)
  } catch (e) {
    const errorCode = codeOf(e, ctx, 'deleteGroups')
    results = ids.map((groupId) => ({ groupId, errorCode }))
  }
  return { throttleTimeMs: 0, results }
}

export const API_HANDLERS: ReadonlyMap<number, ApiHandler> = new Map<number, ApiHandler>([
  [API.Produce, produce],
  [API.Fetch, fetch],
  [API.ListOffsets, listOffsets],
  [API.Metadata, metadata],
  [API.OffsetCommit, offsetCommit],
  [API.OffsetFetch, offsetFetch],
  [API.FindCoordinator, findCoordinator],
  [API.JoinGroup, joinGroup],
  [API.Heartbeat, heartbeat],
  [API.LeaveGroup, leaveGroup],
  [API.SyncGroup, syncGroup],
  [API.DescribeGroups, describeGroups],
  [API.ListGroups, listGroups],
  [API.CreateTopics, createTopics],
  [API.DeleteTopics, deleteTopics],
  [API.DeleteRecords, deleteRecords],
  [API.InitProducerId, initProducerId],
  [API.DescribeConfigs, describeConfigs],
  [API.AlterConfigs, alterConfigs(false)],
  [API.IncrementalAlterConfigs, alterConfigs(true)],
  [API.CreatePartitions, createPartitions],
  [API.DeleteGroups, deleteGroups],
  [API.DescribeAcls, describeAcls],
  [API.CreateAcls, createAcls],
  [API.DeleteAcls, deleteAcls],
])
