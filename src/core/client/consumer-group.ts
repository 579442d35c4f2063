/**
 * @module Group membership, run by the client as in Kafka: JoinGroup → (leader assigns) → SyncGroup,
 * then a heartbeat timer that runs on its own, independent of how long message handlers take (kafkajs
 * heartbeats only between batches). A failed heartbeat raises `rejoinNeeded`, which the consumer loop
 * watches to stop fetching, commit and rejoin.
 */

import { BrookError } from '../errors.ts'
import type { JoinGroupResponse } from '../service.ts'
import type { AssignorMember } from './assignors.ts'
import type { Connection, Events } from './connection.ts'
import {
  decodeAssignmentTopics,
  decodeSubscriptionTopics,
  encodeAssignment,
  encodeSubscription,
} from './deps.ts'
import type { MetadataCache } from './metadata-cache.ts'
import { backoff, type RetryPolicy, sleep, toBrookError } from './retry.ts'
import type { PartitionAssigner } from './types.ts'

const E = {
  ILLEGAL_GENERATION: 22,
  UNKNOWN_MEMBER_ID: 25,
  REBALANCE_IN_PROGRESS: 27,
  MEMBER_ID_REQUIRED: 79,
  FENCED_INSTANCE_ID: 82,
} as const

export interface GroupSettings {
  groupId: string
  sessionTimeout: number
  rebalanceTimeout: number
  heartbeatInterval: number
  assigners: PartitionAssigner[]
  retry: RetryPolicy
}

/** A one-shot flag that loops can wait on; listeners are removable so long-lived signals do not leak. */
export class Signal {
  private fired = false
  private listeners = new Set<() => void>()
  fire(): void {
    if (this.fired) return
    this.fired = true
    const ls = [...this.listeners]
    this.listeners.clear()
    for (const l of ls) l()
  }
  get isFired(): boolean {
    return this.fired
  }
  /** Calls `fn` once when fired (at once if already fired); returns a function that unsubscribes. */
  listen(fn: () => void): () => void {
    if (this.fired) {
      fn()
      return () => {}
    }
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }
}

export class GroupMembership {
  memberId = ''
  generationId = -1
  leaderId = ''
  protocolName = ''
  /** topic → partitions of the current generation. */
  assignment = new Map<string, number[]>()
  /** Partition counts the leader assigned from (to notice added partitions later). */
  partitionCounts: Record<string, number> = {}
  /** Fires when the member must rejoin (heartbeat said so, or the consumer asked). */
  rejoin = new Signal()
  private stopHeartbeat: (() => void) | null = null
  private lastHeartbeatOk = 0
  private heartbeatBusy = false
  /** A push came while a heartbeat was out: its answer may predate the rebalance, so beat again. */
  private beatAgain = false

  constructor(
    private readonly conn: Connection,
    private readonly metadata: MetadataCache,
    private readonly events: Events,
    readonly settings: GroupSettings,
  ) {}

  get isLeader(): boolean {
    return this.memberId !== '' && this.memberId === this.leaderId
  }

  /** Marks the current generation as over: the consumer loop sees it and rejoins. */
  requestRejoin(): void {
    this.rejoin.fire()
  }

