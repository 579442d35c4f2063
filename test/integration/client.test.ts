/**
 * @module The client as a user drives it, in-process over a real `Broker` on `MemoryStore`:
 * produce/consume round trips, key partitioning, idempotent retries, pause/resume, seek and admin.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Broker } from '../../src/core/broker.ts'
import type { Consumer, KafkaMessage } from '../../src/core/client/index.ts'
import { type Brook, ConfigResourceTypes, createBrook } from '../../src/core/client/index.ts'
import { BrookError } from '../../src/core/errors.ts'
import { MemoryStore } from '../../src/core/memory-store.ts'
import type { BrokerService, ProduceRequest, ProduceResponse } from '../../src/core/service.ts'
import { overTheWire, waitFor } from '../support/wire.ts'

const text = new TextDecoder()
const str = (b: Uint8Array | null) => (b === null ? null : text.decode(b))

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function setup(
  opts: { service?: (b: Broker) => BrokerService } = {},
): Promise<{ broker: Broker; brook: Brook }> {
  const broker = await Broker.open({
    store: new MemoryStore(),
    autoCreateTopics: true,
    initialRebalanceDelayMs: 0,
  })
  const brook = createBrook({ service: opts.service ? opts.service(broker) : broker, clientId: 'test' })
  cleanups.push(() => broker.close())
  return { broker, brook }
}

/** `broker` with its produce wrapped by `around`, which applies a request by calling `produce`. */
function aroundProduce(
  broker: Broker,
  around: (
    produce: (req: ProduceRequest) => Promise<ProduceResponse>,
    req: ProduceRequest,
  ) => Promise<ProduceResponse>,
): BrokerService {
  return new Proxy(broker, {
    get(target, prop, recv) {
      const v = Reflect.get(target, prop, recv)
      if (prop === 'produce') return (req: ProduceRequest) => around((r) => v.call(target, r), req)
      return typeof v === 'function' ? v.bind(target) : v
    },
  })
}

function track(c: Consumer): Consumer {
  cleanups.push(() => c.disconnect())
  return c
}

