/**
 * @module The browser files of the build: self-contained ES modules (no bare import that a page
 * without a bundler or import map could not resolve, none that a dev server would have to
 * optimise), and the broker worker within its size budget.
 */

import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { ROOT } from './support.ts'

/** gzip bytes a page downloads for the broker worker (entry and the chunks it imports). */
const WORKER_BUDGET = 40 * 1024

const DIST = join(ROOT, 'dist')

/** `name` and every file it imports, transitively, read from `dir`. */
async function graph(
  dir: string,
  name: string,
  seen = new Map<string, string>(),
): Promise<Map<string, string>> {
  if (seen.has(name)) return seen
  const code = await readFile(join(dir, name), 'utf8')
  seen.set(name, code)
  for (const spec of importsOf(code)) {
    expect(spec, `${name} imports ${spec}`).toMatch(/^\.\//)
    await graph(dir, spec.slice(2), seen)
  }
  return seen
}

function importsOf(code: string): string[] {
  const found = code.matchAll(
    /(?:import|export)[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g,
  )
  return [...found].map((m) => m[1] ?? m[2]!)
}

describe('the browser files of the build', () => {
  for (const [dir, entries] of [
    [DIST, ['worker.js', 'broker.worker.js']],
    [join(DIST, 'browser'), ['brook.js', 'broker.worker.js']],
  ] as const) {
    it(`${dir.slice(ROOT.length + 1)}: ${entries.join(', ')} import only files beside them`, async () => {
      const files = await readdir(dir)
      for (const entry of entries) {
        const seen = await graph(dir, entry)
        for (const name of seen.keys()) expect(files).toContain(name)
      }
    })
  }

  it(`keeps the minified broker worker under ${WORKER_BUDGET / 1024} kB gzipped`, async () => {
    const seen = await graph(join(DIST, 'browser'), 'broker.worker.js')
    let size = 0
    for (const code of seen.values()) size += gzipSync(code).byteLength
    expect(size).toBeLessThan(WORKER_BUDGET)
    // The worker holds the broker: a budget a near-empty file would meet proves nothing.
    expect(size).toBeGreaterThan(10 * 1024)
  })

  it('minifies the plain-HTML build', async () => {
    const code = await readFile(join(DIST, 'browser', 'brook.js'), 'utf8')
    const lines = code.split('\n').length
    expect(code.length / lines).toBeGreaterThan(1000)
  })
})
