/**
 * @module Compression benchmark: for each codec (none, gzip, snappy, lz4, zstd), produce and consume
 * through the kafkajs-shaped client, in-process on `MemoryStore` (sends of 1,000 JSON events of
 * about 220 B, acks=all, idempotent; consumer eachBatch), beside the raw codec on the same records
 * section (compress and decompress alone), all in the same run. Then the broker's own cost:
 * uncompressed sends into topics whose `compression.type` makes the broker recompress them.
 * MB/s counts uncompressed record bytes (what the application sends and reads). The table's ratio
 * is to uncompressed produce; each note gives the ratio to the raw codec and the compression ratio.
 * Run alone: `npx tsx bench/compression.ts [records]`, or `npm run bench -- compression` (records
 * per row: 200,000, or BENCH_COMPRESSION_RECORDS).
 */
import { pathToFileURL } from 'node:url'
import { Broker } from '../src/core/broker.ts'
import type { Message } from '../src/core/client/index.ts'
import { createBrook } from '../src/core/client/index.ts'
import { Compression, compress, decompress } from '../src/core/format/compression.ts'
import { encodeBatch } from '../src/core/format/record-batch.ts'
import { MemoryStore } from '../src/core/memory-store.ts'
import { type BenchRow, printTable } from './table.ts'

const PER_SEND = 1000
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const
type Codec = (typeof CODECS)[number]

/** JSON events as applications send them: ids, users, types, pages, a user agent; keyed by user. */
function events(seed = 1): Message[] {
  let s = seed
  const rnd = () => {
    s = (s * 1103515245 + 12345) >>> 0
    return s / 2 ** 32
  }
  const types = ['click', 'view', 'purchase', 'signup', 'logout', 'search', 'add_to_cart', 'checkout']
  const pages = ['/home', '/product/123', '/cart', '/search?q=shoes', '/account', '/blog/post-42']
  const agents = [
    'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1) Safari/605.1',
  ]
  return Array.from({ length: PER_SEND }, (_, i) => {
    const user = `user-${Math.floor(rnd() * 5000)}`
    const value = JSON.stringify({
      id: `${Math.floor(rnd() * 1e15).toString(36)}-${i}`,
      ts: 1_764_748_800_000 + i * 13,
      user,
      type: types[Math.floor(rnd() * types.length)],
      page: pages[Math.floor(rnd() * pages.length)],
      session: Math.floor(rnd() * 1e12).toString(16),
      amount: Math.round(rnd() * 10_000) / 100,
      ua: agents[Math.floor(rnd() * agents.length)],
    })
    return { key: user, value }
  })
}

const te = new TextEncoder()
const MESSAGES = events()
/** Uncompressed bytes of one send: its batch as stored without compression. */
const BATCH = encodeBatch({
  records: MESSAGES.map((m) => ({ key: te.encode(m.key as string), value: te.encode(m.value as string) })),
})
const BYTES_PER_RECORD = BATCH.length / PER_SEND
/** The records section, what a codec compresses. */
const SECTION = BATCH.subarray(61)

function row(name: string, records: number, seconds: number, note: string): BenchRow {
  return { name, records, bytes: records * BYTES_PER_RECORD, seconds, note }
}

/** Best of 5 rounds of about `ms` / 5 each: on a shared machine, the least disturbed one. */
async function raw(ms: number, fn: () => Promise<unknown>): Promise<number> {
  for (let t = performance.now(); performance.now() - t < Math.min(200, ms / 3); ) await fn()
  let best = Number.POSITIVE_INFINITY
  for (let r = 0; r < 5; r++) {
    let calls = 0
    const start = performance.now()
    while (performance.now() - start < ms / 5) {
      await fn()
      calls++
    }
    best = Math.min(best, (performance.now() - start) / 1000 / calls)
  }
  return best
}

async function produce(
  broker: Broker,
  topic: string,
  records: number,
  compression: number,
  configs: Record<string, string> = {},
): Promise<number> {
  const brook = createBrook({ service: broker })
  await brook.admin().createTopics({
    topics: [{ topic, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }],
  })
  const producer = brook.producer()
  await producer.connect()
  // Warm-up sends to another topic: JIT and the codec's first load stay out of the figure.
  await brook.admin().createTopics({ topics: [{ topic: `${topic}-warm` }] })
  for (let i = 0; i < 20; i++)
    await producer.send({ topic: `${topic}-warm`, compression, messages: MESSAGES })
  const start = performance.now()
  for (let sent = 0; sent < records; sent += PER_SEND)
    await producer.send({ topic, compression, messages: MESSAGES })
  const seconds = (performance.now() - start) / 1000
  await producer.disconnect()
  return seconds
}

