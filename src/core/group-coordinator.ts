/**
 * @module The classic consumer-group coordinator, after Kafka's `GroupCoordinator`: JoinGroup,
 * SyncGroup, Heartbeat, LeaveGroup, generations, session/rebalance timeouts on an injected clock,
 * and committed offsets kept in the store's metadata. One coordinator serves every group of a
 * broker; all state changes happen synchronously inside a call or a timer, so no locking is needed.
 *
 * Defaults that differ from Kafka, and why:
 * - `minSessionTimeoutMs` 1000 (Kafka's group.min.session.timeout.ms is 6000): browser tabs and
 *   tests want quick failover; clients still send their own (10–45 s) values.
 * - `initialRebalanceDelayMs` 100 (Kafka: 3000): a teaching demo or a test should not stall 3 s;
 *   consumers that start together still land in one generation. The delay also applies when a
 *   group that was used before becomes empty and is joined again (Kafka only extends it for
 *   generation 0), so restarting a whole group costs one rebalance, not one per member.
 * - Static membership (groupInstanceId) is accepted and reported, but members are treated as
 *   dynamic: a restarted static member joins under a new member id.
 * - Only offsets are persisted, not group metadata: after a restart a group with offsets is
 *   Empty at generation 0, and its old members must rejoin (they get UNKNOWN_MEMBER_ID first).
 */

import type { Clock } from './clock.ts'
import { systemClock } from './clock.ts'
import type { KafkaErrorName } from './errors.ts'
import { errorCode } from './errors.ts'
import { Group } from './group.ts'
import type { CommittedOffset } from './group-offsets.ts'
import { GroupOffsets } from './group-offsets.ts'
import { EMPTY, joinError, Rebalancer, syncError } from './group-rebalance.ts'
import type {
  DescribedGroup,
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
} from './service.ts'
import type { Store } from './store.ts'

export interface GroupCoordinatorOptions {
  store: Store
  clock?: Clock
  /** group.initial.rebalance.delay.ms; default 100. 0 completes a first join at once. */
  initialRebalanceDelayMs?: number
  /** Answers UNKNOWN_TOPIC_OR_PARTITION for commits to partitions that do not exist; default: all exist. */
  partitionExists?: (topic: string, partition: number) => boolean
  /** group.min.session.timeout.ms; default 1000. */
  minSessionTimeoutMs?: number
  /** group.max.session.timeout.ms; default 1,800,000 (Kafka's). */
  maxSessionTimeoutMs?: number
  /** How long a brand-new member may wait in a rebalance before it is dropped; Kafka's 300,000. */
  newMemberJoinTimeoutMs?: number
  /**
   * How long an empty group stays known after its last member left; default 600,000 (Kafka's
   * offsets cleanup interval). Groups with committed offsets stay listed regardless.
   */
  emptyGroupRetentionMs?: number
  /** offset.metadata.max.bytes; default 4096. */
  maxOffsetMetadataBytes?: number
  /**
   * Called when a group with members starts a rebalance (a member joined, left or expired), so that
   * a runtime able to push can tell the other members now rather than at their next heartbeat.
   */
  onRebalance?: (groupId: string) => void
}

const NONE = 0
const code = (name: KafkaErrorName): number => errorCode(name)
const utf8 = new TextEncoder()

export class GroupCoordinator {
  private readonly store: Store
  private readonly clock: Clock
  private readonly partitionExists: (topic: string, partition: number) => boolean
  private readonly minSessionMs: number
  private readonly maxSessionMs: number
  private readonly emptyGroupRetentionMs: number
  private readonly maxMetadataBytes: number
  private readonly groups = new Map<string, Group>()
  private readonly offsets: GroupOffsets
  private readonly rebalance: Rebalancer
  private closed = false

