/**
 * @module Durable Streams over HTTP/1.1 keep-alive: appends of 1 KB bodies from one client (each
 * waits for its answer) and from 16 (one stream each, and all on one stream), then a catch-up read
 * of what was written — brook's relay beside the reference server (`@durable-streams/server`), each
 * in a process of its own, both in memory and both on disk (brook: FileStore, acks=all waits for
 * fsync; the reference: its file store, fdatasync per append). Run alone: `npx tsx bench/durable-streams.ts`.
 */

import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnServer } from './servers/spawn.ts'
import type { BenchRow } from './table.ts'

const BODY = new Uint8Array(1024).fill(97)
const SEQUENTIAL = Number(process.env.BENCH_DS_APPENDS ?? 3_000)
const CLIENTS = 16
const PER_CLIENT = Math.ceil(SEQUENTIAL / 4)
/** No run may take longer than this, whatever the server does. */
const DEADLINE_MS = 60_000

interface Answer {
  status: number
  body: Buffer
}

/** One keep-alive connection, one request at a time: what a plain HTTP client does. */
function client() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  const request = (method: string, url: string, body?: Uint8Array, headers: Record<string, string> = {}) =>
    new Promise<Answer>((resolve, reject) => {
      const req = http.request(url, { method, agent, headers }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }))
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end(body)
    })
  return { request, close: () => agent.destroy() }
}

const PLAIN = { 'content-type': 'application/octet-stream' }

async function create(base: string, name: string): Promise<void> {
  const c = client()
  const res = await c.request('PUT', `${base}/${name}`, undefined, PLAIN)
  c.close()
  if (res.status !== 201 && res.status !== 200) throw new Error(`PUT ${name}: ${res.status} ${res.body}`)
}

async function appendMany(base: string, stream: string, n: number, deadline: number): Promise<number> {
  const c = client()
  let done = 0
  try {
    for (; done < n && Date.now() < deadline; done++) {
      const res = await c.request('POST', `${base}/${stream}`, BODY, PLAIN)
      if (res.status !== 200 && res.status !== 204)
        throw new Error(`POST ${stream}: ${res.status} ${res.body}`)
    }
  } finally {
    c.close()
  }
  return done
}

/** Reads a stream from its start until up to date; the bytes read. */
async function readAll(base: string, stream: string): Promise<number> {
  const c = client()
  let offset = '-1'
  let bytes = 0
  try {
    for (let i = 0; i < 100_000; i++) {
      const res = await new Promise<{ status: number; body: Buffer; next?: string; upToDate: boolean }>(
        (resolve, reject) => {
          http
            .get(
              `${base}/${stream}?offset=${offset}`,
              { agent: (c as unknown as { agent?: http.Agent }).agent },
              (r) => {
                const chunks: Buffer[] = []
                r.on('data', (x: Buffer) => chunks.push(x))
                r.on('end', () =>
                  resolve({
                    status: r.statusCode ?? 0,
                    body: Buffer.concat(chunks),
                    next: r.headers['stream-next-offset'] as string | undefined,
                    upToDate: r.headers['stream-up-to-date'] === 'true',
                  }),
                )
              },
            )
            .on('error', reject)
        },
      )
      if (res.status !== 200 && res.status !== 204) throw new Error(`GET ${stream}: ${res.status}`)
      bytes += res.body.length
      if (res.upToDate || !res.next || res.next === offset) break
      offset = res.next
    }
  } finally {
    c.close()
  }
  return bytes
}

async function measure(label: string, base: string): Promise<BenchRow[]> {
  const rows: BenchRow[] = []
  const tag = Math.random().toString(36).slice(2, 8)
  const time = async (name: string, run: (deadline: number) => Promise<number>) => {
    const start = performance.now()
    const records = await run(Date.now() + DEADLINE_MS)
    const seconds = (performance.now() - start) / 1000
    rows.push({ name: `${label}: ${name}`, records, bytes: records * BODY.length, seconds })
  }

  const one = `seq-${tag}`
  await create(base, one)
  await appendMany(base, one, 100, Date.now() + DEADLINE_MS) // warm-up
  await time('append, 1 client', (deadline) => appendMany(base, one, SEQUENTIAL, deadline))

  const own = Array.from({ length: CLIENTS }, (_, i) => `own-${tag}-${i}`)
  for (const s of own) await create(base, s)
  await time(`append, ${CLIENTS} clients, a stream each`, async (deadline) =>
    (await Promise.all(own.map((s) => appendMany(base, s, PER_CLIENT, deadline)))).reduce((a, b) => a + b, 0),
  )

  const shared = `shared-${tag}`
  await create(base, shared)
  await time(`append, ${CLIENTS} clients, one stream`, async (deadline) =>
    (await Promise.all(own.map(() => appendMany(base, shared, PER_CLIENT, deadline)))).reduce(
      (a, b) => a + b,
      0,
    ),
  )

  const start = performance.now()
  const bytes = await readAll(base, shared)
  rows.push({
    name: `${label}: catch-up read of that stream`,
    records: 0,
    bytes,
    seconds: (performance.now() - start) / 1000,
  })
  return rows
}

export async function benchDurableStreams(): Promise<BenchRow[]> {
  const rows: BenchRow[] = []
  for (const store of ['memory', 'file'] as const) {
    for (const server of ['reference', 'brook'] as const) {
      const dir = mkdtempSync(join(tmpdir(), `brook-ds-bench-${server}-`))
      const args = store === 'file' ? ['file', dir] : ['memory']
      const spawned =
        server === 'brook'
          ? await spawnServer('brook-relay.ts', args)
          : await spawnServer('ds-reference.ts', args)
      const base =
        server === 'brook'
          ? `http://127.0.0.1:${spawned.ready[1]}/v1/streams`
          : `${spawned.ready[0]!.replace(/\/$/, '')}/v1/stream`
      try {
        rows.push(...(await measure(`${server} (${store})`, base)))
      } finally {
        await spawned.stop()
        rmSync(dir, { recursive: true, force: true })
      }
    }
  }
  return rows
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { printTable } = await import('./table.ts')
  printTable(await benchDurableStreams(), `reference (memory): append, 1 client`)
}
