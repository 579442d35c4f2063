/**
 * Quotas per principal, one budget across doors: a produce byte rate (HTTP answers 429 with
 * Retry-After and stores nothing; the Kafka protocol stores, answers throttle_time_ms and mutes the
 * connection, as Kafka does since KIP-219) and a cap on open connections (Kafka, WebSocket and SSE
 * together). A principal over either limit never slows or blocks another one.
 */

import { Kafka, logLevel } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { Broker } from '../../src/core/broker.ts'
import { encodeBatch } from '../../src/core/format/record-batch.ts'
import { MemoryStore } from '../../src/core/memory-store.ts'
import type { WebSocketConstructor } from '../../src/core/protocol/client-websocket.ts'
import { ConnectionLimiter, ProduceQuota } from '../../src/core/quotas.ts'
import { openKafkaConnection } from '../../src/edge/kafka/connection.ts'
import { type KafkaServer, startKafkaServer } from '../../src/edge/kafka/server.ts'
import { connect } from '../../src/edge/node/connect.ts'
import { type Relay, startRelay } from '../../src/edge/node/relay.ts'

/** 1 MB/s per principal, and a burst of as much. */
const RATE = 1_000_000
const TOKENS = { 'alice-token': 'alice', 'bob-token': 'bob', 'carol-token': 'carol', 'dave-token': 'dave' }
let broker: Broker
let kafka: KafkaServer
let relay: Relay

beforeAll(async () => {
  broker = await Broker.open({ store: new MemoryStore(), autoCreateTopics: true })
  const produceQuota = new ProduceQuota({ produceBytesPerSecond: RATE })
  const connections = new ConnectionLimiter(2)
  kafka = await startKafkaServer({ broker, port: 0, produceQuota, connections, log: () => {} })
  relay = await startRelay({ broker, port: 0, auth: { tokens: TOKENS }, produceQuota, connections })
  for (const name of ['rest', 'tcp', 'kjs', 'open'])
    await broker.createTopics({ topics: [{ name, numPartitions: name === 'tcp' ? 3 : 1 }] })
})
afterAll(async () => {
  await relay?.close()
  await kafka?.close()
  await broker?.close()
})

const endOf = async (topic: string) =>
  (await broker.listOffsets({ topics: [{ name: topic, partitions: [{ partition: 0, timestamp: -1 }] }] }))
    .topics[0]!.partitions[0]!.offset

/** One JSON produce of `n` records of `size` bytes as `user`. */
const post = (user: string, topic: string, n: number, size: number) =>
  fetch(`${relay.url}v1/topics/${topic}/records`, {
    method: 'POST',
    headers: { authorization: `Bearer ${user}-token`, 'content-type': 'application/json' },
    body: JSON.stringify({ records: Array.from({ length: n }, () => ({ valueText: 'x'.repeat(size) })) }),
  })

const wsUrl = () => relay.url
const relayClient = (user: string) =>
  connect({
    url: wsUrl(),
    token: `${user}-token`,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    reconnect: false,
  })

