/**
 * @module Offline-first sync (issue 11) in headless Chromium: a page's broker (`connect({ sync })`
 * from brook/worker, IndexedDB, durability strict) holds a backlog of 100,000 records (100-byte
 * values, 3 partitions, written as 1,000-record sends while its relay is down) and uploads it to a
 * `brook serve` relay (files on disk, a process of its own) over loopback WebSocket once the relay
 * comes up; then a second page broker downloads 100,000 records that were produced at a relay
 * before that relay came up. Both are timed from the moment the relay printed that it listens (the
 * engine retries at most 40 ms apart); the note also gives the delay to the
 * first record and the rate from it. A third page broker then downloads the same records with the
 * relay up all along, timed from its `connect()`: what a user opening the app waits, the worker's
 * start, module loading and the first connection included. Upload ends when the relay's end offsets (Kafka TCP,
 * polled every 10 ms) reach 100,000; download when the page broker's end offsets (polled in the
 * page every 10 ms) do. Beside them, measured in the same run in a SharedWorker of the page (where
 * brook's broker and sync engine run; bench/sync-raw.ts): raw IndexedDB puts of the same
 * 1,000-record batches (strict, one transaction each; and with a second small transaction per batch,
 * the committed offset a sync round writes after each batch) and a raw WebSocket to a Node server for
 * the same batches (acked one by one, and streamed); and raw produce to the relay over Kafka TCP.
 * MB/s counts record-batch bytes. Needs dist/ (`npm run bench` builds it; or
 * `npx tsx scripts/build.ts --js`). Run alone: `npx tsx bench/sync.ts [records]`
 * (default 100,000; BENCH_SYNC_RECORDS too).
 */

import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { Page } from 'playwright-core'
import { WebSocketServer } from 'ws'
import { encodeBatch } from '../src/core/format/record-batch.ts'
import type { BrokerService } from '../src/core/service.ts'
import { connectKafka } from '../src/edge/kafka/connection.ts'
import { buildSite, DIST, launchChromium } from '../test/browser/harness.ts'
import { relayCount } from '../test/support/relay-records.ts'
import type { SyncBench } from './sync-page.ts'
import type { Measured, RawCall } from './sync-raw.ts'
import { type BenchRow, printTable } from './table.ts'

declare const syncBench: SyncBench

const PARTITIONS = 3
const PER_BATCH = 1000
const VALUE_BYTES = 100
/** Batches for the raw baselines: the bytes of 100,000 records. */
const RAW_BATCHES = 100
const DEADLINE_MS = 180_000
const BIN = fileURLToPath(new URL('../bin/brook.js', import.meta.url))
const UPLOAD_GROUP = '__brook-sync-upload'

export const SYNC_BASELINE = 'raw IndexedDB put, 1,000-record batches, strict'

/** The same records the page writes, for the relay side of the download. */
const BATCH = encodeBatch({
  records: Array.from({ length: PER_BATCH }, (_, i) => {
    const value = new Uint8Array(VALUE_BYTES)
    for (let j = 0; j < VALUE_BYTES; j++) value[j] = (i * 31 + j) & 0xff
    return { value }
  }),
})
const BYTES_PER_RECORD = BATCH.byteLength / PER_BATCH

const wall = () => performance.timeOrigin + performance.now()
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })

/** A port free a moment ago, for a relay that starts later. */
async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  const { port } = server.address() as net.AddressInfo
  await new Promise((ok) => server.close(ok))
  return port
}

interface Relay {
  proc: ChildProcess
  kafkaPort: number
  /** Wall-clock ms when its listening line arrived: the relay is reachable. */
  readyAt: number
  stop(): Promise<void>
}

/**
 * `brook serve` on `dir` in a child process; resolves once it listens on Kafka TCP and, with
 * `httpPort`, on the relay's HTTP port (pages of `origin` allowed).
 */
