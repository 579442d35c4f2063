/**
 * @module The rebalance state machine of the classic group protocol, after Kafka's
 * GroupCoordinator: how joins gather into a generation (initial delay, rebalance timeout,
 * stragglers dropped), how the leader's assignment reaches the members, and how session expiry
 * and departures send a group back to rebalancing. `GroupCoordinator` validates requests and
 * calls in here; everything happens synchronously in a call or a clock timer.
 */

import type { Clock } from './clock.ts'
import type { KafkaErrorName } from './errors.ts'
import { errorCode } from './errors.ts'
import type { Group, Member } from './group.ts'
import { sameProtocols } from './group.ts'
import type { JoinGroupRequest, JoinGroupResponse, SyncGroupRequest, SyncGroupResponse } from './service.ts'

const NONE = 0
const code = (name: KafkaErrorName): number => errorCode(name)
export const EMPTY = new Uint8Array(0)

/** Kafka names members `<clientId>-<uuid>`; getRandomValues works in every runtime core targets. */
function newMemberId(clientId: string): string {
  const b = new Uint8Array(16)
  crypto.getRandomValues(b)
  b[6] = (b[6]! & 0x0f) | 0x40
  b[8] = (b[8]! & 0x3f) | 0x80
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('')
  return `${clientId}-${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

export function joinError(errorCode: number, memberId: string): JoinGroupResponse {
  return {
    errorCode,
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leader: '',
    memberId,
    members: [],
  }
}

export function syncError(errorCode: number): SyncGroupResponse {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY }
}

export class Rebalancer {
  constructor(
    private readonly clock: Clock,
    private readonly initialDelayMs: number,
    private readonly newMemberJoinTimeoutMs: number,
    /** Told when a group starts a rebalance (see `GroupCoordinatorOptions.onRebalance`). */
    private readonly onRebalance: (groupId: string) => void = () => {},
  ) {}

  // ---- Join internals ----

  joinNewMember(group: Group, req: JoinGroupRequest): Promise<JoinGroupResponse> {
    if (group.state === 'Dead') return Promise.resolve(joinError(code('COORDINATOR_NOT_AVAILABLE'), ''))
    if (!group.supportsProtocols(req.protocolType, req.protocols)) {
      return Promise.resolve(joinError(code('INCONSISTENT_GROUP_PROTOCOL'), ''))
    }
    const memberId = newMemberId(req.clientId ?? '')
    if (req.requireKnownMemberId) {
      // KIP-394: hand out the id first; the member counts as pending until it rejoins with it.
      const cancel = this.clock.setTimeout(() => {
        group.pending.delete(memberId)
        this.tryCompleteJoin(group)
        this.markIdle(group)
      }, req.sessionTimeoutMs)
      group.pending.set(memberId, cancel)
      group.idleSince = null
      return Promise.resolve(joinError(code('MEMBER_ID_REQUIRED'), memberId))
    }
    return this.addMemberAndRebalance(group, memberId, req)
  }

  joinKnownMember(group: Group, req: JoinGroupRequest): Promise<JoinGroupResponse> {
    const fail = (name: KafkaErrorName) => Promise.resolve(joinError(code(name), req.memberId))
    if (group.state === 'Dead') return fail('COORDINATOR_NOT_AVAILABLE')
    if (!group.supportsProtocols(req.protocolType, req.protocols)) return fail('INCONSISTENT_GROUP_PROTOCOL')
    const cancelPending = group.pending.get(req.memberId)
    if (cancelPending) {
      cancelPending()
      group.pending.delete(req.memberId)
      return this.addMemberAndRebalance(group, req.memberId, req)
    }
    const member = group.members.get(req.memberId)
    if (!member) return fail('UNKNOWN_MEMBER_ID')
    switch (group.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(group, member, req)
      case 'CompletingRebalance':
        // A retried JoinGroup of this generation gets the same answer again, no new rebalance.
        if (sameProtocols(member.protocols, req.protocols))
          return Promise.resolve(this.currentJoin(group, member))
        return this.updateMemberAndRebalance(group, member, req)
      case 'Stable':
        // The leader rejoining means it wants a new assignment (e.g. its subscription changed).
        if (group.isLeader(member.memberId) || !sameProtocols(member.protocols, req.protocols)) {
          return this.updateMemberAndRebalance(group, member, req)
        }
        return Promise.resolve(this.currentJoin(group, member))
      default:
        return fail('UNKNOWN_MEMBER_ID')
    }
  }

  private addMemberAndRebalance(
    group: Group,
    memberId: string,
    req: JoinGroupRequest,
  ): Promise<JoinGroupResponse> {
    const member: Member = {
      memberId,
      groupInstanceId: req.groupInstanceId ?? null,
      clientId: req.clientId ?? '',
      clientHost: req.clientHost ?? '',
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      protocolType: req.protocolType,
      protocols: req.protocols,
      assignment: EMPTY,
      isNew: true,
    }
    const answer = new Promise<JoinGroupResponse>((resolve) => {
      member.joinWaiter = resolve
    })
    if (group.state === 'PreparingRebalance' && group.joinTimer?.initial) group.newMemberAdded = true
    group.add(member)
    group.idleSince = null
    this.scheduleExpiry(group, member, this.newMemberJoinTimeoutMs)
    this.maybePrepareRebalance(group)
    return answer
  }

  private updateMemberAndRebalance(
    group: Group,
    member: Member,
    req: JoinGroupRequest,
  ): Promise<JoinGroupResponse> {
    member.protocols = req.protocols
    member.sessionTimeoutMs = req.sessionTimeoutMs
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs
    if (req.clientId !== undefined) member.clientId = req.clientId
    if (req.clientHost !== undefined) member.clientHost = req.clientHost
    // A duplicate JoinGroup (client retry) supersedes the first; the first gets told to rejoin.
    this.answerJoin(member, joinError(code('REBALANCE_IN_PROGRESS'), member.memberId))
    const answer = new Promise<JoinGroupResponse>((resolve) => {
      member.joinWaiter = resolve
    })
    this.maybePrepareRebalance(group)
    return answer
  }

  private maybePrepareRebalance(group: Group): void {
    if (group.state === 'Stable' || group.state === 'CompletingRebalance' || group.state === 'Empty') {
      this.prepareRebalance(group)
    }
  }

  private prepareRebalance(group: Group): void {
    if (group.state === 'CompletingRebalance') {
      // Followers waiting for the old generation's assignment must rejoin instead.
      for (const m of group.members.values()) {
        m.assignment = EMPTY
        this.answerSync(m, syncError(code('REBALANCE_IN_PROGRESS')))
      }
    }
    group.cancelSyncTimer?.()
    group.cancelSyncTimer = null
    group.pendingSync.clear()
    group.idleSince = null
    const wasEmpty = group.state === 'Empty'
    group.state = 'PreparingRebalance'
    if (!wasEmpty) this.onRebalance(group.groupId)
    if (wasEmpty && this.initialDelayMs > 0) {
      group.newMemberAdded = false
      this.startInitialDelay(
        group,
        this.initialDelayMs,
        Math.max(group.rebalanceTimeoutMs() - this.initialDelayMs, 0),
      )
    } else {
      const cancel = this.clock.setTimeout(() => {
        group.joinTimer = null
        this.completeJoin(group)
      }, group.rebalanceTimeoutMs())
      group.joinTimer = { cancel, initial: false }
      this.tryCompleteJoin(group)
    }
  }

  /**
   * Kafka's InitialDelayedJoin: an empty group waits `initialRebalanceDelayMs` before its first
   * generation, and again (within the rebalance timeout) whenever another member arrived meanwhile.
   */
  private startInitialDelay(group: Group, delayMs: number, remainingMs: number): void {
    const cancel = this.clock.setTimeout(() => {
      group.joinTimer = null
      if (group.newMemberAdded && remainingMs > 0) {
        group.newMemberAdded = false
        const next = Math.min(this.initialDelayMs, remainingMs)
        this.startInitialDelay(group, next, Math.max(remainingMs - this.initialDelayMs, 0))
      } else {
        this.completeJoin(group)
      }
    }, delayMs)
    group.joinTimer = { cancel, initial: true }
  }

  tryCompleteJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance') return
    if (!group.joinTimer || group.joinTimer.initial) return
    if (group.allMembersJoined()) this.completeJoin(group)
  }

  /** The rebalance ends: stragglers are dropped, a new generation starts, joiners get answers. */
  private completeJoin(group: Group): void {
    group.joinTimer?.cancel()
    group.joinTimer = null
    if (group.state !== 'PreparingRebalance') return
    for (const m of [...group.members.values()]) if (!m.joinWaiter) group.remove(m.memberId)
    group.generationId++
    if (group.members.size === 0) {
      group.protocolName = null
      group.state = 'Empty'
      this.markIdle(group)
      return
    }
    group.protocolName = group.selectProtocol()
    group.state = 'CompletingRebalance'
    const metadata = group.memberMetadata()
    for (const m of group.members.values()) {
      group.pendingSync.add(m.memberId)
      m.isNew = false
      this.scheduleExpiry(group, m, m.sessionTimeoutMs)
      this.answerJoin(m, this.currentJoin(group, m, metadata))
    }
    // Members that never send SyncGroup would block the group forever (KAFKA-13214). Each has at
    // least its session timeout to do so: a rebalance timeout of 0 (kafkajs sends it when none is
    // set; Kafka 2.x has no sync deadline at all) must not drop a member before it can sync.
    const generation = group.generationId
    let syncDeadlineMs = group.rebalanceTimeoutMs()
    for (const m of group.members.values()) syncDeadlineMs = Math.max(syncDeadlineMs, m.sessionTimeoutMs)
    group.cancelSyncTimer = this.clock.setTimeout(() => {
      group.cancelSyncTimer = null
      if (group.generationId !== generation) return
      if (group.state !== 'CompletingRebalance' && group.state !== 'Stable') return
      for (const id of [...group.pendingSync]) {
        const m = group.members.get(id)
        if (m) this.removeMemberAndUpdate(group, m)
      }
    }, syncDeadlineMs)
  }

  private currentJoin(
    group: Group,
    member: Member,
    metadata?: JoinGroupResponse['members'],
  ): JoinGroupResponse {
    const leader = group.isLeader(member.memberId)
    return {
      errorCode: NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      memberId: member.memberId,
      members: leader ? (metadata ?? group.memberMetadata()) : [],
    }
  }

  // ---- Sync internals ----

  /** The leader's assignments become everybody's; members it left out get empty bytes, as in Kafka. */
  applyAssignments(group: Group, assignments: SyncGroupRequest['assignments']): void {
    const given = new Map(assignments.map((a) => [a.memberId, a.assignment]))
    for (const m of group.members.values()) m.assignment = given.get(m.memberId) ?? EMPTY
    group.state = 'Stable'
    for (const m of group.members.values()) {
      if (!m.syncWaiter) continue
      this.scheduleExpiry(group, m, m.sessionTimeoutMs)
      this.answerSync(m, this.syncOk(group, m))
    }
  }

  syncOk(group: Group, member: Member): SyncGroupResponse {
    return {
      errorCode: NONE,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      assignment: member.assignment,
    }
  }

  // ---- Expiry and removal ----

  /**
   * (Re)arms a member's session timer. A member waiting in JoinGroup or SyncGroup is kept alive
   * when it fires (its timer is re-armed when the rebalance answers it), except a brand-new member
   * that outlived the new-member timeout — as Kafka's `MemberMetadata.hasSatisfiedHeartbeat`.
   */
  scheduleExpiry(group: Group, member: Member, timeoutMs: number): void {
    member.cancelExpiry?.()
    member.cancelExpiry = this.clock.setTimeout(() => {
      member.cancelExpiry = undefined
      if (group.members.get(member.memberId) !== member) return
      if (!member.isNew && (member.joinWaiter || member.syncWaiter)) return
      this.removeMemberAndUpdate(group, member)
    }, timeoutMs)
  }

  removeMemberAndUpdate(group: Group, member: Member): void {
    this.answerJoin(member, joinError(code('UNKNOWN_MEMBER_ID'), member.memberId))
    this.answerSync(member, syncError(code('UNKNOWN_MEMBER_ID')))
    group.remove(member.memberId)
    if (group.state === 'Stable' || group.state === 'CompletingRebalance') this.prepareRebalance(group)
    else if (group.state === 'PreparingRebalance') this.tryCompleteJoin(group)
  }

  /** Notes when a group became empty; `sweep` forgets it later (its committed offsets stay). */
  markIdle(group: Group): void {
    if (group.state === 'Empty' && group.members.size === 0 && group.pending.size === 0) {
      group.idleSince ??= this.clock.now()
    }
  }

  cancelGroupTimers(group: Group): void {
    group.joinTimer?.cancel()
    group.joinTimer = null
    group.cancelSyncTimer?.()
    group.cancelSyncTimer = null
  }

  answerJoin(member: Member, response: JoinGroupResponse): void {
    const waiter = member.joinWaiter
    member.joinWaiter = undefined
    waiter?.(response)
  }

  answerSync(member: Member, response: SyncGroupResponse): void {
    const waiter = member.syncWaiter
    member.syncWaiter = undefined
    waiter?.(response)
  }
}