describe('produce and consume', () => {
  it('round-trips keys, values, headers and timestamps in offset order', async () => {
    const { brook } = await setup()
    await brook.admin().createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }] })
    const producer = brook.producer()
    await producer.connect()
    const sent = await producer.send({
      topic: 'orders',
      messages: [
        {
          key: 'k1',
          value: 'one',
          headers: { source: 'web', bin: new Uint8Array([1, 2]) },
          timestamp: 1_000,
        },
        { key: 'k1', value: 'two', timestamp: '2000' },
        { key: null, value: new Uint8Array([0, 255]), partition: 2 },
        { key: 'k2', value: null },
      ],
    })
    expect(sent.every((m) => m.errorCode === 0 && m.topicName === 'orders')).toBe(true)
    const got: { partition: number; m: KafkaMessage }[] = []
    const consumer = track(brook.consumer({ groupId: 'g-rt', maxWaitTimeInMs: 100 }))
    await consumer.subscribe({ topic: 'orders', fromBeginning: true })
    await consumer.run({
      eachMessage: async ({ partition, message }) => void got.push({ partition, m: message }),
    })
    await waitFor(() => got.length === 4, 'four messages')
    const one = got.find((g) => str(g.m.value) === 'one')!
    const two = got.find((g) => str(g.m.value) === 'two')!
    expect(str(one.m.key)).toBe('k1')
    expect(str(one.m.headers.source as Uint8Array)).toBe('web')
    expect([...(one.m.headers.bin as Uint8Array)]).toEqual([1, 2])
    expect(one.m.timestamp).toBe(1000)
    expect(two.m.timestamp).toBe(2000)
    expect(two.partition).toBe(one.partition)
    expect(two.m.offset).toBe(one.m.offset + 1)
    const raw = got.find((g) => g.partition === 2 && g.m.value?.length === 2)!
    expect([...raw.m.value!]).toEqual([0, 255])
    expect(raw.m.key).toBeNull()
    expect(got.find((g) => str(g.m.key) === 'k2')!.m.value).toBeNull()
    // The send's metadata names the offset each partition's first record got.
    const p1 = sent.find((s) => s.partition === one.partition)!
    expect(p1.baseOffset).toBe(one.m.offset)
  })

  it('sends gzip-compressed batches and reads them back', async () => {
    const { brook } = await setup()
    await brook.admin().createTopics({ topics: [{ topic: 'gz', numPartitions: 1 }] })
    const producer = brook.producer()
    const values = Array.from({ length: 50 }, (_, i) => `compressible value ${i} `.repeat(10))
    await producer.send({ topic: 'gz', compression: 1, messages: values.map((value) => ({ value })) })
    const got: string[] = []
    const consumer = track(brook.consumer({ groupId: 'g-gz', maxWaitTimeInMs: 100 }))
    await consumer.subscribe({ topic: 'gz', fromBeginning: true })
    await consumer.run({ eachMessage: async ({ message }) => void got.push(str(message.value)!) })
    await waitFor(() => got.length === 50, 'fifty records')
    expect(got).toEqual(values)
  })

  it('puts a keyed record on the partition Kafka’s murmur2 picks', async () => {
    const { brook } = await setup()
    await brook.admin().createTopics({ topics: [{ topic: 'keys', numPartitions: 6 }] })
    // Expected partitions from kafka-python's murmur2 (positive, modulo 6).
    const expected: [string, number][] = [
      ['user-1', 2],
      ['user-2', 2],
      ['order-42', 0],
      ['a', 4],
      ['', 3],
      ['brook', 2],
      ['key-with-longer-text-1234', 4],
    ]
    const producer = brook.producer()
    for (const [key, partition] of expected) {
      const [meta] = await producer.send({ topic: 'keys', messages: [{ key, value: 'x' }] })
      expect({ key, partition: meta!.partition }).toEqual({ key, partition })
    }
  })

  it('auto-creates a topic on first send and batches concurrent sends into one request', async () => {
    let produces = 0
    const { brook } = await setup({
      service: (b) =>
        aroundProduce(b, (produce, req) => {
          produces++
          return produce(req)
        }),
    })
    const producer = brook.producer({ lingerMs: 20 })
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => producer.send({ topic: 'fresh', messages: [{ value: `v${i}` }] })),
    )
    expect(produces).toBe(1)
    const offsets = results.map((r) => r[0]!.baseOffset).sort((a, b) => a - b)
    expect(offsets).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(await brook.admin().listTopics()).toContain('fresh')
  })

  it('rejects bad input with Kafka error names', async () => {
    const { brook } = await setup()
    await brook.admin().createTopics({ topics: [{ topic: 't', numPartitions: 2 }] })
    const producer = brook.producer()
    await expect(
      producer.send({ topic: 't', messages: [{ value: 'x', partition: 5 }] }),
    ).rejects.toMatchObject({
      type: 'UNKNOWN_TOPIC_OR_PARTITION',
    })
    await expect(producer.send({ topic: 'bad name!', messages: [{ value: 'x' }] })).rejects.toMatchObject({
      type: 'INVALID_TOPIC_EXCEPTION',
    })
    expect(() => brook.producer({ idempotent: true, acks: 1 })).toThrow(BrookError)
    const plain = brook.producer({ idempotent: false, allowAutoTopicCreation: false, retry: { retries: 0 } })
    await expect(plain.send({ topic: 'missing', messages: [{ value: 'x' }] })).rejects.toMatchObject({
      type: 'UNKNOWN_TOPIC_OR_PARTITION',
    })
  })
})

