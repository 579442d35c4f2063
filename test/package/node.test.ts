/**
 * @module The packed tarball as Node and TypeScript users get it: installed with npm into throwaway
 * projects, no clone, no options. What it holds; the README's first program run by plain Node; the
 * `brook` command from the installed bin; and TypeScript projects compiled with `skipLibCheck: false`
 * under NodeNext, Bundler and the tsconfig that create-vite generates, each with TypeScript 5.9 and
 * TypeScript 7 (which create-vite installs).
 */

import { spawn } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { killServes, startServe } from '../support/cli.ts'
import { consumerProject, type Project, ROOT, readmeBlocks, run, TARBALL } from './support.ts'

describe('the tarball', () => {
  let files: { path: string; size: number }[]
  let pkg: Record<string, unknown>

  beforeAll(async () => {
    const listed = await run('tar', ['tzvf', TARBALL], { cwd: ROOT })
    files = listed.out
      .trim()
      .split('\n')
      .map((line) => {
        const cols = line.trim().split(/\s+/)
        return { path: cols.at(-1)!.replace(/^package\//, ''), size: Number(cols[2]) }
      })
    const unpacked = await run('tar', ['xzOf', TARBALL, 'package/package.json'], { cwd: ROOT })
    pkg = JSON.parse(unpacked.out)
  })

  it('holds the build, the bin, the docs and nothing of the repository around them', () => {
    const paths = files.map((f) => f.path)
    for (const p of paths) {
      expect(p, p).toMatch(
        /^(dist\/|bin\/|docs\/|cloudflare\/(wrangler\.toml|worker\.ts)$|package\.json$|README\.md$|LICENSE$)/,
      )
      expect(p, p).not.toMatch(/(^|\/)(test|tests|fixtures|bench|scripts|\.ci|src)\/|\.test\.|\.tgz$/)
    }
    expect(paths).toContain('dist/cli.js')
    expect(paths).toContain('dist/browser/brook.js')
  })

  it('carries the notices of what it bundles (MIT, ISC, BSD and Apache ask for them)', async () => {
    const text = (await run('tar', ['xzOf', TARBALL, 'package/dist/THIRD-PARTY-NOTICES.md'], { cwd: ROOT }))
      .out
    for (const name of ['comlink', 'idb', 'hono', 'snappyjs', 'lz4js', 'fzstd', '@bokuweb/zstd-wasm', 'zstd'])
      expect(text, name).toMatch(new RegExp(`^## ${name.replace('/', '\\/')} `, 'm'))
    expect(text).toContain('Copyright (c) Meta Platforms') // zstd, inlined as WebAssembly
  })

  it('resolves every export to a file it ships, with types for every code entry', () => {
    const paths = new Set(files.map((f) => f.path))
    const exports = pkg.exports as Record<string, string | { types: string; import: string }>
    expect(Object.keys(exports)).toEqual(expect.arrayContaining(['.', './worker', './edge', './cloudflare']))
    for (const [name, target] of Object.entries(exports)) {
      const targets = typeof target === 'string' ? [target] : [target.types, target.import]
      if (typeof target !== 'string') expect(target.types, name).toMatch(/\.d\.ts$/)
      for (const t of targets) expect(paths.has(t.replace(/^\.\//, '')), `${name} → ${t}`).toBe(true)
    }
  })

  it('needs nothing at run time: no dependencies, no install scripts', () => {
    expect(pkg.dependencies ?? {}).toEqual({})
    const scripts = (pkg.scripts ?? {}) as Record<string, string>
    for (const s of ['preinstall', 'install', 'postinstall', 'prepare']) expect(scripts[s], s).toBeUndefined()
  })
})

/** Writes each codec brook writes through its client, then reads the stored batches and records. */
const CODECS = `import { Broker, Compression, MemoryStore, createBrook, readBatchHeader, splitBatches } from 'brook'
const broker = await Broker.open({ store: new MemoryStore(), autoCreateTopics: true })
const brook = createBrook({ service: broker })
const producer = brook.producer()
await producer.connect()
const out = {}
for (const codec of ['gzip', 'snappy', 'lz4']) {
  const messages = Array.from({ length: 50 }, (_, i) => ({ value: codec + ' ' + i + ' ' + 'z'.repeat(i) }))
  await producer.send({ topic: codec, compression: Compression[codec], messages })
  const res = await broker.fetch({ maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20,
    topics: [{ name: codec, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }] })
  const bytes = res.topics[0].partitions[0].records
  const codecs = splitBatches(bytes).map((b) => readBatchHeader(b).attributes & 7)
  const values = []
  const consumer = brook.consumer({ groupId: 'g-' + codec })
  await consumer.subscribe({ topic: codec, fromBeginning: true })
  await new Promise((done) => consumer.run({ eachMessage: async ({ message }) => {
    values.push(new TextDecoder().decode(message.value))
    if (values.length === 50) done()
  } }))
  await consumer.disconnect()
  out[codec] = { codecs, values }
}
await producer.disconnect()
console.log(JSON.stringify(out))
process.exit(0)
`

describe('brook in a plain Node project', () => {
  let project: Project

  beforeAll(async () => {
    const [first] = await readmeBlocks('A first program')
    project = await consumerProject({ 'first.mjs': first!.code, 'codecs.mjs': CODECS })
  })
  afterAll(async () => {
    killServes()
    await project?.close()
  })

  it("runs the README's first program as written", async () => {
    const child = spawn(process.execPath, ['first.mjs'], {
      cwd: project.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let err = ''
    child.stderr.on('data', (d) => {
      err += d
    })
    try {
      const line = await new Promise<string>((ok, fail) => {
        createInterface({ input: child.stdout }).on('line', ok)
        child.on('exit', (code) => fail(new Error(`exited ${code}: ${err}`)))
      })
      expect(line).toBe('0 0 hello')
    } finally {
      child.kill()
    }
  })

  it('compresses with each codec it writes and reads them back: the codec chunks ship and load', async () => {
    const r = await run(process.execPath, ['codecs.mjs'], { cwd: project.dir, timeout: 30_000 })
    expect(r.code, r.err).toBe(0)
    const out = JSON.parse(r.out) as Record<string, { codecs: number[]; values: string[] }>
    for (const [codec, code] of [
      ['gzip', 1],
      ['snappy', 2],
      ['lz4', 3],
    ] as const) {
      expect(out[codec]!.codecs, codec).toEqual([code])
      expect(out[codec]!.values, codec).toEqual(
        Array.from({ length: 50 }, (_, i) => `${codec} ${i} ${'z'.repeat(i)}`),
      )
    }
  })

  it('the installed brook console-consumer reads what kcat -z sends with every codec', async () => {
    const brook = join(project.dir, 'node_modules', '.bin', 'brook')
    const serve = await startServe(['--port', '0', '--data-dir', join(project.dir, 'data-z')], {
      bin: brook,
      cwd: project.dir,
    })
    const b = ['--bootstrap-server', `127.0.0.1:${serve.port}`]
    try {
      for (const codec of ['gzip', 'snappy', 'lz4', 'zstd']) {
        const lines = Array.from({ length: 100 }, (_, i) => `${codec} line ${i} ${'q'.repeat(i % 30)}`)
        const file = join(project.dir, `z-${codec}.txt`)
        await writeFile(file, `${lines.join('\n')}\n`)
        const p = await run(
          'kcat',
          ['-b', `127.0.0.1:${serve.port}`, '-P', '-t', `z-${codec}`, '-z', codec, '-l', file],
          {
            cwd: project.dir,
          },
        )
        expect(p.code, p.err).toBe(0)
        const c = await run(
          brook,
          ['console-consumer', '--topic', `z-${codec}`, '--from-beginning', '--max-messages', '100', ...b],
          { cwd: project.dir, timeout: 30_000 },
        )
        expect(c.code, c.err).toBe(0)
        expect(c.out.trim().split('\n'), codec).toEqual(lines)
      }
    } finally {
      serve.proc.kill('SIGTERM')
      await serve.exited
    }
  })

  it('runs the brook command from the installed bin: serve, create, produce, consume', async () => {
    const brook = join(project.dir, 'node_modules', '.bin', 'brook')
    const version = await run(brook, ['--version'], { cwd: project.dir })
    expect(version.out.trim()).toBe(
      `brook ${JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')).version}`,
    )

    const serve = await startServe(['--port', '0', '--data-dir', join(project.dir, 'data')], {
      bin: brook,
      cwd: project.dir,
    })
    const b = ['--bootstrap-server', `127.0.0.1:${serve.port}`]
    const created = await run(brook, ['topics', '--create', '--topic', 'orders', '--partitions', '2', ...b], {
      cwd: project.dir,
    })
    expect(created.code, created.err).toBe(0)
    const produced = await new Promise<number | null>((ok) => {
      const p = spawn(brook, ['console-producer', '--topic', 'orders', ...b], { cwd: project.dir })
      p.stdin.end('one\ntwo\nthree\n')
      p.on('exit', ok)
    })
    expect(produced).toBe(0)
    const consumed = await run(
      brook,
      ['console-consumer', '--topic', 'orders', '--from-beginning', '--max-messages', '3', ...b],
      { cwd: project.dir, timeout: 30_000 },
    )
    expect(consumed.code, consumed.err).toBe(0)
    expect(consumed.out.trim().split('\n').sort()).toEqual(['one', 'three', 'two'])
    serve.proc.kill('SIGTERM')
    expect((await serve.exited).code).toBe(0)
  })
})

/** A web module: connect() and the error class, from brook/worker alone and beside brook. */
const WEB_TS = `import { BrookError as CoreError, isBrookError } from 'brook'
import { BrookError, type ConnectOptions, connect, KAFKA_ERRORS } from 'brook/worker'

const options: ConnectOptions = { name: 'app' }
const brook = await connect(options)
await brook.admin().createTopics({ topics: [{ topic: 'clicks', numPartitions: 2 }] })
await brook.producer().send({ topic: 'clicks', messages: [{ key: 'u1', value: 'hello' }] })
const consumer = brook.consumer({ groupId: 'ui' })
await consumer.subscribe({ topics: ['clicks'], fromBeginning: true })
await consumer.run({
  eachMessage: async ({ message }) => console.log(message.offset, new TextDecoder().decode(message.value ?? undefined)),
})
try {
  await brook.admin().createTopics({ topics: [{ topic: 'no spaces' }] })
} catch (e) {
  if (e instanceof BrookError && e instanceof CoreError && isBrookError(e)) console.log(e.type, KAFKA_ERRORS[e.type].code)
}
`

/** A Node module of brook/edge. */
const EDGE_TS = `import { Broker } from 'brook'
import { BrookError, FileStore, startKafkaServer } from 'brook/edge'

const store = await FileStore.open({ dir: './data' })
const broker = await Broker.open({ store })
const server = await startKafkaServer({ broker, host: '127.0.0.1', port: 0 })
console.log(server.port, new BrookError('UNKNOWN_TOPIC_OR_PARTITION', 'none').code)
await server.close()
`

const TSCONFIGS: Record<string, object> = {
  nodenext: {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      lib: ['ES2023'],
      types: ['node'],
      strict: true,
      verbatimModuleSyntax: true,
      skipLibCheck: false,
      noEmit: true,
    },
    files: ['first.ts', 'edge.ts'],
  },
  bundler: {
    compilerOptions: {
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      lib: ['ES2023', 'DOM', 'DOM.Iterable'],
      types: [],
      strict: true,
      skipLibCheck: false,
      noEmit: true,
    },
    files: ['src/main.ts'],
  },
  // What create-vite 9.3.0 writes for its vanilla-ts template (template-vanilla-ts/tsconfig.json),
  // with skipLibCheck turned off so that brook's declarations are checked too.
  'create-vite': {
    compilerOptions: {
      target: 'es2023',
      module: 'esnext',
      lib: ['ES2023', 'DOM'],
      types: ['vite/client'],
      allowArbitraryExtensions: true,
      skipLibCheck: false,
      moduleResolution: 'bundler',
      allowImportingTsExtensions: true,
      verbatimModuleSyntax: true,
      moduleDetection: 'force',
      noEmit: true,
      noUnusedLocals: true,
      noUnusedParameters: true,
      erasableSyntaxOnly: true,
      noFallthroughCasesInSwitch: true,
    },
    include: ['src'],
  },
}

const COMPILERS: Record<string, string> = {
  'TypeScript 5': join(ROOT, 'node_modules/typescript/bin/tsc'),
  'TypeScript 7': join(ROOT, 'node_modules/typescript-7/bin/tsc'),
}

describe('brook in TypeScript projects (skipLibCheck: false)', () => {
  let project: Project

  beforeAll(async () => {
    const [first] = await readmeBlocks('A first program')
    const files: Record<string, string> = {
      'first.ts': first!.code,
      'edge.ts': EDGE_TS,
      'src/main.ts': WEB_TS,
    }
    for (const [name, config] of Object.entries(TSCONFIGS))
      files[`tsconfig.${name}.json`] = JSON.stringify(config, null, 2)
    project = await consumerProject(files, ['vite', '@types/node'])
  })
  afterAll(() => project?.close())

  for (const [compiler, tsc] of Object.entries(COMPILERS)) {
    for (const name of Object.keys(TSCONFIGS)) {
      it(`compiles with zero errors: ${name}, ${compiler}`, async () => {
        const r = await run(process.execPath, [tsc, '-p', `tsconfig.${name}.json`], { cwd: project.dir })
        expect(r.out + r.err).toBe('')
        expect(r.code).toBe(0)
      })
    }
  }
})