  constructor(options: GroupCoordinatorOptions) {
    this.store = options.store
    this.clock = options.clock ?? systemClock
    this.partitionExists = options.partitionExists ?? (() => true)
    this.minSessionMs = options.minSessionTimeoutMs ?? 1000
    this.maxSessionMs = options.maxSessionTimeoutMs ?? 1_800_000
    this.emptyGroupRetentionMs = options.emptyGroupRetentionMs ?? 600_000
    this.maxMetadataBytes = options.maxOffsetMetadataBytes ?? 4096
    this.offsets = new GroupOffsets(this.store)
    this.rebalance = new Rebalancer(
      this.clock,
      options.initialRebalanceDelayMs ?? 100,
      options.newMemberJoinTimeoutMs ?? 300_000,
      options.onRebalance,
    )
  }

  /** Rebuilds committed offsets from the store. Call once before serving. */
  async load(): Promise<void> {
    await this.offsets.load()
  }

  /** Stops every timer and answers waiting JoinGroup/SyncGroup calls with COORDINATOR_NOT_AVAILABLE. */
  close(): void {
    if (this.closed) return
    this.closed = true
    const unavailable = code('COORDINATOR_NOT_AVAILABLE')
    for (const group of this.groups.values()) {
      this.rebalance.cancelGroupTimers(group)
      for (const cancel of group.pending.values()) cancel()
      group.pending.clear()
      for (const m of group.members.values()) {
        m.cancelExpiry?.()
        this.rebalance.answerJoin(m, joinError(unavailable, m.memberId))
        this.rebalance.answerSync(m, syncError(unavailable))
      }
      group.state = 'Dead'
    }
    this.groups.clear()
  }

  // ---- Membership ----

  joinGroup(req: JoinGroupRequest): Promise<JoinGroupResponse> {
    if (this.closed) return Promise.resolve(joinError(code('COORDINATOR_NOT_AVAILABLE'), req.memberId))
    if (!req.groupId) return Promise.resolve(joinError(code('INVALID_GROUP_ID'), req.memberId))
    if (req.sessionTimeoutMs < this.minSessionMs || req.sessionTimeoutMs > this.maxSessionMs) {
      return Promise.resolve(joinError(code('INVALID_SESSION_TIMEOUT'), req.memberId))
    }
    const isNew = req.memberId === ''
    let group = this.lookup(req.groupId)
    if (!group) {
      if (!isNew) return Promise.resolve(joinError(code('UNKNOWN_MEMBER_ID'), req.memberId))
      group = this.createGroup(req.groupId)
    }
    const result = isNew
      ? this.rebalance.joinNewMember(group, req)
      : this.rebalance.joinKnownMember(group, req)
    // Kafka completes the pending rebalance after every join if everybody is now in.
    this.rebalance.tryCompleteJoin(group)
    this.rebalance.markIdle(group)
    return result
  }

  syncGroup(req: SyncGroupRequest): Promise<SyncGroupResponse> {
    const fail = (name: KafkaErrorName) => Promise.resolve(syncError(code(name)))
    if (this.closed) return fail('COORDINATOR_NOT_AVAILABLE')
    if (!req.groupId) return fail('INVALID_GROUP_ID')
    const group = this.groups.get(req.groupId)
    if (!group) return fail('UNKNOWN_MEMBER_ID')
    if (group.state === 'Dead') return fail('COORDINATOR_NOT_AVAILABLE')
    const member = group.members.get(req.memberId)
    if (!member) return fail('UNKNOWN_MEMBER_ID')
    if (req.generationId !== group.generationId) return fail('ILLEGAL_GENERATION')
    if (
      (req.protocolType != null && req.protocolType !== group.protocolType) ||
      (req.protocolName != null && req.protocolName !== group.protocolName)
    ) {
      return fail('INCONSISTENT_GROUP_PROTOCOL')
    }
    switch (group.state) {
      case 'Empty':
        return fail('UNKNOWN_MEMBER_ID')
      case 'PreparingRebalance':
        return fail('REBALANCE_IN_PROGRESS')
      case 'Stable':
        group.pendingSync.delete(member.memberId)
        this.rebalance.scheduleExpiry(group, member, member.sessionTimeoutMs)
        return Promise.resolve(this.rebalance.syncOk(group, member))
      case 'CompletingRebalance': {
        group.pendingSync.delete(member.memberId)
        // A repeated SyncGroup (client retry on a new connection) replaces the earlier wait.
        this.rebalance.answerSync(member, syncError(code('REBALANCE_IN_PROGRESS')))
        const answer = new Promise<SyncGroupResponse>((resolve) => {
          member.syncWaiter = resolve
        })
        if (group.isLeader(member.memberId)) this.rebalance.applyAssignments(group, req.assignments)
        return answer
      }
    }
    return fail('COORDINATOR_NOT_AVAILABLE')
  }

