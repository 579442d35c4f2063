/**
 * @module Acknowledge-and-redeliver, as a user sees it: three consumers share a 6-partition topic;
 * one of them dies (a closed tab — its calls never arrive, no LeaveGroup) after it was handed records
 * it never committed. After the session timeout its partitions move to the other two, which receive
 * every record after its last committed offset — the uncommitted ones again, none skipped — and the
 * group's lag returns to 0 once they commit. Run with the consumers in-process and over the Kafka wire
 * protocol (frames encoded and decoded in memory): group membership runs in the client, so both behave alike.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Broker } from '../../src/core/broker.ts'
import { type Consumer, createBrook } from '../../src/core/client/index.ts'
import { BrookError } from '../../src/core/errors.ts'
import { MemoryStore } from '../../src/core/memory-store.ts'
import type { BrokerService } from '../../src/core/service.ts'
import { overTheWire, waitFor as waitUpTo } from '../support/wire.ts'

const SESSION_MS = 1200
/** Each wait covers a session timeout and a rebalance, under load. */
const waitFor = (cond: () => boolean | Promise<boolean>, what: string) => waitUpTo(cond, what, 12_000)
const HEARTBEAT_MS = 150
const TOPIC = 'events'
const GROUP = 'workers'

/** A transport that can be cut like a closed tab: afterwards every call hangs; `kill` fails them. */
function cuttable(service: BrokerService) {
  let mode: 'up' | 'cut' | 'dead' = 'up'
  const hung: (() => void)[] = []
  const proxy = new Proxy(service, {
    get(target, prop, recv) {
      const v = Reflect.get(target, prop, recv)
      if (typeof v !== 'function') return v
      return (...args: unknown[]) => {
        if (mode === 'up') return v.apply(target, args)
        const fail = () => new BrookError('NETWORK_EXCEPTION', 'the tab is gone')
        if (mode === 'dead') return Promise.reject(fail())
        return new Promise((_, reject) => hung.push(() => reject(fail())))
      }
    },
  })
  return {
    proxy,
    cut: () => {
      mode = 'cut'
    },
    kill: () => {
      mode = 'dead'
      for (const h of hung.splice(0)) h()
    },
  }
}

interface Seen {
  who: string
  partition: number
  offset: number
  value: string
}

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const transports: [string, (broker: Broker) => Promise<BrokerService>][] = [
  ['in-process', async (broker) => broker],
  ['the Kafka wire protocol', (broker) => overTheWire(broker, cleanups)],
]