describe('errors a user can act on', () => {
  const modes = ['in-process', 'over the Kafka wire protocol'] as const
  async function client(mode: (typeof modes)[number], autoCreateTopics = true) {
    const broker = await Broker.open({
      store: new MemoryStore(),
      autoCreateTopics,
      initialRebalanceDelayMs: 0,
    })
    cleanups.push(() => broker.close())
    const service = mode === 'in-process' ? broker : await overTheWire(broker, cleanups)
    return createBrook({ service, clientId: 'test', retry: { retries: 2, initialRetryTime: 10 } })
  }
  const reason = async (p: Promise<unknown>) => {
    const e = await p.then(
      () => null,
      (x: unknown) => x,
    )
    expect(e).toBeInstanceOf(BrookError)
    const { message } = e as BrookError
    // Never `TYPE: TYPE: …`.
    expect(message).not.toMatch(/^(\w+): \1\b/)
    return message
  }

  for (const mode of modes) {
    it(`says why a topic name is bad on every path, once: ${mode}`, async () => {
      const brook = await client(mode)
      const space =
        /^INVALID_TOPIC_EXCEPTION: topic name "bad name" contains a space at index 3; a topic name may contain only/
      expect(await reason(brook.producer().send({ topic: 'bad name', messages: [{ value: 'x' }] }))).toMatch(
        space,
      )
      expect(await reason(brook.consumer({ groupId: 'g' }).subscribe({ topic: 'bad name' }))).toMatch(space)
      expect(await reason(brook.admin().fetchTopicOffsets('bad name'))).toMatch(space)
      expect(await reason(brook.admin().createTopics({ topics: [{ topic: 'bad name' }] }))).toMatch(space)
      expect(await reason(brook.admin().createTopics({ topics: [{ topic: 'x'.repeat(250) }] }))).toBe(
        `INVALID_TOPIC_EXCEPTION: topic name "${'x'.repeat(40)}…" is 250 characters long; the limit is 249`,
      )
      expect(
        await reason(brook.producer().send({ topic: 'big', messages: [{ value: 'x'.repeat(1_100_000) }] })),
      ).toMatch(/^MESSAGE_TOO_LARGE: record batch of \d+ bytes is larger than max\.message\.bytes/)
    })

    it(`subscribing to a missing topic fails at once when the broker does not create topics: ${mode}`, async () => {
      const brook = await client(mode, false)
      const consumer = brook.consumer({ groupId: 'g' })
      expect(await reason(consumer.subscribe({ topic: 'nowhere' }))).toBe(
        'UNKNOWN_TOPIC_OR_PARTITION: topic "nowhere" does not exist',
      )
      // Nothing of the failed call stays subscribed.
      await expect(consumer.run({ eachMessage: async () => {} })).rejects.toMatchObject({
        type: 'INVALID_REQUEST',
      })
    })
  }

  for (const mode of modes) {
    it(`alters topic configs, incrementally or as a whole: ${mode}`, async () => {
      const brook = await client(mode)
      const admin = brook.admin()
      await admin.createTopics({
        topics: [{ topic: 'cfg', configEntries: [{ name: 'retention.ms', value: '1000' }] }],
      })
      const explicit = async () => {
        const [r] = (
          await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'cfg' }] })
        ).resources
        return Object.fromEntries(
          r!.configEntries.filter((c) => !c.isDefault).map((c) => [c.configName, c.configValue]),
        )
      }
      await admin.incrementalAlterConfigs({
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: 'cfg',
            configEntries: [
              { name: 'cleanup.policy', value: 'compact', operation: 'append' },
              { name: 'retention.bytes', value: '5000' },
            ],
          },
        ],
      })
      expect(await explicit()).toEqual({
        'cleanup.policy': 'delete,compact',
        'retention.bytes': '5000',
        'retention.ms': '1000',
      })
      await admin.alterConfigs({
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: 'cfg',
            configEntries: [{ name: 'retention.ms', value: '2000' }],
          },
        ],
      })
      expect(await explicit()).toEqual({ 'retention.ms': '2000' })
      expect(
        await reason(
          admin.incrementalAlterConfigs({
            resources: [
              {
                type: ConfigResourceTypes.TOPIC,
                name: 'cfg',
                configEntries: [{ name: 'retention.ms', value: '1', operation: 'append' }],
              },
            ],
          }),
        ),
      ).toBe('INVALID_CONFIG: config "retention.ms" is not a list: append works on list configs only')
      expect(await explicit()).toEqual({ 'retention.ms': '2000' })
    })
  }

  it('a handler may await disconnect(): it returns, its record is committed and the member leaves', async () => {
    const { brook } = await setup()
    await brook.admin().createTopics({ topics: [{ topic: 'quit', numPartitions: 1 }] })
    await brook.producer().send({ topic: 'quit', messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] })
    for (const kind of ['eachMessage', 'eachBatch'] as const) {
      const groupId = `quits-${kind}`
      const consumer = brook.consumer({ groupId, maxWaitTimeInMs: 50 })
      await consumer.subscribe({ topic: 'quit', fromBeginning: true })
      const stopped = new Promise<void>((ok) => consumer.on('consumer.stop', () => ok()))
      let calls = 0
      const returned = new Promise<void>((ok) => {
        const quit = async () => {
          calls++
          await consumer.disconnect()
          ok()
        }
        void consumer.run(
          kind === 'eachMessage'
            ? { eachMessage: quit }
            : {
                eachBatchAutoResolve: false,
                eachBatch: async ({ batch, resolveOffset }) => {
                  resolveOffset(batch.messages[0]!.offset)
                  await quit()
                },
              },
        )
      })
      await returned
      await stopped
      expect(calls).toBe(1)
      const [committed] = await brook.admin().fetchOffsets({ groupId, topics: ['quit'] })
      expect(committed!.partitions).toMatchObject([{ partition: 0, offset: 1 }])
      const [group] = (await brook.admin().describeGroups([groupId])).groups
      expect(group!.members).toEqual([])
    }
  })
})

