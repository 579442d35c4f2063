/**
 * Crash: a real server process on a FileStore is killed with SIGKILL while a kafkajs producer writes
 * with acks=all. After a restart every acknowledged record is present exactly once and the log
 * reads to its end. Uses `brook serve` (src/cli/main.ts) when present, else test/crash/serve.ts.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Kafka, logLevel } from 'kafkajs'
import { afterAll, describe, expect, it } from 'vitest'
import { LineProcess } from './support.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const CLI = join(ROOT, 'src/cli/main.ts')

async function freePort(): Promise<number> {
  const s = net.createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as net.AddressInfo).port
  await new Promise((r) => s.close(r))
  return port
}

function serve(port: number, dataDir: string): LineProcess {
  const args = existsSync(CLI)
    ? [CLI, 'serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir]
    : [join(ROOT, 'test/crash/serve.ts'), '--port', String(port), '--data-dir', dataDir]
  // One node process with tsx's loader (not the tsx wrapper), so SIGKILL hits the server itself.
  return new LineProcess(process.execPath, ['--import', 'tsx', ...args])
}

async function listening(port: number, server: LineProcess): Promise<void> {
  const deadline = Date.now() + 20_000
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1')
      s.once('connect', () => {
        s.destroy()
        resolve(true)
      })
      s.once('error', () => resolve(false))
    })
    if (ok) return
    if (Date.now() > deadline || server.proc.exitCode !== null)
      throw new Error(`server did not start: ${server.stderr}\n${server.lines.join('\n')}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('crash recovery over the Kafka protocol', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'brook-crash-'))
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

  it('keeps every acks=all record exactly once across SIGKILL', async () => {
    const port = await freePort()
    let server = serve(port, dataDir)
    await listening(port, server)
    const kafka = new Kafka({
      clientId: 'crash',
      brokers: [`127.0.0.1:${port}`],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    })
    const acked = new Set<string>()
    let n = 0
    let killed = false
    const deadline = Date.now() + 15_000
    // Four producers keep batches of 50 in flight at once, so the kill lands mid-write;
    // the server dies once 2,000 records are acknowledged.
    const loop = async () => {
      const producer = kafka.producer({ retry: { retries: 0 }, allowAutoTopicCreation: true })
      await producer.connect()
      while (Date.now() < deadline) {
        const values = Array.from({ length: 50 }, () => `rec-${n++}`)
        try {
          await producer.send({ topic: 'crash', acks: -1, messages: values.map((value) => ({ value })) })
          for (const v of values) acked.add(v)
          if (acked.size >= 2000 && !killed) {
            killed = true
            server.kill('SIGKILL')
          }
        } catch (e) {
          if (killed) break
          throw e
        }
      }
      await producer.disconnect().catch(() => {})
    }
    const admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({ topics: [{ topic: 'crash', numPartitions: 1 }], waitForLeaders: true })
    await admin.disconnect()
    await Promise.all([loop(), loop(), loop(), loop()])
    expect(killed).toBe(true)
    await server.exited

    server = serve(port, dataDir)
    try {
      await listening(port, server)
      const reader = new Kafka({
        clientId: 'crash-check',
        brokers: [`127.0.0.1:${port}`],
        logLevel: logLevel.NOTHING,
      })
      const admin = reader.admin()
      await admin.connect()
      const [end] = await admin.fetchTopicOffsets('crash')
      await admin.disconnect()
      const high = Number(end!.high)
      expect(Number(end!.low)).toBe(0)
      const consumer = reader.consumer({ groupId: 'crash-check', maxWaitTimeInMs: 100 })
      await consumer.connect()
      await consumer.subscribe({ topic: 'crash', fromBeginning: true })
      const seen: { offset: number; value: string }[] = []
      await consumer.run({
        eachMessage: async ({ message }) => {
          seen.push({ offset: Number(message.offset), value: message.value!.toString() })
        },
      })
      const until = Date.now() + 20_000
      while (seen.length < high && Date.now() < until) await new Promise((r) => setTimeout(r, 50))
      await consumer.disconnect()

      // The log reads to its end: offsets 0..high-1, each once.
      expect(seen.map((s) => s.offset)).toEqual(Array.from({ length: high }, (_, i) => i))
      const values = seen.map((s) => s.value)
      expect(new Set(values).size).toBe(values.length)
      const missing = [...acked].filter((v) => !values.includes(v))
      expect(missing).toEqual([])
      expect(acked.size).toBeGreaterThanOrEqual(2000)
    } finally {
      server.kill('SIGTERM')
      await server.exited
    }
  }, 90_000)
})