const WARM_SENDS = 20

async function consume(broker: Broker, topic: string, records: number, warm = true): Promise<number> {
  // A first pass over the warm-up topic: the consumer path and the codec compiled before timing.
  if (warm) await consume(broker, `${topic}-warm`, WARM_SENDS * PER_SEND, false)
  const consumer = createBrook({ service: broker }).consumer({
    groupId: `bench-${topic}`,
    maxWaitTimeInMs: 50,
  })
  await consumer.subscribe({ topic, fromBeginning: true })
  let count = 0
  let done: () => void = () => {}
  const finished = new Promise<void>((r) => {
    done = r
  })
  // Timed from run(): the broker has no initial rebalance delay, so joining costs a few ms. (From
  // the first delivery instead, a small run fetched whole at once would time nothing.)
  const start = performance.now()
  await consumer.run({
    eachBatch: async ({ batch }) => {
      count += batch.messages.length
      if (count >= records) done()
    },
  })
  await finished
  const seconds = (performance.now() - start) / 1000
  await consumer.disconnect()
  return seconds
}

export async function benchCompression(
  records = Number(process.env.BENCH_COMPRESSION_RECORDS ?? 200_000),
): Promise<BenchRow[]> {
  records = Math.max(PER_SEND, Math.ceil(records / PER_SEND) * PER_SEND)
  const rawMs = Math.min(1500, Math.max(300, records / 200))
  const rows: BenchRow[] = []
  const produceRate: Partial<Record<Codec, number>> = {}
  const consumeRate: Partial<Record<Codec, number>> = {}
  const rawRows: BenchRow[] = []
  const rawRate: Partial<Record<Codec, { c: number; d: number; ratio: number }>> = {}
  for (const codec of CODECS) {
    if (codec === 'none') continue
    const code = Compression[codec]
    const packed = await compress(code, SECTION)
    const c = await raw(rawMs, () => compress(code, SECTION))
    const d = await raw(rawMs, () => decompress(code, packed))
    const ratio = SECTION.length / packed.length
    rawRate[codec] = { c: SECTION.length / c, d: SECTION.length / d, ratio }
    const note = `${SECTION.length} B section → ${packed.length} B (${ratio.toFixed(2)}:1)`
    rawRows.push(
      row(`raw ${codec} compress`, PER_SEND, c, note),
      row(`raw ${codec} decompress`, PER_SEND, d, note),
    )
  }
  for (const codec of CODECS) {
    const broker = await Broker.open({ store: new MemoryStore(), initialRebalanceDelayMs: 0 })
    const topic = `bench-${codec}`
    const p = await produce(broker, topic, records, Compression[codec])
    const c = await consume(broker, topic, records)
    await broker.close()
    produceRate[codec] = records / p
    consumeRate[codec] = records / c
    const r = rawRate[codec]
    const vsRaw = (s: number, rate: number | undefined) =>
      rate === undefined ? '' : `; ${((records * BYTES_PER_RECORD) / s / rate).toFixed(2)}× raw ${codec}`
    const vsNone = (mine: number, none: number | undefined) =>
      none === undefined || codec === 'none' ? '' : `; ${(mine / none).toFixed(2)}× none`
    rows.push(
      row(`produce ${codec}`, records, p, `send() of ${PER_SEND}, acks=all, idempotent${vsRaw(p, r?.c)}`),
      row(
        `consume ${codec}`,
        records,
        c,
        `eachBatch${vsNone(consumeRate[codec]!, consumeRate.none)}${vsRaw(c, r?.d)}`,
      ),
    )
  }
  // The broker recompressing: uncompressed sends into topics whose compression.type names a codec.
  for (const codec of CODECS) {
    if (codec === 'none') continue
    const broker = await Broker.open({ store: new MemoryStore(), initialRebalanceDelayMs: 0 })
    const p = await produce(broker, `typed-${codec}`, records, Compression.none, {
      'compression.type': codec,
    })
    await broker.close()
    rows.push(
      row(
        `produce none → compression.type=${codec}`,
        records,
        p,
        `broker decodes and recompresses each batch; ${(records / p / produceRate[codec]!).toFixed(2)}× produce ${codec}`,
      ),
    )
  }
  return [...rows, ...rawRows]
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printTable(await benchCompression(process.argv[2] ? Number(process.argv[2]) : undefined), 'produce none')
}
