/**
 * kafka-python 2.0.2 (Debian's python3-kafka) against brook's Kafka listener: the first program a
 * new user writes, and a two-member consumer group that rebalances with redelivery.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { Broker } from '../../src/core/broker.ts'
import { Brook as BrookClient } from '../../src/core/client/brook.ts'
import type { KafkaMessage } from '../../src/core/client/types.ts'
import { encodeBatch } from '../../src/core/format/record-batch.ts'
import type { BrokerService } from '../../src/core/service.ts'
import { connectKafka } from '../../src/edge/kafka/connection.ts'
import { type Brook, LineProcess, PY_DIR, PYTHON, run, startBrook } from './support.ts'

const enc = new TextEncoder()

describe('kafka-python interop', () => {
  let brook: Brook | undefined
  const children: LineProcess[] = []
  afterEach(async () => {
    for (const c of children.splice(0)) c.kill('SIGKILL')
    await brook?.close()
    brook = undefined
  })

  it('runs the first program: a consumer started first prints the JSON a producer sends to a new topic', async () => {
    let consumerFetching!: () => void
    const fetching = new Promise<void>((r) => {
      consumerFetching = r
    })
    // Watch the broker for the consumer's first fetch of test-topic: from then on it will see new records.
    const watch = (b: Broker): BrokerService =>
      new Proxy(b, {
        get(target, prop, receiver) {
          const v = Reflect.get(target, prop, receiver)
          if (prop !== 'fetch' || typeof v !== 'function') return typeof v === 'function' ? v.bind(target) : v
          return (req: Parameters<BrokerService['fetch']>[0]) => {
            if (req.topics.some((t) => t.name === 'test-topic')) consumerFetching()
            return v.call(target, req)
          }
        },
      })
    brook = await startBrook({ wrap: watch })
    const consumer = new LineProcess(PYTHON, ['-u', `${PY_DIR}first_consumer.py`, String(brook.port)])
    children.push(consumer)
    await Promise.race([
      fetching,
      consumer.exited.then(() => {
        throw new Error(`consumer exited: ${consumer.stderr}`)
      }),
    ])
    const producer = await run(PYTHON, [`${PY_DIR}first_producer.py`, String(brook.port)], {
      timeoutMs: 30_000,
    })
    expect(producer.stderr).toBe('')
    expect(producer.code).toBe(0)
    await consumer.waitFor((l) => l.length > 0, 15_000, 'the consumer to print the message')
    expect(consumer.lines[0]).toBe("{'hello': 'brook', 'n': 1}")
    expect(brook.logs.filter((l) => !/closing connection|idle/.test(l))).toEqual([])
  }, 40_000)

  it('runs a two-member group: explicit commits, rebalance on close, redelivery of what was not committed', async () => {
    brook = await startBrook()
    const topic = 'orders'
    await brook.broker.createTopics({ topics: [{ name: topic, numPartitions: 2 }] })
    const a = new LineProcess(PYTHON, [
      '-u',
      `${PY_DIR}group_member.py`,
      String(brook.port),
      topic,
      'g1',
      'member-a',
    ])
    children.push(a)
    const parsed = (p: LineProcess) => p.lines.map((l) => JSON.parse(l))
    const lastAssignment = (p: LineProcess): number[] | undefined =>
      parsed(p)
        .filter((m) => m.assigned)
        .at(-1)?.assigned
    await a.waitFor(() => lastAssignment(a)?.length === 2, 20_000, 'member a to own both partitions')

    const b = new LineProcess(PYTHON, [
      '-u',
      `${PY_DIR}group_member.py`,
      String(brook.port),
      topic,
      'g1',
      'member-b',
    ])
    children.push(b)
    await b.waitFor(() => lastAssignment(b)?.length === 1, 20_000, 'member b to get one partition')
    await a.waitFor(() => lastAssignment(a)?.length === 1, 20_000, 'member a to give one partition up')
    const pa = lastAssignment(a)![0]!
    const pb = lastAssignment(b)![0]!
    expect(new Set([pa, pb])).toEqual(new Set([0, 1]))

    for (const partition of [0, 1]) {
      const records = encodeBatch({
        records: Array.from({ length: 10 }, (_, i) => ({ value: enc.encode(`p${partition}-${i}`) })),
      })
      await brook.broker.produce({
        acks: 1,
        timeoutMs: 1000,
        topics: [{ name: topic, partitions: [{ partition, records }] }],
      })
    }
    const got = (p: LineProcess, partition: number) =>
      parsed(p)
        .filter((m) => m.p === partition && m.o !== undefined)
        .map((m) => m.o as number)
    await a.waitFor(() => got(a, pa).length === 10, 15_000, 'member a to read its partition')
    await b.waitFor(() => got(b, pb).length === 10, 15_000, 'member b to read its partition')

    a.send(`commit ${pa} 10`)
    b.send(`commit ${pb} 4`)
    await a.waitFor((l) => l.some((x) => x.includes('committed')), 10_000, 'a to commit')
    await b.waitFor((l) => l.some((x) => x.includes('committed')), 10_000, 'b to commit')
    b.send('close')
    await b.waitFor((l) => l.some((x) => x.includes('closed')), 10_000, 'b to close')

    await a.waitFor(() => lastAssignment(a)?.length === 2, 20_000, 'member a to take over both partitions')
    // Records 4..9 of b's partition were read but not committed: a gets them again, and only them.
    await a.waitFor(() => got(a, pb).length >= 6, 15_000, 'member a to receive the uncommitted records')
    expect(got(a, pb)).toEqual([4, 5, 6, 7, 8, 9])
    expect(got(a, pa)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])

    const committed = await brook.broker.offsetFetch({
      groupId: 'g1',
      topics: [{ name: topic, partitions: [0, 1] }],
    })
    const offsets = Object.fromEntries(committed.topics[0]!.partitions.map((p) => [p.partition, p.offset]))
    expect(offsets).toEqual({ [pa]: 10, [pb]: 4 })
  }, 90_000)

  it("hands a kafka-python record's headers to brook's consumer as kafkajs would: repeats keep every value, __proto__ is a header", async () => {
    brook = await startBrook()
    const py = await run(PYTHON, [
      '-c',
      `
from kafka import KafkaProducer
p = KafkaProducer(bootstrap_servers='127.0.0.1:${brook.port}')
p.send('hdrs', value=b'v', headers=[('dup', b'1'), ('__proto__', b'p'), ('dup', b'2'), ('constructor', b'c'), ('dup', b'3')])
p.flush()
`,
    ])
    expect(py.code, py.stderr).toBe(0)
    const service = await connectKafka({ bootstrap: `127.0.0.1:${brook.port}` })
    const client = new BrookClient({ service })
    const consumer = client.consumer({ groupId: 'hdrs-reader', maxWaitTimeInMs: 100 })
    const got: KafkaMessage[] = []
    try {
      await consumer.connect()
      await consumer.subscribe({ topics: ['hdrs'], fromBeginning: true })
      await consumer.run({ eachMessage: async ({ message }) => void got.push(message) })
      await expect.poll(() => got.length, { timeout: 15_000 }).toBe(1)
    } finally {
      await consumer.disconnect()
      await service.close()
    }
    const h = got[0]!.headers
    const text = (v: unknown) =>
      Array.isArray(v) ? v.map((x) => new TextDecoder().decode(x)) : new TextDecoder().decode(v as Uint8Array)
    expect(Object.keys(h)).toEqual(['dup', '__proto__', 'constructor'])
    expect(text(h.dup)).toEqual(['1', '2', '3'])
    expect(text(Object.getOwnPropertyDescriptor(h, '__proto__')?.value)).toBe('p')
    expect(text(h.constructor)).toBe('c')
    expect(Object.getPrototypeOf(h)).toBe(Object.prototype)
  })

  it('keeps every record of an acks=0 producer that closes right after sending', async () => {
    brook = await startBrook()
    const r = await run(PYTHON, [`${PY_DIR}acks0.py`, String(brook.port), 'fire', '500'], {
      timeoutMs: 30_000,
    })
    expect(r.stdout.trim(), r.stderr).toBe('500')
  }, 40_000)

  it('serves KafkaAdminClient: create, list, describe configs, add partitions (manual assignments checked), group offsets, delete', async () => {
    brook = await startBrook()
    const r = await run(PYTHON, [`${PY_DIR}admin.py`, String(brook.port)], { timeoutMs: 30_000 })
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({
      create: [['adm', 0]],
      topics: ['adm'],
      retention: ['60000'],
      partitions: [['adm', 0]],
      assigned: [['adm', 0]],
      // INVALID_REPLICA_ASSIGNMENT, Kafka's 39, with Kafka's words; nothing was added.
      unknownBroker: ['InvalidReplicationAssignmentError', 39, 'Unknown broker(s) in replica assignment: 7.'],
      wrongCount: [
        'InvalidReplicationAssignmentError',
        39,
        'Increasing the number of partitions by 2 but 1 assignments provided.',
      ],
      count: 4,
      alter: [['adm', 0]],
      altered: { 'retention.ms': '120000', 'cleanup.policy': 'compact,delete' },
      // INVALID_CONFIG, Kafka's 40.
      bad: [['adm', 40]],
      groups: ['adm-group'],
      offsets: { 'adm-0': 0 },
      delete: [['adm', 0]],
    })
  }, 40_000)
})

describe('kafka-python admin: ACLs', () => {
  it('creates, describes and deletes ACLs with KafkaAdminClient', async () => {
    const brook = await startBrook()
    try {
      const r = await run(PYTHON, [`${PY_DIR}acls.py`, String(brook.port)], { timeoutMs: 60_000 })
      expect(r.code, r.stderr).toBe(0)
      expect(JSON.parse(r.stdout)).toEqual({
        created: 1,
        failed: 0,
        described: [['User:py', 'py-', 'PREFIXED', 'READ']],
        deleted: 1,
        after: 0,
      })
    } finally {
      await brook.close()
    }
  })
})
