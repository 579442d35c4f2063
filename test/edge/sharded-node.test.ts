/**
 * The relay over a sharded brook (a coordinator and one broker per partition, as on Cloudflare) in
 * Node: the whole HTTP suite, the relay client's groups, and the partitions really apart.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from '../../src/edge/node/connect.ts'
import { type Relay, startRelay } from '../../src/edge/node/relay.ts'
import { edgeHttpSuite } from '../conformance/edge-http.ts'
import { type LocalCluster, localCluster } from '../support/sharded.ts'

const MAX_BODY = 256 * 1024
let cluster: LocalCluster
let relay: Relay

beforeAll(async () => {
  cluster = await localCluster()
  relay = await startRelay({ broker: cluster.service, port: 0, limits: { maxBodyBytes: MAX_BODY } })
})
afterAll(async () => {
  await relay?.close()
  await cluster?.close()
})

edgeHttpSuite({ base: () => relay.url, maxBodyBytes: MAX_BODY })

describe('sharded', () => {
  it('keeps each partition on its own broker, and a consumer group reads them all', async () => {
    const brook = await connect({ url: relay.url })
    try {
      await brook.admin().createTopics({ topics: [{ topic: 'spread', numPartitions: 4 }] })
      const producer = brook.producer()
      await producer.connect()
      await producer.send({
        topic: 'spread',
        messages: Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
      })
      const [md] = (await cluster.coordinator.metadata({ topics: ['spread'] })).topics
      const hosts = await Promise.all([0, 1, 2, 3].map((p) => cluster.partitions.get(`${md!.topicId}/${p}`)))
      expect(hosts.every((h) => h !== undefined)).toBe(true)
      expect(new Set(await Promise.all(hosts))).toHaveProperty('size', 4)
      // The coordinator holds the topic but none of its records.
      const coordinatorEnd = await cluster.coordinator.listOffsets({
        topics: [
          { name: 'spread', partitions: [0, 1, 2, 3].map((partition) => ({ partition, timestamp: -1 })) },
        ],
      })
      expect(coordinatorEnd.topics[0]!.partitions.map((p) => p.offset)).toEqual([0, 0, 0, 0])

      const consumer = brook.consumer({ groupId: 'spread-readers' })
      await consumer.connect()
      await consumer.subscribe({ topic: 'spread', fromBeginning: true })
      const got: string[] = []
      await consumer.run({
        eachMessage: async ({ message }) => {
          got.push(new TextDecoder().decode(message.value!))
        },
      })
      await expect.poll(() => got.length, { timeout: 15_000 }).toBe(40)
      await consumer.disconnect()
      await producer.disconnect()
    } finally {
      await brook.close()
    }
  })

  it('applies config changes and deletion to the partition brokers', async () => {
    const admin = (await connect({ url: relay.url })).admin()
    await admin.createTopics({ topics: [{ topic: 'gone-soon', numPartitions: 2 }] })
    await cluster.service.produce({
      acks: -1,
      timeoutMs: 1000,
      topics: [
        {
          name: 'gone-soon',
          partitions: [
            {
              partition: 1,
              records: (await import('../../src/core/format/record-batch.ts')).encodeBatch({
                records: [{ value: new Uint8Array([1]) }],
              }),
            },
          ],
        },
      ],
    })
    const [md] = (await cluster.coordinator.metadata({ topics: ['gone-soon'] })).topics
    const p1 = await cluster.partitions.get(`${md!.topicId}/1`)!
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: 2, name: 'gone-soon', configEntries: [{ name: 'retention.ms', value: '12345' }] }],
    })
    await cluster.service.listOffsets({
      topics: [{ name: 'gone-soon', partitions: [{ partition: 1, timestamp: -1 }] }],
    })
    const [described] = await p1.describeConfigs(['gone-soon'])
    expect(described!.configs.find((c) => c.name === 'retention.ms')?.value).toBe('12345')
    await admin.deleteTopics({ topics: ['gone-soon'] })
    expect((await p1.metadata({ topics: ['gone-soon'] })).topics[0]!.errorCode).toBe(3)
  })
})
