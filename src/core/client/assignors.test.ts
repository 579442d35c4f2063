import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import golden from '../../../test/fixtures/kafka-python/consumer-protocol.json' with { type: 'json' }
import {
  type Assignor,
  type AssignorMember,
  computeLag,
  type GroupAssignment,
  rangeAssignor,
  roundRobinAssignor,
  toTopicPartitions,
} from './assignors.ts'

interface AssignorCase {
  members: Record<string, string[]>
  partitionsPerTopic: Record<string, number>
  expected: Record<string, Record<string, Record<string, number[]>>>
}

// Inputs and results of kafka-python's RangePartitionAssignor / RoundRobinPartitionAssignor,
// made by scripts/fixtures/kafka_python_groups.py.
const cases = golden.assignors as unknown as AssignorCase[]

/** memberId → topic → partitions, leaving out topics with no partitions (kafka-python lists them empty). */
function normalize(assignment: GroupAssignment | Record<string, Record<string, number[]>>) {
  const entries =
    assignment instanceof Map
      ? [...assignment].map(([m, t]) => [m, Object.fromEntries(t)] as const)
      : Object.entries(assignment)
  return Object.fromEntries(
    entries.map(([member, topics]) => [
      member,
      Object.fromEntries(Object.entries(topics).filter(([, ps]) => (ps as number[]).length > 0)),
    ]),
  )
}

describe('assignors against kafka-python', () => {
  for (const assignor of [rangeAssignor, roundRobinAssignor]) {
    it(`${assignor.name} assigns exactly what kafka-python's assigns`, () => {
      expect(cases.length).toBeGreaterThan(20)
      for (const c of cases) {
        const members = Object.entries(c.members).map(([memberId, topics]) => ({ memberId, topics }))
        const result = assignor.assign(members, new Map(Object.entries(c.partitionsPerTopic)))
        expect(normalize(result)).toEqual(normalize(c.expected[assignor.name]!))
      }
    })
  }

  it('range: three consumers of six partitions get two consecutive partitions each', () => {
    const members = ['c', 'a', 'b'].map((memberId) => ({ memberId, topics: ['orders'] }))
    const result = rangeAssignor.assign(members, new Map([['orders', 6]]))
    expect(result.get('a')!.get('orders')).toEqual([0, 1])
    expect(result.get('b')!.get('orders')).toEqual([2, 3])
    expect(result.get('c')!.get('orders')).toEqual([4, 5])
  })

  it('static members sort by instance id before dynamic ones, as in Kafka', () => {
    const members: AssignorMember[] = [
      { memberId: 'a', topics: ['t'] },
      { memberId: 'z', groupInstanceId: 'instance-1', topics: ['t'] },
    ]
    const result = rangeAssignor.assign(members, new Map([['t', 3]]))
    expect(result.get('z')!.get('t')).toEqual([0, 1])
    expect(result.get('a')!.get('t')).toEqual([2])
  })
})

const groupArb = fc
  .record({
    topics: fc.uniqueArray(fc.stringMatching(/^[a-z]{1,4}$/), { minLength: 1, maxLength: 5 }),
    memberCount: fc.integer({ min: 1, max: 8 }),
    seed: fc.array(fc.integer({ min: 0, max: 2 ** 30 }), { minLength: 40, maxLength: 40 }),
    missing: fc.boolean(),
  })
  .map(({ topics, memberCount, seed, missing }) => {
    const partitionsPerTopic = new Map(topics.map((t, i) => [t, 1 + (seed[i]! % 12)]))
    // Sometimes a subscribed topic does not exist (yet).
    if (missing) partitionsPerTopic.delete(topics[0]!)
    const members = Array.from({ length: memberCount }, (_, i) => {
      const picked = topics.filter((_, j) => (seed[(i * 5 + j) % seed.length]! >> j) & 1)
      return {
        memberId: `m-${seed[i]! % 1000}-${i}`,
        topics: picked.length ? picked : [topics[i % topics.length]!],
      }
    })
    return { members, partitionsPerTopic }
  })

function ownersOf(result: GroupAssignment): Map<string, string[]> {
  const owners = new Map<string, string[]>()
  for (const [member, topics] of result) {
    for (const [topic, partitions] of topics) {
      for (const p of partitions)
        owners.set(`${topic}/${p}`, [...(owners.get(`${topic}/${p}`) ?? []), member])
    }
  }
  return owners
}

describe('assignor properties', () => {
  for (const assignor of [rangeAssignor, roundRobinAssignor] as Assignor[]) {
    it(`${assignor.name}: every partition of a subscribed topic goes to exactly one subscriber`, () => {
      fc.assert(
        fc.property(groupArb, ({ members, partitionsPerTopic }) => {
          const result = assignor.assign(members, partitionsPerTopic)
          expect([...result.keys()].sort()).toEqual(members.map((m) => m.memberId).sort())
          const owners = ownersOf(result)
          const subscribed = new Set(members.flatMap((m) => m.topics))
          let expected = 0
          for (const [topic, n] of partitionsPerTopic) {
            if (!subscribed.has(topic)) continue
            expected += n
            for (let p = 0; p < n; p++) {
              const who = owners.get(`${topic}/${p}`)
              expect(who).toHaveLength(1)
              expect(members.find((m) => m.memberId === who![0])!.topics).toContain(topic)
            }
          }
          expect(owners.size).toBe(expected)
        }),
        { numRuns: 200 },
      )
    })
  }

  it('with identical subscriptions, roundrobin balances totals and range balances each topic within 1', () => {
    fc.assert(
      fc.property(groupArb, ({ members, partitionsPerTopic }) => {
        const topics = [...partitionsPerTopic.keys()]
        const same = members.map((m) => ({ ...m, topics }))
        const rr = roundRobinAssignor.assign(same, partitionsPerTopic)
        const totals = [...rr.values()].map((t) => [...t.values()].reduce((s, ps) => s + ps.length, 0))
        expect(Math.max(...totals) - Math.min(...totals)).toBeLessThanOrEqual(1)
        const range = rangeAssignor.assign(same, partitionsPerTopic)
        for (const topic of topics) {
          const counts = [...range.values()].map((t) => t.get(topic)?.length ?? 0)
          expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1)
        }
      }),
      { numRuns: 200 },
    )
  })

  it('toTopicPartitions sorts topics and partitions for the wire', () => {
    const m = new Map([
      ['b', [3, 1]],
      ['a', [2]],
    ])
    expect(toTopicPartitions(m)).toEqual([
      { topic: 'a', partitions: [2] },
      { topic: 'b', partitions: [1, 3] },
    ])
  })
})

describe('computeLag', () => {
  it('is the records between the committed offset and the high watermark', () => {
    expect(computeLag(7, 10)).toBe(3)
    expect(computeLag(10, 10)).toBe(0)
    // Nothing committed: everything still in the log.
    expect(computeLag(-1, 10, 4)).toBe(6)
    // A committed offset past the end (log truncated) is not negative lag.
    expect(computeLag(12, 10)).toBe(0)
  })
})
