/**
 * @module Client benchmark: produce and consume through the kafkajs-shaped client, in-process, on
 * `MemoryStore`, with 100-byte values in sends/batches of 1,000 — next to the raw codec path
 * (encodeBatch / decodeRecords of the same batches) measured in the same run, and the ratio.
 * Each row also gives records per CPU-second of this process, which stays meaningful when other
 * processes share the machine; the client/raw ratios are computed from those.
 * Run alone with `npx tsx bench/client.ts [records]`.
 */
import { pathToFileURL } from 'node:url'
import { Broker } from '../src/core/broker.ts'
import type { Message } from '../src/core/client/index.ts'
import { createBrook } from '../src/core/client/index.ts'
import { decodeRecords, encodeBatch, type RecordInput } from '../src/core/format/record-batch.ts'
import { MemoryStore } from '../src/core/memory-store.ts'
import { type BenchRow, printTable } from './table.ts'

const PER_SEND = 1000
const VALUE_BYTES = 100
const PARTITIONS = 4

function values(): Uint8Array[] {
  return Array.from({ length: PER_SEND }, (_, i) => {
    const v = new Uint8Array(VALUE_BYTES)
    for (let j = 0; j < VALUE_BYTES; j++) v[j] = (i * 31 + j) & 0xff
    return v
  })
}

/** Bytes per record as stored and fetched (for MB/s): one 1,000-record batch divided by its count. */
const BYTES_PER_RECORD =
  encodeBatch({ records: values().map((value) => ({ value, timestamp: 0 })) }).length / PER_SEND

/** Wall and CPU time of a measured stretch. */
class Timer {
  private readonly wall = performance.now()
  private readonly cpu = process.cpuUsage()
  stop(name: string, records: number, note: string): { row: BenchRow; cpuRate: number } {
    const seconds = (performance.now() - this.wall) / 1000
    const u = process.cpuUsage(this.cpu)
    const cpuRate = records / ((u.user + u.system) / 1e6)
    const cpuNote = `${Math.round(cpuRate).toLocaleString('en-US')} rec/CPU-s`
    return {
      row: { name, records, bytes: records * BYTES_PER_RECORD, seconds, note: `${note}; ${cpuNote}` },
      cpuRate,
    }
  }
}

type Measured = { row: BenchRow; cpuRate: number }

async function produce(name: string, records: number, inFlight: number, note: string) {
  const broker = await Broker.open({ store: new MemoryStore() })
  const brook = createBrook({ service: broker })
  const admin = brook.admin()
  await admin.createTopics({ topics: [{ topic: 'bench', numPartitions: PARTITIONS }, { topic: 'warm' }] })
  const producer = brook.producer()
  await producer.connect()
  const msgs: Message[] = values().map((value) => ({ value }))
  // Warm-up on another topic so JIT compilation stays out of the measured figure.
  for (let i = 0; i < 300; i++) await producer.send({ topic: 'warm', messages: msgs })
  const sends = Math.ceil(records / PER_SEND)
  let next = 0
  const lane = async () => {
    while (next < sends) {
      next++
      await producer.send({ topic: 'bench', messages: msgs })
    }
  }
  const t = new Timer()
  await Promise.all(Array.from({ length: inFlight }, lane))
  return { ...t.stop(name, sends * PER_SEND, note), broker }
}

async function consume(
  broker: Broker,
  name: string,
  mode: 'batch' | 'message',
  records: number,
  note: string,
) {
  const consumer = createBrook({ service: broker }).consumer({
    groupId: `bench-${mode}`,
    maxWaitTimeInMs: 50,
  })
  await consumer.subscribe({ topic: 'bench', fromBeginning: true })
  let count = 0
  let timer: Timer | null = null
  let done: () => void = () => {}
  const finished = new Promise<void>((r) => {
    done = r
  })
  // Timing starts at the first delivery, so joining the group is not counted.
  const tick = (n: number) => {
    timer ??= new Timer()
    count += n
    if (count >= records) done()
  }
  if (mode === 'batch') await consumer.run({ eachBatch: async ({ batch }) => tick(batch.messages.length) })
  else await consumer.run({ eachMessage: () => tick(1) })
  await finished
  const m = timer!.stop(name, count, note)
  await consumer.disconnect()
  return m
}

function codec(ms: number): { encode: Measured; decode: Measured } {
  const now = Date.now()
  const records = values().map((value): RecordInput => ({ value, timestamp: now }))
  const input = { records, producerId: 1, producerEpoch: 0, baseSequence: 0 }
  const batch = encodeBatch(input)
  let sink = 0
  const time = (name: string, fn: () => void, note: string): Measured => {
    for (let i = 0; i < 100; i++) fn()
    let calls = 0
    const t = new Timer()
    const start = performance.now()
    while (performance.now() - start < ms) {
      for (let i = 0; i < 8; i++) fn()
      calls += 8
    }
    return t.stop(name, calls * PER_SEND, note)
  }
  const encode = time(
    'raw encodeBatch',
    () => {
      sink += encodeBatch(input).length
    },
    '1,000 × 100 B, CRC computed',
  )
  const decode = time(
    'raw decodeRecords',
    () => {
      sink += decodeRecords(batch).length
    },
    'CRC checked',
  )
  if (sink === 0.5) console.log(sink)
  return { encode, decode }
}

export async function benchClient(records = 1_000_000): Promise<BenchRow[]> {
  const raw = codec(1000)
  const p1 = await produce(
    'client produce',
    records,
    1,
    `send() of ${PER_SEND}, awaited, acks=all, idempotent`,
  )
  const c1 = await consume(
    p1.broker,
    'client consume eachBatch',
    'batch',
    p1.row.records,
    `${PARTITIONS} partitions, CRC checked`,
  )
  const c2 = await consume(p1.broker, 'client consume eachMessage', 'message', p1.row.records, 'sync handler')
  await p1.broker.close()
  const p4 = await produce('client produce ×4 in flight', records, 4, '4 concurrent send() loops')
  await p4.broker.close()
  const vs = (m: Measured, base: Measured, what: string) => {
    m.row.note = `${m.row.note}; ${(m.cpuRate / base.cpuRate).toFixed(2)}× ${what}`
    return m.row
  }
  return [
    vs(p1, raw.encode, 'raw encode'),
    vs(p4, raw.encode, 'raw encode'),
    vs(c1, raw.decode, 'raw decode'),
    vs(c2, raw.decode, 'raw decode'),
    raw.encode.row,
    raw.decode.row,
  ]
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = Number(process.argv[2] ?? 1_000_000)
  printTable(await benchClient(n), 'raw encodeBatch')
}