describe('idempotent retries', () => {
  it('stores a batch once when its first answer is lost, and reports the original offset', async () => {
    let dropped = 0
    const { brook, broker } = await setup({
      service: (b) =>
        aroundProduce(b, async (produce, req) => {
          const res = await produce(req)
          // The broker applied it; the answer is lost on the way back.
          if (dropped++ === 0) throw new BrookError('NETWORK_EXCEPTION', 'connection reset')
          return res
        }),
    })
    await brook.admin().createTopics({ topics: [{ topic: 'once', numPartitions: 1 }] })
    const producer = brook.producer({ retry: { initialRetryTime: 10 } })
    const [meta] = await producer.send({ topic: 'once', messages: [{ value: 'a' }, { value: 'b' }] })
    expect(dropped).toBe(2)
    expect(meta!.baseOffset).toBe(0)
    const [next] = await producer.send({ topic: 'once', messages: [{ value: 'c' }] })
    expect(next!.baseOffset).toBe(2)
    const offsets = await createBrook({ service: broker }).admin().fetchTopicOffsets('once')
    expect(offsets).toEqual([{ partition: 0, offset: 3, high: 3, low: 0 }])
  })
})

describe('idempotent sequences after failures', () => {
  it('continues without a gap after the broker rejects a batch', async () => {
    const { brook } = await setup()
    await brook.admin().createTopics({
      topics: [
        { topic: 'small', numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '1000' }] },
      ],
    })
    const producer = brook.producer()
    await expect(
      producer.send({ topic: 'small', messages: [{ value: new Uint8Array(5000) }] }),
    ).rejects.toMatchObject({ type: 'MESSAGE_TOO_LARGE' })
    const [ok] = await producer.send({ topic: 'small', messages: [{ value: 'fits' }] })
    expect(ok!.baseOffset).toBe(0)
  })

  it('bumps its epoch after retries run out, storing each record once', async () => {
    let failures = 3
    const { brook, broker } = await setup({
      service: (b) =>
        aroundProduce(b, async (produce, req) => {
          const res = await produce(req)
          if (failures-- > 0) throw new BrookError('NETWORK_EXCEPTION', 'connection reset')
          return res
        }),
    })
    await brook.admin().createTopics({ topics: [{ topic: 'unsure', numPartitions: 1 }] })
    const producer = brook.producer({ retry: { retries: 2, initialRetryTime: 5 } })
    await expect(producer.send({ topic: 'unsure', messages: [{ value: 'first' }] })).rejects.toMatchObject({
      type: 'NETWORK_EXCEPTION',
    })
    const [second] = await producer.send({ topic: 'unsure', messages: [{ value: 'second' }] })
    expect(second!.baseOffset).toBe(1)
    const offsets = await createBrook({ service: broker }).admin().fetchTopicOffsets('unsure')
    expect(offsets[0]!.high).toBe(2)
  })
})