  heartbeat(req: HeartbeatRequest): Promise<{ errorCode: number }> {
    const reply = (name: KafkaErrorName) => Promise.resolve({ errorCode: code(name) })
    if (this.closed) return reply('COORDINATOR_NOT_AVAILABLE')
    if (!req.groupId) return reply('INVALID_GROUP_ID')
    const group = this.groups.get(req.groupId)
    if (!group) return reply('UNKNOWN_MEMBER_ID')
    if (group.state === 'Dead') return reply('COORDINATOR_NOT_AVAILABLE')
    const member = group.members.get(req.memberId)
    if (!member) return reply('UNKNOWN_MEMBER_ID')
    if (req.generationId !== group.generationId) return reply('ILLEGAL_GENERATION')
    switch (group.state) {
      case 'Empty':
        return reply('UNKNOWN_MEMBER_ID')
      case 'PreparingRebalance':
        this.rebalance.scheduleExpiry(group, member, member.sessionTimeoutMs)
        return reply('REBALANCE_IN_PROGRESS')
      default:
        // CompletingRebalance too: clients may heartbeat between JoinGroup and SyncGroup.
        this.rebalance.scheduleExpiry(group, member, member.sessionTimeoutMs)
        return reply('NONE')
    }
  }

  /**
   * Removes members. As in LeaveGroup v3+, the top-level errorCode is for the request and each
   * member has its own; a v0–2 wire adapter should report the first member's error at the top.
   */
  leaveGroup(
    req: LeaveGroupRequest,
  ): Promise<{ errorCode: number; members: { memberId: string; errorCode: number }[] }> {
    const top = (name: KafkaErrorName) => Promise.resolve({ errorCode: code(name), members: [] })
    if (this.closed) return top('COORDINATOR_NOT_AVAILABLE')
    if (!req.groupId) return top('INVALID_GROUP_ID')
    const group = this.groups.get(req.groupId)
    if (group?.state === 'Dead') return top('COORDINATOR_NOT_AVAILABLE')
    const members = req.members.map(({ memberId, groupInstanceId }) => {
      if (!group) return { memberId, errorCode: code('UNKNOWN_MEMBER_ID') }
      const cancelPending = group.pending.get(memberId)
      if (cancelPending) {
        cancelPending()
        group.pending.delete(memberId)
        this.rebalance.tryCompleteJoin(group)
        this.rebalance.markIdle(group)
        return { memberId, errorCode: NONE }
      }
      // KIP-345: a static member may leave by instance id alone.
      const member =
        group.members.get(memberId) ??
        (memberId === '' && groupInstanceId
          ? [...group.members.values()].find((m) => m.groupInstanceId === groupInstanceId)
          : undefined)
      if (!member) return { memberId, errorCode: code('UNKNOWN_MEMBER_ID') }
      this.rebalance.removeMemberAndUpdate(group, member)
      return { memberId: member.memberId, errorCode: NONE }
    })
    return Promise.resolve({ errorCode: NONE, members })
  }

  // ---- Offsets ----

