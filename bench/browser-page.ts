/**
 * @module In-page half of the browser benchmarks (bundled by bench/browser.ts): raw IndexedDB as the
 * physical baseline, then the same work through `brook/worker` (page → worker → broker → IndexedDB).
 */

import { encodeBatch } from '../src/core/format/record-batch.ts'
import type { WorkerBrook } from '../src/worker/index.ts'
import { connect } from '../src/worker/index.ts'

export interface Measured {
  records: number
  bytes: number
  seconds: number
  note?: string
}

const VALUE = 100
const enc = new TextEncoder()

function values(n: number, tag: string): { key: string; value: string }[] {
  const pad = 'v'.repeat(VALUE - 12)
  return Array.from({ length: n }, (_, i) => ({
    key: `k${i % 64}`,
    value: `${tag}${String(i).padStart(10, '0')}${pad}`.slice(0, VALUE),
  }))
}

function rawBatch(n: number): Uint8Array {
  const records = values(n, 'r').map((m) => ({ key: enc.encode(m.key), value: enc.encode(m.value) }))
  return encodeBatch({ records })
}

function openRaw(name: string): Promise<IDBDatabase> {
  return new Promise((ok, fail) => {
    const req = indexedDB.open(name, 1)
    req.onupgradeneeded = () => req.result.createObjectStore('b')
    req.onsuccess = () => ok(req.result)
    req.onerror = () => fail(req.error)
  })
}

