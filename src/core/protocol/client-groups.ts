/**
 * @module The group calls of brook's Kafka client (`KafkaProtocolService` inherits them): finding a
 * group's coordinator, membership (join, sync, heartbeat, leave), committed offsets, and listing,
 * describing and deleting groups — each sent to the group's coordinator, whose cached id is dropped
 * on the errors that say it moved.
 */
import { BrookError } from '../errors.ts'
import type {
  DescribedGroup,
  GroupState,
  HeartbeatRequest,
  JoinGroupRequest,
  JoinGroupResponse,
  LeaveGroupRequest,
  ListGroupsResponse,
  OffsetCommitRequest,
  OffsetCommitResponse,
  OffsetFetchRequest,
  OffsetFetchResponse,
  SyncGroupRequest,
  SyncGroupResponse,
} from '../service.ts'
import { BOOTSTRAP, KafkaCluster, STALE_COORDINATOR } from './client-cluster.ts'
import { versionOf } from './client-negotiate.ts'

export abstract class KafkaGroupClient extends KafkaCluster {
  async findCoordinator(
    groupId: string,
  ): Promise<{ errorCode: number; nodeId: number; host: string; port: number }> {
    const { res } = await this.call(BOOTSTRAP, 10, () => ({ key: groupId, keyType: 0 }))
    if (res.errorCode === 0) {
      this.brokers.set(res.nodeId, { host: res.host, port: res.port })
      this.coordinators.set(groupId, res.nodeId)
    }
    return { errorCode: res.errorCode, nodeId: res.nodeId, host: res.host, port: res.port }
  }