  async offsetCommit(req: OffsetCommitRequest): Promise<OffsetCommitResponse> {
    const all = (errorCode: number): OffsetCommitResponse => ({
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode })),
      })),
    })
    if (this.closed) return all(code('COORDINATOR_NOT_AVAILABLE'))
    let group = this.lookup(req.groupId)
    if (!group) {
      // A generation below 0 means "no group management" (admin tools, simple consumers).
      if (req.generationId >= 0) return all(code('ILLEGAL_GENERATION'))
      group = this.createGroup(req.groupId)
      this.rebalance.markIdle(group)
    }
    const check = this.commitCheck(group, req)
    if (check !== NONE) return all(check)

    const now = this.clock.now()
    const writes: Promise<void>[] = []
    const topics = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const result = { partition: p.partition, errorCode: NONE }
        if (!Number.isSafeInteger(p.partition) || !this.partitionExists(t.name, p.partition)) {
          result.errorCode = code('UNKNOWN_TOPIC_OR_PARTITION')
        } else if (!Number.isSafeInteger(p.offset)) {
          result.errorCode = code('INVALID_REQUEST')
        } else if (p.metadata && utf8.encode(p.metadata).length > this.maxMetadataBytes) {
          result.errorCode = code('OFFSET_METADATA_TOO_LARGE')
        } else {
          const value: CommittedOffset = {
            offset: p.offset,
            metadata: p.metadata ?? '',
            commitTimestamp: now,
          }
          writes.push(
            this.offsets.commit(req.groupId, t.name, p.partition, value).catch(() => {
              result.errorCode = code('KAFKA_STORAGE_ERROR')
            }),
          )
        }
        return result
      }),
    }))
    await Promise.all(writes)
    return { topics }
  }

  async offsetFetch(req: OffsetFetchRequest): Promise<OffsetFetchResponse> {
    if (this.closed) return { errorCode: code('COORDINATOR_NOT_AVAILABLE'), topics: [] }
    if (req.topics === null) {
      return {
        errorCode: NONE,
        topics: this.offsets.all(req.groupId).map(({ topic, partitions }) => ({
          name: topic,
          partitions: partitions.map(({ partition, committed }) => ({
            partition,
            offset: committed.offset,
            metadata: committed.metadata,
            errorCode: NONE,
          })),
        })),
      }
    }
    return {
      errorCode: NONE,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((partition) => {
          const committed = this.offsets.get(req.groupId, t.name, partition)
          // Kafka answers an uncommitted partition with offset -1 and empty metadata, no error.
          return {
            partition,
            offset: committed?.offset ?? -1,
            metadata: committed?.metadata ?? '',
            errorCode: NONE,
          }
        }),
      })),
    }
  }

  /** The committed offset of one partition, or undefined: for lag (high watermark − committed). */
  committedOffset(groupId: string, topic: string, partition: number): number | undefined {
    return this.offsets.get(groupId, topic, partition)?.offset
  }

  /** Drops every group's committed offsets for a deleted topic (Kafka does the same). */
  deleteTopicOffsets(topic: string): Promise<void> {
    return this.offsets.deleteTopic(topic)
  }

  // ---- Admin ----

  listGroups(): Promise<ListGroupsResponse> {
    if (this.closed) return Promise.resolve({ errorCode: code('COORDINATOR_NOT_AVAILABLE'), groups: [] })
    this.sweep()
    const groups: ListGroupsResponse['groups'] = []
    for (const g of this.groups.values()) {
      if (g.state !== 'Dead')
        groups.push({ groupId: g.groupId, protocolType: g.protocolType ?? '', state: g.state })
    }
    // Groups known only by their committed offsets (after a restart, or a CLI commit) are Empty.
    for (const id of this.offsets.groups()) {
      if (!this.groups.has(id)) groups.push({ groupId: id, protocolType: '', state: 'Empty' })
    }
    return Promise.resolve({ errorCode: NONE, groups })
  }

  describeGroups(groupIds: string[]): Promise<DescribedGroup[]> {
    return Promise.resolve(groupIds.map((groupId) => this.describe(groupId)))
  }

  async deleteGroups(groupIds: string[]): Promise<{ groupId: string; errorCode: number }[]> {
    return Promise.all(
      groupIds.map(async (groupId) => {
        if (this.closed) return { groupId, errorCode: code('COORDINATOR_NOT_AVAILABLE') }
        if (!groupId) return { groupId, errorCode: code('INVALID_GROUP_ID') }
        const group = this.groups.get(groupId)
        const hasOffsets = this.offsets.hasOffsets(groupId)
        if ((!group && !hasOffsets) || group?.state === 'Dead') {
          return { groupId, errorCode: code('GROUP_ID_NOT_FOUND') }
        }
        if (group && (group.state !== 'Empty' || group.members.size > 0)) {
          return { groupId, errorCode: code('NON_EMPTY_GROUP') }
        }
        if (group) {
          group.state = 'Dead'
          this.rebalance.cancelGroupTimers(group)
          for (const cancel of group.pending.values()) cancel()
          this.groups.delete(groupId)
        }
        try {
          await this.offsets.deleteGroup(groupId)
        } catch {
          return { groupId, errorCode: code('KAFKA_STORAGE_ERROR') }
        }
        return { groupId, errorCode: NONE }
      }),
    )
  }

  private commitCheck(group: Group, req: OffsetCommitRequest): number {
    if (group.state === 'Dead') return code('COORDINATOR_NOT_AVAILABLE')
    if (req.generationId < 0 && group.state === 'Empty') return NONE
    if (group.state === 'CompletingRebalance') return code('REBALANCE_IN_PROGRESS')
    const member = group.members.get(req.memberId)
    if (!member) return code('UNKNOWN_MEMBER_ID')
    if (req.generationId !== group.generationId) return code('ILLEGAL_GENERATION')
    // A commit from a live member counts as a heartbeat, as in Kafka.
    this.rebalance.scheduleExpiry(group, member, member.sessionTimeoutMs)
    return NONE
  }

  // ---- Bookkeeping ----

  /** The group object, created Empty on demand for a group known only by its committed offsets. */
  private lookup(groupId: string): Group | undefined {
    const group = this.groups.get(groupId)
    if (group || !this.offsets.hasOffsets(groupId)) return group
    return this.createGroup(groupId)
  }

  private createGroup(groupId: string): Group {
    this.sweep()
    const group = new Group(groupId)
    this.groups.set(groupId, group)
    return group
  }

  /**
   * Forgets groups that have been empty longer than `emptyGroupRetentionMs`. Done lazily (when
   * groups are listed or created) rather than with a timer, so that an idle coordinator holds no
   * timers that would keep a process alive.
   */
  private sweep(): void {
    const now = this.clock.now()
    for (const [id, g] of this.groups) {
      const idle = g.state === 'Empty' && g.members.size === 0 && g.pending.size === 0
      if (idle && g.idleSince !== null && now - g.idleSince >= this.emptyGroupRetentionMs)
        this.groups.delete(id)
    }
  }

  private describe(groupId: string): DescribedGroup {
    if (this.closed) {
      return {
        errorCode: code('COORDINATOR_NOT_AVAILABLE'),
        groupId,
        state: 'Dead',
        protocolType: '',
        protocol: '',
        members: [],
      }
    }
    const group = this.groups.get(groupId)
    if (!group) {
      // Kafka describes an unknown group as Dead with no error; one with only offsets is Empty.
      const state = this.offsets.hasOffsets(groupId) ? 'Empty' : 'Dead'
      return { errorCode: NONE, groupId, state, protocolType: '', protocol: '', members: [] }
    }
    // Like Kafka's GroupMetadata.summary: metadata and assignments only once the group is Stable.
    const stable = group.state === 'Stable'
    return {
      errorCode: NONE,
      groupId,
      state: group.state,
      protocolType: group.protocolType ?? '',
      protocol: stable ? (group.protocolName ?? '') : '',
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: stable
          ? (m.protocols.find((p) => p.name === group.protocolName)?.metadata ?? EMPTY)
          : EMPTY,
        assignment: stable ? m.assignment : EMPTY,
      })),
    }
  }
}