function serve(dir: string, httpPort: number, origin?: string): Promise<Relay> {
  const args = [BIN, 'serve', '--port', '0', '--http-port', String(httpPort), '--data-dir', dir]
  if (origin) args.push('--allow-origin', origin)
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
    const exited = new Promise<void>((ok) => proc.once('exit', () => ok()))
    const timer = setTimeout(() => reject(new Error('brook serve did not start in 30 s')), 30_000)
    proc.once('exit', (code) => reject(new Error(`brook serve exited (${code}); is dist/ built?`)))
    let kafkaPort = 0
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const k = /Kafka listener on 127\.0\.0\.1:(\d+)/.exec(line)
      if (k) kafkaPort = Number(k[1])
      const ready = httpPort < 0 ? k : /relay on http:\/\/127\.0\.0\.1:\d+\//.exec(line)
      if (!ready) return
      clearTimeout(timer)
      resolve({
        proc,
        kafkaPort,
        readyAt: wall(),
        async stop() {
          if (proc.exitCode !== null || proc.signalCode !== null) return
          proc.kill('SIGTERM')
          const kill = setTimeout(() => proc.kill('SIGKILL'), 10_000)
          await exited
          clearTimeout(kill)
        },
      })
    })
  })
}

/** Pre-encoded 1,000-record batches to `topic` over Kafka TCP, acks=all, one request at a time. */
async function rawProduce(service: BrokerService, topic: string, total: number): Promise<Measured> {
  await service.createTopics({ topics: [{ name: topic, numPartitions: PARTITIONS }] })
  const start = performance.now()
  for (let i = 0; i * PER_BATCH < total; i++) {
    const res = await service.produce({
      acks: -1,
      timeoutMs: 30_000,
      topics: [{ name: topic, partitions: [{ partition: i % PARTITIONS, records: BATCH }] }],
    })
    const code = res.topics[0]?.partitions[0]?.errorCode
    if (code !== 0) throw new Error(`produce to the relay: error ${code}`)
  }
  return {
    records: total,
    bytes: (total / PER_BATCH) * BATCH.byteLength,
    seconds: (performance.now() - start) / 1000,
  }
}

