/** kafkajs 2.2.4 against brook's Kafka listener: producer (plain and idempotent), consumer group, admin. */
import { type Consumer, Kafka, logLevel } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Brook, startBrook } from './support.ts'

describe('kafkajs interop', () => {
  let brook: Brook
  let kafka: Kafka
  beforeAll(async () => {
    brook = await startBrook()
    kafka = new Kafka({
      clientId: 'kjs',
      brokers: [`127.0.0.1:${brook.port}`],
      logLevel: logLevel.NOTHING,
      retry: { retries: 3, initialRetryTime: 100 },
    })
  })
  afterAll(async () => {
    await brook?.close()
  })

  it('admin creates, describes and lists; producer and idempotent producer write; a group reads and commits', async () => {
    const admin = kafka.admin()
    await admin.connect()
    expect(
      await admin.createTopics({ topics: [{ topic: 'kjs', numPartitions: 2 }], waitForLeaders: true }),
    ).toBe(true)
    const meta = await admin.fetchTopicMetadata({ topics: ['kjs'] })
    expect(meta.topics[0]!.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1])
    expect(await admin.listTopics()).toContain('kjs')

    const producer = kafka.producer()
    await producer.connect()
    const sent = await producer.send({
      topic: 'kjs',
      messages: Array.from({ length: 10 }, (_, i) => ({
        key: `k${i}`,
        value: `plain-${i}`,
        headers: { h: `x${i}` },
      })),
    })
    expect(sent.every((r) => r.errorCode === 0)).toBe(true)
    await producer.disconnect()

    const idem = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
    await idem.connect()
    for (let i = 0; i < 3; i++) {
      await idem.send({ topic: 'kjs', acks: -1, messages: [{ key: `i${i}`, value: `idem-${i}` }] })
    }
    await idem.disconnect()

    const consumer: Consumer = kafka.consumer({
      groupId: 'kjs-group',
      maxWaitTimeInMs: 200,
      heartbeatInterval: 500,
    })
    await consumer.connect()
    await consumer.subscribe({ topic: 'kjs', fromBeginning: true })
    const got: { value: string; header: string | undefined }[] = []
    await consumer.run({
      eachMessage: async ({ message }) => {
        got.push({ value: message.value!.toString(), header: message.headers?.h?.toString() })
      },
    })
    const deadline = Date.now() + 20_000
    while (got.length < 13 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    expect(got.map((g) => g.value).sort()).toEqual(
      [...Array.from({ length: 10 }, (_, i) => `plain-${i}`), 'idem-0', 'idem-1', 'idem-2'].sort(),
    )
    expect(got.find((g) => g.value === 'plain-3')!.header).toBe('x3')

    const groups = await admin.listGroups()
    expect(groups.groups).toContainEqual({ groupId: 'kjs-group', protocolType: 'consumer' })
    const described = await admin.describeGroups(['kjs-group'])
    expect(described.groups[0]!.state).toBe('Stable')
    expect(described.groups[0]!.members).toHaveLength(1)
    await consumer.stop()
    await consumer.disconnect()

    const offsets = await admin.fetchOffsets({ groupId: 'kjs-group', topics: ['kjs'] })
    const total = offsets[0]!.partitions.reduce((n, p) => n + Number(p.offset), 0)
    expect(total).toBe(13)
    const topicOffsets = await admin.fetchTopicOffsets('kjs')
    expect(topicOffsets.reduce((n, p) => n + Number(p.high), 0)).toBe(13)
    await admin.disconnect()
  }, 60_000)

  it('rebalances a two-member kafkajs group: partitions split, then move back when one leaves', async () => {
    const admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({ topics: [{ topic: 'kjs-rb', numPartitions: 4 }], waitForLeaders: true })
    await admin.disconnect()
    const assigned = new Map<string, number[]>()
    const member = async (name: string) => {
      const c = kafka.consumer({ groupId: 'kjs-rb-group', maxWaitTimeInMs: 100, heartbeatInterval: 200 })
      c.on(c.events.GROUP_JOIN, (e) => {
        assigned.set(name, e.payload.memberAssignment['kjs-rb'] ?? [])
      })
      await c.connect()
      await c.subscribe({ topic: 'kjs-rb', fromBeginning: true })
      await c.run({ eachMessage: async () => {} })
      return c
    }
    const until = async (pred: () => boolean, what: string) => {
      const end = Date.now() + 20_000
      while (!pred()) {
        if (Date.now() > end) throw new Error(`timed out: ${what} (${JSON.stringify([...assigned])})`)
        await new Promise((r) => setTimeout(r, 50))
      }
    }
    const a = await member('a')
    await until(() => assigned.get('a')?.length === 4, 'a owns all four partitions')
    const b = await member('b')
    await until(
      () => assigned.get('a')?.length === 2 && assigned.get('b')?.length === 2,
      'a and b own two partitions each',
    )
    expect([...assigned.get('a')!, ...assigned.get('b')!].sort()).toEqual([0, 1, 2, 3])
    await b.disconnect()
    await until(() => assigned.get('a')?.length === 4, 'a takes the partitions back')
    await a.disconnect()
  }, 60_000)

  it('a member whose rebalance timeout is 0 (kafkajs sends it when none is set) joins, syncs and consumes', async () => {
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic: 'kjs-zero', messages: [{ value: 'first' }] })
    await producer.disconnect()
    const c = kafka.consumer({ groupId: 'kjs-zero-group', rebalanceTimeout: 0, maxWaitTimeInMs: 100 })
    const seen: string[] = []
    let joinRequests = 0
    c.on(c.events.REQUEST, (e) => {
      if (e.payload.apiName === 'JoinGroup') joinRequests++
    })
    await c.connect()
    await c.subscribe({ topic: 'kjs-zero', fromBeginning: true })
    await c.run({
      eachMessage: async ({ message }) => {
        seen.push(String(message.value))
      },
    })
    await expect.poll(() => seen, { timeout: 20_000 }).toEqual(['first'])
    // The first join asks for a member id (MEMBER_ID_REQUIRED), the second joins: the member was
    // not dropped between its JoinGroup and its SyncGroup and sent to join again.
    expect(joinRequests).toBe(2)
    await c.disconnect()
  }, 40_000)

  it('admin adds partitions, deletes records, describes configs, deletes groups and topics', async () => {
    const admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({
      topics: [
        { topic: 'kjs-admin', numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }] },
      ],
      waitForLeaders: true,
    })
    await admin.createPartitions({ topicPartitions: [{ topic: 'kjs-admin', count: 3 }] })
    const meta = await admin.fetchTopicMetadata({ topics: ['kjs-admin'] })
    expect(meta.topics[0]!.partitions).toHaveLength(3)

    const producer = kafka.producer()
    await producer.connect()
    await producer.send({
      topic: 'kjs-admin',
      messages: Array.from({ length: 5 }, (_, i) => ({ value: `${i}`, partition: 0 })),
    })
    await producer.disconnect()
    await admin.deleteTopicRecords({ topic: 'kjs-admin', partitions: [{ partition: 0, offset: '3' }] })
    const offsets = await admin.fetchTopicOffsets('kjs-admin')
    expect(offsets.find((o) => o.partition === 0)).toMatchObject({ low: '3', high: '5' })

    const configs = await admin.describeConfigs({
      resources: [{ type: 2, name: 'kjs-admin', configNames: ['retention.ms'] }],
      includeSynonyms: false,
    })
    expect(configs.resources[0]!.configEntries).toEqual([
      expect.objectContaining({ configName: 'retention.ms', configValue: '3600000', isDefault: false }),
    ])
    // AlterConfigs replaces the topic's configs: retention.ms goes back to its default.
    const altered = await admin.alterConfigs({
      validateOnly: false,
      resources: [
        { type: 2, name: 'kjs-admin', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      ],
    })
    expect(altered.resources).toEqual([expect.objectContaining({ errorCode: 0, resourceName: 'kjs-admin' })])
    const after = await admin.describeConfigs({
      resources: [{ type: 2, name: 'kjs-admin', configNames: ['retention.ms', 'cleanup.policy'] }],
      includeSynonyms: false,
    })
    expect(
      Object.fromEntries(
        after.resources[0]!.configEntries.map((c) => [c.configName, [c.configValue, c.isDefault]]),
      ),
    ).toEqual({
      'cleanup.policy': ['compact', false],
      'retention.ms': ['604800000', true],
    })
    await expect(
      admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: 2, name: 'kjs-admin', configEntries: [{ name: 'retention.ms', value: 'soon' }] }],
      }),
    ).rejects.toMatchObject({ type: 'INVALID_CONFIG' })

    await admin.setOffsets({
      groupId: 'kjs-admin-group',
      topic: 'kjs-admin',
      partitions: [{ partition: 0, offset: '4' }],
    })
    expect((await admin.listGroups()).groups.map((g) => g.groupId)).toContain('kjs-admin-group')
    await admin.deleteGroups(['kjs-admin-group'])
    expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain('kjs-admin-group')

    await admin.deleteTopics({ topics: ['kjs-admin'] })
    expect(await admin.listTopics()).not.toContain('kjs-admin')
    await admin.disconnect()
  }, 60_000)
})