describe('consumer controls', () => {
  for (const [earliest, expected] of [
    [true, { to: 8, read: ['v8', 'v9', 'v10', 'v11'] }],
    [false, { to: 12, read: ['v12'] }],
  ] as const) {
    it(`a consumer that fell behind the log start is reset (${earliest ? 'earliest' : 'latest'}), and says so`, async () => {
      const { brook } = await setup()
      await brook.admin().createTopics({ topics: [{ topic: 'lag', numPartitions: 1 }] })
      const producer = brook.producer()
      const send = (from: number, n: number) =>
        producer.send({
          topic: 'lag',
          messages: Array.from({ length: n }, (_, i) => ({ value: `v${from + i}` })),
        })
      await send(0, 5)
      const read: string[] = []
      const resets: unknown[] = []
      const groupId = `g-lag-${earliest}`
      // The group starts at its committed offset 0 either way; fromBeginning is auto.offset.reset.
      await brook.admin().setOffsets({ groupId, topic: 'lag', partitions: [{ partition: 0, offset: '0' }] })
      const consumer = track(brook.consumer({ groupId, maxWaitTimeInMs: 100 }))
      consumer.on('consumer.offset_reset', (e) => resets.push(e.payload))
      await consumer.subscribe({ topic: 'lag', fromBeginning: earliest })
      await consumer.run({ eachMessage: async ({ message }) => void read.push(str(message.value)!) })
      await waitFor(() => read.length === 5, 'the first five')
      consumer.pause([{ topic: 'lag' }])
      await send(5, 5)
      // Retention (here DeleteRecords) removes what the paused consumer has not read yet.
      await brook.admin().deleteTopicRecords({ topic: 'lag', partitions: [{ partition: 0, offset: 8 }] })
      await send(10, 2)
      consumer.resume([{ topic: 'lag' }])
      await waitFor(() => resets.length === 1, 'the reset')
      expect(resets).toEqual([
        { topic: 'lag', partition: 0, from: 5, to: expected.to, strategy: earliest ? 'earliest' : 'latest' },
      ])
      await send(12, 1)
      await waitFor(() => read.at(-1) === 'v12', 'the record sent after the reset')
      expect(read.slice(5)).toEqual([...expected.read, ...(earliest ? ['v12'] : [])])
    })
  }

  it('pause stops delivery of a partition until resume', async () => {
    const { brook } = await setup()
    await brook.admin().createTopics({ topics: [{ topic: 'pr', numPartitions: 2 }] })
    const producer = brook.producer()
    const got: number[] = []
    const consumer = track(brook.consumer({ groupId: 'g-pause', maxWaitTimeInMs: 100 }))
    await consumer.subscribe({ topic: 'pr', fromBeginning: true })
    await consumer.run({ eachMessage: async ({ partition }) => void got.push(partition) })
    await producer.send({
      topic: 'pr',
      messages: [
        { value: 'a', partition: 0 },
        { value: 'b', partition: 1 },
      ],
    })
    await waitFor(() => got.length === 2, 'first two')
    consumer.pause([{ topic: 'pr', partitions: [1] }])
    expect(consumer.paused()).toEqual([{ topic: 'pr', partitions: [1] }])
    await producer.send({
      topic: 'pr',
      messages: [
        { value: 'c', partition: 1 },
        { value: 'd', partition: 0 },
      ],
    })
    await waitFor(() => got.length === 3, 'partition 0 record')
    await new Promise((r) => setTimeout(r, 300))
    expect(got).toEqual(expect.arrayContaining([0, 1, 0]))
    expect(got.length).toBe(3)
    consumer.resume([{ topic: 'pr', partitions: [1] }])
    await waitFor(() => got.length === 4, 'the paused record after resume')
    expect(got[3]).toBe(1)
    expect(consumer.paused()).toEqual([])
  })

  it('seek moves the next delivered record', async () => {
    const { brook } = await setup()
    await brook.admin().createTopics({ topics: [{ topic: 'sk', numPartitions: 1 }] })
    await brook.producer().send({
      topic: 'sk',
      messages: Array.from({ length: 10 }, (_, i) => ({ value: `m${i}` })),
    })
    const got: number[] = []
    let sought = false
    const consumer = track(brook.consumer({ groupId: 'g-seek', maxWaitTimeInMs: 100 }))
    await consumer.subscribe({ topic: 'sk', fromBeginning: true })
    await consumer.run({
      eachMessage: async ({ message }) => {
        got.push(message.offset)
        if (message.offset === 5 && !sought) {
          sought = true
          consumer.seek({ topic: 'sk', partition: 0, offset: '2' })
        }
      },
    })
    await waitFor(() => got.length >= 14, 'replay after seek')
    expect(got.slice(0, 6)).toEqual([0, 1, 2, 3, 4, 5])
    expect(got.slice(6, 14)).toEqual([2, 3, 4, 5, 6, 7, 8, 9])
  })

  it('pause() inside eachMessage holds the rest of the batch until its resume function runs', async () => {
    const { brook } = await setup()
    await brook.admin().createTopics({ topics: [{ topic: 'hold', numPartitions: 1 }] })
    await brook
      .producer()
      .send({ topic: 'hold', messages: Array.from({ length: 6 }, (_, i) => ({ value: `m${i}` })) })
    const got: number[] = []
    let resume: (() => void) | null = null
    const consumer = track(brook.consumer({ groupId: 'g-hold', maxWaitTimeInMs: 100 }))
    await consumer.subscribe({ topic: 'hold', fromBeginning: true })
    await consumer.run({
      eachMessage: async ({ message, pause }) => {
        got.push(message.offset)
        if (message.offset === 2 && !resume) resume = pause()
      },
    })
    await waitFor(() => got.length === 3, 'three records')
    await new Promise((r) => setTimeout(r, 300))
    expect(got).toEqual([0, 1, 2])
    resume!()
    await waitFor(() => got.length === 6, 'the rest after resume')
    expect(got).toEqual([0, 1, 2, 3, 4, 5])
  })

  it('eachBatch sees whole batches with offsets and high watermark; unresolved records come again', async () => {
    const { brook } = await setup()
    await brook.admin().createTopics({ topics: [{ topic: 'eb', numPartitions: 1 }] })
    await brook
      .producer()
      .send({ topic: 'eb', messages: Array.from({ length: 5 }, (_, i) => ({ value: `m${i}` })) })
    const seen: number[][] = []
    const consumer = track(brook.consumer({ groupId: 'g-batch', maxWaitTimeInMs: 100 }))
    await consumer.subscribe({ topics: [/^e/], fromBeginning: true })
    await consumer.run({
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset }) => {
        seen.push(batch.messages.map((m) => m.offset))
        expect(batch.highWatermark).toBe(5)
        expect(batch.lastOffset()).toBe(4)
        // First time: resolve only up to offset 2; offsets 3 and 4 are delivered again.
        resolveOffset(seen.length === 1 ? 2 : batch.lastOffset())
      },
    })
    await waitFor(() => seen.length >= 2, 'second batch')
    expect(seen[0]).toEqual([0, 1, 2, 3, 4])
    expect(seen[1]).toEqual([3, 4])
  })
})