describe.each(transports)('acknowledge and redeliver, consumers %s', (_name, transport) => {
  it('moves a dead member’s partitions after the session timeout and redelivers what it did not commit', async () => {
    const broker = await Broker.open({ store: new MemoryStore(), initialRebalanceDelayMs: 300 })
    cleanups.push(() => broker.close())
    const admin = createBrook({ service: broker }).admin()
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 6 }] })
    const producer = createBrook({ service: broker }).producer()

    const seen: Seen[] = []
    // C's transport, wrapped so the test can cut it like a closed tab.
    let link: ReturnType<typeof cuttable> | null = null
    let cutAt = 0
    const consumers = new Map<string, Consumer>()
    for (const who of ['A', 'B', 'C']) {
      const wired = await transport(broker)
      if (who === 'C') link = cuttable(wired)
      const service = who === 'C' ? link!.proxy : wired
      // C's own calls must not time out during the test: a dead tab simply never answers.
      const brook = createBrook({ service, clientId: who, requestTimeoutMs: who === 'C' ? 120_000 : 30_000 })
      const consumer = brook.consumer({
        groupId: GROUP,
        sessionTimeout: SESSION_MS,
        heartbeatInterval: HEARTBEAT_MS,
        rebalanceTimeout: 4000,
        maxWaitTimeInMs: 100,
      })
      consumers.set(who, consumer)
      cleanups.push(async () => {
        if (who === 'C') link!.kill()
        await consumer.disconnect()
      })
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true })
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          const value = new TextDecoder().decode(message.value!)
          seen.push({ who, partition, offset: message.offset, value })
          // C dies while it holds the first record of the second round, before committing it.
          if (who === 'C' && value.startsWith('round2') && cutAt === 0) {
            cutAt = Date.now()
            link!.cut()
          }
        },
      })
    }

    const describe = async () => (await admin.describeGroups([GROUP])).groups[0]!
    // Three members, each owning two distinct partitions.
    await waitFor(async () => {
      const g = await describe()
      if (g.state !== 'Stable' || g.members.length !== 3) return false
      const owned = g.members.map((m) => m.assignment?.[TOPIC] ?? [])
      return owned.every((ps) => ps.length === 2) && new Set(owned.flat()).size === 6
    }, 'three members with two partitions each')
    await waitFor(
      () => [...consumers.values()].every((c) => (c.assignment()[TOPIC] ?? []).length === 2),
      'every consumer to hold its assignment',
    )

    const produceRound = async (round: string, perPartition: number) => {
      for (let p = 0; p < 6; p++) {
        await producer.send({
          topic: TOPIC,
          messages: Array.from({ length: perPartition }, (_, i) => ({
            value: `${round}-${p}-${i}`,
            partition: p,
          })),
        })
      }
    }
    const lagZero = async () => {
      const [o] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] })
      return o!.partitions.every((p) => p.lag === 0)
    }

    // Round 1: everyone consumes and commits.
    await produceRound('round1', 10)
    await waitFor(lagZero, 'round 1 committed')

    // Round 2: C takes records and dies before committing them.
    await produceRound('round2', 5)
    await waitFor(() => cutAt > 0, 'C to receive a round-2 record')
    const [atCut] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] })
    // Committed offsets when C died, per partition (C's own commits can no longer arrive).
    const committedAtCut = new Map(atCut!.partitions.map((p) => [p.partition, p.offset]))

    // After the session timeout, A and B own all six partitions.
    let movedAt = 0
    await waitFor(async () => {
      const g = await describe()
      if (g.state !== 'Stable' || g.members.length !== 2) return false
      const owned = g.members.flatMap((m) => m.assignment?.[TOPIC] ?? [])
      if (new Set(owned).size !== 6) return false
      movedAt = Date.now()
      return true
    }, 'partitions to move to the two live members')
    // No LeaveGroup came from C: the coordinator could only notice by its silence.
    expect(movedAt - cutAt).toBeGreaterThanOrEqual(SESSION_MS - HEARTBEAT_MS - 100)
    await waitFor(lagZero, 'lag back to 0')

    const lost = [0, 1, 2, 3, 4, 5].flatMap((p) => {
      const hw = 15
      const got = new Set(seen.filter((s) => s.who !== 'C' && s.partition === p).map((s) => s.offset))
      const from = committedAtCut.get(p)!
      return Array.from({ length: hw - from }, (_, i) => from + i)
        .filter((o) => !got.has(o))
        .map((o) => `${p}:${o}`)
    })
    expect(lost).toEqual([]) // every record after the last commit reached a live member

    // What C was handed but never committed was delivered again, to A or B.
    const uncommittedAtC = seen.filter((s) => s.who === 'C' && s.offset >= committedAtCut.get(s.partition)!)
    expect(uncommittedAtC.length).toBeGreaterThan(0)
    for (const s of uncommittedAtC) {
      const again = seen.find((x) => x.who !== 'C' && x.partition === s.partition && x.offset === s.offset)
      expect(again?.value).toBe(s.value)
    }

    // Every record of both rounds reached some consumer.
    for (let p = 0; p < 6; p++) {
      const offsets = new Set(seen.filter((s) => s.partition === p).map((s) => s.offset))
      expect(offsets.size).toBe(15)
    }
    const [final] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] })
    expect(final!.partitions.map((p) => [p.offset, p.lag])).toEqual(Array.from({ length: 6 }, () => [15, 0]))
  })
})
