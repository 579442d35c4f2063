/**
 * @module FileStore under `kill -9`: a child process appends and flushes, reporting every
 * acknowledged batch; the parent kills it mid-stream, reopens the files and checks that every
 * acknowledged record is there exactly once and that the log reads cleanly to its end. Three rounds,
 * each continuing the log the last one left.
 */

import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, describe, expect, it } from 'vitest'
import { decodeRecords, verifyBatch } from '../../src/core/format/record-batch.ts'
import { FileStore } from '../../src/edge/file-store.ts'

const root = join(import.meta.dirname, '..', '..')
const child = join(import.meta.dirname, 'file-store-writer.ts')
let dir = ''
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

interface Ack {
  partition: number
  base: number
  count: number
}

/** Runs the writer until it has acknowledged `killAfter` batches, then SIGKILLs it. */
function runAndKill(killAfter: number): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const proc: ChildProcess = spawn(process.execPath, ['--import', 'tsx', child, dir], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const acks: Ack[] = []
    let stderr = ''
    proc.stderr!.on('data', (d) => {
      stderr += d
    })
    const lines = createInterface({ input: proc.stdout! })
    lines.on('line', (line) => {
      const m = /^ack (\d) (\d+) (\d+)$/.exec(line)
      if (!m) return
      acks.push({ partition: Number(m[1]), base: Number(m[2]), count: Number(m[3]) })
      if (acks.length === killAfter) proc.kill('SIGKILL')
    })
    proc.on('error', reject)
    proc.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acks)
      else reject(new Error(`writer exited with ${code} before the kill: ${stderr}`))
    })
  })
}

describe('FileStore crash safety (SIGKILL)', () => {
  it('keeps every acknowledged record exactly once and reads cleanly to the end', async () => {
    dir = await mkdtemp(join(tmpdir(), 'brook-crash-'))
    const acked: Ack[] = []
    for (const killAfter of [90, 40, 130]) {
      acked.push(...(await runAndKill(killAfter)))
      const lines: string[] = []
      const store = await FileStore.open({ dir, log: (l) => lines.push(l) })
      for (const partition of [0, 1]) {
        const offsets: number[] = []
        for await (const batch of store.scan('crash', partition)) {
          verifyBatch(batch) // every stored batch is whole and passes its CRC
          for (const r of decodeRecords(batch)) {
            expect(new TextDecoder().decode(r.value!)).toMatch(new RegExp(`^p${partition}-o${r.offset}-x+$`))
            offsets.push(r.offset)
          }
        }
        // Offsets run 0, 1, 2, … with no gap and no duplicate.
        expect(offsets).toEqual(offsets.map((_, i) => i))
        const mine = acked.filter((a) => a.partition === partition)
        const lastAcked = Math.max(...mine.map((a) => a.base + a.count))
        expect(offsets.length).toBeGreaterThanOrEqual(lastAcked)
        expect((await store.getMeta(`acked/${partition}`)) as number).toBeGreaterThanOrEqual(lastAcked)
      }
      await store.close()
    }
  }, 60_000)
})
