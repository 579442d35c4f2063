/**
 * @module The one rule of brook's layout: `src/core` runs anywhere, so it imports only its own files
 * (relative paths) and uses no runtime-specific global — no Node, no DOM, no idb/hono/comlink.
 * Test files beside the source may also import the test tools (vitest, fast-check) and shared test code
 * under test/ (fixtures, conformance suites), but nothing from Node either.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..')
const CORE = join(ROOT, 'src/core')
const TEST_TOOLS = new Set(['vitest', 'fast-check'])
/**
 * Packages core may import: pure JavaScript that runs unchanged in Node, browsers and workerd, and
 * only from the compression codecs, which load them on demand (format/codecs/).
 */
const NEUTRAL_PACKAGES = new Set(['snappyjs', 'lz4js', 'lz4js/xxh32.js', 'fzstd'])
const CODECS = join(ROOT, 'src/core/format/codecs')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name)
    if (e.isDirectory()) return sourceFiles(path)
    return /\.(ts|mts|js|mjs)$/.test(e.name) ? [path] : []
  })
}

const isTest = (path: string): boolean => /\.test\.[mc]?[jt]s$/.test(path) || /\.spec\.[mc]?[jt]s$/.test(path)

/** Blanks comments and string/template contents so prose like "never Buffer" is not flagged. */
function codeOnly(src: string): string {
  return src.replace(
    /\/\*[\s\S]*?\*\/|\/\/[^\n]*|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`/g,
    (m) =>
      m.startsWith('/') ? ' '.repeat(m.length) : `${m[0]}${' '.repeat(Math.max(0, m.length - 2))}${m[0]}`,
  )
}

/** Every module specifier: static imports/exports, dynamic import(), require(). */
function specifiers(src: string): string[] {
  const found: string[] = []
  const patterns = [
    /(?:^|[\s;}])import\s+(?:type\s+)?(?:[\w*${}\s,]+?\s+from\s+)?['"]([^'"]+)['"]/g,
    /(?:^|[\s;}])export\s+(?:type\s+)?[\w*${}\s,]*?\s+from\s+['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"`]([^'"`]+)['"`]/g,
    /\brequire\s*\(\s*['"`]([^'"`]+)['"`]/g,
  ]
  const noComments = src.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '')
  for (const re of patterns) for (const m of noComments.matchAll(re)) found.push(m[1]!)
  if (/\bimport\s*\(\s*[^'"`\s)]/.test(noComments)) found.push('<computed import()>')
  if (/\brequire\s*\(\s*[^'"`\s)]/.test(noComments)) found.push('<computed require()>')
  return found
}

const FORBIDDEN_GLOBALS: [RegExp, string][] = [
  [/(?<![\w$.])Buffer\b/, 'Buffer (use Uint8Array)'],
  [/(?<![\w$])process\./, 'process. (inject configuration)'],
  [/(?<![\w$.])indexedDB\b/, 'indexedDB (belongs in src/worker)'],
  [/(?<![\w$])window\./, 'window. (DOM only)'],
  [/(?<![\w$])document\./, 'document. (DOM only)'],
  [/(?<![\w$.])__dirname\b|(?<![\w$.])__filename\b/, '__dirname/__filename (Node only)'],
]

function violations(path: string, src: string): string[] {
  const out: string[] = []
  const test = isTest(path)
  for (const spec of specifiers(src)) {
    const relativePath = spec.startsWith('./') || spec.startsWith('../')
    const target = join(path, '..', spec)
    const inside = (dir: string) => relativePath && !relative(dir, target).startsWith('..')
    if (inside(CORE)) continue
    if (NEUTRAL_PACKAGES.has(spec) && !relative(CODECS, path).startsWith('..')) continue
    // Tests may use the test tools and shared test code (fixtures, conformance suites) under test/.
    if (test && (TEST_TOOLS.has(spec) || inside(join(ROOT, 'test')))) continue
    out.push(`imports '${spec}'`)
  }
  if (!test) {
    const code = codeOnly(src)
    for (const [re, what] of FORBIDDEN_GLOBALS) if (re.test(code)) out.push(`uses ${what}`)
  }
  return out
}

describe('src/core stays runtime-neutral', () => {
  it('imports only its own files and uses no Node or DOM globals', () => {
    const files = sourceFiles(CORE)
    expect(files.length).toBeGreaterThan(5)
    const bad = files.flatMap((f) =>
      violations(f, readFileSync(f, 'utf8')).map((v) => `${relative(ROOT, f)}: ${v}`),
    )
    expect(bad).toEqual([])
  })

  it('loads the WebAssembly zstd compressor only on demand, from the zstd codec', () => {
    // A static import anywhere would put 350 KB into every bundle that reaches it (the browser worker).
    const importers = sourceFiles(CORE).flatMap((f) => {
      const src = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '')
      const staticImport = /(?:^|[\s;}])(?:import|export)\s[^'"()]*?from\s+['"]([^'"]+)['"]/g
      const dynamicImport = /\bimport\s*\(\s*['"]([^'"]+)['"]/g
      const hits: string[] = []
      for (const m of src.matchAll(staticImport))
        if (/zstd-wasm(\.generated)?\.ts$/.test(m[1]!)) hits.push(`${relative(ROOT, f)} static ${m[1]}`)
      for (const m of src.matchAll(dynamicImport))
        if (/zstd-wasm(\.generated)?\.ts$/.test(m[1]!)) hits.push(`${relative(ROOT, f)} dynamic ${m[1]}`)
      return hits
    })
    expect(importers.sort()).toEqual([
      'src/core/format/codecs/zstd-wasm.ts static ./zstd-wasm.generated.ts',
      'src/core/format/codecs/zstd.ts dynamic ./zstd-wasm.ts',
    ])
  })

  it('catches the imports and globals it is meant to catch', () => {
    const file = join(CORE, 'x.ts')
    const cases: [string, number][] = [
      ["import { readFile } from 'node:fs'", 1],
      ["import type { Hono } from 'hono'", 1],
      ["export { openDB } from 'idb'", 1],
      ["const m = await import('comlink')", 1],
      ["const fs = require('fs')", 1],
      ["import { x } from '../edge/thing.ts'", 1],
      ['const b = Buffer.from(x)', 1],
      ['if (process.env.X) {}', 1],
      ['indexedDB.open("x")', 1],
      ['window.setTimeout(f)', 1],
      ['document.title = "x"', 1],
      ["import { crc32c } from './crc32c.ts'", 0],
      ["import { x } from './sub/y.ts'", 0],
      ['const a = new ArrayBuffer(8) // Buffer in a comment', 0],
      ["const s = 'never use Buffer or process.env here'", 0],
      ['const w = myWindow.x + globalProcess.y', 0],
    ]
    for (const [src, n] of cases) expect(violations(file, src), src).toHaveLength(n)
    expect(violations(join(CORE, 'x.test.ts'), "import { it } from 'vitest'")).toEqual([])
    expect(violations(join(CORE, 'x.test.ts'), "import { d } from '../../test/conformance/s.ts'")).toEqual([])
    expect(violations(join(CORE, 'x.test.ts'), "import { spawn } from 'node:child_process'")).toHaveLength(1)
    expect(violations(join(CORE, 'x.test.ts'), "import { app } from '../edge/app.ts'")).toHaveLength(1)
  })
})
