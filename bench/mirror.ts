/**
 * @module Mirror throughput: the bridge copying 100-byte records in 4 partitions from an in-process
 * broker (the relay's own) to an upstream `brook serve` (a child process, files on disk, acks=all),
 * and back down into a fresh in-process broker — beside the upstream's physical limit measured in the
 * same run: pre-encoded 1,000-record batches produced straight to it over TCP (5 requests in flight, as the
 * mirror keeps), and what brook's producer reaches against it. Records/s, MB/s (record bytes as
 * stored at the source; the mirror adds its ~24-byte offset header per record upstream) and each
 * rate over the raw produce. Needs dist/ (`npm run bench` builds it).
 * Run alone: `npx tsx bench/mirror.ts [records]` (default 1,000,000; BENCH_MIRROR_RECORDS too).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Mirror, type MirrorEndpoint } from '../src/core/bridge/mirror.ts'
import { Broker } from '../src/core/broker.ts'
import { createBrook } from '../src/core/client/index.ts'
import { encodeBatch, type RecordInput } from '../src/core/format/record-batch.ts'
import { MemoryStore } from '../src/core/memory-store.ts'
import type { BrokerService } from '../src/core/service.ts'
import { connectKafka } from '../src/edge/kafka/connection.ts'
import { type BenchRow, printTable } from './table.ts'

const PARTITIONS = 4
const VALUE_BYTES = 100
const PER_BATCH = 1000
const BIN = fileURLToPath(new URL('../bin/brook.js', import.meta.url))

function records(): RecordInput[] {
  return Array.from({ length: PER_BATCH }, (_, i) => {
    const value = new Uint8Array(VALUE_BYTES)
    for (let j = 0; j < VALUE_BYTES; j++) value[j] = (i * 31 + j) & 0xff
    return { value, timestamp: 1_700_000_000_000 + i }
  })
}

const BATCH = encodeBatch({ records: records() })
const BYTES_PER_RECORD = BATCH.length / PER_BATCH

class Timer {
  private readonly wall = performance.now()
  private readonly cpu = process.cpuUsage()
  stop(name: string, count: number, note: string): BenchRow {
    const seconds = (performance.now() - this.wall) / 1000
    const u = process.cpuUsage(this.cpu)
    const cpuRate = count / ((u.user + u.system) / 1e6)
    return {
      name,
      records: count,
      bytes: count * BYTES_PER_RECORD,
      seconds,
      note: `${note}; ${Math.round(cpuRate).toLocaleString('en-US')} rec/CPU-s here`,
    }
  }
}

/** `brook serve` in a child process on a temporary data directory; resolves with its Kafka port. */
function serve(dir: string): Promise<{ proc: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      [BIN, 'serve', '--port', '0', '--http-port', '-1', '--data-dir', dir],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const m = /Kafka listener on 127\.0\.0\.1:(\d+)/.exec(line)
      if (m) resolve({ proc, port: Number(m[1]) })
    })
    proc.on('exit', (code) => reject(new Error(`brook serve exited (${code}); is dist/ built?`)))
  })
}

async function ends(service: BrokerService, topic: string): Promise<number> {
  const res = await service.listOffsets({
    topics: [
      {
        name: topic,
        partitions: Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, timestamp: -1 })),
      },
    ],
  })
  return (res.topics[0]?.partitions ?? []).reduce((n, p) => n + (p.errorCode === 0 ? p.offset : 0), 0)
}

/** Pre-encoded batches produced straight to `service`, `inFlight` requests at a time. */
async function rawProduce(service: BrokerService, topic: string, total: number, inFlight: number) {
  let next = 0
  const sends = Math.ceil(total / PER_BATCH)
  const lane = async () => {
    while (next < sends) {
      const i = next++
      const res = await service.produce({
        acks: -1,
        timeoutMs: 30_000,
        topics: [{ name: topic, partitions: [{ partition: i % PARTITIONS, records: BATCH }] }],
      })
      const code = res.topics[0]?.partitions[0]?.errorCode
      if (code !== 0) throw new Error(`produce error ${code}`)
    }
  }
  await Promise.all(Array.from({ length: inFlight }, lane))
  return sends * PER_BATCH
}

const endpoint = (name: string, service: BrokerService): MirrorEndpoint => ({
  name,
  open: async () => ({ service, close: async () => {} }),
})

