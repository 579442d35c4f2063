import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { roundRobinAssignor, toTopicPartitions } from './client/assignors.ts'
import { ManualClock } from './clock.ts'
import { errorCode } from './errors.ts'
import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from './format/consumer-protocol.ts'
import { GroupCoordinator, type GroupCoordinatorOptions } from './group-coordinator.ts'
import { MemoryStore } from './memory-store.ts'
import type { JoinGroupRequest, JoinGroupResponse, SyncGroupResponse } from './service.ts'

const SESSION = 10_000
const REBALANCE = 30_000
const DELAY = 100
const TOPIC = 'orders'
const PARTITIONS = 6

const E = {
  NONE: 0,
  ILLEGAL_GENERATION: errorCode('ILLEGAL_GENERATION'),
  UNKNOWN_MEMBER_ID: errorCode('UNKNOWN_MEMBER_ID'),
  REBALANCE_IN_PROGRESS: errorCode('REBALANCE_IN_PROGRESS'),
  MEMBER_ID_REQUIRED: errorCode('MEMBER_ID_REQUIRED'),
  INCONSISTENT_GROUP_PROTOCOL: errorCode('INCONSISTENT_GROUP_PROTOCOL'),
  INVALID_SESSION_TIMEOUT: errorCode('INVALID_SESSION_TIMEOUT'),
  UNKNOWN_TOPIC_OR_PARTITION: errorCode('UNKNOWN_TOPIC_OR_PARTITION'),
  NON_EMPTY_GROUP: errorCode('NON_EMPTY_GROUP'),
  GROUP_ID_NOT_FOUND: errorCode('GROUP_ID_NOT_FOUND'),
  COORDINATOR_NOT_AVAILABLE: errorCode('COORDINATOR_NOT_AVAILABLE'),
}

function setup(options: Partial<GroupCoordinatorOptions> = {}) {
  const clock = new ManualClock()
  const store = new MemoryStore()
  const gc = new GroupCoordinator({
    store,
    clock,
    initialRebalanceDelayMs: DELAY,
    partitionExists: (topic, p) => topic === TOPIC && p >= 0 && p < PARTITIONS,
    ...options,
  })
  return { clock, store, gc }
}

function joinReq(memberId: string, extra: Partial<JoinGroupRequest> = {}): JoinGroupRequest {
  return {
    groupId: 'g',
    sessionTimeoutMs: SESSION,
    rebalanceTimeoutMs: REBALANCE,
    memberId,
    protocolType: 'consumer',
    protocols: [{ name: 'roundrobin', metadata: encodeSubscription({ topics: [TOPIC] }) }],
    clientId: 'test-client',
    clientHost: '/127.0.0.1',
    ...extra,
  }
}

/** Lets promise callbacks run, so that `state(p)` tells answered from still-waiting calls. */
const tick = () => new Promise<void>((r) => setTimeout(r, 0))

function track<T>(p: Promise<T>): { value?: T } {
  const box: { value?: T } = {}
  p.then((v) => {
    box.value = v
  })
  return box
}

/** The leader's side of SyncGroup: round-robin over the members' decoded subscriptions. */
function leaderAssignments(join: JoinGroupResponse) {
  const members = join.members.map((m) => ({
    memberId: m.memberId,
    topics: decodeSubscription(m.metadata).topics,
  }))
  const result = roundRobinAssignor.assign(members, new Map([[TOPIC, PARTITIONS]]))
  return [...result].map(([memberId, topics]) => ({
    memberId,
    assignment: encodeAssignment({ assignment: toTopicPartitions(topics) }),
  }))
}

function partitionsOf(sync: SyncGroupResponse): number[] {
  return decodeAssignment(sync.assignment).assignment.flatMap((t) => t.partitions)
}

/** n consumers join one after another, the leader assigns, everybody syncs: a Stable group. */
async function formGroup(gc: GroupCoordinator, clock: ManualClock, n: number) {
  const joins = Array.from({ length: n }, () => gc.joinGroup(joinReq('')))
  // Later joiners extend the initial delay once (Kafka's InitialDelayedJoin).
  clock.advance(n > 1 ? 2 * DELAY : DELAY)
  const joined = await Promise.all(joins)
  const leader = joined.find((j) => j.memberId === j.leader)!
  const syncs = joined.map((j) =>
    gc.syncGroup({
      groupId: 'g',
      generationId: j.generationId,
      memberId: j.memberId,
      assignments: j === leader ? leaderAssignments(j) : [],
    }),
  )
  return { joined, synced: await Promise.all(syncs) }
}

