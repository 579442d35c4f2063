/**
 * @module brook's Cloudflare entry in real workerd (miniflare): the package build's
 * `dist/cloudflare.js` bundled into one worker module as wrangler would, its three Durable Object
 * classes bound with SQLite storage, served on an ephemeral 127.0.0.1 port.
 */

import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Miniflare } from 'miniflare'
import { build } from 'rolldown'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const COMPATIBILITY_DATE = '2026-04-01'

/** Bundles `entry` (source text importing the build) into one module; returns its path. */
export async function bundleWorker(entry: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'brook-cf-'))
  await writeFile(join(dir, 'entry.js'), entry)
  await build({
    input: join(dir, 'entry.js'),
    platform: 'neutral',
    resolve: { mainFields: ['module', 'main'] },
    external: ['cloudflare:workers'],
    logLevel: 'warn',
    output: { file: join(dir, 'worker.js'), format: 'esm', inlineDynamicImports: true },
  })
  return join(dir, 'worker.js')
}

export interface Workerd {
  url: string
  mf: Miniflare
  close(): Promise<void>
}

/** brook's worker, as a deployment's `export … from 'brook/cloudflare'` makes it. */
export async function startBrookWorker(
  vars: Record<string, string> = { BROOK_INSECURE: 'true' },
  opts: { persist?: string } = {},
): Promise<Workerd> {
  const scriptPath = await bundleWorker(
    `export { default, BrookCoordinator, BrookPartition, BrookGateway } from ${JSON.stringify(join(ROOT, 'dist/cloudflare.js'))}\n`,
  )
  const mf = new Miniflare({
    modules: true,
    scriptPath,
    // Module names are paths below this folder.
    modulesRoot: dirname(scriptPath),
    compatibilityDate: COMPATIBILITY_DATE,
    durableObjects: {
      BROOK_COORDINATOR: { className: 'BrookCoordinator', useSQLite: true },
      BROOK_PARTITION: { className: 'BrookPartition', useSQLite: true },
      BROOK_GATEWAY: { className: 'BrookGateway', useSQLite: true },
    },
    bindings: vars,
    // A folder keeps every object's SQLite file across restarts; in memory otherwise.
    durableObjectsPersist: opts.persist ?? false,
    host: '127.0.0.1',
    port: 0,
  })
  const url = await mf.ready
  return { url: url.toString(), mf, close: () => mf.dispose() }
}
