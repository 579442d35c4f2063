/**
 * @module Client benchmark: produce and consume through the kafkajs-shaped client, in-process, on
 * `MemoryStore`, with 100-byte values in sends/batches of 1,000 — next to the raw codec path
 * (encodeBatch / decodeRecords of the same batches) measured in the same run, and the ratio.
 * Run alone with `npx tsx bench/client.ts`.
 */
import { pathToFileURL } from 'node:url'
import { Broker } from '../src/core/broker.ts'
import type { Message } from '../src/core/client/index.ts'
import { createBrook } from '../src/core/client/index.ts'
import { MemoryStore } from '../src/core/memory-store.ts'
import { decodeRecords, encodeBatch, type RecordInput } from '../src/core/record-batch.ts'
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

function messages(): Message[] {
  return values().map((value) => ({ value }))
}

/** Bytes produced per record on the wire (for MB/s): one 1,000-record batch divided by its count. */
function bytesPerRecord(): number {
  const now = Date.now()
  return encodeBatch({ records: values().map((value) => ({ value, timestamp: now })) }).length / PER_SEND
}

async function produceRow(
  name: string,
  records: number,
  inFlight: number,
  note: string,
): Promise<{ row: BenchRow; broker: Broker }> {
  const broker = await Broker.open({ store: new MemoryStore() })
  const brook = createBrook({ service: broker })
  await brook.admin().createTopics({ topics: [{ topic: 'bench', numPartitions: PARTITIONS }] })
  const producer = brook.producer()
  await producer.connect()
  const msgs = messages()
  // Warm-up on another topic so JIT compilation stays out of the measured figure.
  await brook.admin().createTopics({ topics: [{ topic: 'warm', numPartitions: 1 }] })
  for (let i = 0; i < 50; i++) await producer.send({ topic: 'warm', messages: msgs })
  const sends = Math.ceil(records / PER_SEND)
  const start = performance.now()
  let next = 0
  const lane = async () => {
    while (next < sends) {
      next++
      await producer.send({ topic: 'bench', messages: msgs })
    }
  }
  await Promise.all(Array.from({ length: inFlight }, lane))
  const seconds = (performance.now() - start) / 1000
  const n = sends * PER_SEND
  return { row: { name, records: n, bytes: n * bytesPerRecord(), seconds, note }, broker }
}

async function consumeRow(
  broker: Broker,
  name: string,
  mode: 'batch' | 'message',
  records: number,
  note: string,
): Promise<BenchRow> {
  const brook = createBrook({ service: broker })
  const consumer = brook.consumer({ groupId: `bench-${mode}`, maxWaitTimeInMs: 50 })
  await consumer.subscribe({ topic: 'bench', fromBeginning: true })
  let count = 0
  let start = 0
  let done: () => void = () => {}
  const finished = new Promise<void>((r) => {
    done = r
  })
  const tick = (n: number) => {
    if (start === 0) start = performance.now()
    count += n
    if (count >= records) done()
  }
  if (mode === 'batch') await consumer.run({ eachBatch: async ({ batch }) => tick(batch.messages.length) })
  else await consumer.run({ eachMessage: () => tick(1) })
  await finished
  // Timing starts at the first delivered batch, so joining the group is not counted.
  const seconds = (performance.now() - start) / 1000
  await consumer.disconnect()
  return { name, records: count, bytes: count * bytesPerRecord(), seconds, note }
}

function codecRows(ms: number): BenchRow[] {
  const now = Date.now()
  const input = {
    records: values().map((value): RecordInput => ({ value, timestamp: now })),
    producerId: 1,
    producerEpoch: 0,
    baseSequence: 0,
  }
  const batch = encodeBatch(input)
  const time = (name: string, fn: () => void, note: string): BenchRow => {
    for (let i = 0; i < 100; i++) fn()
    let calls = 0
    const start = performance.now()
    while (performance.now() - start < ms) {
      for (let i = 0; i < 8; i++) fn()
      calls += 8
    }
    const seconds = (performance.now() - start) / 1000
    return { name, records: calls * PER_SEND, bytes: calls * batch.length, seconds, note }
  }
  let sink = 0
  const rows = [
    time(
      'raw encodeBatch',
      () => {
        sink += encodeBatch(input).length
      },
      'same 1,000 × 100 B batch',
    ),
    time(
      'raw decodeRecords',
      () => {
        sink += decodeRecords(batch).length
      },
      'CRC checked',
    ),
  ]
  if (sink === 0.5) console.log(sink)
  return rows
}

export async function benchClient(records = 1_000_000): Promise<BenchRow[]> {
  const rows: BenchRow[] = []
  const [rawEncode, rawDecode] = codecRows(1000)
  const p1 = await produceRow(
    'client produce',
    records,
    1,
    `send() × ${PER_SEND}, one at a time, acks=all, idempotent`,
  )
  rows.push(p1.row)
  const c1 = await consumeRow(
    p1.broker,
    'client consume eachBatch',
    'batch',
    p1.row.records,
    `${PARTITIONS} partitions, CRC checked`,
  )
  const c2 = await consumeRow(
    p1.broker,
    'client consume eachMessage',
    'message',
    p1.row.records,
    'sync handler',
  )
  await p1.broker.close()
  const p4 = await produceRow('client produce ×4 in flight', records, 4, '4 concurrent send() loops')
  await p4.broker.close()
  rows.push(p4.row, c1, c2, rawEncode!, rawDecode!)
  const ratio = (a: BenchRow, b: BenchRow) => (a.records / a.seconds / (b.records / b.seconds)).toFixed(2)
  rows.push({
    name: 'produce ÷ raw encode',
    records: 0,
    bytes: 0,
    seconds: 1,
    note: `${ratio(p1.row, rawEncode!)} (client/raw)`,
  })
  rows.push({
    name: 'consume ÷ raw decode',
    records: 0,
    bytes: 0,
    seconds: 1,
    note: `${ratio(c1, rawDecode!)} (eachBatch/raw)`,
  })
  return rows
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printTable(await benchClient(), 'raw encodeBatch')
}
