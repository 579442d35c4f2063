/**
 * @module The `brook/worker` package as built for pages: self-contained ES modules (no bare imports a
 * browser could not resolve without a bundler or import map) within a size budget.
 */

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT } from './harness.ts'

/** gzip bytes a page downloads for the broker worker (entry and the chunks it imports). */
const WORKER_BUDGET = 64 * 1024

describe('the built brook/worker package', () => {
  let dir: string
  const files = new Map<string, string>()

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'brook-pkg-'))
    await build({
      configFile: join(ROOT, 'vite.worker.config.ts'),
      mode: 'test',
      logLevel: 'error',
      build: { outDir: dir, sourcemap: false },
    })
    for (const f of await readdir(dir))
      if (f.endsWith('.js')) files.set(f, await readFile(join(dir, f), 'utf8'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('has the page entry and the worker entry side by side', () => {
    expect(files.has('index.js')).toBe(true)
    expect(files.has('broker.worker.js')).toBe(true)
    expect(files.get('index.js')).toMatch(/export\s*\{[^}]*\bconnect\b/)
  })

  it('imports only its own files, so serving the folder is enough', () => {
    let imports = 0
    for (const [name, code] of files) {
      const specifiers = [
        ...code.matchAll(/(?:import|export)[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']/g),
      ]
      for (const m of specifiers) {
        const spec = m[1] ?? m[2]!
        expect(spec, `${name} imports ${spec}`).toMatch(/^\.\.?\//)
        expect(files.has(spec.replace(/^\.\//, '')), `${name} imports missing ${spec}`).toBe(true)
        imports++
      }
    }
    // Both entries share the core chunk, so there is something to check.
    expect(imports).toBeGreaterThanOrEqual(2)
  })

  it(`keeps the broker worker under ${WORKER_BUDGET / 1024} kB gzipped`, () => {
    const seen = new Set<string>()
    const visit = (name: string): number => {
      if (seen.has(name)) return 0
      seen.add(name)
      const code = files.get(name)!
      let size = gzipSync(code).byteLength
      for (const m of code.matchAll(/from\s*["']\.\/([^"']+)["']/g)) size += visit(m[1]!)
      return size
    }
    expect(visit('broker.worker.js')).toBeLessThan(WORKER_BUDGET)
  })
})
