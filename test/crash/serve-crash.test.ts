/**
 * @module `brook serve` under `kill -9` while clients produce with acks=all — one idempotent kafkajs
 * producer and, beside it, plain producers keeping more writes in flight: after a restart on the same
 * data directory every acknowledged record is there exactly once, the idempotent producer's in order,
 * and the log reads to its end (kcat consumes it all; offsets run 0 … high watermark − 1).
 */

import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Kafka, logLevel } from 'kafkajs'
import { afterAll, describe, expect, it } from 'vitest'
import { killServes, startServe } from '../support/cli.ts'

let dir = ''
afterAll(async () => {
  killServes()
  if (dir) await rm(dir, { recursive: true, force: true })
})

const startServeIn = (dataDir: string) => startServe(['--port', '0', '--data-dir', dataDir])

const kafkaAt = (port: number, clientId: string, retry: { retries: number }) =>
  new Kafka({
    clientId,
    brokers: [`localhost:${port}`],
    logLevel: logLevel.NOTHING,
    retry: { ...retry, initialRetryTime: 50, maxRetryTime: 100 },
  })

describe('brook serve crash safety (SIGKILL during acks=all produce)', () => {
  it('keeps every acknowledged record exactly once after a restart', async () => {
    dir = await mkdtemp(join(tmpdir(), 'brook-serve-crash-'))
    const first = await startServeIn(dir)
    const kafka = kafkaAt(first.port, 'crash-test', { retries: 1 })
    const admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({ topics: [{ topic: 'crash', numPartitions: 1 }], waitForLeaders: true })
    await admin.disconnect()
    const deadline = Date.now() + 15_000

    // The idempotent producer writes m-0, m-1, …: its records must come back as exactly that sequence.
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
    await producer.connect()
    let acked = 0
    let next = 0
    const ordered = (async () => {
      for (let round = 0; round < 5000 && Date.now() < deadline; round++) {
        const messages = Array.from({ length: 10 }, () => ({ key: 'k', value: `m-${next++}` }))
        try {
          await producer.send({ topic: 'crash', acks: -1, messages })
        } catch {
          return
        }
        acked = Number(messages.at(-1)!.value.slice(2)) + 1
      }
    })()

    // Plain producers (no retries) keep batches of 50 in flight at the same time.
    const plainAcked = new Set<string>()
    let plainNext = 0
    const plain = async () => {
      const p = kafkaAt(first.port, 'crash-plain', { retries: 0 }).producer({ retry: { retries: 0 } })
      await p.connect()
      while (Date.now() < deadline) {
        const values = Array.from({ length: 50 }, () => `p-${plainNext++}`)
        try {
          await p.send({ topic: 'crash', acks: -1, messages: values.map((value) => ({ value })) })
        } catch {
          break
        }
        for (const v of values) plainAcked.add(v)
      }
      await p.disconnect().catch(() => {})
    }
    const plains = [plain(), plain(), plain()]

    // The kill comes from a timer, not between sends, so it usually lands while requests are in flight.
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if ((acked < 1000 || plainAcked.size < 1000) && Date.now() < deadline) return
        clearInterval(timer)
        first.proc.kill('SIGKILL')
        resolve()
      }, 3)
    })
    await Promise.all([ordered, ...plains])
    await first.exited
    await producer.disconnect().catch(() => {})
    expect(acked).toBeGreaterThanOrEqual(1000)
    expect(plainAcked.size).toBeGreaterThanOrEqual(1000)

    const second = await startServeIn(dir)
    const { stdout } = await promisify(execFile)(
      'kcat',
      ['-b', `localhost:${second.port}`, '-t', 'crash', '-C', '-e', '-f', '%o %s\\n'],
      { timeout: 20_000, maxBuffer: 64 << 20 },
    )
    const checker = kafkaAt(second.port, 'crash-check', { retries: 3 }).admin()
    await checker.connect()
    const [end] = await checker.fetchTopicOffsets('crash')
    await checker.disconnect()

    const lines = stdout.trimEnd().split('\n')
    // The log reads to its end: offsets 0 … high watermark − 1, each once.
    expect(Number(end!.low)).toBe(0)
    expect(lines.length).toBe(Number(end!.high))
    expect(lines.map((line) => Number(line.slice(0, line.indexOf(' '))))).toEqual(lines.map((_, i) => i))
    const values = lines.map((line) => line.slice(line.indexOf(' ') + 1))
    // The idempotent producer's values run m-0, m-1, … : nothing lost, nothing doubled, nothing reordered.
    const mine = values.filter((v) => v.startsWith('m-'))
    expect(mine.length).toBeGreaterThanOrEqual(acked)
    mine.forEach((v, i) => {
      expect(v).toBe(`m-${i}`)
    })
    // Every acknowledged plain record is there, and no record is there twice.
    expect(new Set(values).size).toBe(values.length)
    const present = new Set(values)
    expect([...plainAcked].filter((v) => !present.has(v))).toEqual([])
    second.proc.kill('SIGTERM')
    await second.exited
  }, 60_000)
})
