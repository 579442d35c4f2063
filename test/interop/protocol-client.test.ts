/**
 * @module brook's Kafka client (connectKafka → KafkaProtocolService) against brook's own TCP listener:
 * every BrokerService call crosses real sockets and real frames, with the versions the two negotiate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Broker } from '../../src/core/broker.ts'
import { decodeRecords, encodeBatch } from '../../src/core/format/record-batch.ts'
import { MemoryStore } from '../../src/core/memory-store.ts'
import type { KafkaProtocolService } from '../../src/core/protocol/client-service.ts'
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from '../../src/core/service.ts'
import { connectKafka } from '../../src/edge/kafka/connection.ts'
import { type KafkaServer, startKafkaServer } from '../../src/edge/kafka/server.ts'

const enc = (s: string) => new TextEncoder().encode(s)
const dec = (b: Uint8Array | null) => (b ? new TextDecoder().decode(b) : null)

let broker: Broker
let server: KafkaServer
let client: KafkaProtocolService

beforeAll(async () => {
  broker = await Broker.open({ store: new MemoryStore(), autoCreateTopics: true })
  server = await startKafkaServer({ broker, port: 0, log: () => {} })
  client = await connectKafka({ bootstrap: `127.0.0.1:${server.port}`, clientId: 'brook-test' })
})

afterAll(async () => {
  await client?.close()
  await server?.close()
  await (broker as unknown as { close?: () => Promise<void> })?.close?.()
})

describe('KafkaProtocolService over TCP against brook', () => {
  it('negotiates flexible versions where the listener offers them', () => {
    expect(client.negotiatedVersion(18)).toBe(3)
    expect(client.negotiatedVersion(0)).toBeGreaterThanOrEqual(7)
  })

  it('creates, lists and describes topics', async () => {
    const created = await client.createTopics({
      topics: [{ name: 'orders', numPartitions: 3, configs: { 'retention.ms': '60000' } }],
    })
    expect(created).toEqual([expect.objectContaining({ name: 'orders', errorCode: 0 })])
    const again = await client.createTopics({ topics: [{ name: 'orders', numPartitions: 3 }] })
    expect(again[0]!.errorCode).toBe(36)
    const md = await client.metadata({ topics: null })
    const orders = md.topics.find((t) => t.name === 'orders')!
    expect(orders.partitions.map((p) => p.partition).sort()).toEqual([0, 1, 2])
    expect(md.brokers.map((b) => b.nodeId)).toContain(md.controllerId)
    const [cfg] = await client.describeConfigs(['orders'])
    expect(cfg!.configs.find((c) => c.name === 'retention.ms')).toMatchObject({
      value: '60000',
      isDefault: false,
    })
  })

  it('produces and fetches record batches', async () => {
    const records = ['a', 'b', 'c'].map((v, i) => ({ key: enc(`k${i}`), value: enc(v) }))
    const produced = await client.produce({
      acks: -1,
      timeoutMs: 5000,
      topics: [{ name: 'orders', partitions: [{ partition: 1, records: encodeBatch({ records }) }] }],
    })
    expect(produced.topics[0]!.partitions[0]).toMatchObject({ partition: 1, errorCode: 0, baseOffset: 0 })
    const fetched = await client.fetch({
      maxWaitMs: 100,
      minBytes: 1,
      maxBytes: 1 << 20,
      topics: [
        { name: 'orders', partitions: [{ partition: 1, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] },
      ],
    })
    const p = fetched.topics[0]!.partitions[0]!
    expect(p.highWatermark).toBe(3)
    expect(decodeRecords(p.records).map((r) => [dec(r.key), dec(r.value), r.offset])).toEqual([
      ['k0', 'a', 0],
      ['k1', 'b', 1],
      ['k2', 'c', 2],
    ])
    const offsets = await client.listOffsets({
      topics: [
        {
          name: 'orders',
          partitions: [
            { partition: 1, timestamp: LATEST_TIMESTAMP },
            { partition: 0, timestamp: EARLIEST_TIMESTAMP },
          ],
        },
      ],
    })
    expect(offsets.topics[0]!.partitions.map((x) => [x.partition, x.offset])).toEqual([
      [1, 3],
      [0, 0],
    ])
    const deleted = await client.deleteRecords({
      topics: [{ name: 'orders', partitions: [{ partition: 1, offset: 2 }] }],
    })
    expect(deleted.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, lowWatermark: 2 })
  })

  it('sends acks=0 produce without an answer, and the records land', async () => {
    await client.produce({
      acks: 0,
      timeoutMs: 5000,
      topics: [
        {
          name: 'orders',
          partitions: [{ partition: 2, records: encodeBatch({ records: [{ value: enc('z') }] }) }],
        },
      ],
    })
    // The next request on the same connection is answered after the acks=0 one was handled.
    const md = await client.listOffsets({
      topics: [{ name: 'orders', partitions: [{ partition: 2, timestamp: -1 }] }],
    })
    expect(md.topics[0]!.partitions[0]!.offset).toBe(1)
  })

  it('runs a one-member group: join, sync, heartbeat, commit, fetch offsets, describe, leave, delete', async () => {
    const coord = await client.findCoordinator('g1')
    expect(coord.errorCode).toBe(0)
    const join = {
      groupId: 'g1',
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000,
      memberId: '',
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0]) }],
      requireKnownMemberId: true,
    }
    let joined = await client.joinGroup(join)
    if (joined.errorCode === 79) joined = await client.joinGroup({ ...join, memberId: joined.memberId })
    expect(joined.errorCode).toBe(0)
    expect(joined.leader).toBe(joined.memberId)
    const assignment = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    const synced = await client.syncGroup({
      groupId: 'g1',
      generationId: joined.generationId,
      memberId: joined.memberId,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: [{ memberId: joined.memberId, assignment }],
    })
    expect(synced.errorCode).toBe(0)
    expect([...synced.assignment]).toEqual([...assignment])
    const member = { groupId: 'g1', generationId: joined.generationId, memberId: joined.memberId }
    expect((await client.heartbeat(member)).errorCode).toBe(0)
    const commit = await client.offsetCommit({
      ...member,
      topics: [{ name: 'orders', partitions: [{ partition: 1, offset: 3, metadata: 'note' }] }],
    })
    expect(commit.topics[0]!.partitions[0]!.errorCode).toBe(0)
    const fetched = await client.offsetFetch({ groupId: 'g1', topics: [{ name: 'orders', partitions: [1] }] })
    expect(fetched.topics[0]!.partitions[0]).toMatchObject({ partition: 1, offset: 3, metadata: 'note' })
    const all = await client.offsetFetch({ groupId: 'g1', topics: null })
    expect(all.topics.map((t) => t.name)).toEqual(['orders'])
    const [described] = await client.describeGroups(['g1'])
    expect(described).toMatchObject({
      groupId: 'g1',
      state: 'Stable',
      protocol: 'range',
      protocolType: 'consumer',
    })
    expect(described!.members[0]!.clientId).toBe('brook-test')
    const listed = await client.listGroups()
    expect(listed.groups.map((g) => g.groupId)).toContain('g1')
    const left = await client.leaveGroup({ groupId: 'g1', members: [{ memberId: joined.memberId }] })
    expect(left.errorCode).toBe(0)
    expect(await client.deleteGroups(['g1'])).toEqual([{ groupId: 'g1', errorCode: 0 }])
  })

  it('grows partitions, hands out producer ids and deletes topics', async () => {
    const grown = await client.createPartitions({ topics: [{ name: 'orders', count: 5 }] })
    expect(grown).toEqual([expect.objectContaining({ name: 'orders', errorCode: 0 })])
    const pid = await client.initProducerId({})
    expect(pid.errorCode).toBe(0)
    expect(pid.producerId).toBeGreaterThanOrEqual(0)
    const deleted = await client.deleteTopics(['orders', 'missing'])
    expect(deleted.map((d) => [d.name, d.errorCode])).toEqual([
      ['orders', 0],
      ['missing', 3],
    ])
  })
})