/** The Node end of the raw WebSocket: acks every binary message; `{down: n}` asks for n batches. */
async function rawSocketServer(): Promise<{ url: string; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false })
  await new Promise<void>((ok) => wss.once('listening', () => ok()))
  const ack = Buffer.from([1])
  const batch = Buffer.from(BATCH)
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        ws.send(ack)
        return
      }
      const { down } = JSON.parse(String(data)) as { down: number }
      for (let i = 0; i < down; i++) ws.send(batch)
    })
  })
  const { port } = wss.address() as net.AddressInfo
  return {
    url: `ws://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((ok) => {
        for (const c of wss.clients) c.terminate()
        wss.close(() => ok())
      }),
  }
}

function row(name: string, m: Measured, note?: string): BenchRow {
  return { name, records: m.records, bytes: m.records * BYTES_PER_RECORD, seconds: m.seconds, note }
}

const rate = (records: number, seconds: number) => (seconds > 0 ? records / seconds : 0)

/** Waits, bounded, until the page broker's committed upload position reaches `total`. */
async function waitCommitted(page: Page, name: string, topic: string, total: number): Promise<number> {
  const deadline = Date.now() + 30_000
  let committed = 0
  while (Date.now() < deadline) {
    committed = await page.evaluate(([n, g, t]) => syncBench.committed(n, g, t), [name, UPLOAD_GROUP, topic])
    if (committed >= total) break
    await sleep(20)
  }
  return committed
}

export async function benchSync(
  total = Number(process.env.BENCH_SYNC_RECORDS ?? 100_000),
): Promise<BenchRow[]> {
  if (!existsSync(join(DIST, 'worker.js')) || !existsSync(join(DIST, 'cli.js')))
    throw new Error('dist/ is missing: `npx tsx scripts/build.ts --js` (npm run bench builds it)')
  total = Math.ceil(total / PER_BATCH) * PER_BATCH
  const site = await buildSite({ pages: { sync: 'bench/sync-page.ts', 'sync-raw': 'bench/sync-raw.ts' } })
  const upDir = await mkdtemp(join(tmpdir(), 'brook-bench-sync-up-'))
  const downDir = await mkdtemp(join(tmpdir(), 'brook-bench-sync-down-'))
  const sockets = await rawSocketServer()
  const browser = await launchChromium()
  const relays: Relay[] = []
  const rows: BenchRow[] = []
  try {
    // The download's records, produced at a relay that pages cannot reach yet (no HTTP port):
    // its raw produce rate is the relay's own limit (fsync per acks=all request).
    const prep = await serve(downDir, -1)
    relays.push(prep)
    const prepKafka = await connectKafka({ bootstrap: `127.0.0.1:${prep.kafkaPort}`, clientId: 'bench-sync' })
    await rawProduce(prepKafka, 'warm', 20_000)
    const relayRaw = await rawProduce(prepKafka, 'down', total)
    await prepKafka.close()
    await prep.stop()

    const context = await browser.newContext()
    const page = await context.newPage()
    page.on('pageerror', (e) => console.error('[page error]', e))
    await page.goto(`${site.url}/`)
    await page.addScriptTag({ type: 'module', url: '/pages/sync.js' })
    await page.waitForFunction(() => 'syncBench' in globalThis)

    const raw = (call: RawCall) => page.evaluate((c) => syncBench.raw(c), call)
    const idb = await raw({ fn: 'idb', args: ['strict', RAW_BATCHES, false] })
    const idbOffsets = await raw({ fn: 'idb', args: ['strict', RAW_BATCHES, true] })
    const wsAcked = await raw({ fn: 'wsUp', args: [sockets.url, RAW_BATCHES, 1] })
    const wsUp = await raw({ fn: 'wsUp', args: [sockets.url, RAW_BATCHES, RAW_BATCHES] })
    const wsDown = await raw({ fn: 'wsDown', args: [sockets.url, RAW_BATCHES] })

    // Upload: the backlog is written while the relay is down, then the relay comes up.
    const upPort = await freePort()
    const up = 'bench-sync-up'
    await page.evaluate(([n, u]) => syncBench.open(n, u, ['up'], []), [up, `http://127.0.0.1:${upPort}`])
    const backlog = await page.evaluate(([n, t, p, c]) => syncBench.produce(n, t, p, c), [
      up,
      'up',
      PARTITIONS,
      total,
    ] as const)
    const local = await page.evaluate(([n, t]) => syncBench.localEnd(n, t), [up, 'up'])
    if (local !== total) throw new Error(`the page broker holds ${local} records, not ${total}`)
    const upRelay = await serve(upDir, upPort, site.url)
    relays.push(upRelay)
    const kafka = await connectKafka({ bootstrap: `127.0.0.1:${upRelay.kafkaPort}`, clientId: 'bench-sync' })
    let firstUp = 0
    let onRelay = 0
    const upDeadline = Date.now() + DEADLINE_MS
    while (Date.now() < upDeadline) {
      onRelay = await relayCount(kafka, 'up')
      if (onRelay > 0 && firstUp === 0) firstUp = wall()
      if (onRelay >= total) break
      await sleep(10)
    }
    const upDone = wall()
    if (onRelay < total)
      throw new Error(`upload: the relay holds ${onRelay} of ${total} records after ${DEADLINE_MS} ms`)
    const committed = await waitCommitted(page, up, 'up', total)
    // Settled: a duplicate would show as more records on the relay than in the page.
    const finalUp = await relayCount(kafka, 'up')
    if (finalUp !== total || committed !== total)
      throw new Error(
        `upload: the relay holds ${finalUp} records, the upload position is ${committed}; want ${total}`,
      )
    await kafka.close()
    await page.evaluate((n) => syncBench.close(n), up)
    await upRelay.stop()

    // Download: a second page broker syncing with the relay that holds `down`, which comes up now.
    const downPort = await freePort()
    const down = 'bench-sync-down'
    await page.evaluate(
      ([n, u]) => syncBench.open(n, u, [], ['down']),
      [down, `http://127.0.0.1:${downPort}`],
    )
    const waiting = page.evaluate(([n, t, c, ms]) => syncBench.waitLocal(n, t, c, 10, ms), [
      down,
      'down',
      total,
      DEADLINE_MS,
    ] as const)
    waiting.catch(() => {}) // awaited below; a relay that fails to start must not leave it unhandled
    const downRelay = await serve(downDir, downPort, site.url)
    relays.push(downRelay)
    const got = await waiting
    if (got.doneAt === 0)
      throw new Error(
        `download: the page broker holds ${got.seen} of ${total} records after ${DEADLINE_MS} ms`,
      )
    const downFinal = await page.evaluate(([n, t]) => syncBench.localEnd(n, t), [down, 'down'])
    const downStates = await page.evaluate((n) => syncBench.states(n), down)
    if (got.seen !== total || downFinal !== total)
      throw new Error(`download: the page broker holds ${downFinal} records; want ${total}`)
    await page.evaluate((n) => syncBench.close(n), down)

    // The same download by a page that opens while the relay is up: from `connect()` to every
    // record stored locally, connection and set-up included, as a user opening the app sees it.
    const cold = 'bench-sync-down-cold'
    const coldStart = wall()
    const coldWaiting = page.evaluate(([n, t, c, ms]) => syncBench.waitLocal(n, t, c, 10, ms), [
      cold,
      'down',
      total,
      DEADLINE_MS,
    ] as const)
    coldWaiting.catch(() => {})
    await page.evaluate(
      ([n, u]) => syncBench.open(n, u, [], ['down']),
      [cold, `http://127.0.0.1:${downPort}`],
    )
    const opened = wall()
    const coldGot = await coldWaiting
    const coldStates = await page.evaluate((n) => syncBench.states(n), cold)
    const coldFinal = await page.evaluate(([n, t]) => syncBench.localEnd(n, t), [cold, 'down'])
    if (coldGot.doneAt === 0 || coldFinal !== total)
      throw new Error(`cold download: the page broker holds ${coldFinal} records; want ${total}`)
    await page.evaluate((n) => syncBench.close(n), cold)
    await context.close()

    const upSeconds = (upDone - upRelay.readyAt) / 1000
    const downSeconds = (got.doneAt - downRelay.readyAt) / 1000
    const vs = (r: number, m: Measured, what: string) => `${fmt(r / rate(m.records, m.seconds), 2)}× ${what}`
    const upRate = rate(total, upSeconds)
    const downRate = rate(total, downSeconds)
    rows.push(row(SYNC_BASELINE, idb, `${RAW_BATCHES} puts, one transaction each`))
    rows.push(row('raw IndexedDB put + offset put, strict', idbOffsets, 'two transactions per batch'))
    rows.push(
      row('raw WebSocket worker → Node, 1 batch in flight', wsAcked, 'each batch acked before the next'),
    )
    rows.push(row('raw WebSocket worker → Node, streamed', wsUp, 'every batch acked'))
    rows.push(row('raw WebSocket Node → worker, streamed', wsDown))
    rows.push(
      row('raw produce to the relay (Kafka TCP, acks=all)', relayRaw, '1 request in flight, fsync each'),
    )
    rows.push(
      row(
        'page backlog written (offline, acks=all)',
        backlog,
        `${PARTITIONS} partitions, sends of ${PER_BATCH}`,
      ),
    )
    rows.push({
      name: 'sync upload, page → relay',
      records: total,
      bytes: total * BYTES_PER_RECORD,
      seconds: upSeconds,
      note:
        `target ≥ 100,000/s; ${vs(upRate, wsUp, 'raw WS up')}, ${vs(upRate, idbOffsets, 'raw put+offset')}; ` +
        `from relay up; 1st record +${fmt(firstUp - upRelay.readyAt)} ms, ` +
        `${fmt(rate(total, (upDone - firstUp) / 1000))}/s from it`,
    })
    rows.push({
      name: 'sync download, relay → page',
      records: total,
      bytes: total * BYTES_PER_RECORD,
      seconds: downSeconds,
      note:
        `target ≥ 200,000/s; ${vs(downRate, wsDown, 'raw WS down')}, ${vs(downRate, idbOffsets, 'raw put+offset')}; ` +
        `from relay up; connected +${fmt((downStates.syncing ?? 0) - downRelay.readyAt)} ms, ` +
        `1st record +${fmt(got.firstAt - downRelay.readyAt)} ms, ` +
        `${fmt(rate(total, (got.doneAt - got.firstAt) / 1000))}/s from it`,
    })
    const coldSeconds = (coldGot.doneAt - coldStart) / 1000
    const coldRate = rate(total, coldSeconds)
    rows.push({
      name: 'sync download, page opens with relay up',
      records: total,
      bytes: total * BYTES_PER_RECORD,
      seconds: coldSeconds,
      note:
        `target ≥ 200,000/s; ${vs(coldRate, wsDown, 'raw WS down')}, ${vs(coldRate, idbOffsets, 'raw put+offset')}; ` +
        `from connect() in the page; opened +${fmt(opened - coldStart)} ms, ` +
        (coldStates.syncing ? `syncing +${fmt(coldStates.syncing - coldStart)} ms, ` : '') +
        `1st record +${fmt(coldGot.firstAt - coldStart)} ms, ` +
        `${fmt(rate(total, (coldGot.doneAt - coldGot.firstAt) / 1000))}/s from it`,
    })
    return rows
  } finally {
    for (const r of relays) await r.stop().catch(() => {})
    await browser.close()
    await sockets.close()
    await site.close()
    await rm(upDir, { recursive: true, force: true })
    await rm(downDir, { recursive: true, force: true })
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const n = process.argv[2] ? Number(process.argv[2]) : undefined
  printTable(await benchSync(n), SYNC_BASELINE)
}
