/**
 * @module The relay's doors under load, the relay in a process of its own (bench/servers) on a
 * MemoryStore, the clients here: WebSocket produce from one Node client (`connect({ url })`,
 * 1,000-record sends of 100-byte values, 4 in flight), fan-out from one producer to 50 WebSocket
 * subscribers (each its own socket, fetching with brook's protocol client and counting records
 * batch by batch, as NATS benchmark subscribers count messages), and 100 SSE subscribers — beside
 * the in-process produce rate of the same client API measured in the same run.
 * Run alone: `npx tsx bench/relay.ts`.
 */

import http from 'node:http'
import WebSocket from 'ws'
import { Broker } from '../src/core/broker.ts'
import { createBrook, type Message } from '../src/core/client/index.ts'
import { encodeBatch, readBatchHeader, splitBatches } from '../src/core/format/record-batch.ts'
import { MemoryStore } from '../src/core/memory-store.ts'
import type { WebSocketConstructor } from '../src/core/protocol/client-websocket.ts'
import { connect } from '../src/edge/node/connect.ts'
import { spawnServer } from './servers/spawn.ts'
import type { BenchRow } from './table.ts'

const PER_SEND = 1000
const VALUE = new Uint8Array(100).fill(42)
const PRODUCE_RECORDS = Number(process.env.BENCH_RELAY_RECORDS ?? 1_000_000)
const FANOUT_RECORDS = Number(process.env.BENCH_FANOUT_RECORDS ?? 200_000)
const SUBSCRIBERS = 50
const SSE_RECORDS = Number(process.env.BENCH_SSE_RECORDS ?? 20_000)
const SSE_SUBSCRIBERS = 100
const DEADLINE_MS = 120_000
const BYTES_PER_RECORD =
  encodeBatch({ records: Array.from({ length: PER_SEND }, () => ({ value: VALUE, timestamp: 0 })) }).length /
  PER_SEND

const messages: Message[] = Array.from({ length: PER_SEND }, () => ({ value: VALUE }))
const WS = WebSocket as unknown as WebSocketConstructor

async function produceAll(
  producer: { send(r: { topic: string; messages: Message[] }): Promise<unknown> },
  topic: string,
  records: number,
  inFlight = 4,
) {
  const sends = Math.ceil(records / PER_SEND)
  const deadline = Date.now() + DEADLINE_MS
  let next = 0
  const lane = async () => {
    while (next < sends && Date.now() < deadline) {
      next++
      await producer.send({ topic, messages })
    }
  }
  await Promise.all(Array.from({ length: inFlight }, lane))
  return next * PER_SEND
}

async function inProcess(): Promise<BenchRow> {
  const broker = await Broker.open({ store: new MemoryStore(), autoCreateTopics: true })
  const brook = createBrook({ service: broker })
  const producer = brook.producer()
  await producer.connect()
  await produceAll(producer, 'warm', 100_000)
  const start = performance.now()
  const records = await produceAll(producer, 'bench', PRODUCE_RECORDS)
  const seconds = (performance.now() - start) / 1000
  await producer.disconnect()
  await broker.close()
  return { name: 'in-process produce', records, bytes: records * BYTES_PER_RECORD, seconds }
}

async function wsProduce(url: string): Promise<BenchRow> {
  const brook = await connect({ url, WebSocket: WS })
  const producer = brook.producer()
  await producer.connect()
  await produceAll(producer, 'ws-warm', 100_000)
  const start = performance.now()
  const records = await produceAll(producer, 'ws-bench', PRODUCE_RECORDS)
  const seconds = (performance.now() - start) / 1000
  await producer.disconnect()
  await brook.close()
  return { name: 'WebSocket produce, 1 client', records, bytes: records * BYTES_PER_RECORD, seconds }
}

