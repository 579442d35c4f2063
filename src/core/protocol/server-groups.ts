/**
 * @module The consumer-group APIs on the server side: FindCoordinator (10), JoinGroup (11),
 * Heartbeat (12), LeaveGroup (13), SyncGroup (14), DescribeGroups (15), ListGroups (16),
 * OffsetCommit (8), OffsetFetch (9) and DeleteGroups (42).
 */

import { errorCode as codeNamed } from '../errors.ts'
import type { DescribedGroup } from '../service.ts'
import {
  type ApiContext,
  arr,
  codeOf,
  NO_AUTHORIZED_OPERATIONS,
  node,
  partitionResults,
  type Request,
  type Response,
} from './api-context.ts'
import type { API } from './api-keys.ts'

export async function findCoordinator(
  ctx: ApiContext,
  version: number,
  body: Request<typeof API.FindCoordinator>,
): Promise<Response<typeof API.FindCoordinator>> {
  const keyType = body.keyType ?? 0
  // From v4 one request asks for many keys (KIP-699), each answered on its own.
  const keys: string[] = version >= 4 ? arr(body.coordinatorKeys) : [body.key]
  const coordinators = await Promise.all(
    keys.map(async (key) => {
      let errorCode = 0
      try {
        if (keyType === 0) errorCode = (await ctx.service.findCoordinator(key)).errorCode
        // brook has no transaction coordinator.
        else if (keyType === 1) errorCode = codeNamed('COORDINATOR_NOT_AVAILABLE')
        // Share groups (KIP-932, v6) and unknown types.
        else errorCode = codeNamed('INVALID_REQUEST')
      } catch (e) {
        errorCode = codeOf(e, ctx, 'findCoordinator')
      }
      const ok = errorCode === 0
      return {
        key,
        nodeId: ok ? node(ctx) : -1,
        host: ok ? ctx.advertised.host : '',
        port: ok ? ctx.advertised.port : -1,
        errorCode,
        errorMessage: null,
      }
    }),
  )
  const one = coordinators[0]!
  return version >= 4
    ? { throttleTimeMs: 0, coordinators }
    : {
        throttleTimeMs: 0,
        errorCode: one.errorCode,
        errorMessage: null,
        nodeId: one.nodeId,
        host: one.host,
        port: one.port,
      }
}

export async function joinGroup(
  ctx: ApiContext,
  version: number,
  body: Request<typeof API.JoinGroup>,
): Promise<Response<typeof API.JoinGroup>> {
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
      protocols: arr(body.protocols).map((p) => ({ name: p.name, metadata: p.metadata })),
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

export async function syncGroup(
  ctx: ApiContext,
  _version: number,
  body: Request<typeof API.SyncGroup>,
): Promise<Response<typeof API.SyncGroup>> {
  try {
    const res = await ctx.service.syncGroup({
      groupId: body.groupId,
      generationId: body.generationId,
      memberId: body.memberId,
      groupInstanceId: body.groupInstanceId ?? null,
      protocolType: body.protocolType ?? null,
      protocolName: body.protocolName ?? null,
      assignments: arr(body.assignments).map((a) => ({
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

export async function heartbeat(
  ctx: ApiContext,
  _version: number,
  body: Request<typeof API.Heartbeat>,
): Promise<Response<typeof API.Heartbeat>> {
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

export async function leaveGroup(
  ctx: ApiContext,
  version: number,
  body: Request<typeof API.LeaveGroup>,
): Promise<Response<typeof API.LeaveGroup>> {
  // v0–2 name one member; v3+ a list (KIP-345).
  const members: { memberId: string; groupInstanceId?: string | null }[] =
    version >= 3
      ? arr(body.members).map((m) => ({
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

export async function offsetCommit(
  ctx: ApiContext,
  version: number,
  body: Request<typeof API.OffsetCommit>,
): Promise<Response<typeof API.OffsetCommit>> {
  const topics = arr(body.topics)
  const results = await partitionResults(ctx, 'offsetCommit', () =>
    ctx.service.offsetCommit({
      groupId: body.groupId,
      // v0 commits outside group management.
      generationId: version >= 1 ? body.generationIdOrMemberEpoch : -1,
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

export async function offsetFetch(
  ctx: ApiContext,
  version: number,
  body: Request<typeof API.OffsetFetch>,
): Promise<Response<typeof API.OffsetFetch>> {
  if (version >= 8) {
    // Many groups in one request (KIP-709), each with its own error.
    const groups = await Promise.all(
      arr(body.groups).map(async (g) => {
        const r = await fetchGroupOffsets(ctx, g.groupId, g.topics, version)
        return { groupId: g.groupId, ...r }
      }),
    )
    return { throttleTimeMs: 0, groups }
  }
  return { throttleTimeMs: 0, ...(await fetchGroupOffsets(ctx, body.groupId, body.topics ?? null, version)) }
}

async function fetchGroupOffsets(
  ctx: ApiContext,
  groupId: string,
  asked: { name: string; partitionIndexes: number[] }[] | null,
  version: number,
) {
  try {
    const res = await ctx.service.offsetFetch({
      groupId,
      topics:
        asked === null ? null : asked.map((t) => ({ name: t.name, partitions: arr(t.partitionIndexes) })),
    })
    // Before v2 there is no top-level error: put it on every partition.
    const lift = version < 2 ? res.errorCode : 0
    return {
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
    return { errorCode: codeOf(e, ctx, 'offsetFetch'), topics: [] }
  }
}

export async function listGroups(
  ctx: ApiContext,
  _version: number,
  body: Request<typeof API.ListGroups>,
): Promise<Response<typeof API.ListGroups>> {
  try {
    const res = await ctx.service.listGroups()
    const filter: string[] = arr(body.statesFilter)
    // Every group brook keeps is of the classic protocol (v5's types filter, KIP-848).
    const types = arr(body.typesFilter).map((t) => t.toLowerCase())
    const groups = res.groups.filter(
      (g) =>
        (filter.length === 0 || filter.includes(g.state)) &&
        (types.length === 0 || types.includes('classic')),
    )
    return {
      throttleTimeMs: 0,
      errorCode: res.errorCode,
      groups: groups.map((g) => ({
        groupId: g.groupId,
        protocolType: g.protocolType,
        groupState: g.state,
        groupType: 'classic',
      })),
    }
  } catch (e) {
    return { throttleTimeMs: 0, errorCode: codeOf(e, ctx, 'listGroups'), groups: [] }
  }
}

export async function describeGroups(
  ctx: ApiContext,
  _version: number,
  body: Request<typeof API.DescribeGroups>,
): Promise<Response<typeof API.DescribeGroups>> {
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

export async function deleteGroups(
  ctx: ApiContext,
  _version: number,
  body: Request<typeof API.DeleteGroups>,
): Promise<Response<typeof API.DeleteGroups>> {
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