describe('GroupCoordinator membership', () => {
  it('three consumers joining together form one generation and own distinct partitions', async () => {
    const { gc, clock } = setup()
    const { joined, synced } = await formGroup(gc, clock, 3)

    expect(joined.map((j) => j.errorCode)).toEqual([0, 0, 0])
    expect(new Set(joined.map((j) => j.generationId))).toEqual(new Set([1]))
    expect(new Set(joined.map((j) => j.leader)).size).toBe(1)
    expect(new Set(joined.map((j) => j.memberId)).size).toBe(3)
    expect(joined.every((j) => j.memberId.startsWith('test-client-'))).toBe(true)
    expect(joined.every((j) => j.protocolName === 'roundrobin')).toBe(true)
    // Only the leader learns the members' subscriptions.
    const leader = joined.find((j) => j.memberId === j.leader)!
    expect(leader.members.map((m) => m.memberId).sort()).toEqual(joined.map((j) => j.memberId).sort())
    expect(joined.filter((j) => j !== leader).every((j) => j.members.length === 0)).toBe(true)

    expect(synced.map((s) => s.errorCode)).toEqual([0, 0, 0])
    const owned = synced.map(partitionsOf)
    expect(owned.every((ps) => ps.length === 2)).toBe(true)
    expect(owned.flat().sort()).toEqual([0, 1, 2, 3, 4, 5])

    const [described] = await gc.describeGroups(['g'])
    expect(described!.state).toBe('Stable')
    expect(described!.protocol).toBe('roundrobin')
    expect(described!.members).toHaveLength(3)
    const describedOwned = described!.members.map((m) => decodeAssignment(m.assignment).assignment)
    expect(describedOwned.flatMap((a) => a.flatMap((t) => t.partitions)).sort()).toEqual([0, 1, 2, 3, 4, 5])
    expect(described!.members[0]!.clientHost).toBe('/127.0.0.1')
    expect((await gc.listGroups()).groups).toEqual([
      { groupId: 'g', protocolType: 'consumer', state: 'Stable' },
    ])
  })

  it('a member that stops heartbeating is dropped after its session timeout and the rest rebalance', async () => {
    const { gc, clock } = setup()
    const { joined } = await formGroup(gc, clock, 3)
    const [a, b, dead] = joined as [JoinGroupResponse, JoinGroupResponse, JoinGroupResponse]
    const beat = (m: JoinGroupResponse, generationId = m.generationId) =>
      gc.heartbeat({ groupId: 'g', generationId, memberId: m.memberId })

    // a and b heartbeat every 3 s; nobody hears from `dead`.
    for (let t = 0; t < 9_000; t += 3_000) {
      clock.advance(3_000)
      expect((await beat(a)).errorCode).toBe(E.NONE)
      expect((await beat(b)).errorCode).toBe(E.NONE)
    }
    clock.advance(1_500) // 10.5 s since dead's sync
    expect((await beat(a)).errorCode).toBe(E.REBALANCE_IN_PROGRESS)
    expect((await beat(b)).errorCode).toBe(E.REBALANCE_IN_PROGRESS)
    expect((await gc.describeGroups(['g']))[0]!.state).toBe('PreparingRebalance')

    // Once both survivors rejoin, the rebalance completes without waiting for its timeout.
    const [ra, rb] = await Promise.all([gc.joinGroup(joinReq(a.memberId)), gc.joinGroup(joinReq(b.memberId))])
    expect(ra!.generationId).toBe(2)
    expect(rb!.generationId).toBe(2)
    const leader = ra!.memberId === ra!.leader ? ra! : rb!
    expect(leader.members.map((m) => m.memberId).sort()).toEqual([a.memberId, b.memberId].sort())
    const syncs = await Promise.all(
      [ra!, rb!].map((j) =>
        gc.syncGroup({
          groupId: 'g',
          generationId: 2,
          memberId: j.memberId,
          assignments: j === leader ? leaderAssignments(j) : [],
        }),
      ),
    )
    expect(syncs.flatMap(partitionsOf).sort()).toEqual([0, 1, 2, 3, 4, 5])

    // The dead member is gone: its heartbeat and its commit are refused.
    expect((await beat(dead)).errorCode).toBe(E.UNKNOWN_MEMBER_ID)
    const late = await gc.offsetCommit({
      groupId: 'g',
      generationId: 1,
      memberId: dead.memberId,
      topics: [{ name: TOPIC, partitions: [{ partition: 0, offset: 42 }] }],
    })
    expect(late.topics[0]!.partitions[0]!.errorCode).toBe(E.UNKNOWN_MEMBER_ID)
    // A live member still on the old generation is told so.
    const stale = await gc.offsetCommit({
      groupId: 'g',
      generationId: 1,
      memberId: a.memberId,
      topics: [{ name: TOPIC, partitions: [{ partition: 0, offset: 42 }] }],
    })
    expect(stale.topics[0]!.partitions[0]!.errorCode).toBe(E.ILLEGAL_GENERATION)
    expect((await beat(a, 1)).errorCode).toBe(E.ILLEGAL_GENERATION)
    const fetched = await gc.offsetFetch({ groupId: 'g', topics: [{ name: TOPIC, partitions: [0] }] })
    expect(fetched.topics[0]!.partitions[0]!.offset).toBe(-1)
  })

  it('members that do not rejoin within the rebalance timeout are removed', async () => {
    const { gc, clock } = setup()
    const { joined } = await formGroup(gc, clock, 2)
    const [a, b] = joined as [JoinGroupResponse, JoinGroupResponse]
    // a's subscription changes: it rejoins and so starts a rebalance; b keeps heartbeating but never rejoins.
    const rejoin = track(
      gc.joinGroup(
        joinReq(a.memberId, {
          protocols: [{ name: 'roundrobin', metadata: encodeSubscription({ topics: [TOPIC, 'other'] }) }],
        }),
      ),
    )
    for (let t = 0; t < REBALANCE - 3_000; t += 3_000) {
      clock.advance(3_000)
      expect((await gc.heartbeat({ groupId: 'g', generationId: 1, memberId: b.memberId })).errorCode).toBe(
        E.REBALANCE_IN_PROGRESS,
      )
    }
    await tick()
    expect(rejoin.value).toBeUndefined()
    clock.advance(3_000)
    await tick()
    expect(rejoin.value!.errorCode).toBe(E.NONE)
    expect(rejoin.value!.generationId).toBe(2)
    expect(rejoin.value!.leader).toBe(a.memberId)
    expect(rejoin.value!.members.map((m) => m.memberId)).toEqual([a.memberId])
    expect((await gc.heartbeat({ groupId: 'g', generationId: 1, memberId: b.memberId })).errorCode).toBe(
      E.UNKNOWN_MEMBER_ID,
    )
  })

  it('a consumer starting during the initial delay lands in the same first generation', async () => {
    const { gc, clock } = setup()
    const first = track(gc.joinGroup(joinReq('')))
    clock.advance(DELAY - 1)
    const second = track(gc.joinGroup(joinReq('')))
    clock.advance(DELAY) // the delay was extended by one more period because a member arrived
    await tick()
    expect(first.value).toBeUndefined()
    clock.advance(1)
    await tick()
    expect(first.value!.generationId).toBe(1)
    expect(second.value!.generationId).toBe(1)
    expect(first.value!.leader).toBe(first.value!.memberId)
    expect(first.value!.members).toHaveLength(2)
  })

  it('hands out a member id first when the client asks for it (MEMBER_ID_REQUIRED)', async () => {
    const { gc, clock } = setup()
    const first = await gc.joinGroup(joinReq('', { requireKnownMemberId: true }))
    expect(first.errorCode).toBe(E.MEMBER_ID_REQUIRED)
    expect(first.memberId).toMatch(/^test-client-[0-9a-f-]{36}$/)
    const second = gc.joinGroup(joinReq(first.memberId, { requireKnownMemberId: true }))
    clock.advance(DELAY)
    const joined = await second
    expect(joined.errorCode).toBe(E.NONE)
    expect(joined.memberId).toBe(first.memberId)
    expect(joined.leader).toBe(first.memberId)
  })

  it('an id handed out with MEMBER_ID_REQUIRED but never used expires', async () => {
    const { gc, clock } = setup()
    const first = await gc.joinGroup(joinReq('', { requireKnownMemberId: true }))
    clock.advance(SESSION + 1)
    const late = await gc.joinGroup(joinReq(first.memberId))
    expect(late.errorCode).toBe(E.UNKNOWN_MEMBER_ID)
  })

  it('a member joining while the others wait for their assignment sends them back to rejoin', async () => {
    const { gc, clock } = setup()
    const joins = [gc.joinGroup(joinReq('')), gc.joinGroup(joinReq(''))]
    clock.advance(2 * DELAY)
    const [x, y] = await Promise.all(joins)
    const follower = x!.memberId === x!.leader ? y! : x!
    const waiting = gc.syncGroup({
      groupId: 'g',
      generationId: 1,
      memberId: follower.memberId,
      assignments: [],
    })
    const newcomer = track(gc.joinGroup(joinReq('')))
    expect((await waiting).errorCode).toBe(E.REBALANCE_IN_PROGRESS)
    const again = [gc.joinGroup(joinReq(x!.memberId)), gc.joinGroup(joinReq(y!.memberId))]
    const rejoined = await Promise.all(again)
    await tick()
    expect(newcomer.value!.generationId).toBe(2)
    expect(rejoined.map((j) => j.generationId)).toEqual([2, 2])
  })

  it('a follower that never sends SyncGroup is removed after the rebalance timeout', async () => {
    const { gc, clock } = setup()
    const joins = [gc.joinGroup(joinReq('')), gc.joinGroup(joinReq(''))]
    clock.advance(2 * DELAY)
    const [x, y] = await Promise.all(joins)
    const leader = x!.memberId === x!.leader ? x! : y!
    const follower = leader === x ? y! : x!
    const sync = await gc.syncGroup({
      groupId: 'g',
      generationId: 1,
      memberId: leader.memberId,
      assignments: leaderAssignments(leader),
    })
    expect(partitionsOf(sync)).toHaveLength(3)
    for (let t = 0; t < REBALANCE; t += 3_000) {
      clock.advance(3_000)
      await gc.heartbeat({ groupId: 'g', generationId: 1, memberId: leader.memberId })
    }
    expect(
      (await gc.heartbeat({ groupId: 'g', generationId: 1, memberId: follower.memberId })).errorCode,
    ).toBe(E.UNKNOWN_MEMBER_ID)
    expect((await gc.heartbeat({ groupId: 'g', generationId: 1, memberId: leader.memberId })).errorCode).toBe(
      E.REBALANCE_IN_PROGRESS,
    )
  })

  it('leaving rebalances the others; when the last member leaves the group is Empty', async () => {
    const { gc, clock } = setup()
    const { joined } = await formGroup(gc, clock, 2)
    const [a, b] = joined as [JoinGroupResponse, JoinGroupResponse]
    const left = await gc.leaveGroup({
      groupId: 'g',
      members: [{ memberId: a.memberId }, { memberId: 'nobody' }],
    })
    expect(left.errorCode).toBe(E.NONE)
    expect(left.members).toEqual([
      { memberId: a.memberId, errorCode: E.NONE },
      { memberId: 'nobody', errorCode: E.UNKNOWN_MEMBER_ID },
    ])
    expect((await gc.heartbeat({ groupId: 'g', generationId: 1, memberId: b.memberId })).errorCode).toBe(
      E.REBALANCE_IN_PROGRESS,
    )
    const rb = await gc.joinGroup(joinReq(b.memberId))
    expect(rb.generationId).toBe(2)
    expect(rb.members.map((m) => m.memberId)).toEqual([b.memberId])
    await gc.leaveGroup({ groupId: 'g', members: [{ memberId: b.memberId }] })
    const [d] = await gc.describeGroups(['g'])
    expect(d!.state).toBe('Empty')
    expect(d!.members).toEqual([])
  })

  it('when the leader leaves, a remaining member leads the next generation', async () => {
    const { gc, clock } = setup()
    const { joined } = await formGroup(gc, clock, 3)
    const leaderId = joined[0]!.leader
    const rest = joined.filter((j) => j.memberId !== leaderId)
    await gc.leaveGroup({ groupId: 'g', members: [{ memberId: leaderId }] })
    const rejoined = await Promise.all(rest.map((j) => gc.joinGroup(joinReq(j.memberId))))
    const leaders = new Set(rejoined.map((j) => j.leader))
    expect(leaders.size).toBe(1)
    expect(rest.map((j) => j.memberId)).toContain([...leaders][0])
    const newLeader = rejoined.find((j) => j.memberId === j.leader)!
    expect(newLeader.members).toHaveLength(2)
    expect(rejoined.every((j) => j.generationId === 2)).toBe(true)
  })

  it('a Stable follower rejoining with the same subscription gets the current generation back', async () => {
    const { gc, clock } = setup()
    const { joined } = await formGroup(gc, clock, 2)
    const follower = joined.find((j) => j.memberId !== j.leader)!
    const again = await gc.joinGroup(joinReq(follower.memberId))
    expect(again.generationId).toBe(1)
    expect((await gc.describeGroups(['g']))[0]!.state).toBe('Stable')
  })

  it('rejects members that share no protocol, and bad session timeouts', async () => {
    const { gc, clock } = setup()
    await formGroup(gc, clock, 1)
    const other = await gc.joinGroup(
      joinReq('', {
        protocols: [{ name: 'cooperative-sticky', metadata: encodeSubscription({ topics: [TOPIC] }) }],
      }),
    )
    expect(other.errorCode).toBe(E.INCONSISTENT_GROUP_PROTOCOL)
    const wrongType = await gc.joinGroup(joinReq('', { protocolType: 'connect' }))
    expect(wrongType.errorCode).toBe(E.INCONSISTENT_GROUP_PROTOCOL)
    expect((await gc.joinGroup(joinReq('', { sessionTimeoutMs: 10 }))).errorCode).toBe(
      E.INVALID_SESSION_TIMEOUT,
    )
    expect((await gc.joinGroup(joinReq('unknown-member'))).errorCode).toBe(E.UNKNOWN_MEMBER_ID)
  })

  it('chooses the protocol most members prefer among those all of them support', async () => {
    const { gc, clock } = setup()
    const sub = encodeSubscription({ topics: [TOPIC] })
    const rangeFirst = [
      { name: 'range', metadata: sub },
      { name: 'roundrobin', metadata: sub },
    ]
    const rrFirst = [...rangeFirst].reverse()
    const joins = [
      gc.joinGroup(joinReq('', { protocols: rangeFirst })),
      gc.joinGroup(joinReq('', { protocols: rrFirst })),
      gc.joinGroup(joinReq('', { protocols: rrFirst })),
    ]
    clock.advance(2 * DELAY)
    const joined = await Promise.all(joins)
    expect(joined.map((j) => j.protocolName)).toEqual(['roundrobin', 'roundrobin', 'roundrobin'])
  })

  it('close() answers waiting joins and refuses later calls', async () => {
    const { gc } = setup()
    const waiting = gc.joinGroup(joinReq(''))
    gc.close()
    expect((await waiting).errorCode).toBe(E.COORDINATOR_NOT_AVAILABLE)
    expect((await gc.heartbeat({ groupId: 'g', generationId: 1, memberId: 'x' })).errorCode).toBe(
      E.COORDINATOR_NOT_AVAILABLE,
    )
  })
})