describe('produce quota', () => {
  it('answers HTTP 429 with Retry-After past the rate, stores nothing, and serves others meanwhile', async () => {
    // Twice 0.9 MB (a topic takes 1 MB batches): the second goes past the 1 MB burst, into debt.
    expect((await post('alice', 'rest', 9, 100_000)).status).toBe(200)
    expect((await post('alice', 'rest', 9, 100_000)).status).toBe(200)
    const end = await endOf('rest')
    expect(end).toBe(18)

    const over = await post('alice', 'rest', 1, 1000)
    expect(over.status).toBe(429)
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect((await over.json()).error).toBe('THROTTLING_QUOTA_EXCEEDED')
    expect(await endOf('rest')).toBe(end)

    // Bob has his own budget.
    expect((await post('bob', 'rest', 1, 1000)).status).toBe(200)
    // Alice is back once her debt is paid, and every record she was told was stored is there once.
    await expect
      .poll(async () => (await post('alice', 'rest', 1, 1000)).status, { timeout: 10_000 })
      .toBe(200)
    expect(await endOf('rest')).toBe(end + 2)
  })

  it('on the Kafka protocol stores the produce, answers throttle_time_ms and mutes only that connection', async () => {
    const conn = await openKafkaConnection('127.0.0.1', kafka.port)
    try {
      const records = encodeBatch({
        records: Array.from({ length: 8 }, () => ({ value: new Uint8Array(100_000).fill(7) })),
      })
      // 2.4 MB (0.8 MB to each of 3 partitions) against a 1 MB burst: stored, and 1.4 s of debt.
      const res = await conn.request(0, 7, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 10_000,
        topicData: [{ name: 'tcp', partitionData: [0, 1, 2].map((index) => ({ index, records })) }],
      })
      expect(res.responses[0]!.partitionResponses.map((p) => p.errorCode)).toEqual([0, 0, 0])
      expect(res.throttleTimeMs).toBeGreaterThan(1000)
      expect(await endOf('tcp')).toBe(8)

      const asked = Date.now()
      const metadata = conn.request(3, 8, {
        topics: null,
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      })
      // Meanwhile another principal is served at once, without throttling.
      expect((await post('bob', 'open', 1, 1000)).status).toBe(200)
      let answeredAt = 0
      void metadata.then(() => {
        answeredAt = Date.now()
      })
      expect(answeredAt).toBe(0)
      await metadata
      // The muted connection answered only once the throttle time had passed.
      expect(answeredAt - asked).toBeGreaterThanOrEqual(res.throttleTimeMs - 250)
    } finally {
      await conn.close()
    }
  })

  it('slows a kafkajs producer down past the rate without failing a send or losing a record', async () => {
    const client = new Kafka({
      clientId: 'quota',
      brokers: [`127.0.0.1:${kafka.port}`],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    })
    const producer = client.producer()
    await producer.connect()
    try {
      const value = Buffer.alloc(10_000, 1)
      for (let i = 0; i < 30; i++)
        await producer.send({ topic: 'kjs', messages: Array.from({ length: 10 }, () => ({ value })) })
      expect(await endOf('kjs')).toBe(300)
    } finally {
      await producer.disconnect()
    }
  })
})

describe('connections per principal', () => {
  const sse = (user: string, signal: AbortSignal) =>
    fetch(`${relay.url}v1/topics/open/partitions/0/events?offset=0`, {
      headers: { authorization: `Bearer ${user}-token` },
      signal,
    })

  it('caps WebSocket and SSE connections together, frees a slot on close, and leaves others alone', async () => {
    const first = await relayClient('carol')
    const second = await relayClient('carol')
    const third = await relayClient('carol')
    const aborts: AbortController[] = []
    try {
      expect(await first.admin().listTopics()).toContain('open')
      expect(await second.admin().listTopics()).toContain('open')
      await expect(third.admin().listTopics()).rejects.toThrow()

      const refused = new AbortController()
      aborts.push(refused)
      const over = await sse('carol', refused.signal)
      expect(over.status).toBe(429)
      expect(over.headers.get('retry-after')).not.toBeNull()

      const other = new AbortController()
      aborts.push(other)
      expect((await sse('dave', other.signal)).status).toBe(200)

      await first.close()
      await expect
        .poll(
          async () => {
            const ac = new AbortController()
            aborts.push(ac)
            return (await sse('carol', ac.signal)).status
          },
          { timeout: 10_000 },
        )
        .toBe(200)
    } finally {
      for (const ac of aborts) ac.abort()
      await Promise.allSettled([first.close(), second.close(), third.close()])
    }
  })

  it('closes a third Kafka connection of one principal once it asks for anything but ApiVersions', async () => {
    const conns = await Promise.all([0, 1, 2].map(() => openKafkaConnection('127.0.0.1', kafka.port)))
    const metadata = (i: number) =>
      conns[i]!.request(3, 8, {
        topics: null,
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      })
    try {
      await metadata(0)
      await metadata(1)
      await expect(metadata(2)).rejects.toThrow(/closed the connection/)
      await conns[0]!.close()
      await expect
        .poll(async () => {
          const c = await openKafkaConnection('127.0.0.1', kafka.port)
          try {
            return (
              await c.request(3, 8, {
                topics: null,
                allowAutoTopicCreation: false,
                includeClusterAuthorizedOperations: false,
                includeTopicAuthorizedOperations: false,
              })
            ).brokers.length
          } catch {
            return 0
          } finally {
            await c.close()
          }
        })
        .toBe(1)
    } finally {
      await Promise.allSettled(conns.map((c) => c.close()))
    }
  })
})
