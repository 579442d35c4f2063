/**
 * @module What the package costs its users: `brook` command start-up beside `node -e 0` (the floor
 * for any Node program, measured in the same run; target within 2×), the tarball's size, and the
 * gzip bytes a page loads — the plain-HTML build, and a Vite build of the README's page — with the
 * broker worker's budget of 40 kB. Run alone: `npm run bench -- package` (after `npm run build`).
 */

import { execFile, execFileSync, spawn } from 'node:child_process'
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { build } from 'vite'

const ROOT = join(import.meta.dirname, '..')
const BIN = join(ROOT, 'bin', 'brook.js')
const RUNS = 15
const WORKER_BUDGET = 40 * 1024

const run = promisify(execFile)

async function timeCommand(args: string[]): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint()
    // A command that fails would time its error path: let it fail the bench instead.
    await run(process.execPath, args, { cwd: ROOT })
    times.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  return times.sort((a, b) => a - b)
}

/** `brook serve` on a free port in a temp dir; resolves with its port and a stop function. */
async function serve(): Promise<{ port: number; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'brook-bench-serve-'))
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const port = await new Promise<number>((ok, fail) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = / on 127\.0\.0\.1:(\d+)/.exec(line)
      if (m) ok(Number(m[1]))
    })
    child.on('exit', (code) => fail(new Error(`brook serve exited ${code}`)))
  })
  return {
    port,
    async stop() {
      child.kill('SIGTERM')
      await new Promise((ok) => child.on('exit', ok))
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** gzip bytes of `entry` and every file it imports, transitively, in `dir`. */
async function gzipGraph(dir: string, entry: string, seen = new Set<string>()): Promise<number> {
  if (seen.has(entry)) return 0
  seen.add(entry)
  const code = await readFile(join(dir, entry), 'utf8')
  let size = gzipSync(code, { level: 9 }).byteLength
  for (const m of code.matchAll(/(?:import|from)\s*["']\.\/([^"']+)["']/g))
    size += await gzipGraph(dir, m[1]!, seen)
  return size
}

/** The README's page built by Vite against this package: gzip bytes of its JS and of its worker. */
async function viteApp(): Promise<{ main: number; worker: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'brook-bench-vite-'))
  try {
    await mkdir(join(dir, 'node_modules'), { recursive: true })
    await mkdir(join(dir, 'src'))
    await symlink(ROOT, join(dir, 'node_modules', 'brook'), 'dir')
    await writeFile(join(dir, 'index.html'), '<script type="module" src="/src/main.js"></script>')
    await writeFile(
      join(dir, 'src', 'main.js'),
      `import { connect } from 'brook/worker'
const brook = await connect({ name: 'app' })
await brook.producer().send({ topic: 'clicks', messages: [{ key: 'u1', value: 'hello' }] })
const consumer = brook.consumer({ groupId: 'ui' })
await consumer.subscribe({ topics: ['clicks'], fromBeginning: true })
await consumer.run({ eachMessage: async ({ message }) => console.log(message.offset) })
`,
    )
    await build({ root: dir, logLevel: 'silent' })
    const assets = join(dir, 'dist', 'assets')
    let main = 0
    let worker = 0
    for (const f of await readdir(assets)) {
      if (!f.endsWith('.js')) continue
      const size = gzipSync(await readFile(join(assets, f)), { level: 9 }).byteLength
      if (f.startsWith('broker.worker')) worker += size
      else main += size
    }
    return { main, worker }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

const kB = (n: number) => `${(n / 1024).toFixed(1)} kB`
const ms = (n: number) => `${n.toFixed(0)} ms`

export async function benchPackage(): Promise<undefined> {
  const server = await serve()
  try {
    const floor = await timeCommand(['-e', '0'])
    const rows: [string, number[]][] = [
      ['node -e 0 (floor)', floor],
      ['brook --help', await timeCommand([BIN, '--help'])],
      ['brook --version', await timeCommand([BIN, '--version'])],
      [
        'brook topics --list (live broker)',
        await timeCommand([BIN, 'topics', '--list', '--bootstrap-server', `127.0.0.1:${server.port}`]),
      ],
    ]
    const median = (t: number[]) => t[t.length >> 1]!
    console.log(`start-up, ${RUNS} runs each          min   median      max   × floor (median; target ≤ 2)`)
    for (const [name, t] of rows) {
      console.log(
        `${name.padEnd(34)}${ms(t[0]!).padStart(6)}${ms(median(t)).padStart(9)}${ms(t.at(-1)!).padStart(9)}${(median(t) / median(floor)).toFixed(2).padStart(10)}`,
      )
    }
  } finally {
    await server.stop()
  }

  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT }).toString(),
  )[0] as {
    size: number
    unpackedSize: number
    entryCount: number
  }
  const browserDir = join(ROOT, 'dist', 'browser')
  const plainWorker = await gzipGraph(browserDir, 'broker.worker.js')
  const plainMain = await gzipGraph(browserDir, 'brook.js')
  const vite = await viteApp()
  console.log('\nsizes')
  console.log(
    `tarball                              ${kB(packed.size)} (${kB(packed.unpackedSize)} unpacked, ${packed.entryCount} files)`,
  )
  console.log(`plain-HTML page: brook.js + chunks   ${kB(plainMain)} gzip`)
  console.log(`plain-HTML page: broker worker       ${kB(plainWorker)} gzip  (budget ${kB(WORKER_BUDGET)})`)
  console.log(`Vite build of the README page: JS    ${kB(vite.main)} gzip`)
  console.log(`Vite build of the README page: worker ${kB(vite.worker)} gzip  (budget ${kB(WORKER_BUDGET)})`)
  if (plainWorker > WORKER_BUDGET || vite.worker > WORKER_BUDGET) process.exitCode = 1
  return undefined
}
