/**
 * @module The topic APIs on the server side: Metadata (3), CreateTopics (19), DeleteTopics (20)
 * and CreatePartitions (37).
 */

import { errorCode } from '../errors.ts'
import type { BrokerService } from '../service.ts'
import {
  type ApiContext,
  arr,
  codeOf,
  NO_AUTHORIZED_OPERATIONS,
  node,
  type Request,
  type Response,
  topicResults,
} from './api-context.ts'
import type { API } from './api-keys.ts'
import { configSourceOf } from './config-resources.ts'
import { isTopicId, ZERO_TOPIC_ID } from './topic-ids.ts'

export async function metadata(
  ctx: ApiContext,
  version: number,
  body: Request<typeof API.Metadata>,
): Promise<Response<typeof API.Metadata>> {
  const asked = body.topics === null ? null : arr(body.topics)
  // v12 may name a topic by id alone (KIP-516); an id no topic has is UNKNOWN_TOPIC_ID.
  const byIdOnly = (asked ?? []).filter((t) => t.name === null && isTopicId(t.topicId))
  if (byIdOnly.length > 0) await ctx.topicIds.refresh(ctx.service)
  const nameOfId = (id: string) => (byIdOnly.length > 0 ? ctx.topicIds.nameOf(id) : undefined)
  let topics: string[] | null =
    asked === null
      ? null
      : asked.flatMap((t) => {
          const name = t.name ?? nameOfId(t.topicId)
          return name === undefined ? [] : [name]
        })
  // v0 has no null: an empty list asks for every topic.
  if (version === 0 && topics?.length === 0 && asked?.length === 0) topics = null
  const allowAutoTopicCreation = version >= 4 ? body.allowAutoTopicCreation !== false : true
  let res: Awaited<ReturnType<BrokerService['metadata']>>
  try {
    res = await ctx.service.metadata({ topics, allowAutoTopicCreation })
    ctx.topicIds.learn(res.topics.filter((t) => t.errorCode === 0))
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
        topicId: ZERO_TOPIC_ID,
        isInternal: false,
        partitions: [],
      })),
    }
  }
  const unknownIds = byIdOnly
    .filter((t) => nameOfId(t.topicId) === undefined)
    .map((t) => ({
      errorCode: errorCode('UNKNOWN_TOPIC_ID'),
      name: null,
      topicId: t.topicId,
      isInternal: false,
      partitions: [],
      topicAuthorizedOperations: NO_AUTHORIZED_OPERATIONS,
    }))
  const id = node(ctx)
  return {
    throttleTimeMs: 0,
    brokers: [{ nodeId: id, host: ctx.advertised.host, port: ctx.advertised.port, rack: null }],
    clusterId: res.clusterId,
    controllerId: id,
    topics: [
      ...res.topics.map((t) => ({
        errorCode: t.errorCode,
        name: t.name,
        topicId: t.errorCode === 0 && t.topicId ? t.topicId : ZERO_TOPIC_ID,
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
      ...unknownIds,
    ],
    clusterAuthorizedOperations: NO_AUTHORIZED_OPERATIONS,
  }
}

export async function createTopics(
  ctx: ApiContext,
  version: number,
  body: Request<typeof API.CreateTopics>,
): Promise<Response<typeof API.CreateTopics>> {
  const topics = arr(body.topics)
  const early = new Map<string, number>()
  const wanted = []
  for (const t of topics) {
    const assignments = arr(t.assignments)
    if (t.replicationFactor > 1 || assignments.some((a) => arr(a.brokerIds).length > 1)) {
      early.set(t.name, errorCode('INVALID_REPLICATION_FACTOR')) // brook is one broker
      continue
    }
    const configs: Record<string, string> = {}
    for (const c of arr(t.configs)) if (c.value != null) configs[c.name] = c.value
    wanted.push({ name: t.name, numPartitions: assignments.length || t.numPartitions, configs })
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
  const made =
    version >= 5 && body.validateOnly !== true
      ? await createdTopics(
          ctx,
          topics.filter((t) => !early.has(t.name) && results.get(t.name)?.errorCode === 0).map((t) => t.name),
        )
      : new Map<string, CreatedTopic>()
  return {
    throttleTimeMs: 0,
    topics: topics.map((t) => {
      const r = results.get(t.name)
      const errorCode = early.get(t.name) ?? r?.errorCode ?? 0
      const m = errorCode === 0 ? made.get(t.name) : undefined
      return {
        name: t.name,
        topicId: m?.topicId ?? ZERO_TOPIC_ID,
        errorCode,
        errorMessage: r?.errorMessage ?? null,
        numPartitions: m ? m.numPartitions : -1,
        replicationFactor: m ? 1 : -1,
        configs: m ? m.configs : null,
      }
    }),
  }
}

interface CreatedTopic {
  topicId: string
  numPartitions: number
  configs:
    | { name: string; value: string | null; readOnly: boolean; configSource: number; isSensitive: boolean }[]
    | null
}

/**
 * What CreateTopics v5+ tells of each topic it made (KIP-525) and v7 its id: read back from the
 * service, so the answer is what was stored. A failure to read leaves the defaults (-1, null).
 */
async function createdTopics(ctx: ApiContext, names: string[]): Promise<Map<string, CreatedTopic>> {
  const out = new Map<string, CreatedTopic>()
  if (names.length === 0) return out
  try {
    const [md, configs] = await Promise.all([
      ctx.service.metadata({ topics: names, allowAutoTopicCreation: false }),
      ctx.service.describeConfigs(names),
    ])
    const configsOf = new Map(configs.map((c) => [c.name, c]))
    for (const t of md.topics) {
      if (t.errorCode !== 0) continue
      ctx.topicIds.learn([t])
      out.set(t.name, {
        topicId: t.topicId,
        numPartitions: t.partitions.length,
        configs:
          configsOf.get(t.name)?.configs.map((c) => ({
            name: c.name,
            value: c.value,
            readOnly: c.readOnly,
            configSource: configSourceOf(c),
            isSensitive: false,
          })) ?? null,
      })
    }
  } catch (e) {
    codeOf(e, ctx, 'createTopics (reading back)')
  }
  return out
}

export async function deleteTopics(
  ctx: ApiContext,
  version: number,
  body: Request<typeof API.DeleteTopics>,
): Promise<Response<typeof API.DeleteTopics>> {
  if (version < 6) {
    const names: string[] = arr(body.topicNames)
    return {
      throttleTimeMs: 0,
      responses: await topicResults(ctx, 'deleteTopics', names, () => ctx.service.deleteTopics(names)),
    }
  }
  // v6 names each topic by name or by id (KIP-516), never both. One fresh look at every topic
  // gives the names of the ids asked for and the ids of the names (without it, topics asked for by
  // name are still deleted).
  const asked = arr(body.topics)
  await ctx.topicIds.refresh(ctx.service).catch(() => {})
  const refusal = (t: (typeof asked)[number]): string | null =>
    t.name !== null && isTopicId(t.topicId)
      ? 'INVALID_REQUEST'
      : t.name === null && ctx.topicIds.nameOf(t.topicId) === undefined
        ? 'UNKNOWN_TOPIC_ID'
        : null
  const nameOf = (t: (typeof asked)[number]) => t.name ?? ctx.topicIds.nameOf(t.topicId)!
  const names = [...new Set(asked.filter((t) => refusal(t) === null).map(nameOf))]
  const results = new Map(
    (names.length > 0
      ? await topicResults(ctx, 'deleteTopics', names, () => ctx.service.deleteTopics(names))
      : []
    ).map((r) => [r.name, r]),
  )
  return {
    throttleTimeMs: 0,
    responses: asked.map((t) => {
      const refused = refusal(t)
      if (refused === 'INVALID_REQUEST')
        return {
          name: t.name,
          topicId: t.topicId,
          errorCode: errorCode('INVALID_REQUEST'),
          errorMessage: 'A topic is named by its name or by its id, not both.',
        }
      if (refused)
        return {
          name: null,
          topicId: t.topicId,
          errorCode: errorCode('UNKNOWN_TOPIC_ID'),
          errorMessage: null,
        }
      const name = nameOf(t)
      const r = results.get(name)
      return {
        name,
        topicId: ctx.topicIds.idOf(name) ?? ZERO_TOPIC_ID,
        errorCode: r?.errorCode ?? errorCode('UNKNOWN_SERVER_ERROR'),
        errorMessage: r?.errorMessage ?? null,
      }
    }),
  }
}

export async function createPartitions(
  ctx: ApiContext,
  _version: number,
  body: Request<typeof API.CreatePartitions>,
): Promise<Response<typeof API.CreatePartitions>> {
  const topics = arr(body.topics)
  const refused = await refusedAssignments(ctx, topics)
  const asked = topics.filter((t) => !refused.has(t.name))
  const results = await topicResults(
    ctx,
    'createPartitions',
    asked.map((t) => t.name),
    async () =>
      asked.length === 0
        ? []
        : ctx.service.createPartitions({
            topics: asked.map((t) => ({ name: t.name, count: t.count })),
            validateOnly: body.validateOnly === true,
          }),
  )
  const byName = new Map(results.map((r) => [r.name, r]))
  return {
    throttleTimeMs: 0,
    results: topics.map(
      (t) =>
        byName.get(t.name) ?? {
          name: t.name,
          errorCode: errorCode('INVALID_REPLICA_ASSIGNMENT'),
          errorMessage: refused.get(t.name) ?? null,
        },
    ),
  }
}

/**
 * Kafka's checks of a manual assignment of the new partitions' replicas (`validateManualPartition
 * Assignment`), with its words: one assignment per new partition, known brokers only (brook is one:
 * this listener's node id), no broker twice, and the replication factor the topic has (1).
 */
async function refusedAssignments(
  ctx: ApiContext,
  topics: Request<typeof API.CreatePartitions>['topics'],
): Promise<Map<string, string>> {
  const refused = new Map<string, string>()
  const manual = topics.filter((t) => t.assignments !== null)
  if (manual.length === 0) return refused
  const md = await ctx.service
    .metadata({ topics: manual.map((t) => t.name), allowAutoTopicCreation: false })
    .catch(() => undefined)
  const self = node(ctx)
  for (const t of manual) {
    const existing = md?.topics.find((m) => m.name === t.name && m.errorCode === 0)?.partitions.length
    // An unknown topic is the service's to answer.
    if (existing === undefined) continue
    const assignments = arr(t.assignments).map((a) => arr(a.brokerIds))
    const added = t.count - existing
    const unknown = [...new Set(assignments.flat().filter((id) => id !== self))]
    const twice = assignments.find((ids) => new Set(ids).size !== ids.length)
    const factor = assignments.findIndex((ids) => ids.length !== 1)
    if (added > 0 && assignments.length !== added)
      refused.set(
        t.name,
        `Increasing the number of partitions by ${added} but ${assignments.length} assignments provided.`,
      )
    else if (unknown.length > 0)
      refused.set(t.name, `Unknown broker(s) in replica assignment: ${unknown.join(', ')}.`)
    else if (twice)
      refused.set(t.name, `Duplicate brokers not allowed in replica assignment: ${twice.join(', ')}.`)
    else if (factor >= 0)
      refused.set(
        t.name,
        `Inconsistent replication factor between partitions, partition 0 has 1 while partitions [${existing + factor}] have replication factors [${assignments[factor]!.length}], respectively.`,
      )
  }
  return refused
}