describe('groups', () => {
  it('splits partitions between members, and a member that disconnects hands its share over at once', async () => {
    const { brook } = await setup()
    await brook.admin().createTopics({ topics: [{ topic: 'shared', numPartitions: 4 }] })
    const joins: unknown[] = []
    const make = () => {
      const c = track(brook.consumer({ groupId: 'g-share', maxWaitTimeInMs: 100, heartbeatInterval: 100 }))
      c.on('consumer.group_join', (e) => joins.push(e.payload))
      return c
    }
    const a = make()
    const b = make()
    for (const c of [a, b]) {
      await c.subscribe({ topic: 'shared' })
      await c.run({ eachMessage: async () => {} })
    }
    const held = (c: Consumer) => c.assignment().shared ?? []
    await waitFor(() => held(a).length === 2 && held(b).length === 2, 'two partitions each')
    expect(new Set([...held(a), ...held(b)]).size).toBe(4)
    expect(joins.length).toBeGreaterThanOrEqual(2)
    // The default session timeout is 30 s: only LeaveGroup can make this quick.
    await b.disconnect()
    await waitFor(() => held(a).length === 4, 'the remaining member to own all four', 8000)
  })

  it('a member hears of a rebalance from the broker at once, not at its next heartbeat', async () => {
    const { brook } = await setup()
    await brook.admin().createTopics({ topics: [{ topic: 'pushed', numPartitions: 2 }] })
    // Heartbeats a minute apart: without the broker's push, B's join would wait for A's next one.
    const make = () =>
      track(brook.consumer({ groupId: 'g-push', maxWaitTimeInMs: 100, heartbeatInterval: 60_000 }))
    const a = make()
    await a.subscribe({ topic: 'pushed' })
    await a.run({ eachMessage: async () => {} })
    const held = (c: Consumer) => c.assignment().pushed ?? []
    await waitFor(() => held(a).length === 2, 'A to own both partitions')
    const b = make()
    await b.subscribe({ topic: 'pushed' })
    await b.run({ eachMessage: async () => {} })
    await waitFor(() => held(a).length === 1 && held(b).length === 1, 'one partition each', 5000)
  })

  it('keeps its membership while a handler runs longer than the session timeout', async () => {
    const { brook } = await setup()
    await brook.admin().createTopics({ topics: [{ topic: 'slow', numPartitions: 1 }] })
    await brook.producer().send({ topic: 'slow', messages: [{ value: 'a' }, { value: 'b' }] })
    const joins: unknown[] = []
    const got: number[] = []
    const consumer = track(
      brook.consumer({
        groupId: 'g-slow',
        sessionTimeout: 1000,
        heartbeatInterval: 100,
        maxWaitTimeInMs: 100,
      }),
    )
    consumer.on('consumer.group_join', (e) => joins.push(e.payload))
    await consumer.subscribe({ topic: 'slow', fromBeginning: true })
    await consumer.run({
      eachMessage: async ({ message }) => {
        got.push(message.offset)
        // Heartbeats run on their own timer, so this does not look like a dead member.
        if (message.offset === 0) await new Promise((r) => setTimeout(r, 2200))
      },
    })
    await waitFor(() => got.length === 2, 'both records')
    expect(got).toEqual([0, 1])
    expect(joins).toHaveLength(1)
    const [g] = (await brook.admin().describeGroups(['g-slow'])).groups
    expect(g!.state).toBe('Stable')
  })

  it('reports a session timeout the coordinator refuses as a crash with its Kafka name', async () => {
    const { brook } = await setup()
    await brook.admin().createTopics({ topics: [{ topic: 'st', numPartitions: 1 }] })
    const consumer = track(brook.consumer({ groupId: 'g-st', sessionTimeout: 10 }))
    const crashes: { error: BrookError; restart: boolean }[] = []
    consumer.on('consumer.crash', (e) => crashes.push(e.payload as { error: BrookError; restart: boolean }))
    await consumer.subscribe({ topic: 'st' })
    await consumer.run({ eachMessage: async () => {} })
    await waitFor(() => crashes.length > 0, 'the crash event')
    expect(crashes[0]!.error.type).toBe('INVALID_SESSION_TIMEOUT')
    expect(crashes[0]!.restart).toBe(false)
  })

  it('delivers a record again after its handler failed, and reports the crash', async () => {
    const { brook } = await setup()
    await brook.admin().createTopics({ topics: [{ topic: 'flaky', numPartitions: 1 }] })
    await brook
      .producer()
      .send({ topic: 'flaky', messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] })
    const got: number[] = []
    const crashes: unknown[] = []
    const consumer = track(
      brook.consumer({ groupId: 'g-flaky', maxWaitTimeInMs: 100, retry: { initialRetryTime: 20 } }),
    )
    consumer.on('consumer.crash', (e) => crashes.push(e.payload))
    await consumer.subscribe({ topic: 'flaky', fromBeginning: true })
    let failed = false
    await consumer.run({
      eachMessage: async ({ message }) => {
        got.push(message.offset)
        if (message.offset === 1 && !failed) {
          failed = true
          throw new Error('downstream unavailable')
        }
      },
    })
    await waitFor(() => got.length === 4, 'the failed record again')
    expect(got).toEqual([0, 1, 1, 2])
    expect(crashes).toEqual([expect.objectContaining({ groupId: 'g-flaky', restart: true })])
  })
})