async function fanOut(url: string): Promise<BenchRow> {
  const topic = 'fanout'
  const admin = await connect({ url, WebSocket: WS })
  await admin.admin().createTopics({ topics: [{ topic, numPartitions: 1 }] })
  const subscribers = await Promise.all(
    Array.from({ length: SUBSCRIBERS }, () => connect({ url, WebSocket: WS, reconnect: false })),
  )
  let delivered = 0
  let stop = false
  const deadline = Date.now() + DEADLINE_MS
  const follow = async (sub: (typeof subscribers)[number]) => {
    let offset = 0
    while (!stop && offset < FANOUT_RECORDS && Date.now() < deadline) {
      const res = await sub.service.fetch({
        maxWaitMs: 500,
        minBytes: 1,
        maxBytes: 4 << 20,
        topics: [
          { name: topic, partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes: 4 << 20 }] },
        ],
      })
      const p = res.topics[0]!.partitions[0]!
      for (const batch of splitBatches(p.records)) {
        const h = readBatchHeader(batch)
        const last = h.baseOffset + h.lastOffsetDelta
        if (last < offset) continue
        delivered += last + 1 - Math.max(offset, h.baseOffset)
        offset = last + 1
      }
    }
  }
  const producer = admin.producer()
  await producer.connect()
  const start = performance.now()
  const following = Promise.all(subscribers.map(follow))
  await produceAll(producer, topic, FANOUT_RECORDS)
  await following
  const seconds = (performance.now() - start) / 1000
  stop = true
  await producer.disconnect()
  await Promise.all([admin.close(), ...subscribers.map((s) => s.close())])
  return {
    name: `fan-out to ${SUBSCRIBERS} WebSocket subscribers (deliveries)`,
    records: delivered,
    bytes: delivered * BYTES_PER_RECORD,
    seconds,
    note: `${FANOUT_RECORDS.toLocaleString('en-US')} records produced`,
  }
}

async function sse(url: string): Promise<BenchRow> {
  const topic = 'sse'
  const brook = await connect({ url, WebSocket: WS })
  await brook.admin().createTopics({ topics: [{ topic, numPartitions: 1 }] })
  let delivered = 0
  const requests: http.ClientRequest[] = []
  const deadline = Date.now() + DEADLINE_MS
  const subscribe = () =>
    new Promise<void>((resolve, reject) => {
      let seen = 0
      let tail = ''
      const req = http.get(`${url}v1/topics/${topic}/partitions/0/events?offset=0`, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`SSE: ${res.statusCode}`))
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          // Counts `event: record` lines; a line may be split across chunks.
          const text = tail + chunk
          let at = text.indexOf('event: record\n')
          while (at >= 0) {
            seen++
            at = text.indexOf('event: record\n', at + 14)
          }
          const cut = text.lastIndexOf('\n')
          tail = text.slice(cut + 1)
          if (seen >= SSE_RECORDS || Date.now() > deadline) {
            delivered += seen
            req.destroy()
            resolve()
          }
        })
      })
      req.on('error', () => resolve())
      requests.push(req)
    })
  const producer = brook.producer()
  await producer.connect()
  const start = performance.now()
  const reading = Promise.all(Array.from({ length: SSE_SUBSCRIBERS }, subscribe))
  await produceAll(producer, topic, SSE_RECORDS)
  await reading
  const seconds = (performance.now() - start) / 1000
  for (const r of requests) r.destroy()
  await producer.disconnect()
  await brook.close()
  return {
    name: `SSE to ${SSE_SUBSCRIBERS} subscribers (deliveries)`,
    records: delivered,
    bytes: delivered * BYTES_PER_RECORD,
    seconds,
    note: `${SSE_RECORDS.toLocaleString('en-US')} records produced; JSON events`,
  }
}

export async function benchRelay(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [await inProcess()]
  const server = await spawnServer('brook-relay.ts', ['memory'])
  const url = `http://127.0.0.1:${server.ready[1]}/`
  try {
    rows.push(await wsProduce(url))
    rows.push(await fanOut(url))
    rows.push(await sse(url))
  } finally {
    await server.stop()
  }
  return rows
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { printTable } = await import('./table.ts')
  printTable(await benchRelay(), 'in-process produce')
}
