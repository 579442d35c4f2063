/**
 * The versions Kafka 3.9/4.0 clients pick, against a real broker over the Kafka handler: topics by
 * id (Fetch v13+, Metadata v12, DeleteTopics v6, CreateTopics v7), many keys per FindCoordinator
 * (v4) and many groups per OffsetFetch (v8), group types in ListGroups (v5). What a client sees when
 * an id is unknown or stale (the topic was deleted and made again) is Kafka's UNKNOWN_TOPIC_ID.
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Broker } from '../broker.ts'
import { encodeBatch } from '../format/record-batch.ts'
import { MemoryStore } from '../memory-store.ts'
import { decodeResponse, encodeRequest } from './frames.ts'
import { createKafkaHandler, type KafkaSession } from './server.ts'
import { ZERO_TOPIC_ID } from './topic-ids.ts'

const UNKNOWN_TOPIC_ID = 100
const advertised = { nodeId: 1, host: '127.0.0.1', port: 9092 }

let broker: Broker
let session: KafkaSession
let correlation = 0

// biome-ignore lint/suspicious/noExplicitAny: the test reads bodies as the codec decodes them
async function call(apiKey: number, apiVersion: number, body: object): Promise<any> {
  const bytes = encodeRequest(
    { apiKey, apiVersion, correlationId: ++correlation, clientId: 't' } as never,
    body as never,
  )
  const out = await session.handle(bytes)
  if (!out) throw new Error('no response')
  return decodeResponse(apiKey as never, apiVersion, out).body
}

const idOf = async (topic: string): Promise<string> =>
  (await broker.metadata({ topics: [topic], allowAutoTopicCreation: false })).topics[0]!.topicId

async function produce(topic: string, values: string[]): Promise<void> {
  const records = encodeBatch({ records: values.map((v) => ({ value: new TextEncoder().encode(v) })) })
  const r = await broker.produce({
    acks: -1,
    timeoutMs: 1000,
    topics: [{ name: topic, partitions: [{ partition: 0, records }] }],
  })
  expect(r.topics[0]!.partitions[0]!.errorCode).toBe(0)
}

/** A Fetch v13+ entry: one topic by id, one partition, read from offset 0. */
const entry = (topicId: string, partition = 0) => ({
  topicId,
  partitions: [
    {
      partition,
      currentLeaderEpoch: -1,
      fetchOffset: 0,
      lastFetchedEpoch: -1,
      logStartOffset: -1,
      partitionMaxBytes: 1 << 20,
    },
  ],
})

const fetchV = (version: number, ...topics: ReturnType<typeof entry>[]) =>
  call(1, version, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics,
    forgottenTopicsData: [],
    rackId: '',
  })

beforeEach(async () => {
  broker = await Broker.open({ store: new MemoryStore(), autoCreateTopics: false, nodeId: 1 })
  session = createKafkaHandler({ service: broker, advertised })
  await broker.createTopics({ topics: [{ name: 'events', numPartitions: 1 }] })
  await produce('events', ['a', 'b', 'c'])
})
afterEach(async () => {
  await broker.close?.()
})