describe('admin', () => {
  it('creates, describes, lists and deletes topics; reports offsets, lag and groups', async () => {
    const { brook } = await setup()
    const admin = brook.admin()
    expect(
      await admin.createTopics({
        topics: [
          { topic: 'a1', numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '60000' }] },
        ],
      }),
    ).toBe(true)
    expect(await admin.createTopics({ topics: [{ topic: 'a1', numPartitions: 2 }] })).toBe(false)
    expect(await admin.listTopics()).toContain('a1')
    const md = await admin.fetchTopicMetadata({ topics: ['a1'] })
    expect(md.topics[0]!.partitions.map((p) => p.partitionId)).toEqual([0, 1])
    const cfg = await admin.describeConfigs({ resources: [{ name: 'a1', configNames: ['retention.ms'] }] })
    expect(cfg.resources[0]!.configEntries).toEqual([
      expect.objectContaining({ configName: 'retention.ms', configValue: '60000' }),
    ])

    const producer = brook.producer()
    await producer.send({
      topic: 'a1',
      messages: [
        { value: 'x', partition: 0, timestamp: 1000 },
        { value: 'y', partition: 0, timestamp: 2000 },
        { value: 'z', partition: 1, timestamp: 3000 },
      ],
    })
    expect(await admin.fetchTopicOffsets('a1')).toEqual([
      { partition: 0, offset: 2, high: 2, low: 0 },
      { partition: 1, offset: 1, high: 1, low: 0 },
    ])
    expect(await admin.fetchTopicOffsetsByTimestamp('a1', 1500)).toEqual([
      { partition: 0, offset: 1 },
      { partition: 1, offset: 0 },
    ])

    // Nothing committed: lag is everything in the log.
    const before = await admin.fetchOffsets({ groupId: 'g-admin', topics: ['a1'] })
    expect(before[0]!.partitions.map((p) => [p.offset, p.lag])).toEqual([
      [-1, 2],
      [-1, 1],
    ])
    await admin.setOffsets({ groupId: 'g-admin', topic: 'a1', partitions: [{ partition: 0, offset: 1 }] })
    const mid = await admin.fetchOffsets({ groupId: 'g-admin', topics: ['a1'] })
    expect(mid[0]!.partitions.map((p) => [p.offset, p.lag])).toEqual([
      [1, 1],
      [-1, 1],
    ])
    await admin.resetOffsets({ groupId: 'g-admin', topic: 'a1' })
    const after = await admin.fetchOffsets({ groupId: 'g-admin' })
    expect(after).toEqual([
      {
        topic: 'a1',
        partitions: [
          { partition: 0, offset: 2, metadata: '', lag: 0 },
          { partition: 1, offset: 1, metadata: '', lag: 0 },
        ],
      },
    ])

    const consumer = track(brook.consumer({ groupId: 'g-live', maxWaitTimeInMs: 100 }))
    await consumer.subscribe({ topic: 'a1', fromBeginning: true })
    let n = 0
    await consumer.run({ eachMessage: async () => void n++ })
    await waitFor(() => n === 3, 'consumer to read all')
    const groups = await admin.listGroups()
    expect(groups.groups.map((g) => g.groupId)).toEqual(expect.arrayContaining(['g-live']))
    const [desc] = (await admin.describeGroups(['g-live'])).groups
    expect(desc!.state).toBe('Stable')
    expect(desc!.members).toHaveLength(1)
    expect(desc!.members[0]!.assignment).toEqual({ a1: [0, 1] })
    await waitFor(async () => {
      const o = await admin.fetchOffsets({ groupId: 'g-live', topics: ['a1'] })
      return o[0]!.partitions.every((p) => p.lag === 0)
    }, 'lag 0 after auto-commit')
    await consumer.disconnect()
    await admin.deleteGroups(['g-live'])
    await admin.deleteTopicRecords({ topic: 'a1', partitions: [{ partition: 0, offset: 1 }] })
    expect((await admin.fetchTopicOffsets('a1'))[0]!.low).toBe(1)
    await admin.createPartitions({ topicPartitions: [{ topic: 'a1', count: 3 }] })
    expect((await admin.fetchTopicOffsets('a1')).length).toBe(3)
    await admin.deleteTopics({ topics: ['a1'] })
    expect(await admin.listTopics()).not.toContain('a1')
  })
})

