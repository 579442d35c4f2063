/** @module Starts a benchmark server (bench/servers/*.ts) in its own process and waits for `ready …`. */

import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

/** Where `--import tsx` resolves. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface Spawned {
  /** The words after `ready`. */
  ready: string[]
  child: ChildProcess
  stop(): Promise<void>
}

/** BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the servers. */
const nodeArgs = () => (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)

export async function spawnServer(script: string, args: string[]): Promise<Spawned> {
  const file = fileURLToPath(new URL(`./${script}`, import.meta.url))
  const child = spawn(process.execPath, [...nodeArgs(), '--import', 'tsx', file, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout! })
  const ready = await new Promise<string[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start in 30 s`)), 30_000)
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)))
    lines.on('line', (line) => {
      if (!line.startsWith('ready ')) return
      clearTimeout(timer)
      resolve(line.split(' ').slice(1))
    })
  })
  return {
    ready,
    child,
    async stop() {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await once(child, 'exit')
      clearTimeout(timer)
    },
  }
}