describe('topics by id', () => {
  it('Metadata v10+ gives each topic its id, and v12 finds a topic by id alone', async () => {
    const id = await idOf('events')
    expect(id).not.toBe(ZERO_TOPIC_ID)
    const all = await call(3, 12, {
      topics: null,
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    })
    expect(all.topics.map((t: { name: string; topicId: string }) => [t.name, t.topicId])).toEqual([
      ['events', id],
    ])
    const byId = await call(3, 12, {
      topics: [
        { topicId: id, name: null },
        { topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', name: null },
      ],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    })
    expect(byId.topics.map((t: { name: string | null; errorCode: number }) => [t.name, t.errorCode])).toEqual(
      [
        ['events', 0],
        [null, UNKNOWN_TOPIC_ID],
      ],
    )
  })

  it('Fetch v13 and v17 read a topic by id; an unknown id is UNKNOWN_TOPIC_ID', async () => {
    const id = await idOf('events')
    for (const v of [13, 17]) {
      const r = await fetchV(v, entry(id))
      expect(r.responses[0].topicId).toBe(id)
      const p = r.responses[0].partitions[0]
      expect(p.errorCode).toBe(0)
      expect(p.highWatermark).toBe(3)
      expect(p.records.length).toBeGreaterThan(0)
    }
    const unknown = await fetchV(13, entry('AAAAAAAAAAAAAAAAAAAAAQ'))
    expect(unknown.responses[0].partitions[0].errorCode).toBe(UNKNOWN_TOPIC_ID)
    expect(unknown.responses[0].partitions[0].records).toEqual(new Uint8Array(0))
  })

  it("a stale id (the topic deleted and made again) is not served the new topic's records", async () => {
    const old = await idOf('events')
    expect((await fetchV(13, entry(old))).responses[0].partitions[0].errorCode).toBe(0) // the connection knows it
    await broker.deleteTopics(['events'])
    await broker.createTopics({ topics: [{ name: 'events', numPartitions: 1 }] })
    await produce('events', ['new'])
    const fresh = await idOf('events')
    expect(fresh).not.toBe(old)
    const r = await fetchV(13, entry(old))
    expect(r.responses[0].partitions[0].errorCode).toBe(UNKNOWN_TOPIC_ID)
    expect(r.responses[0].partitions[0].records).toEqual(new Uint8Array(0))
    expect((await fetchV(13, entry(fresh))).responses[0].partitions[0].highWatermark).toBe(1)
  })

  it('CreateTopics v7 answers the new id, partitions and configs; DeleteTopics v6 deletes by id', async () => {
    const made = await call(19, 7, {
      topics: [
        {
          name: 'made',
          numPartitions: 3,
          replicationFactor: 1,
          assignments: [],
          configs: [{ name: 'retention.ms', value: '1000' }],
        },
      ],
      timeoutMs: 1000,
      validateOnly: false,
    })
    const t = made.topics[0]
    expect(t.errorCode).toBe(0)
    expect(t.topicId).toBe(await idOf('made'))
    expect(t.numPartitions).toBe(3)
    expect(t.replicationFactor).toBe(1)
    const configs = new Map(t.configs.map((c: { name: string; value: string }) => [c.name, c.value]))
    expect(configs.get('retention.ms')).toBe('1000')
    expect(configs.get('cleanup.policy')).toBe('delete')

    const deleted = await call(20, 6, {
      topics: [
        { name: null, topicId: t.topicId },
        { name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' },
        { name: 'events', topicId: await idOf('events') },
      ],
      timeoutMs: 1000,
    })
    expect(
      deleted.responses.map((r: { name: string | null; errorCode: number }) => [r.name, r.errorCode]),
    ).toEqual([
      ['made', 0],
      [null, UNKNOWN_TOPIC_ID],
      ['events', 42], // INVALID_REQUEST: by name or by id, not both
    ])
    const left = await broker.metadata({ topics: null })
    expect(left.topics.map((x) => x.name)).toEqual(['events'])
  })
})

describe('a topic named once per partition', () => {
  it('Fetch answers every entry (@platformatic/kafka sends one per partition)', async () => {
    await broker.createTopics({ topics: [{ name: 'two', numPartitions: 2 }] })
    const id = await idOf('two')
    const r = await fetchV(13, entry(id, 0), entry(id, 1))
    expect(
      r.responses.map((t: { partitions: { partitionIndex: number; errorCode: number }[] }) =>
        t.partitions.map((p) => [p.partitionIndex, p.errorCode]),
      ),
    ).toEqual([[[0, 0]], [[1, 0]]])
  })
})

describe('batched group APIs', () => {
  it('FindCoordinator v4 answers each key; OffsetFetch v8 each group', async () => {
    const found = await call(10, 4, { keyType: 0, coordinatorKeys: ['g1', 'g2'] })
    expect(
      found.coordinators.map((c: { key: string; nodeId: number; port: number; errorCode: number }) => [
        c.key,
        c.nodeId,
        c.port,
        c.errorCode,
      ]),
    ).toEqual([
      ['g1', 1, 9092, 0],
      ['g2', 1, 9092, 0],
    ])
    const share = await call(10, 6, { keyType: 2, coordinatorKeys: ['s'] })
    expect(share.coordinators[0].errorCode).toBe(42) // no share groups in brook

    await broker.offsetCommit({
      groupId: 'g1',
      generationId: -1,
      memberId: '',
      topics: [{ name: 'events', partitions: [{ partition: 0, offset: 2, metadata: 'm' }] }],
    })
    const fetched = await call(9, 8, {
      groups: [
        { groupId: 'g1', topics: null },
        { groupId: 'g2', topics: [{ name: 'events', partitionIndexes: [0] }] },
      ],
      requireStable: false,
    })
    const offsets = fetched.groups.map(
      (g: {
        groupId: string
        errorCode: number
        topics: { partitions: { committedOffset: number }[] }[]
      }) => [g.groupId, g.errorCode, g.topics.flatMap((t) => t.partitions.map((p) => p.committedOffset))],
    )
    expect(offsets).toEqual([
      ['g1', 0, [2]],
      ['g2', 0, [-1]],
    ])
  })

  it('ListGroups v5 says every group is classic and filters by type', async () => {
    await broker.offsetCommit({
      groupId: 'g1',
      generationId: -1,
      memberId: '',
      topics: [{ name: 'events', partitions: [{ partition: 0, offset: 1, metadata: null }] }],
    })
    const all = await call(16, 5, { statesFilter: [], typesFilter: [] })
    expect(all.groups.map((g: { groupId: string; groupType: string }) => [g.groupId, g.groupType])).toEqual([
      ['g1', 'classic'],
    ])
    expect((await call(16, 5, { statesFilter: [], typesFilter: ['consumer'] })).groups).toEqual([])
    expect((await call(16, 5, { statesFilter: [], typesFilter: ['Classic'] })).groups).toHaveLength(1)
  })
})