describe('GroupCoordinator offsets', () => {
  const commit = (
    gc: GroupCoordinator,
    generationId: number,
    memberId: string,
    offset: number,
    partition = 0,
  ) =>
    gc.offsetCommit({
      groupId: 'g',
      generationId,
      memberId,
      topics: [{ name: TOPIC, partitions: [{ partition, offset, metadata: 'm' }] }],
    })

  it('commits from the current generation are fetched back and survive a restart', async () => {
    const { gc, clock, store } = setup()
    const { joined } = await formGroup(gc, clock, 2)
    const a = joined[0]!
    expect((await commit(gc, 1, a.memberId, 17, 2)).topics[0]!.partitions[0]!.errorCode).toBe(E.NONE)
    expect((await commit(gc, 1, a.memberId, 5, 0)).topics[0]!.partitions[0]!.errorCode).toBe(E.NONE)
    expect((await commit(gc, 1, a.memberId, 9, 6)).topics[0]!.partitions[0]!.errorCode).toBe(
      E.UNKNOWN_TOPIC_OR_PARTITION,
    )

    const all = await gc.offsetFetch({ groupId: 'g', topics: null })
    expect(all).toEqual({
      errorCode: 0,
      topics: [
        {
          name: TOPIC,
          partitions: [
            { partition: 0, offset: 5, metadata: 'm', errorCode: 0 },
            { partition: 2, offset: 17, metadata: 'm', errorCode: 0 },
          ],
        },
      ],
    })
    gc.close()

    const restarted = new GroupCoordinator({ store: store.reopen(), clock })
    await restarted.load()
    const some = await restarted.offsetFetch({ groupId: 'g', topics: [{ name: TOPIC, partitions: [2, 3] }] })
    expect(some.topics[0]!.partitions).toEqual([
      { partition: 2, offset: 17, metadata: 'm', errorCode: 0 },
      { partition: 3, offset: -1, metadata: '', errorCode: 0 },
    ])
    expect(restarted.committedOffset('g', TOPIC, 0)).toBe(5)
    // The group is known only by its offsets now: Empty, and its old members must rejoin.
    expect((await restarted.listGroups()).groups).toEqual([
      { groupId: 'g', protocolType: '', state: 'Empty' },
    ])
    expect((await commit(restarted, 1, a.memberId, 20)).topics[0]!.partitions[0]!.errorCode).toBe(
      E.UNKNOWN_MEMBER_ID,
    )
  })

  it('allows admin commits (generation -1) only while the group has no members', async () => {
    const { gc, clock } = setup()
    // An unknown group accepts an admin commit and then lists as Empty.
    expect((await commit(gc, -1, '', 3)).topics[0]!.partitions[0]!.errorCode).toBe(E.NONE)
    expect((await gc.listGroups()).groups).toEqual([{ groupId: 'g', protocolType: '', state: 'Empty' }])
    expect((await gc.describeGroups(['g']))[0]!.state).toBe('Empty')
    // A non-admin commit to a group that does not exist is from a stale generation.
    const ghost = await gc.offsetCommit({
      groupId: 'nobody',
      generationId: 4,
      memberId: 'm',
      topics: [{ name: TOPIC, partitions: [{ partition: 0, offset: 1 }] }],
    })
    expect(ghost.topics[0]!.partitions[0]!.errorCode).toBe(E.ILLEGAL_GENERATION)

    const { joined } = await formGroup(gc, clock, 1)
    expect((await commit(gc, -1, '', 99)).topics[0]!.partitions[0]!.errorCode).toBe(E.UNKNOWN_MEMBER_ID)
    expect(gc.committedOffset('g', TOPIC, 0)).toBe(3)
    await gc.leaveGroup({ groupId: 'g', members: [{ memberId: joined[0]!.memberId }] })
    expect((await commit(gc, -1, '', 99)).topics[0]!.partitions[0]!.errorCode).toBe(E.NONE)
    expect(gc.committedOffset('g', TOPIC, 0)).toBe(99)
  })

  it('refuses commits while the group waits for its leader to assign', async () => {
    const { gc, clock } = setup()
    const joins = [gc.joinGroup(joinReq('')), gc.joinGroup(joinReq(''))]
    clock.advance(2 * DELAY)
    const [x] = await Promise.all(joins)
    expect((await commit(gc, 1, x!.memberId, 1)).topics[0]!.partitions[0]!.errorCode).toBe(
      E.REBALANCE_IN_PROGRESS,
    )
  })

  it('commits still count during PreparingRebalance, so members can commit before rejoining', async () => {
    const { gc, clock } = setup()
    const { joined } = await formGroup(gc, clock, 2)
    const [a, b] = joined as [JoinGroupResponse, JoinGroupResponse]
    await gc.leaveGroup({ groupId: 'g', members: [{ memberId: a.memberId }] })
    expect((await commit(gc, 1, b.memberId, 8)).topics[0]!.partitions[0]!.errorCode).toBe(E.NONE)
    expect(gc.committedOffset('g', TOPIC, 0)).toBe(8)
  })

  it('deletes only empty groups, and their offsets with them', async () => {
    const { gc, clock, store } = setup()
    await commit(gc, -1, '', 3)
    await formGroup(gc, clock, 1)
    expect(await gc.deleteGroups(['g', 'missing'])).toEqual([
      { groupId: 'g', errorCode: E.NON_EMPTY_GROUP },
      { groupId: 'missing', errorCode: E.GROUP_ID_NOT_FOUND },
    ])
    const [d] = await gc.describeGroups(['g'])
    await gc.leaveGroup({ groupId: 'g', members: d!.members.map((m) => ({ memberId: m.memberId })) })
    expect(await gc.deleteGroups(['g'])).toEqual([{ groupId: 'g', errorCode: E.NONE }])
    expect((await gc.listGroups()).groups).toEqual([])
    expect((await gc.describeGroups(['g']))[0]).toMatchObject({ errorCode: 0, state: 'Dead', members: [] })

    const restarted = new GroupCoordinator({ store: store.reopen(), clock })
    await restarted.load()
    expect((await restarted.offsetFetch({ groupId: 'g', topics: null })).topics).toEqual([])
  })

  it('rejects oversized commit metadata and keeps the old offset when the store fails', async () => {
    const store = new MemoryStore()
    let failWrites = false
    const flaky = Object.assign(Object.create(store) as MemoryStore, {
      setMeta: (key: string, value: Parameters<MemoryStore['setMeta']>[1]) =>
        failWrites ? Promise.reject(new Error('disk full')) : store.setMeta(key, value),
    })
    const gc = new GroupCoordinator({ store: flaky, clock: new ManualClock() })
    const big = await gc.offsetCommit({
      groupId: 'g',
      generationId: -1,
      memberId: '',
      topics: [{ name: TOPIC, partitions: [{ partition: 0, offset: 1, metadata: 'x'.repeat(5000) }] }],
    })
    expect(big.topics[0]!.partitions[0]!.errorCode).toBe(errorCode('OFFSET_METADATA_TOO_LARGE'))
    expect((await commit(gc, -1, '', 10)).topics[0]!.partitions[0]!.errorCode).toBe(E.NONE)
    failWrites = true
    expect((await commit(gc, -1, '', 20)).topics[0]!.partitions[0]!.errorCode).toBe(
      errorCode('KAFKA_STORAGE_ERROR'),
    )
    expect(gc.committedOffset('g', TOPIC, 0)).toBe(10)
  })

  it('drops committed offsets of a deleted topic', async () => {
    const { gc, store, clock } = setup()
    await commit(gc, -1, '', 10)
    await gc.deleteTopicOffsets(TOPIC)
    expect((await gc.offsetFetch({ groupId: 'g', topics: null })).topics).toEqual([])
    const restarted = new GroupCoordinator({ store: store.reopen(), clock })
    await restarted.load()
    expect(restarted.committedOffset('g', TOPIC, 0)).toBeUndefined()
  })

  it('rejects an empty group id for membership calls', async () => {
    const { gc } = setup()
    expect((await gc.joinGroup(joinReq('', { groupId: '' }))).errorCode).toBe(errorCode('INVALID_GROUP_ID'))
    expect((await gc.heartbeat({ groupId: '', generationId: 1, memberId: 'm' })).errorCode).toBe(
      errorCode('INVALID_GROUP_ID'),
    )
  })

  it('describes an unknown group as Dead without an error, as Kafka does', async () => {
    const { gc } = setup()
    expect(await gc.describeGroups(['nope'])).toEqual([
      { errorCode: 0, groupId: 'nope', state: 'Dead', protocolType: '', protocol: '', members: [] },
    ])
  })

  it('forgets an empty group without offsets after a while, keeps one with offsets', async () => {
    const { gc, clock } = setup({ emptyGroupRetentionMs: 60_000 })
    const { joined } = await formGroup(gc, clock, 1)
    await gc.leaveGroup({ groupId: 'g', members: [{ memberId: joined[0]!.memberId }] })
    await commit(gc, -1, '', 1)
    await gc.offsetCommit({ ...{ groupId: 'h', generationId: -1, memberId: '' }, topics: [] })
    expect((await gc.listGroups()).groups.map((g) => g.groupId).sort()).toEqual(['g', 'h'])
    clock.advance(60_000)
    expect((await gc.listGroups()).groups.map((g) => g.groupId)).toEqual(['g'])
  })
})

