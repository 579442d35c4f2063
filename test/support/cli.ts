/**
 * @module Running the `brook` CLI in tests: as a user does (a child process of bin/brook.js), or
 * in-process through `run()` with any `Connector` — an in-process broker, or the real Kafka-protocol
 * connector over TCP — capturing stdout, stderr and the exit code alike; and `brook serve` processes.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { CliContext, Connector, Output } from '../../src/cli/context.ts'
import { run } from '../../src/cli/main.ts'

export interface CliResult {
  code: number
  out: string
  err: string
}

export const ROOT = join(import.meta.dirname, '..', '..')
export const BIN = join(ROOT, 'bin', 'brook.js')

/** `brook <args> --bootstrap-server <bootstrap>` as a child process, `stdin` piped in. */
export function brookProcess(
  args: string[],
  bootstrap: string,
  stdin = '',
  timeout = 20_000,
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args, '--bootstrap-server', bootstrap],
      { cwd: ROOT, timeout },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        resolve({ code, out: stdout, err: stderr })
      },
    )
    child.stdin!.end(stdin)
  })
}

class Collect implements Output {
  text = ''
  write(s: string): boolean {
    this.text += s
    return true
  }
  once(): void {}
}

/** `brook <argv>` in this process through `run()`, connecting with `connect`. */
export async function brookInProcess(
  argv: string[],
  connect: Connector,
  stdin = '',
  signal: AbortSignal = new AbortController().signal,
): Promise<CliResult> {
  const stdout = new Collect()
  const stderr = new Collect()
  const ctx: CliContext = {
    stdout,
    stderr,
    stdin: (async function* () {
      if (stdin) yield new TextEncoder().encode(stdin)
    })(),
    signal,
    connect,
    env: {},
  }
  const code = await run(argv, ctx)
  return { code, out: stdout.text, err: stderr.text }
}

export interface ServeProcess {
  proc: ChildProcess
  port: number
  /** The relay's HTTP port; -1 with `--http-port -1`. */
  httpPort: number
  /** The line it printed once listening. */
  line: string
  /** Everything it has printed on stdout so far. */
  stdout(): string
  exited: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>
}

const serving = new Set<ChildProcess>()

/**
 * Starts `brook serve <args>` (a child process of `bin`, by default this repository's) and resolves
 * once it printed its listening line.
 */
export function startServe(args: string[], opts: { bin?: string; cwd?: string } = {}): Promise<ServeProcess> {
  // Tests run side by side: the relay takes any free port unless the test chose one.
  if (!args.includes('--http-port')) args = [...args, '--http-port', '0']
  const http = args[args.indexOf('--http-port') + 1] !== '-1'
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [opts.bin ?? BIN, 'serve', ...args], {
      cwd: opts.cwd ?? ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    serving.add(proc)
    let stdout = ''
    let stderr = ''
    proc.stderr!.on('data', (d) => {
      stderr += d
    })
    const exited = new Promise<Awaited<ServeProcess['exited']>>((res) =>
      proc.on('exit', (code, signal) => {
        serving.delete(proc)
        res({ code, signal, stdout, stderr })
      }),
    )
    let port = 0
    let kafkaLine = ''
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      stdout += `${line}\n`
      const m = /Kafka listener on 127\.0\.0\.1:(\d+)/.exec(line)
      if (m) {
        port = Number(m[1])
        kafkaLine = line
        if (!http) resolve({ proc, port, httpPort: -1, line, exited, stdout: () => stdout })
      }
      const r = /relay on http:\/\/127\.0\.0\.1:(\d+)\//.exec(line)
      if (r) resolve({ proc, port, httpPort: Number(r[1]), line: kafkaLine, exited, stdout: () => stdout })
    })
    exited.then((r) => reject(new Error(`brook serve exited (${r.code}) before listening: ${r.stderr}`)))
  })
}

/** SIGKILLs every `brook serve` a test left running. */
export function killServes(): void {
  for (const c of serving) c.kill('SIGKILL')
}
