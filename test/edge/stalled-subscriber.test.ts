/**
 * A WebSocket client that pipelines Fetch requests and never reads an answer, while 1,000,000
 * records are produced: the relay's process keeps its memory under a bound (heap + buffers ≤
 * 160 MB, the bound docs/relay.md states), drops the stalled socket after slowConsumerMs, and
 * keeps serving everyone else.
 */

import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createBrook } from '../../src/core/client/brook.ts'
import { API_KEYS, encodeRequest } from '../../src/core/protocol/index.ts'
import { connectKafka } from '../../src/edge/kafka/connection.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** What the relay process may hold, heap and buffers together, whatever a stalled client does. */
const BOUND = 160 << 20
const RECORDS = 1_000_000
const BATCH = 10_000

let child: ChildProcess | undefined
afterAll(() => child?.kill('SIGKILL'))

describe('a stalled WebSocket subscriber', () => {
  it(`leaves the relay's memory under ${BOUND >> 20} MB while ${RECORDS.toLocaleString('en')} records flow, and is dropped`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'brook-stall-'))
    const limits = { maxBufferedBytes: 4 << 20, slowConsumerMs: 2000, maxQueuedRequests: 256 }
    child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'test/edge/fixtures/relay-process.ts'), dir, JSON.stringify(limits)],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
    let peak = 0
    const ports = await new Promise<[number, number]>((resolve, reject) => {
      createInterface({ input: child!.stdout! }).on('line', (line) => {
        const [word, a, b] = line.split(' ')
        if (word === 'ready') resolve([Number(a), Number(b)])
        if (word === 'mem') peak = Math.max(peak, Number(a))
      })
      child!.once('exit', (code) => reject(new Error(`relay process exited ${code}`)))
    })
    const [kafkaPort, httpPort] = ports
    const service = await connectKafka({ bootstrap: `127.0.0.1:${kafkaPort}` })
    const brook = createBrook({ service })
    await brook.admin().createTopics({ topics: [{ topic: 'flood', numPartitions: 1 }] })

    // The stalled client: its socket stops reading at once, then it asks for everything, 200 times.
    const ws = new WebSocket(`ws://127.0.0.1:${httpPort}/v1/ws`)
    await new Promise((ok, fail) => {
      ws.once('open', ok)
      ws.once('error', fail)
    })
    ;(ws as unknown as { _socket: { pause(): void } })._socket.pause()
    const fetchFrame = (id: number) =>
      encodeRequest({ apiKey: API_KEYS.Fetch, apiVersion: 4, correlationId: id, clientId: 'stalled' }, {
        replicaId: -1,
        maxWaitMs: 500,
        minBytes: 1,
        maxBytes: 8 << 20,
        isolationLevel: 0,
        topics: [
          { topic: 'flood', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 8 << 20 }] },
        ],
      } as never)
    for (let i = 0; i < 200; i++) ws.send(fetchFrame(i))

    const value = new Uint8Array(100).fill(120)
    const producer = brook.producer()
    await producer.connect()
    for (let sent = 0; sent < RECORDS; sent += BATCH)
      await producer.send({ topic: 'flood', messages: Array.from({ length: BATCH }, () => ({ value })) })

    // Dropped: the relay's gauge of WebSocket connections returns to 0.
    const sockets = async () => {
      const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text()
      return Number(/brook_connections\{door="websocket"\} (\d+)/.exec(text)?.[1] ?? 0)
    }
    await expect.poll(sockets, { timeout: 15_000 }).toBe(0)
    // Everyone else is still served: the last record is readable over REST.
    const tail = await (
      await fetch(`http://127.0.0.1:${httpPort}/v1/topics/flood/partitions/0/records?offset=${RECORDS - 1}`)
    ).json()
    expect(tail.records).toHaveLength(1)
    await new Promise((r) => setTimeout(r, 300))
    expect(peak).toBeGreaterThan(0)
    console.log(
      `relay process peak heap+buffers: ${(peak / 2 ** 20).toFixed(1)} MB (bound ${BOUND >> 20} MB)`,
    )
    expect(peak).toBeLessThan(BOUND)
    await producer.disconnect()
    await service.close()
    ws.terminate()
  }, 120_000)
})