/** Runs a mirror until the destination holds `total` records of `topic`; the measured row. */
async function mirrorRun(
  name: string,
  source: MirrorEndpoint,
  destination: MirrorEndpoint,
  check: BrokerService,
  topic: string,
  total: number,
  note: string,
): Promise<BenchRow> {
  const timer = new Timer()
  const mirror = new Mirror({ source, destination, topics: [topic], group: null, fetchMaxWaitMs: 20 }).start()
  // Bounded wait: a stuck mirror ends the suite instead of hanging it.
  const deadline = Date.now() + 600_000
  while ((await ends(check, topic)) < total) {
    if (Date.now() > deadline) throw new Error(`${name}: not done within 10 minutes`)
    await new Promise((r) => setTimeout(r, 20))
  }
  const row = timer.stop(name, total, note)
  await mirror.stop()
  return row
}

export async function benchMirror(
  total = Number(process.env.BENCH_MIRROR_RECORDS ?? 1_000_000),
): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'brook-bench-mirror-'))
  const upstream = await serve(dir)
  const up = await connectKafka({ bootstrap: `127.0.0.1:${upstream.port}`, clientId: 'bench-mirror' })
  const local = await Broker.open({ store: new MemoryStore() })
  const down = await Broker.open({ store: new MemoryStore() })
  try {
    const topics = ['raw', 'client', 'warm'].map((name) => ({ name, numPartitions: PARTITIONS }))
    await up.createTopics({ topics })
    // Warm-up, so that JIT compilation stays out of the measured figures.
    await rawProduce(up, 'warm', 50_000, 5)

    let t = new Timer()
    const raw = t.stop(
      'raw produce to the upstream',
      await rawProduce(up, 'raw', total, 5),
      `${PER_BATCH}-record batches, 5 in flight`,
    )

    const producer = createBrook({ service: up }).producer()
    await producer.connect()
    const messages = records().map((r) => ({ value: r.value, timestamp: r.timestamp }))
    t = new Timer()
    let sent = 0
    let nextPartition = 0
    const lane = async () => {
      while (sent < total) {
        sent += PER_BATCH
        await producer.send({
          topic: 'client',
          messages: messages.map((m) => ({ ...m, partition: nextPartition })),
        })
        nextPartition = (nextPartition + 1) % PARTITIONS
      }
    }
    await Promise.all(Array.from({ length: 5 }, lane))
    const client = t.stop(
      'brook client produce to the upstream',
      sent,
      `send() of ${PER_BATCH}, 5 in flight, idempotent`,
    )
    await producer.disconnect()

    // The relay's own topic: `total` records in the in-process broker, copied up, then down again.
    await local.createTopics({ topics: [{ name: 'orders', numPartitions: PARTITIONS }] })
    for (let i = 0; i < total / PER_BATCH; i++)
      await local.produce({
        acks: 1,
        timeoutMs: 1000,
        topics: [{ name: 'orders', partitions: [{ partition: i % PARTITIONS, records: BATCH }] }],
      })
    const upstreamEndpoint: MirrorEndpoint = {
      name: 'upstream',
      open: async () => {
        const s = await connectKafka({ bootstrap: `127.0.0.1:${upstream.port}`, clientId: 'bench-mirror' })
        return { service: s, close: () => s.close() }
      },
    }
    const mirrorUp = await mirrorRun(
      'mirror up (local → upstream)',
      endpoint('local', local),
      upstreamEndpoint,
      up,
      'orders',
      total,
      'decode, offset header, re-encode, acks=all',
    )
    const mirrorDown = await mirrorRun(
      'mirror down (upstream → local)',
      upstreamEndpoint,
      endpoint('down', down),
      down,
      'orders',
      total,
      'fetch over TCP, into an in-process broker',
    )
    return [raw, client, mirrorUp, mirrorDown]
  } finally {
    await up.close()
    await local.close()
    await down.close()
    upstream.proc.kill('SIGTERM')
    await new Promise((r) => upstream.proc.once('exit', r))
    rmSync(dir, { recursive: true, force: true })
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const n = process.argv[2] ? Number(process.argv[2]) : undefined
  printTable(await benchMirror(n), 'raw produce to the upstream')
}