describe('over the Kafka wire protocol', () => {
  it('runs the same producer, group and admin through Kafka frames', async () => {
    const { broker } = await setup()
    const wired = () =>
      overTheWire(broker, cleanups).then((service) => createBrook({ service, clientId: 'wire' }))
    const admin = (await wired()).admin()
    await admin.createTopics({ topics: [{ topic: 'wire', numPartitions: 4 }] })
    const producer = (await wired()).producer()
    const sent = Array.from({ length: 40 }, (_, i) => ({
      key: `k${i}`,
      value: `v${i}`,
      headers: { n: `${i}` },
    }))
    await producer.send({ topic: 'wire', messages: sent })
    const got = new Map<string, { value: string; n: string; who: string }>()
    const consumers: Consumer[] = []
    for (const who of ['x', 'y']) {
      const c = track(
        (await wired()).consumer({ groupId: 'g-wire', maxWaitTimeInMs: 100, heartbeatInterval: 200 }),
      )
      consumers.push(c)
      await c.subscribe({ topic: 'wire', fromBeginning: true })
      await c.run({
        eachMessage: async ({ message }) => {
          got.set(str(message.key)!, {
            value: str(message.value)!,
            n: str(message.headers.n as Uint8Array)!,
            who,
          })
        },
      })
    }
    await waitFor(() => got.size === 40, 'every record over the wire')
    for (let i = 0; i < 40; i++) expect(got.get(`k${i}`)).toMatchObject({ value: `v${i}`, n: `${i}` })
    await waitFor(
      () => consumers.every((c) => (c.assignment().wire ?? []).length === 2),
      'two partitions per member',
    )
    await waitFor(async () => {
      const [o] = await admin.fetchOffsets({ groupId: 'g-wire', topics: ['wire'] })
      return o!.partitions.every((p) => p.lag === 0)
    }, 'lag 0 over the wire')
  })
})
