/**
 * brook's client over the relay (`connect({ url })`): the same producer, consumer group and admin
 * as in-process, over real WebSockets to `startRelay`; and it comes back after the relay restarts.
 */

import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { Broker } from '../../src/core/broker.ts'
import { connect as coreConnect } from '../../src/core/client/connect-relay.ts'
import { MemoryStore } from '../../src/core/memory-store.ts'
import type { WebSocketConstructor } from '../../src/core/protocol/client-websocket.ts'
import { connect } from '../../src/edge/node/connect.ts'
import { type Relay, startRelay } from '../../src/edge/node/relay.ts'

const cleanup: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f().catch(() => {})
})

async function setup() {
  const broker = await Broker.open({ store: new MemoryStore() })
  cleanup.push(() => broker.close())
  const relay = await startRelay({ broker, port: 0 })
  cleanup.push(() => relay.close())
  return { broker, relay }
}

describe('connect({ url }) over the relay', () => {
  it('produces, consumes in a group, commits and administers, as in-process', async () => {
    const { relay } = await setup()
    const brook = await connect({ url: relay.url, clientId: 'relay-test' })
    cleanup.push(() => brook.close())
    const admin = brook.admin()
    await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }] })
    expect(await admin.listTopics()).toContain('orders')
    const producer = brook.producer()
    await producer.connect()
    const sent = Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 7}`, value: `v${i}` }))
    await producer.send({ topic: 'orders', messages: sent })

    const consumer = brook.consumer({ groupId: 'billing' })
    await consumer.connect()
    await consumer.subscribe({ topic: 'orders', fromBeginning: true })
    const got: string[] = []
    await consumer.run({
      eachMessage: async ({ message }) => {
        got.push(new TextDecoder().decode(message.value!))
      },
    })
    await expect.poll(() => got.length, { timeout: 15_000 }).toBe(30)
    expect(got.sort()).toEqual(sent.map((m) => m.value).sort())
    await consumer.stop()
    await consumer.disconnect()
    const offsets = await admin.fetchOffsets({ groupId: 'billing', topics: ['orders'] })
    const committed = offsets[0]!.partitions.reduce((sum, p) => sum + Number(p.offset), 0)
    expect(committed).toBe(30)
    // The same group, as the REST door reports it.
    const lag = await (await fetch(`${relay.url}v1/groups/billing`)).json()
    expect(lag.lag).toBe(0)
    await producer.disconnect()
  })

  it('works from `brook` given the ws package WebSocket (Node 20 has none)', async () => {
    const { relay } = await setup()
    const brook = await coreConnect({
      url: relay.url,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
    })
    cleanup.push(() => brook.close())
    await brook.admin().createTopics({ topics: [{ topic: 'plain' }] })
    expect(await brook.admin().listTopics()).toContain('plain')
  })

  it('comes back after the relay restarts: a producer keeps sending, nothing lost or doubled', async () => {
    const { broker, relay } = await setup()
    const port = relay.port
    const brook = await connect({ url: relay.url, reconnect: { initialDelayMs: 20, maxDelayMs: 200 } })
    cleanup.push(() => brook.close())
    await brook.admin().createTopics({ topics: [{ topic: 'steady' }] })
    const producer = brook.producer({ idempotent: true })
    await producer.connect()
    await producer.send({ topic: 'steady', messages: [{ value: 'before' }] })
    await relay.close()
    let again: Relay | undefined
    const restarted = (async () => {
      await new Promise((r) => setTimeout(r, 100))
      again = await startRelay({ broker, port })
    })()
    await producer.send({ topic: 'steady', messages: [{ value: 'after' }] })
    await restarted
    cleanup.push(() => again!.close())
    const res = await fetch(`${again!.url}v1/topics/steady/partitions/0/records?offset=0`)
    expect((await res.json()).records.map((r: { valueText: string }) => r.valueText)).toEqual([
      'before',
      'after',
    ])
    await producer.disconnect()
  })

  it('fails connect() with a clear error when nothing listens', async () => {
    const { relay } = await setup()
    const url = relay.url
    await relay.close()
    await expect(connect({ url })).rejects.toThrow(
      /NETWORK_EXCEPTION: cannot reach the relay at ws:\/\/127\.0\.0\.1:\d+\/v1\/ws/,
    )
  })
})