describe('GroupCoordinator under random interleavings', () => {
  type Action =
    | { kind: 'join'; client: number }
    | { kind: 'sync'; client: number }
    | { kind: 'beat'; client: number }
    | { kind: 'leave'; client: number }
    | { kind: 'commit'; client: number }
    | { kind: 'advance'; ms: number }

  const action: fc.Arbitrary<Action> = fc.oneof(
    fc.record({
      kind: fc.constantFrom('join', 'sync', 'beat', 'leave', 'commit'),
      client: fc.nat(3),
    }) as fc.Arbitrary<Action>,
    fc.record({
      kind: fc.constant('advance'),
      ms: fc.integer({ min: 0, max: 15_000 }),
    }) as fc.Arbitrary<Action>,
  )

  it('never throws, never moves generations backwards, and answers every waiting call in the end', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { maxLength: 60 }), async (actions) => {
        const { gc, clock } = setup()
        const clients = Array.from({ length: 4 }, () => ({
          memberId: '',
          generationId: -1,
          lastJoin: undefined as JoinGroupResponse | undefined,
        }))
        const outstanding: { value?: unknown }[] = []
        // Answers arrive in order; a successful JoinGroup never reports an older generation than one before it.
        let maxGeneration = 0
        const backwards: number[] = []
        for (const a of actions) {
          if (a.kind === 'advance') {
            clock.advance(a.ms)
            await tick()
            continue
          }
          const c = clients[a.client]!
          if (a.kind === 'join') {
            const p = gc.joinGroup(joinReq(c.memberId))
            outstanding.push(track(p))
            p.then((r) => {
              if (r.errorCode === E.NONE) {
                if (r.generationId < maxGeneration) backwards.push(r.generationId)
                maxGeneration = Math.max(maxGeneration, r.generationId)
                c.memberId = r.memberId
                c.generationId = r.generationId
                c.lastJoin = r
              } else if (r.errorCode === E.UNKNOWN_MEMBER_ID) c.memberId = ''
            })
          } else if (a.kind === 'sync') {
            const leader = c.lastJoin && c.lastJoin.leader === c.memberId
            outstanding.push(
              track(
                gc.syncGroup({
                  groupId: 'g',
                  generationId: c.generationId,
                  memberId: c.memberId,
                  assignments: leader ? leaderAssignments(c.lastJoin!) : [],
                }),
              ),
            )
          } else if (a.kind === 'beat') {
            await gc.heartbeat({ groupId: 'g', generationId: c.generationId, memberId: c.memberId })
          } else if (a.kind === 'leave') {
            await gc.leaveGroup({ groupId: 'g', members: [{ memberId: c.memberId }] })
            c.memberId = ''
          } else {
            await gc.offsetCommit({
              groupId: 'g',
              generationId: c.generationId,
              memberId: c.memberId,
              topics: [{ name: TOPIC, partitions: [{ partition: a.client, offset: 1 }] }],
            })
          }
          await tick()
          const [d] = await gc.describeGroups(['g'])
          // Only a group in a rebalance or Stable has members.
          if (d!.state === 'Empty' || d!.state === 'Dead') expect(d!.members).toEqual([])
          if (d!.state === 'Stable') expect(d!.members.length).toBeGreaterThan(0)
        }
        expect(backwards).toEqual([])
        // With nobody heartbeating, every member expires and every waiting call gets an answer.
        for (let i = 0; i < 10; i++) {
          clock.advance(REBALANCE + SESSION)
          await tick()
        }
        expect(outstanding.every((o) => o.value !== undefined)).toBe(true)
        expect((await gc.describeGroups(['g']))[0]!.members).toEqual([])
        gc.close()
      }),
      { numRuns: 80 },
    )
  })
})
