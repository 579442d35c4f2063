/**
 * @module Kafka wire throughput: kcat producing 1,000,000 100-byte lines into one partition (acks=1)
 * and consuming them back, beside the broker's in-process append and read rates from the same run,
 * plus kafka-python producer and consumer throughput. Run alone: `npx tsx bench/kafka-wire.ts`.
 */
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import net from 'node:net'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Broker } from '../src/core/broker.ts'
import { createBrook } from '../src/core/client/index.ts'
import { encodeBatch, readBatchHeader } from '../src/core/format/record-batch.ts'
import { MemoryStore } from '../src/core/memory-store.ts'
import { decodeResponse, encodeRequest } from '../src/core/protocol/frames.ts'
import { startKafkaServer } from '../src/edge/kafka/index.ts'
import { type BenchRow, printTable } from './table.ts'

const RECORDS = Number(process.env.BENCH_WIRE_RECORDS ?? 1_000_000)
const PY_RECORDS = Number(process.env.BENCH_WIRE_PY_RECORDS ?? 100_000)
const VALUE_BYTES = 100
// About what librdkafka packs under its 1 MB batch.size default with 100-byte values.
const BATCH_RECORDS = 8_000
const PYTHON = '/usr/bin/python3'
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : ''

const has = (cmd: string, args: string[]) => {
  try {
    return spawnSync(cmd, args, { stdio: 'ignore', timeout: 10_000 }).status === 0
  } catch {
    return false
  }
}

/** Wall seconds of a child process and, where `/usr/bin/time` exists, its CPU seconds (user + system). */
function runTimed(
  cmd: string,
  args: string[],
  stdinFile?: string,
  stdoutFile?: string,
): Promise<{ seconds: number; cpuS?: number }> {
  return new Promise((resolve, reject) => {
    const stdin = stdinFile ? openSync(stdinFile, 'r') : 'ignore'
    const stdout = stdoutFile ? openSync(stdoutFile, 'w') : 'ignore'
    const timeOut = TIME ? join(mkdtempSync(join(tmpdir(), 'brook-time-')), 'cpu') : undefined
    const [file, argv] = timeOut ? [TIME, ['-q', '-f', '%U %S', '-o', timeOut, cmd, ...args]] : [cmd, args]
    const start = performance.now()
    const child = spawn(file, argv, { stdio: [stdin, stdout, 'pipe'] })
    let err = ''
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString()
    })
    child.on('error', reject)
    child.on('close', (code) => {
      const seconds = (performance.now() - start) / 1000
      if (typeof stdin === 'number') closeSync(stdin)
      if (typeof stdout === 'number') closeSync(stdout)
      let cpuS: number | undefined
      if (timeOut) {
        try {
          const [u, sys] = readFileSync(timeOut, 'utf8').trim().split(/\s+/).map(Number)
          if (Number.isFinite(u) && Number.isFinite(sys)) cpuS = u! + sys!
        } catch {}
        rmSync(dirname(timeOut), { recursive: true, force: true })
      }
      if (code !== 0) reject(new Error(`${cmd} exited ${code}: ${err.slice(-2000)}`))
      else resolve({ seconds, cpuS })
    })
  })
}

/** A client's own CPU use: near 100% of wall means the client, not brook, sets the pace. */
function clientCpu(name: string, cpuS: number | undefined, seconds: number): string {
  if (cpuS === undefined) return `${name} CPU not measured (no /usr/bin/time)`
  return `${name} CPU ${cpuS.toFixed(2)} s (${Math.round((100 * cpuS) / seconds)}% of wall)`
}

/** How busy brook's process was while a client ran: tells a server bottleneck from a client one. */
function serverCpu(since: NodeJS.CpuUsage, seconds: number): string {
  const used = process.cpuUsage(since)
  const cpuS = (used.user + used.system) / 1e6
  return `brook CPU ${cpuS.toFixed(2)} s (${Math.round((100 * cpuS) / seconds)}% of wall)`
}