const bench = {
  /** One 1,000-record batch per transaction, one transaction after another: IndexedDB's own rate. */
  async rawPut(durability: 'strict' | 'relaxed', batches: number): Promise<Measured> {
    const db = await openRaw(`raw-${durability}`)
    const batch = rawBatch(1000)
    const start = performance.now()
    for (let i = 0; i < batches; i++) {
      await new Promise<void>((ok, fail) => {
        const tx = db.transaction('b', 'readwrite', { durability })
        tx.objectStore('b').put(batch, i)
        tx.oncomplete = () => ok()
        tx.onabort = () => fail(tx.error)
      })
    }
    const seconds = (performance.now() - start) / 1000
    db.close()
    return { records: batches * 1000, bytes: batches * batch.byteLength, seconds }
  },

  async connect(name: string, durability: 'strict' | 'relaxed'): Promise<void> {
    clients.set(name, await connect({ name, durability }))
  },

  /** Sends of 1,000 records with acks=all, `inFlight` at once, until `total` records are acknowledged. */
  async produce(name: string, topic: string, total: number, inFlight = 4): Promise<Measured> {
    const brook = clients.get(name)!
    await brook.admin().createTopics({ topics: [{ topic, numPartitions: 1 }] })
    const producer = brook.producer({ lingerMs: 0 })
    // Bytes, not strings: per-record TextEncoder calls would measure string encoding, not brook.
    const messages = values(1000, 'p').map((m) => ({
      key: enc.encode(m.key),
      value: enc.encode(m.value),
      partition: 0,
    }))
    await producer.send({ topic, messages }) // warm-up: worker, topic, producer id
    let sent = 0
    const start = performance.now()
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (sent < total) {
          sent += 1000
          await producer.send({ topic, messages, acks: -1 })
        }
      }),
    )
    const seconds = (performance.now() - start) / 1000
    return { records: sent, bytes: sent * VALUE, seconds }
  },

  /** Pre-encoded 1,000-record batches straight to the worker's BrokerService: no client encoding. */
  async serviceProduce(name: string, topic: string, total: number, inFlight = 4): Promise<Measured> {
    const brook = clients.get(name)!
    await brook.admin().createTopics({ topics: [{ topic, numPartitions: 1 }] })
    const records = rawBatch(1000)
    const req = {
      acks: -1 as const,
      timeoutMs: 30_000,
      topics: [{ name: topic, partitions: [{ partition: 0, records }] }],
    }
    let sent = 0
    const start = performance.now()
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (sent < total) {
          sent += 1000
          const res = await brook.service.produce(req)
          if (res.topics[0]!.partitions[0]!.errorCode !== 0)
            throw new Error(`produce ${res.topics[0]!.partitions[0]!.errorCode}`)
        }
      }),
    )
    const seconds = (performance.now() - start) / 1000
    return { records: sent, bytes: sent * VALUE, seconds }
  },

  /** `loops` concurrent single-record acks=all produce calls straight to the service, for `ms`. */
  async serviceSingles(name: string, topic: string, loops: number, ms: number): Promise<Measured> {
    const brook = clients.get(name)!
    await brook.admin().createTopics({ topics: [{ topic, numPartitions: 4 }] })
    const records = rawBatch(1)
    let acked = 0
    const start = performance.now()
    const end = start + ms
    await Promise.all(
      Array.from({ length: loops }, async (_, i) => {
        const req = {
          acks: -1 as const,
          timeoutMs: 30_000,
          topics: [{ name: topic, partitions: [{ partition: i % 4, records }] }],
        }
        while (performance.now() < end) {
          await brook.service.produce(req)
          acked++
        }
      }),
    )
    return { records: acked, bytes: acked * VALUE, seconds: (performance.now() - start) / 1000 }
  },

  /** `loops` concurrent cheap calls (metadata of no topics) for `ms`: the page ↔ worker round trip. */
  async roundTrips(name: string, loops: number, ms: number): Promise<Measured> {
    const brook = clients.get(name)!
    let calls = 0
    const start = performance.now()
    const end = start + ms
    await Promise.all(
      Array.from({ length: loops }, async () => {
        while (performance.now() < end) {
          await brook.service.metadata({ topics: [] })
          calls++
        }
      }),
    )
    return { records: calls, bytes: 0, seconds: (performance.now() - start) / 1000 }
  },

  /** Client-side cost alone: encoding sends of 1,000 records the way the producer does. */
  encodeOnly(total: number): Measured {
    const messages = values(1000, 'e')
    const start = performance.now()
    for (let sent = 0; sent < total; sent += 1000) {
      encodeBatch({ records: messages.map((m) => ({ key: enc.encode(m.key), value: enc.encode(m.value) })) })
    }
    return { records: total, bytes: total * VALUE, seconds: (performance.now() - start) / 1000 }
  },

  /** `producers` idempotent producers, each awaiting one single-record acks=all send after another. */
  async manyProducers(
    name: string,
    topic: string,
    producers: number,
    ms: number,
    idempotent = true,
  ): Promise<Measured> {
    const brook = clients.get(name)!
    await brook.admin().createTopics({ topics: [{ topic, numPartitions: 4 }] })
    const list = Array.from({ length: producers }, () => brook.producer({ idempotent }))
    for (const p of list) await p.send({ topic, messages: [{ value: 'warm' }] })
    let acked = 0
    const start = performance.now()
    const end = start + ms
    await Promise.all(
      list.map(async (p, i) => {
        for (let n = 0; performance.now() < end; n++) {
          await p.send({
            topic,
            acks: -1,
            messages: [{ key: `p${i}`, value: `p${i}-${n}`.padEnd(VALUE, '.') }],
          })
          acked++
        }
      }),
    )
    const seconds = (performance.now() - start) / 1000
    return { records: acked, bytes: acked * VALUE, seconds }
  },

  /** Reads `total` records of `topic` from the beginning with eachBatch, counting them. */
  async consume(name: string, topic: string, total: number): Promise<Measured> {
    const brook = clients.get(name)!
    const consumer = brook.consumer({
      groupId: `bench-${topic}-${Date.now()}`,
      maxBytes: 16 << 20,
      maxBytesPerPartition: 16 << 20,
    })
    await consumer.connect()
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    let seen = 0
    let bytes = 0
    let start = 0
    const seconds = await new Promise<number>((done) => {
      void consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          if (start === 0) start = performance.now()
          seen += batch.messages.length
          for (const m of batch.messages) bytes += m.value?.byteLength ?? 0
          if (seen >= total) done((performance.now() - start) / 1000)
        },
      })
    })
    await consumer.disconnect()
    return { records: seen, bytes, seconds }
  },

  /** The transport alone: fetches of whole batches from the worker, records counted from headers. */
  async serviceFetch(name: string, topic: string, total: number): Promise<Measured> {
    const service = clients.get(name)!.service
    let offset = 0
    let records = 0
    let bytes = 0
    const start = performance.now()
    while (records < total) {
      const res = await service.fetch({
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes: 16 << 20,
        topics: [
          { name: topic, partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes: 16 << 20 }] },
        ],
      })
      const data = res.topics[0]!.partitions[0]!.records
      if (data.byteLength === 0) break
      bytes += data.byteLength
      const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
      for (let pos = 0; pos + 61 <= data.byteLength; pos += 12 + view.getInt32(pos + 8)) {
        const base = view.getUint32(pos + 4)
        const count = view.getInt32(pos + 57)
        if (base + count > offset) records += base + count - Math.max(offset, base)
        offset = Math.max(offset, base + count)
      }
    }
    return { records, bytes, seconds: (performance.now() - start) / 1000 }
  },

  /** Consumer side of the tab-to-tab latency run: resolves with one latency (ms) per record. */
  async receiveLatencies(name: string, topic: string, count: number): Promise<number[]> {
    const brook = clients.get(name)!
    const consumer = brook.consumer({ groupId: `lat-${Date.now()}`, maxWaitTimeInMs: 5000 })
    await consumer.connect()
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    const out: number[] = []
    const dec = new TextDecoder()
    const result = new Promise<number[]>((done) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          const text = dec.decode(message.value!)
          // Warm-up records only tell the sender that this consumer is assigned and fetching.
          if (text === 'warm') {
            ;(globalThis as { warmSeen?: boolean }).warmSeen = true
            return
          }
          // timeOrigin + now() is a wall clock with sub-millisecond resolution shared by all tabs.
          out.push(performance.timeOrigin + performance.now() - Number(text))
          if (out.length >= count) done(out)
        },
      })
    })
    const r = await result
    await consumer.disconnect()
    return r
  },

  async sendWarm(name: string, topic: string): Promise<void> {
    await clients
      .get(name)!
      .producer()
      .send({ topic, messages: [{ value: 'warm' }] })
  },

  async sendTimestamps(name: string, topic: string, count: number, gapMs: number): Promise<void> {
    const producer = clients.get(name)!.producer()
    for (let i = 0; i < count; i++) {
      await producer.send({
        topic,
        messages: [{ value: String(performance.timeOrigin + performance.now()) }],
      })
      await new Promise((r) => setTimeout(r, gapMs))
    }
  },

  async createTopic(name: string, topic: string, partitions: number): Promise<void> {
    await clients
      .get(name)!
      .admin()
      .createTopics({ topics: [{ topic, numPartitions: partitions }] })
  },
}

const clients = new Map<string, WorkerBrook>()
Object.assign(globalThis, { bench })
export type BrowserBench = typeof bench
