/**
 * A `brook` command run from a Node program (child_process: its stdout is a socket, where writes are
 * asynchronous) prints every line before it exits. console-consumer exited as soon as it had asked
 * for its last line to be written: a parent that reads slower than brook writes lost the tail (1 run
 * in 5 of 3,000 lines through execFile; here, with a parent that reads a chunk every 50 ms, 2 runs
 * in 3 without the fix).
 */

import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { run } from '../interop/support.ts'
import { BIN, killServes, type ServeProcess, startServe } from '../support/cli.ts'

const COUNT = 20_000
let dir: string
let serve: ServeProcess

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'brook-stdout-'))
  serve = await startServe(['--port', '0', '--data-dir', join(dir, 'data')])
  const lines = Array.from({ length: COUNT }, (_, i) => `line ${i} ${'x'.repeat(90)}`)
  await writeFile(join(dir, 'lines.txt'), `${lines.join('\n')}\n`)
  const p = await run(
    'kcat',
    ['-b', `127.0.0.1:${serve.port}`, '-P', '-t', 'lines', '-l', join(dir, 'lines.txt')],
    {
      timeoutMs: 60_000,
    },
  )
  expect(p.code, p.stderr).toBe(0)
})
afterAll(async () => {
  killServes()
  await rm(dir, { recursive: true, force: true })
})

describe('brook run by a Node program', () => {
  it('console-consumer prints all of its 2 MB before it exits, however slowly the parent reads', async () => {
    const child = spawn(process.execPath, [
      BIN,
      'console-consumer',
      '--bootstrap-server',
      `127.0.0.1:${serve.port}`,
      '--topic',
      'lines',
      '--from-beginning',
      '--max-messages',
      String(COUNT),
    ])
    // A parent that reads slower than brook writes: brook's last lines wait in its own buffer.
    const out: Buffer[] = []
    child.stdout.on('data', (o: Buffer) => {
      out.push(o)
      child.stdout.pause()
      setTimeout(() => child.stdout.resume(), 50)
    })
    let err = ''
    child.stderr.on('data', (d: Buffer) => {
      err += d
    })
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(err).toContain(`Processed a total of ${COUNT} messages`)
    expect(code).toBe(0)
    const lines = Buffer.concat(out).toString('utf8').trim().split('\n')
    expect(lines.length).toBe(COUNT)
    expect(lines.at(-1)).toBe(`line ${COUNT - 1} ${'x'.repeat(90)}`)
  })
})