function collect(cmd: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString()
    })
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000)
    child.on('error', reject)
    child.on('close', () => {
      clearTimeout(timer)
      resolve({ stdout, stderr })
    })
  })
}

async function inProcess(rows: BenchRow[]): Promise<void> {
  const broker = await Broker.open({ store: new MemoryStore(), autoCreateTopics: true })
  await broker.createTopics({ topics: [{ name: 'inproc', numPartitions: 1 }] })
  const batches = preEncoded()
  let bytes = 0
  let t = performance.now()
  for (const records of batches) {
    bytes += records.length
    const r = await broker.produce({
      acks: 1,
      timeoutMs: 30_000,
      topics: [{ name: 'inproc', partitions: [{ partition: 0, records }] }],
    })
    const p = r.topics[0]!.partitions[0]!
    if (p.errorCode !== 0)
      throw new Error(`in-process produce failed: ${p.errorCode} ${p.errorMessage ?? ''}`)
  }
  rows.push({ name: 'in-process append', records: RECORDS, bytes, seconds: (performance.now() - t) / 1000 })

  t = performance.now()
  let offset = 0
  let readBytes = 0
  while (offset < RECORDS) {
    const f = await broker.fetch({
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1 << 20,
      topics: [
        { name: 'inproc', partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes: 1 << 20 }] },
      ],
    })
    const records = f.topics[0]!.partitions[0]!.records
    readBytes += records.length
    // Count records from batch headers, the way a client advances its position.
    let pos = 0
    while (pos + 61 <= records.length) {
      const h = readBatchHeader(records, pos)
      offset = h.baseOffset + h.lastOffsetDelta + 1
      pos += 12 + h.batchLength
    }
  }
  rows.push({
    name: 'in-process read',
    records: RECORDS,
    bytes: readBytes,
    seconds: (performance.now() - t) / 1000,
  })
  await broker.close()
  await inProcessClient(rows)
}

/**
 * The fairer in-process comparison for kcat, which encodes and decodes every record: brook's own
 * client on the same broker in this process, producing 100-byte values in sends of BATCH_RECORDS
 * (acks=1, not idempotent, like kcat's defaults) and consuming them with `eachBatch`, which decodes
 * every record and checks CRCs. Notes give records per CPU-second of this process.
 */
async function inProcessClient(rows: BenchRow[]): Promise<void> {
  const broker = await Broker.open({ store: new MemoryStore() })
  const brook = createBrook({ service: broker })
  await brook.admin().createTopics({ topics: [{ topic: 'client', numPartitions: 1 }] })
  const producer = brook.producer({ idempotent: false, acks: 1 })
  await producer.connect()
  const value = new Uint8Array(VALUE_BYTES).fill(0x61)
  const messages = Array.from({ length: BATCH_RECORDS }, () => ({ value }))
  const cpuNote = (records: number, since: NodeJS.CpuUsage) => {
    const u = process.cpuUsage(since)
    return `${Math.round(records / ((u.user + u.system) / 1e6)).toLocaleString('en-US')} rec/CPU-s`
  }
  let t = performance.now()
  let cpu = process.cpuUsage()
  let sent = 0
  while (sent < RECORDS) {
    const n = Math.min(BATCH_RECORDS, RECORDS - sent)
    await producer.send({
      topic: 'client',
      acks: 1,
      messages: n === BATCH_RECORDS ? messages : messages.slice(0, n),
    })
    sent += n
  }
  rows.push({
    name: 'in-process client produce',
    records: RECORDS,
    bytes: RECORDS * VALUE_BYTES,
    seconds: (performance.now() - t) / 1000,
    note: `encodes every record; ${cpuNote(RECORDS, cpu)}`,
  })
  await producer.disconnect()
  const consumer = brook.consumer({ groupId: 'bench-client', maxWaitTimeInMs: 50 })
  await consumer.subscribe({ topic: 'client', fromBeginning: true })
  let count = 0
  let done: () => void = () => {}
  const finished = new Promise<void>((r) => {
    done = r
  })
  // Timing starts at the first delivery, so joining the group is not counted.
  let started = false
  await consumer.run({
    eachBatch: async ({ batch }) => {
      if (!started) {
        started = true
        t = performance.now()
        cpu = process.cpuUsage()
      }
      count += batch.messages.length
      if (count >= RECORDS) done()
    },
  })
  await finished
  rows.push({
    name: 'in-process client consume',
    records: count,
    bytes: count * VALUE_BYTES,
    seconds: (performance.now() - t) / 1000,
    note: `decodes every record, CRC checked; ${cpuNote(count, cpu)}`,
  })
  await consumer.disconnect()
  await broker.close()
}