  /**
   * Joins (or rejoins) the group until a generation is synced, returning this member's assignment.
   * `topics()` gives the subscribed topics at each attempt (RegExp subscriptions may grow).
   * `shouldStop()` lets a disconnect end the loop.
   */
  async join(topics: () => Promise<string[]>, shouldStop: () => boolean): Promise<Map<string, number[]>> {
    this.stopHeartbeats()
    this.rejoin = new Signal()
    const { groupId, sessionTimeout, rebalanceTimeout } = this.settings
    for (let attempt = 0; ; attempt++) {
      if (shouldStop()) throw new BrookError('REBALANCE_IN_PROGRESS', 'the consumer stopped while joining')
      const started = this.conn.clock.now()
      try {
        const subscribed = await topics()
        this.events.emit('consumer.rebalancing', { groupId, memberId: this.memberId })
        const join: JoinGroupResponse = await this.conn.call(
          'JoinGroup',
          (s) =>
            s.joinGroup({
              groupId,
              sessionTimeoutMs: sessionTimeout,
              rebalanceTimeoutMs: rebalanceTimeout,
              memberId: this.memberId,
              protocolType: 'consumer',
              protocols: this.settings.assigners.map((a) => ({
                name: a.name,
                metadata: encodeSubscription(subscribed),
              })),
              requireKnownMemberId: true,
              clientId: this.conn.clientId,
            }),
          rebalanceTimeout,
        )
        if (join.errorCode === E.MEMBER_ID_REQUIRED) {
          this.memberId = join.memberId
          attempt = -1
          continue
        }
        if (join.errorCode === E.UNKNOWN_MEMBER_ID) {
          this.memberId = ''
          continue
        }
        if (join.errorCode === E.REBALANCE_IN_PROGRESS || join.errorCode === E.ILLEGAL_GENERATION) continue
        if (join.errorCode !== 0) throw BrookError.fromCode(join.errorCode, `JoinGroup ${groupId}`)
        this.memberId = join.memberId
        this.generationId = join.generationId
        this.leaderId = join.leader
        this.protocolName = join.protocolName ?? ''
        const assignments = this.isLeader ? await this.assign(join) : []
        const sync = await this.conn.call(
          'SyncGroup',
          (s) =>
            s.syncGroup({
              groupId,
              generationId: this.generationId,
              memberId: this.memberId,
              protocolType: 'consumer',
              protocolName: this.protocolName,
              assignments,
            }),
          rebalanceTimeout,
        )
        if (sync.errorCode === E.UNKNOWN_MEMBER_ID) {
          this.memberId = ''
          continue
        }
        if (sync.errorCode === E.REBALANCE_IN_PROGRESS || sync.errorCode === E.ILLEGAL_GENERATION) continue
        if (sync.errorCode !== 0) throw BrookError.fromCode(sync.errorCode, `SyncGroup ${groupId}`)
        this.assignment = decodeAssignmentTopics(sync.assignment)
        // A stop that came while this join was out: do not start heartbeats for a member that left.
        if (shouldStop()) throw new BrookError('REBALANCE_IN_PROGRESS', 'the consumer stopped while joining')
        this.startHeartbeats()
        this.events.emit('consumer.group_join', {
          duration: this.conn.clock.now() - started,
          groupId,
          generationId: this.generationId,
          isLeader: this.isLeader,
          leaderId: this.leaderId,
          groupProtocol: this.protocolName,
          memberId: this.memberId,
          memberAssignment: Object.fromEntries(this.assignment),
        })
        return this.assignment
      } catch (e) {
        const err = toBrookError(e)
        if (!err.retriable || attempt >= this.settings.retry.retries) throw err
        this.conn.logger.warn(`rejoining ${groupId} after ${err.type}`, { error: err.message })
        await sleep(this.conn.clock, backoff(this.settings.retry, attempt))
      }
    }
  }

