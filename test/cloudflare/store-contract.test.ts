/**
 * The core Store contract against DurableObjectStore in real workerd (a SQLite-backed Durable
 * Object): the contract is bundled with vitest's own `expect` into a worker, run there, and each
 * of its tests reported here under its own name.
 */

import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Miniflare } from 'miniflare'
import { build } from 'rolldown'
import { afterAll, describe, expect, it } from 'vitest'
import { COMPATIBILITY_DATE } from './support.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

interface Result {
  name: string
  ok: boolean
  error?: string
}

describe('DurableObjectStore in workerd', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'brook-cf-contract-'))
  const scriptPath = join(dir, 'worker.js')
  await build({
    input: join(ROOT, 'test/cloudflare/fixtures/contract-worker.ts'),
    platform: 'neutral',
    resolve: {
      alias: { vitest: join(ROOT, 'test/browser/fixtures/vitest-shim.ts') },
      mainFields: ['module', 'main'],
    },
    external: ['cloudflare:workers'],
    logLevel: 'warn',
    output: { file: scriptPath, format: 'esm', inlineDynamicImports: true },
  })
  const mf = new Miniflare({
    modules: true,
    scriptPath,
    modulesRoot: dirname(scriptPath),
    compatibilityDate: COMPATIBILITY_DATE,
    durableObjects: { CONTRACT: { className: 'ContractObject', useSQLite: true } },
  })
  afterAll(() => mf.dispose())
  // Run at collection so that every contract test appears here under its own name.
  const results = (await (await mf.dispatchFetch('http://contract/')).json()) as Result[]

  it('ran the whole contract in workerd', () => {
    expect(
      results.filter((r) => r.name.includes('Store contract: DurableObjectStore (workerd) >')).length,
    ).toBeGreaterThanOrEqual(15)
    expect(results.some((r) => r.name.endsWith('keeps everything flushed across a reopen'))).toBe(true)
  })
  for (const r of results) {
    it(r.name, () => {
      if (!r.ok) throw new Error(r.error)
    })
  }
})