function preEncoded(): Uint8Array[] {
  const value = new Uint8Array(VALUE_BYTES).fill(0x61)
  const batches: Uint8Array[] = []
  for (let n = 0; n < RECORDS; n += BATCH_RECORDS) {
    const count = Math.min(BATCH_RECORDS, RECORDS - n)
    batches.push(encodeBatch({ records: Array.from({ length: count }, () => ({ value })) }))
  }
  return batches
}

/** Offset after the last whole batch in `records`, or `from` if there is none. */
function nextOffset(records: Uint8Array, from: number): number {
  let pos = 0
  let offset = from
  while (pos + 61 <= records.length) {
    const h = readBatchHeader(records, pos)
    if (pos + 12 + h.batchLength > records.length) break
    offset = h.baseOffset + h.lastOffsetDelta + 1
    pos += 12 + h.batchLength
  }
  return offset
}

/**
 * The wire without a client's per-record cost: a child process sends the same pre-encoded batches
 * as the in-process run (Produce v7, acks=1, 5 in flight like librdkafka) and reads them back with
 * librdkafka's fetch sizes (Fetch v11, 1 MiB per partition). Isolates brook's wire path.
 */
async function rawClient(port: number, topic: string): Promise<void> {
  const batches = preEncoded()
  const socket = net.connect(port, '127.0.0.1')
  socket.setNoDelay(true)
  await once(socket, 'connect')
  const waiting = new Map<number, (frame: Uint8Array) => void>()
  let buf: Buffer = Buffer.alloc(0)
  socket.on('data', (d: Buffer) => {
    buf = buf.length === 0 ? d : Buffer.concat([buf, d])
    while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
      const frame = buf.subarray(4, 4 + buf.readInt32BE(0))
      buf = buf.subarray(4 + frame.length)
      const id = frame.readInt32BE(0)
      waiting.get(id)?.(frame)
      waiting.delete(id)
    }
  })
  let correlationId = 0
  const call = (apiKey: 0 | 1, apiVersion: number, body: object) => {
    const id = ++correlationId
    const bytes = encodeRequest({ apiKey, apiVersion, correlationId: id, clientId: 'raw' }, body as never, {
      framed: true,
    })
    const reply = new Promise<Uint8Array>((resolve) => waiting.set(id, resolve))
    socket.write(bytes)
    return reply
  }
  let t = performance.now()
  const inFlight = new Set<Promise<unknown>>()
  for (const records of batches) {
    const p = call(0, 7, {
      acks: 1,
      timeoutMs: 30_000,
      topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
    })
    inFlight.add(p)
    void p.then(() => inFlight.delete(p))
    if (inFlight.size >= 5) await Promise.race(inFlight)
  }
  await Promise.all(inFlight)
  const produceS = (performance.now() - t) / 1000
  t = performance.now()
  let offset = 0
  let bytes = 0
  while (offset < RECORDS) {
    const frame = await call(1, 11, {
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 52_428_800,
      isolationLevel: 1,
      topics: [{ topic, partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes: 1_048_576 }] }],
      rackId: '',
    })
    const records =
      decodeResponse(1, 11, frame).body.responses[0]!.partitions[0]!.records ?? new Uint8Array(0)
    bytes += records.length
    offset = nextOffset(records, offset)
  }
  const fetchS = (performance.now() - t) / 1000
  socket.destroy()
  console.log(JSON.stringify({ produceS, fetchS, bytes, offset }))
}