  async joinGroup(req: JoinGroupRequest): Promise<JoinGroupResponse> {
    const nodeId = await this.coordinator(req.groupId)
    const node = await this.node(nodeId)
    let version = versionOf(node.versions, 11)
    // From v4 a broker answers a new member with MEMBER_ID_REQUIRED; only callers that handle it get v4+.
    if (!req.requireKnownMemberId) version = Math.min(version, 3)
    const res = await node.conn.request(
      11,
      version,
      {
        groupId: req.groupId,
        sessionTimeoutMs: req.sessionTimeoutMs,
        rebalanceTimeoutMs: req.rebalanceTimeoutMs,
        memberId: req.memberId,
        groupInstanceId: req.groupInstanceId ?? null,
        protocolType: req.protocolType,
        protocols: req.protocols,
        reason: null,
      },
      { timeoutMs: req.rebalanceTimeoutMs + 30_000 },
    )
    this.checkCoordinator(req.groupId, res.errorCode)
    return {
      errorCode: res.errorCode,
      generationId: res.generationId,
      // Before v7 the response does not repeat the protocol type: it is the one the member asked for.
      protocolType: version >= 7 ? res.protocolType : req.protocolType,
      protocolName: res.protocolName,
      leader: res.leader,
      memberId: res.memberId,
      members: res.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        metadata: m.metadata,
      })),
    }
  }

  async syncGroup(req: SyncGroupRequest): Promise<SyncGroupResponse> {
    const { version, res } = await this.call(
      await this.coordinator(req.groupId),
      14,
      () => ({
        groupId: req.groupId,
        generationId: req.generationId,
        memberId: req.memberId,
        groupInstanceId: req.groupInstanceId ?? null,
        protocolType: req.protocolType ?? null,
        protocolName: req.protocolName ?? null,
        assignments: req.assignments,
      }),
      60_000,
    )
    this.checkCoordinator(req.groupId, res.errorCode)
    return {
      errorCode: res.errorCode,
      protocolType: version >= 5 ? res.protocolType : (req.protocolType ?? null),
      protocolName: version >= 5 ? res.protocolName : (req.protocolName ?? null),
      assignment: res.assignment,
    }
  }

  async heartbeat(req: HeartbeatRequest): Promise<{ errorCode: number }> {
    const { res } = await this.call(await this.coordinator(req.groupId), 12, () => ({
      groupId: req.groupId,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId ?? null,
    }))
    this.checkCoordinator(req.groupId, res.errorCode)
    return { errorCode: res.errorCode }
  }

  async leaveGroup(
    req: LeaveGroupRequest,
  ): Promise<{ errorCode: number; members: { memberId: string; errorCode: number }[] }> {
    const nodeId = await this.coordinator(req.groupId)
    const node = await this.node(nodeId)
    const version = versionOf(node.versions, 13)
    if (version >= 3) {
      const res = await node.conn.request(13, version, {
        groupId: req.groupId,
        members: req.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId ?? null,
        })),
      })
      this.checkCoordinator(req.groupId, res.errorCode)
      return {
        errorCode: res.errorCode,
        members: res.members.map((m) => ({ memberId: m.memberId, errorCode: m.errorCode })),
      }
    }
    // v0–v2 take one member per request.
    const members: { memberId: string; errorCode: number }[] = []
    let errorCode = 0
    for (const m of req.members) {
      const res = await node.conn.request(13, version, { groupId: req.groupId, memberId: m.memberId })
      this.checkCoordinator(req.groupId, res.errorCode)
      members.push({ memberId: m.memberId, errorCode: res.errorCode })
      if (res.errorCode !== 0 && errorCode === 0) errorCode = res.errorCode
    }
    return { errorCode, members }
  }

  async offsetCommit(req: OffsetCommitRequest): Promise<OffsetCommitResponse> {
    const { res } = await this.call(await this.coordinator(req.groupId), 8, () => ({
      groupId: req.groupId,
      generationIdOrMemberEpoch: req.generationId,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId ?? null,
      retentionTimeMs: -1,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partition,
          committedOffset: p.offset,
          committedLeaderEpoch: -1,
          commitTimestamp: -1,
          committedMetadata: p.metadata ?? '',
        })),
      })),
    }))
    const topics = res.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        this.checkCoordinator(req.groupId, p.errorCode)
        return { partition: p.partitionIndex, errorCode: p.errorCode }
      }),
    }))
    return { topics }
  }

  async offsetFetch(req: OffsetFetchRequest): Promise<OffsetFetchResponse> {
    const { version, res } = await this.call(await this.coordinator(req.groupId), 9, (v) => {
      if (req.topics === null && v < 2) {
        throw new BrookError('UNSUPPORTED_VERSION', 'fetching all committed offsets needs OffsetFetch v2+')
      }
      return {
        groupId: req.groupId,
        topics: req.topics?.map((t) => ({ name: t.name, partitionIndexes: t.partitions })) ?? null,
        requireStable: false,
      }
    })
    const partitionErrors = res.topics.flatMap((t) => t.partitions.map((p) => p.errorCode))
    // v0–v1 have no top-level error code; a group-wide error shows on every partition.
    const errorCode =
      version >= 2 ? res.errorCode : (partitionErrors.find((c) => STALE_COORDINATOR.has(c)) ?? 0)
    this.checkCoordinator(req.groupId, errorCode)
    return {
      errorCode,
      topics: res.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partition: p.partitionIndex,
          offset: p.committedOffset,
          metadata: p.metadata,
          errorCode: p.errorCode,
        })),
      })),
    }
  }

  async listGroups(): Promise<ListGroupsResponse> {
    // Each broker lists only the groups it coordinates, so ask every known broker.
    if (this.options.connect && this.brokers.size === 0) await this.metadata({ topics: [] })
    const ids = this.options.connect && this.brokers.size > 0 ? [...this.brokers.keys()] : [BOOTSTRAP]
    const results = await Promise.all(
      ids.map((id) => this.call(id, 16, () => ({ statesFilter: [], typesFilter: [] }))),
    )
    let errorCode = 0
    const groups: ListGroupsResponse['groups'] = []
    for (const { res } of results) {
      if (res.errorCode !== 0 && errorCode === 0) errorCode = res.errorCode
      for (const g of res.groups) {
        // Before v4 there is no state; '' says "not reported".
        groups.push({ groupId: g.groupId, protocolType: g.protocolType, state: g.groupState as GroupState })
      }
    }
    return { errorCode, groups }
  }

  async describeGroups(groupIds: string[]): Promise<DescribedGroup[]> {
    const results = await this.perCoordinator(groupIds, (nodeId, groups) =>
      this.call(nodeId, 15, () => ({ groups, includeAuthorizedOperations: false })),
    )
    const described = new Map<string, DescribedGroup>()
    for (const { res } of results) {
      for (const g of res.groups) {
        this.checkCoordinator(g.groupId, g.errorCode)
        described.set(g.groupId, {
          errorCode: g.errorCode,
          groupId: g.groupId,
          state: g.groupState as GroupState,
          protocolType: g.protocolType,
          protocol: g.protocolData,
          members: g.members.map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            metadata: m.memberMetadata,
            assignment: m.memberAssignment,
          })),
        })
      }
    }
    return groupIds.flatMap((g) => described.get(g) ?? [])
  }

  async deleteGroups(groupIds: string[]): Promise<{ groupId: string; errorCode: number }[]> {
    const results = await this.perCoordinator(groupIds, (nodeId, groupsNames) =>
      this.call(nodeId, 42, () => ({ groupsNames })),
    )
    return results.flatMap(({ res }) =>
      res.results.map((r) => {
        this.checkCoordinator(r.groupId, r.errorCode)
        return { groupId: r.groupId, errorCode: r.errorCode }
      }),
    )
  }
}
