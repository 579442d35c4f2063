/**
 * @module The state of one consumer group in the classic protocol: its members, generation,
 * chosen protocol and the waiting JoinGroup/SyncGroup answers. Transitions are driven by
 * `GroupCoordinator`; this file holds the data and the decisions that need no clock
 * (leader, protocol vote, who has rejoined), after Kafka's `GroupMetadata` / `MemberMetadata`.
 */

import type { GroupState, JoinGroupResponse, SyncGroupResponse } from './service.ts'

export interface ProtocolEntry {
  name: string
  metadata: Uint8Array
}

export interface Member {
  readonly memberId: string
  groupInstanceId: string | null
  clientId: string
  clientHost: string
  sessionTimeoutMs: number
  rebalanceTimeoutMs: number
  protocolType: string
  protocols: ProtocolEntry[]
  assignment: Uint8Array
  /** Set while its JoinGroup waits for the rebalance to complete. */
  joinWaiter?: (r: JoinGroupResponse) => void
  /** Set while its SyncGroup waits for the leader's assignment. */
  syncWaiter?: (r: SyncGroupResponse) => void
  /** True until its first JoinGroup completes: such members get the long new-member timeout. */
  isNew: boolean
  cancelExpiry?: () => void
}

export class Group {
  state: GroupState = 'Empty'
  generationId = 0
  protocolType: string | null = null
  protocolName: string | null = null
  leaderId: string | null = null
  /** Insertion-ordered, so "first joiner" is the first key. */
  readonly members = new Map<string, Member>()
  /** Member ids handed out with MEMBER_ID_REQUIRED, not joined yet; each with its expiry. */
  readonly pending = new Map<string, () => void>()
  /** Members of the current generation that have not sent SyncGroup yet. */
  readonly pendingSync = new Set<string>()
  /** A member joined during the initial delay: the delay is extended once more. */
  newMemberAdded = false
  /** The running join timer and whether it is the initial (empty-group) delay. */
  joinTimer: { cancel: () => void; initial: boolean } | null = null
  cancelSyncTimer: (() => void) | null = null
  /** When the group last became Empty with nobody in it; null while in use. */
  idleSince: number | null = null

  constructor(readonly groupId: string) {}

  add(member: Member): void {
    if (this.members.size === 0) this.protocolType = member.protocolType
    this.members.set(member.memberId, member)
    if (this.leaderId === null) this.leaderId = member.memberId
  }

  remove(memberId: string): void {
    const member = this.members.get(memberId)
    if (!member) return
    member.cancelExpiry?.()
    this.members.delete(memberId)
    this.pendingSync.delete(memberId)
    if (this.leaderId === memberId) this.leaderId = this.members.keys().next().value ?? null
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId
  }

  /** The largest rebalance timeout of any member: how long a rebalance waits for rejoins. */
  rebalanceTimeoutMs(): number {
    let max = 0
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs)
    return max
  }

  allMembersJoined(): boolean {
    if (this.pending.size > 0) return false
    for (const m of this.members.values()) if (!m.joinWaiter) return false
    return true
  }

  /** Protocol names every member supports, in no particular order. */
  candidateProtocols(): Set<string> {
    let candidates: Set<string> | null = null
    for (const m of this.members.values()) {
      const names = new Set(m.protocols.map((p) => p.name))
      candidates = candidates ? new Set([...candidates].filter((n: string) => names.has(n))) : names
    }
    return candidates ?? new Set()
  }

  /** Kafka's `supportsProtocols`: a joiner must share the protocol type and one protocol. */
  supportsProtocols(protocolType: string, protocols: ProtocolEntry[]): boolean {
    if (this.members.size === 0) return protocolType !== '' && protocols.length > 0
    if (this.protocolType !== protocolType) return false
    const candidates = this.candidateProtocols()
    return protocols.some((p) => candidates.has(p.name))
  }

  /**
   * Kafka's vote: every member votes for the first protocol in its own preference order that all
   * members support; most votes wins. Ties go to the protocol the leader prefers (Kafka leaves
   * ties to hash order; a fixed rule makes the choice reproducible).
   */
  selectProtocol(): string {
    const candidates = this.candidateProtocols()
    const votes = new Map<string, number>()
    for (const m of this.members.values()) {
      const choice = m.protocols.find((p) => candidates.has(p.name))
      if (choice) votes.set(choice.name, (votes.get(choice.name) ?? 0) + 1)
    }
    const leader = this.leaderId ? this.members.get(this.leaderId) : undefined
    const order = (leader ?? this.members.values().next().value)?.protocols.map((p) => p.name) ?? []
    let best: string | null = null
    for (const name of order) {
      if (!votes.has(name)) continue
      if (best === null || votes.get(name)! > votes.get(best)!) best = name
    }
    return best ?? [...candidates][0]!
  }

  /** The selected protocol's metadata of every member, for the leader's JoinGroup answer. */
  memberMetadata(): { memberId: string; groupInstanceId: string | null; metadata: Uint8Array }[] {
    return [...this.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      metadata: m.protocols.find((p) => p.name === this.protocolName)?.metadata ?? new Uint8Array(0),
    }))
  }
}

/** Kafka's `MemberMetadata.matches`: same protocols, same order, same metadata bytes. */
export function sameProtocols(a: ProtocolEntry[], b: ProtocolEntry[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!
    const y = b[i]!
    if (x.name !== y.name || x.metadata.length !== y.metadata.length) return false
    for (let j = 0; j < x.metadata.length; j++) if (x.metadata[j] !== y.metadata[j]) return false
  }
  return true
}
