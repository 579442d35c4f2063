/** @module Shared plumbing for the interop tests: an in-process brook on an ephemeral port, and child processes. */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Broker } from '../../src/core/broker.ts'
import { MemoryStore } from '../../src/core/memory-store.ts'
import type { KafkaAuth } from '../../src/core/protocol/server.ts'
import type { BrokerService } from '../../src/core/service.ts'
import { type KafkaServer, startKafkaServer } from '../../src/edge/kafka/index.ts'

export const PYTHON = '/usr/bin/python3'
export const PY_DIR = fileURLToPath(new URL('./python/', import.meta.url))

export interface Brook {
  broker: Broker
  server: KafkaServer
  port: number
  logs: string[]
  close(): Promise<void>
}

export async function startBrook(
  opts: { defaultPartitions?: number; wrap?: (b: Broker) => BrokerService; auth?: KafkaAuth } = {},
): Promise<Brook> {
  const broker = await Broker.open({
    store: new MemoryStore(),
    autoCreateTopics: true,
    defaultPartitions: opts.defaultPartitions ?? 1,
    host: '127.0.0.1',
    port: 0,
    nodeId: 1,
  })
  const logs: string[] = []
  const server = await startKafkaServer({
    broker: opts.wrap ? opts.wrap(broker) : broker,
    host: '127.0.0.1',
    port: 0,
    // What an operator sees at the default level (info): debug lines name every connection.
    log: (l, level) => level !== 'debug' && logs.push(l),
    auth: opts.auth,
  })
  return {
    broker,
    server,
    port: server.port,
    logs,
    async close() {
      await server.close()
      await broker.close?.()
    },
  }
}

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a command to completion (killed after `timeoutMs`), feeding `input` on stdin. */
export function run(
  cmd: string,
  args: string[],
  opts: { input?: string | Uint8Array; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.stderr.on('data', (d: Buffer) => err.push(d))
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      })
    })
    child.stdin.on('error', () => {})
    child.stdin.end(opts.input ?? '')
  })
}

/** A long-running child whose stdout is collected line by line. */
export class LineProcess {
  readonly proc: ChildProcess
  readonly lines: string[] = []
  stderr = ''
  private partial = ''
  private waiters: (() => void)[] = []
  exited: Promise<number | null>

  constructor(cmd: string, args: string[]) {
    this.proc = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    this.proc.stdout!.on('data', (d: Buffer) => {
      this.partial += d.toString('utf8')
      const parts = this.partial.split('\n')
      this.partial = parts.pop()!
      this.lines.push(...parts)
      for (const w of this.waiters.splice(0)) w()
    })
    this.proc.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString('utf8')
    })
    this.proc.stdin!.on('error', () => {})
    this.exited = new Promise((resolve) => this.proc.on('close', (code) => resolve(code)))
    void this.exited.then(() => {
      for (const w of this.waiters.splice(0)) w()
    })
  }

  send(line: string): void {
    this.proc.stdin!.write(`${line}\n`)
  }

  /** Waits until `pred` holds over the lines so far; throws with the child's output on timeout. */
  async waitFor(pred: (lines: string[]) => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!pred(this.lines)) {
      const left = deadline - Date.now()
      if (left <= 0 || this.proc.exitCode !== null)
        throw new Error(
          `timed out waiting for ${what}\n--- stdout ---\n${this.lines.join('\n')}\n--- stderr ---\n${this.stderr.slice(-4000)}`,
        )
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 250))
        this.waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.proc.exitCode === null) this.proc.kill(signal)
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