export async function benchKafkaWire(): Promise<BenchRow[]> {
  const rows: BenchRow[] = []
  await inProcess(rows)

  const broker = await Broker.open({ store: new MemoryStore(), autoCreateTopics: true })
  const server = await startKafkaServer({ broker, port: 0, log: () => {} })
  const bootstrap = `127.0.0.1:${server.port}`
  const dir = mkdtempSync(join(tmpdir(), 'brook-bench-'))
  try {
    {
      await broker.createTopics({ topics: [{ name: 'raw', numPartitions: 1 }] })
      const script = fileURLToPath(import.meta.url)
      const cpu = process.cpuUsage()
      const r = await collect(process.execPath, [
        '--import',
        'tsx',
        script,
        '--raw-client',
        String(server.port),
        'raw',
      ])
      const m = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}')
      if (m.produceS === undefined) throw new Error(`raw wire client failed: ${r.stderr}`)
      const note = `pre-encoded batches, Node client in a child process; ${serverCpu(cpu, m.produceS + m.fetchS)} overall`
      rows.push({
        name: 'wire produce (raw)',
        records: RECORDS,
        bytes: RECORDS * VALUE_BYTES,
        seconds: m.produceS,
        note,
      })
      rows.push({ name: 'wire fetch (raw)', records: m.offset, bytes: m.bytes, seconds: m.fetchS, note })
    }
    if (has('kcat', ['-V'])) {
      await broker.createTopics({ topics: [{ name: 'kcat', numPartitions: 1 }] })
      const input = join(dir, 'lines.txt')
      const line = `${'x'.repeat(VALUE_BYTES)}\n`
      writeFileSync(input, line.repeat(RECORDS))
      let cpu = process.cpuUsage()
      const { seconds: produceS, cpuS: kcatProduceCpu } = await runTimed(
        'kcat',
        ['-b', bootstrap, '-P', '-t', 'kcat', '-p', '0', '-X', 'acks=1'],
        input,
      )
      const end = await broker.listOffsets({
        topics: [{ name: 'kcat', partitions: [{ partition: 0, timestamp: -1 }] }],
      })
      const produced = end.topics[0]!.partitions[0]!.offset
      rows.push({
        name: 'kcat -P (acks=1)',
        records: produced,
        bytes: produced * VALUE_BYTES,
        seconds: produceS,
        note: `${produced === RECORDS ? 'target ≥ 300,000 rec/s' : `only ${produced} of ${RECORDS} arrived`}; ${serverCpu(cpu, produceS)}; ${clientCpu('kcat', kcatProduceCpu, produceS)}`,
      })
      const out = join(dir, 'out.txt')
      cpu = process.cpuUsage()
      const { seconds: consumeS, cpuS: kcatConsumeCpu } = await runTimed(
        'kcat',
        ['-b', bootstrap, '-C', '-t', 'kcat', '-e', '-o', 'beginning', '-q'],
        undefined,
        out,
      )
      const lines = statSync(out).size / line.length
      rows.push({
        name: 'kcat -C -e',
        records: lines,
        bytes: lines * VALUE_BYTES,
        seconds: consumeS,
        note: `${lines === RECORDS ? 'target ≥ 500,000 rec/s' : `read ${lines} of ${RECORDS}`}; ${serverCpu(cpu, consumeS)}; ${clientCpu('kcat', kcatConsumeCpu, consumeS)}`,
      })
      // librdkafka reports the end of a partition only from a Fetch answered at the high watermark,
      // and the broker (brook, like Kafka) holds that one for fetch.wait.max.ms (500 ms) waiting for
      // data: a fixed tail in the run above. The same read with a 10 ms wait shows the rate without it.
      cpu = process.cpuUsage()
      const short = await runTimed(
        'kcat',
        ['-b', bootstrap, '-C', '-t', 'kcat', '-e', '-o', 'beginning', '-q', '-X', 'fetch.wait.max.ms=10'],
        undefined,
        out,
      )
      const shortLines = statSync(out).size / line.length
      rows.push({
        name: 'kcat -C -e, 10 ms wait',
        records: shortLines,
        bytes: shortLines * VALUE_BYTES,
        seconds: short.seconds,
        note: `-X fetch.wait.max.ms=10 (the end-of-log wait; default 500 ms)${shortLines === RECORDS ? '' : `; read ${shortLines} of ${RECORDS}`}; ${serverCpu(cpu, short.seconds)}; ${clientCpu('kcat', short.cpuS, short.seconds)}`,
      })
    } else rows.push({ name: 'kcat', records: 0, bytes: 0, seconds: 0, note: 'skipped: kcat not installed' })

    if (has(PYTHON, ['-c', 'import kafka'])) {
      const script = fileURLToPath(new URL('../test/interop/python/throughput.py', import.meta.url))
      // Asynchronous: the broker under test runs on this process's event loop.
      const r = await collect(PYTHON, [
        script,
        String(server.port),
        'kpy',
        String(PY_RECORDS),
        String(VALUE_BYTES),
      ])
      const m = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}')
      if (m.produce_s === undefined) throw new Error(`kafka-python bench failed: ${r.stderr}`)
      rows.push({
        name: 'kafka-python produce',
        records: PY_RECORDS,
        bytes: PY_RECORDS * VALUE_BYTES,
        seconds: m.produce_s,
      })
      rows.push({
        name: 'kafka-python consume',
        records: m.consumed,
        bytes: m.consumed * VALUE_BYTES,
        seconds: m.consume_s,
      })
    } else
      rows.push({ name: 'kafka-python', records: 0, bytes: 0, seconds: 0, note: 'skipped: no kafka module' })
  } finally {
    rmSync(dir, { recursive: true, force: true })
    await server.close()
    await broker.close()
  }
  // Two in-process references: raw append/read of pre-encoded batches (the broker alone) and the
  // client path (encodes/decodes every record, as kcat must). The × column is against the first;
  // the note adds the ratio to the second.
  const rate = (name: string) => {
    const r = rows.find((x) => x.name === name)
    return r && r.seconds > 0 ? r.records / r.seconds : 0
  }
  const versus = (name: string, ref: string) => {
    const r = rows.find((x) => x.name === name)
    if (r && rate(ref) > 0)
      r.note = `${r.note ? `${r.note}; ` : ''}${(rate(name) / rate(ref)).toFixed(2)}× ${ref}`
  }
  for (const n of ['wire produce (raw)', 'kcat -P (acks=1)', 'kafka-python produce'])
    versus(n, 'in-process client produce')
  for (const n of ['wire fetch (raw)', 'kcat -C -e', 'kcat -C -e, 10 ms wait', 'kafka-python consume'])
    versus(n, 'in-process client consume')
  return rows
}

const rawAt = process.argv.indexOf('--raw-client')
if (rawAt > 0) {
  await rawClient(Number(process.argv[rawAt + 1]), process.argv[rawAt + 2]!)
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = await benchKafkaWire()
  const pick = (...names: string[]) => rows.filter((r) => names.includes(r.name))
  // Shared machines skew these figures: print how busy this one was.
  const load = loadavg().map((l) => l.toFixed(1))
  console.log(
    `Kafka wire: ${RECORDS.toLocaleString('en-US')} records of ${VALUE_BYTES} bytes, one partition; ` +
      `${cpus().length} CPUs, load average ${load.join(' ')}\n`,
  )
  printTable(
    pick(
      'in-process append',
      'in-process client produce',
      'wire produce (raw)',
      'kcat -P (acks=1)',
      'kafka-python produce',
    ),
    'in-process append',
  )
  console.log('')
  printTable(
    pick(
      'in-process read',
      'in-process client consume',
      'wire fetch (raw)',
      'kcat -C -e',
      'kcat -C -e, 10 ms wait',
      'kafka-python consume',
    ),
    'in-process read',
  )
}
