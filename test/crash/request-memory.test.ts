/**
 * @module Issue 12, defect 6: many connections each sending a huge request part way must not take
 * the broker's memory (it grew from 58 MB to 845 MB RSS with eight 95 MiB partial requests, and
 * stayed there after they closed). A real `brook serve`, real sockets, its RSS read from /proc.
 */

import { mkdtemp, readFile, rm } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { run } from '../interop/support.ts'
import { killServes, startServe } from '../support/cli.ts'

const dirs: string[] = []
afterAll(async () => {
  killServes()
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

const MiB = 1 << 20

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024
}

/** Opens `n` connections that each announce a `size`-byte request and send all of it but 1 MiB. */
async function partialSenders(port: number, n: number, size: number): Promise<net.Socket[]> {
  const sockets: net.Socket[] = []
  const chunk = Buffer.alloc(MiB, 7)
  for (let i = 0; i < n; i++) {
    const s = net.connect(port, '127.0.0.1')
    s.on('error', () => {})
    await new Promise((resolve) => s.once('connect', resolve))
    const head = Buffer.alloc(4)
    head.writeInt32BE(size)
    s.write(head)
    void (async () => {
      for (let sent = 0; sent < size - MiB && !s.destroyed; sent += MiB) {
        if (!s.write(chunk)) {
          await new Promise((resolve) => {
            s.once('drain', resolve)
            s.once('close', resolve)
          })
        }
      }
    })()
    sockets.push(s)
  }
  return sockets
}

/** The highest RSS seen over `ms`. */
async function peakOver(pid: number, ms: number): Promise<number> {
  let peak = 0
  for (const end = Date.now() + ms; Date.now() < end; ) {
    peak = Math.max(peak, await rssMiB(pid))
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return peak
}

describe('brook serve with many large requests arriving at once', { timeout: 120_000 }, () => {
  it('holds their bytes within queued.max.request.bytes, keeps serving other clients, and lets the bytes go when the connections close', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'brook-request-memory-'))
    dirs.push(dir)
    const budget = 128
    const serve = await startServe(['--port', '0', '--http-port', '-1', '--data-dir', dir])
    const pid = serve.proc.pid!
    const base = await rssMiB(pid)
    for (let round = 0; round < 2; round++) {
      const senders = await partialSenders(serve.port, 8, 95 * MiB)
      // The first is read in full; the rest wait for room, their bytes held back by TCP.
      await expect.poll(() => senders[0]!.bytesWritten, { timeout: 30_000 }).toBeGreaterThan(93 * MiB)
      const peak = await peakOver(pid, 2_000)
      expect(peak - base, `round ${round}: ${base} MiB → ${peak} MiB`).toBeLessThan(budget + 80)
      // Small requests still fit beside them: a producer and a consumer work as usual.
      const brokers = `127.0.0.1:${serve.port}`
      const produced = await run('kcat', ['-P', '-b', brokers, '-t', `beside-${round}`, '-p', '0'], {
        input: 'one\ntwo\nthree\n',
        timeoutMs: 30_000,
      })
      expect(produced.code, produced.stderr).toBe(0)
      const consumed = await run(
        'kcat',
        ['-C', '-b', brokers, '-t', `beside-${round}`, '-p', '0', '-o', 'beginning', '-e', '-q'],
        { timeoutMs: 30_000 },
      )
      expect(consumed.stdout.split('\n').filter(Boolean)).toEqual(['one', 'two', 'three'])
      for (const s of senders) s.destroy()
    }
    serve.proc.kill('SIGTERM')
    await serve.exited
  })
})
