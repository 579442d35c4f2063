/**
 * @module The bridge under `kill -9`: a relay (`brook serve --upstream … --mirror orders`) holding
 * 50,000 records in 3 partitions is killed while it copies them to a second `brook serve`, then
 * started again on the same data directory. kcat, reading the upstream partition by partition, finds
 * every record exactly once and in order, with its key, value, headers and timestamp.
 */

import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { createBrook } from '../../src/core/client/index.ts'
import type { KafkaProtocolService } from '../../src/core/protocol/client-service.ts'
import { connectKafka } from '../../src/edge/kafka/connection.ts'
import { killServes, type ServeProcess, startServe } from '../support/cli.ts'

const PARTITIONS = 3
const PER_PARTITION = 16_667
const TOTAL = PARTITIONS * PER_PARTITION
const T0 = 1_700_000_000_000
const PAD = 'x'.repeat(80)

const dirs: string[] = []
const services: KafkaProtocolService[] = []
afterAll(async () => {
  for (const s of services) await s.close().catch(() => {})
  killServes()
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

const value = (p: number, i: number) => `p${p}-${i}-${PAD}`

async function connect(port: number): Promise<KafkaProtocolService> {
  const s = await connectKafka({ bootstrap: `127.0.0.1:${port}`, clientId: 'mirror-crash-test' })
  services.push(s)
  return s
}

async function totalRecords(service: KafkaProtocolService, topic: string): Promise<number> {
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

describe('brook serve --mirror under kill -9', () => {
  it('leaves every record in the upstream once, in order per partition', async () => {
    const upDir = await mkdtemp(join(tmpdir(), 'brook-mirror-up-'))
    const relayDir = await mkdtemp(join(tmpdir(), 'brook-mirror-relay-'))
    dirs.push(upDir, relayDir)
    const upstream = await startServe(['--port', '0', '--data-dir', upDir, '--http-port', '-1'])

    // The records go into the relay before it mirrors, so that the kill lands while it copies.
    const plain = await startServe(['--port', '0', '--data-dir', relayDir, '--http-port', '-1'])
    const toRelay = await connect(plain.port)
    const brook = createBrook({ service: toRelay })
    await brook.admin().createTopics({ topics: [{ topic: 'orders', numPartitions: PARTITIONS }] })
    const producer = brook.producer()
    for (let i = 0; i < PER_PARTITION; i += 1000) {
      const messages = []
      for (let p = 0; p < PARTITIONS; p++)
        for (let j = i; j < Math.min(i + 1000, PER_PARTITION); j++)
          messages.push({
            partition: p,
            key: `k${j}`,
            value: value(p, j),
            headers: { n: String(j) },
            timestamp: T0 + j,
          })
      await producer.send({ topic: 'orders', messages })
    }
    await producer.disconnect()
    await toRelay.close()
    plain.proc.kill('SIGTERM')
    await plain.exited

    const mirrorArgs = [
      '--port',
      '0',
      '--data-dir',
      relayDir,
      '--http-port',
      '-1',
      '--upstream',
      `127.0.0.1:${upstream.port}`,
      '--mirror',
      'orders',
      // Kafka's default batch.size: many batches, so that the kill lands among requests in flight.
      '--mirror-batch-bytes',
      '16384',
    ]
    const first = await startServe(mirrorArgs)
    await expect
      .poll(() => first.stdout())
      .toContain(`mirroring topics matching 'orders' to 127.0.0.1:${upstream.port}`)
    const up = await connect(upstream.port)
    // Kill once a fifth of the records are upstream: the relay is then in the middle of copying.
    await expect
      .poll(() => totalRecords(up, 'orders'), { interval: 1, timeout: 20_000 })
      .toBeGreaterThan(TOTAL / 5)
    first.proc.kill('SIGKILL')
    const killed = await first.exited
    expect(killed.signal).toBe('SIGKILL')
    const atKill = await totalRecords(up, 'orders')
    expect(atKill).toBeLessThan(TOTAL)

    const second: ServeProcess = await startServe(mirrorArgs)
    await expect.poll(() => totalRecords(up, 'orders'), { timeout: 30_000 }).toBe(TOTAL)
    second.proc.kill('SIGTERM')
    const stopped = await second.exited
    // It resumed from what the upstream held, not from the beginning.
    expect(stopped.stderr).toMatch(/orders\[\d\] from source offset [1-9]/)

    for (let p = 0; p < PARTITIONS; p++) {
      const { stdout } = await promisify(execFile)(
        'kcat',
        [
          '-C',
          '-b',
          `127.0.0.1:${upstream.port}`,
          '-t',
          'orders',
          '-p',
          String(p),
          '-o',
          'beginning',
          '-e',
          '-q',
          '-f',
          '%o|%k|%s|%T|%h\\n',
        ],
        { timeout: 30_000, maxBuffer: 64 << 20 },
      )
      const lines = stdout.trimEnd().split('\n')
      expect(lines.length).toBe(PER_PARTITION)
      const wrong = lines.findIndex(
        (line, i) => line !== `${i}|k${i}|${value(p, i)}|${T0 + i}|n=${i},brook.mirror.offset=${i}`,
      )
      expect(wrong === -1 ? null : lines[wrong]).toBeNull()
    }
    upstream.proc.kill('SIGTERM')
    await upstream.exited
  }, 120_000)
})
