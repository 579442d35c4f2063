/**
 * @module REST for consumer groups: list; describe with members, their assignments, and per
 * partition the committed offset, log end and lag (the columns of kafka-consumer-groups.sh, lag
 * counting partitions never committed); commit offsets outside group management; delete.
 */

import { Hono } from 'hono'
import { computeLag } from '../../core/client/assignors.ts'
import { decodeAssignment } from '../../core/format/consumer-protocol.ts'
import { type AppContext, scoped } from './context.ts'
import { badRequest, HttpError, throwIfKafkaError } from './http-errors.ts'
import { jsonBody } from './params.ts'
import { partitionOffsets } from './topics-routes.ts'

export interface GroupPartitionLag {
  topic: string
  partition: number
  committed: number | null
  logStartOffset: number
  logEndOffset: number
  lag: number
  owner: string | null
}

function groupParam(raw: string): string {
  if (raw.length === 0 || raw.length > 255) throw badRequest('a group id has 1 to 255 characters')
  return raw
}

/** Committed offsets and lag of every partition of the topics the group commits or is assigned. */
export async function groupLag(ctx: AppContext, groupId: string): Promise<GroupPartitionLag[]> {
  const [described] = await ctx.service.describeGroups([groupId])
  const owners = new Map<string, string>()
  for (const m of described?.protocolType === 'consumer' ? described.members : []) {
    try {
      for (const t of decodeAssignment(m.assignment).assignment)
        for (const p of t.partitions) owners.set(`${t.topic}\0${p}`, m.memberId)
    } catch {
      // A member whose assignment is not the consumer protocol's owns nothing we can name.
    }
  }
  const fetched = await ctx.service.offsetFetch({ groupId, topics: null })
  throwIfKafkaError(fetched.errorCode)
  const committed = new Map<string, number>()
  const topics = new Set<string>()
  for (const t of fetched.topics)
    for (const p of t.partitions)
      if (p.errorCode === 0 && p.offset >= 0) {
        committed.set(`${t.name}\0${p.partition}`, p.offset)
        topics.add(t.name)
      }
  for (const key of owners.keys()) topics.add(key.split('\0')[0]!)
  const out: GroupPartitionLag[] = []
  for (const topic of [...topics].sort()) {
    const md = await ctx.service.metadata({ topics: [topic], allowAutoTopicCreation: false })
    const n = md.topics.find((x) => x.name === topic && x.errorCode === 0)?.partitions.length ?? 0
    if (n === 0) continue
    for (const p of await partitionOffsets(ctx, topic, [...Array(n).keys()])) {
      const key = `${topic}\0${p.partition}`
      const c = committed.get(key)
      if (c === undefined && !owners.has(key)) continue
      out.push({
        topic,
        partition: p.partition,
        committed: c ?? null,
        logStartOffset: p.logStartOffset,
        logEndOffset: p.highWatermark,
        lag: computeLag(c ?? -1, p.highWatermark, p.logStartOffset),
        owner: owners.get(key) ?? null,
      })
    }
  }
  return out
}

export function groupsRoutes(base: AppContext): Hono {
  const app = new Hono()

  app.get('/', async (c) => {
    const ctx = scoped(c, base)
    const res = await ctx.service.listGroups()
    throwIfKafkaError(res.errorCode)
    return c.json({
      groups: res.groups
        .map((g) => ({ groupId: g.groupId, state: g.state, protocolType: g.protocolType }))
        .sort((a, b) => a.groupId.localeCompare(b.groupId)),
    })
  })

  app.get('/:group', async (c) => {
    const ctx = scoped(c, base)
    const groupId = groupParam(c.req.param('group'))
    const [g] = await ctx.service.describeGroups([groupId])
    if (!g) throw new HttpError('UNKNOWN_SERVER_ERROR', 'the broker gave no answer', 500)
    throwIfKafkaError(g.errorCode)
    const offsets = await groupLag(ctx, groupId)
    if (g.state === 'Dead' && offsets.length === 0)
      throw new HttpError('GROUP_ID_NOT_FOUND', `group ${groupId} does not exist`)
    return c.json({
      groupId,
      state: g.state,
      protocolType: g.protocolType,
      protocol: g.protocol,
      members: g.members.map((m) => {
        let assignment: { topic: string; partitions: number[] }[] = []
        if (g.protocolType === 'consumer')
          try {
            assignment = decodeAssignment(m.assignment).assignment.map((t) => ({
              topic: t.topic,
              partitions: t.partitions,
            }))
          } catch {}
        return { memberId: m.memberId, clientId: m.clientId, clientHost: m.clientHost, assignment }
      }),
      offsets,
      lag: offsets.reduce((sum, o) => sum + o.lag, 0),
    })
  })

  // Commit outside group management (as kafka-consumer-groups.sh --reset-offsets does).
  app.post('/:group/offsets', async (c) => {
    const ctx = scoped(c, base)
    const groupId = groupParam(c.req.param('group'))
    const body = await jsonBody(c)
    const list = body.offsets
    if (!Array.isArray(list) || list.length === 0 || list.length > 10_000)
      throw badRequest('offsets must be an array of 1 to 10,000 { topic, partition, offset }')
    const byTopic = new Map<string, { partition: number; offset: number; metadata: string | null }[]>()
    for (const o of list as {
      topic?: unknown
      partition?: unknown
      offset?: unknown
      metadata?: unknown
    }[]) {
      if (typeof o?.topic !== 'string' || !Number.isInteger(o.partition) || !Number.isSafeInteger(o.offset))
        throw badRequest('each offset is { topic, partition, offset }')
      if ((o.offset as number) < 0 || (o.partition as number) < 0)
        throw badRequest('partition and offset are >= 0')
      const ps = byTopic.get(o.topic) ?? []
      ps.push({
        partition: o.partition as number,
        offset: o.offset as number,
        metadata: typeof o.metadata === 'string' ? o.metadata : null,
      })
      byTopic.set(o.topic, ps)
    }
    const res = await ctx.service.offsetCommit({
      groupId,
      generationId: -1,
      memberId: '',
      topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
    })
    for (const t of res.topics) for (const p of t.partitions) throwIfKafkaError(p.errorCode)
    return c.body(null, 204)
  })

  app.delete('/:group', async (c) => {
    const ctx = scoped(c, base)
    const groupId = groupParam(c.req.param('group'))
    const [r] = await ctx.service.deleteGroups([groupId])
    throwIfKafkaError(r?.errorCode ?? 0)
    return c.body(null, 204)
  })

  return app
}