  /** The leader's job: run the chosen assignor over every member's subscription. */
  private async assign(join: JoinGroupResponse): Promise<{ memberId: string; assignment: Uint8Array }[]> {
    const assigner = this.settings.assigners.find((a) => a.name === join.protocolName)
    if (!assigner) {
      throw new BrookError('INCONSISTENT_GROUP_PROTOCOL', `no local assignor named ${join.protocolName}`)
    }
    const members: AssignorMember[] = join.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      topics: decodeSubscriptionTopics(m.metadata),
    }))
    const topics = [...new Set(members.flatMap((m) => m.topics))].sort()
    const partitionsPerTopic = new Map<string, number>()
    if (topics.length > 0) {
      const md = await this.metadata.refresh(topics, false)
      for (const t of md.topics) if (t.errorCode === 0) partitionsPerTopic.set(t.name, t.partitions.length)
    }
    this.partitionCounts = Object.fromEntries(partitionsPerTopic)
    const plan = assigner.assign(members, partitionsPerTopic)
    // Every member gets an encoded assignment, even an empty one, so no member waits on nothing.
    return members.map((m) => ({
      memberId: m.memberId,
      assignment: encodeAssignment(plan.get(m.memberId) ?? new Map()),
    }))
  }

  private startHeartbeats(): void {
    this.stopHeartbeats()
    this.lastHeartbeatOk = this.conn.clock.now()
    let cancelled = false
    let cancelTimer: () => void = () => {}
    const tick = () => {
      if (cancelled) return
      void this.beat().finally(() => {
        if (!cancelled) cancelTimer = this.conn.clock.setTimeout(tick, this.settings.heartbeatInterval)
      })
    }
    cancelTimer = this.conn.clock.setTimeout(tick, this.settings.heartbeatInterval)
    // Where the broker pushes rebalances, learn of one now: a tab that reloads gets its partitions
    // back in milliseconds, not a heartbeat interval later.
    const unwatch = this.conn.service.onGroupRebalance?.((groupId) => {
      if (!cancelled && (groupId === null || groupId === this.settings.groupId)) void this.beat()
    })
    this.stopHeartbeat = () => {
      cancelled = true
      cancelTimer()
      unwatch?.()
    }
  }

  stopHeartbeats(): void {
    this.stopHeartbeat?.()
    this.stopHeartbeat = null
  }

  /** One heartbeat; an answer that ends the generation asks the consumer loop to rejoin. */
  async beat(): Promise<void> {
    if (this.rejoin.isFired || this.memberId === '') return
    if (this.heartbeatBusy) {
      this.beatAgain = true
      return
    }
    this.heartbeatBusy = true
    const { groupId } = this.settings
    try {
      const res = await this.conn.call('Heartbeat', (s) =>
        s.heartbeat({ groupId, generationId: this.generationId, memberId: this.memberId }),
      )
      if (res.errorCode === 0) {
        this.lastHeartbeatOk = this.conn.clock.now()
        this.events.emit('consumer.heartbeat', {
          groupId,
          memberId: this.memberId,
          groupGenerationId: this.generationId,
        })
        return
      }
      if (res.errorCode === E.UNKNOWN_MEMBER_ID) this.memberId = ''
      if (
        res.errorCode === E.UNKNOWN_MEMBER_ID ||
        res.errorCode === E.REBALANCE_IN_PROGRESS ||
        res.errorCode === E.ILLEGAL_GENERATION ||
        res.errorCode === E.FENCED_INSTANCE_ID
      ) {
        this.rejoin.fire()
        return
      }
      throw BrookError.fromCode(res.errorCode, `Heartbeat ${groupId}`)
    } catch (e) {
      const err = toBrookError(e)
      this.conn.logger.warn(`heartbeat for ${groupId} failed: ${err.message}`)
      // Past the session timeout the coordinator has surely dropped us: rejoin rather than wait.
      if (this.conn.clock.now() - this.lastHeartbeatOk > this.settings.sessionTimeout) this.rejoin.fire()
    } finally {
      this.heartbeatBusy = false
      if (this.beatAgain) {
        this.beatAgain = false
        void this.beat()
      }
    }
  }

  /** LeaveGroup, so the others rebalance at once instead of after the session timeout. */
  async leave(): Promise<void> {
    this.stopHeartbeats()
    if (this.memberId === '') return
    const memberId = this.memberId
    this.memberId = ''
    this.generationId = -1
    this.assignment = new Map()
    try {
      await this.conn.call('LeaveGroup', (s) =>
        s.leaveGroup({ groupId: this.settings.groupId, members: [{ memberId }] }),
      )
    } catch (e) {
      this.conn.logger.warn(`LeaveGroup for ${this.settings.groupId} failed: ${(e as Error).message}`)
    }
  }
}
