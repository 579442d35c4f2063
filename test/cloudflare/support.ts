/**
 * @module brook's Cloudflare deployment in real workerd (miniflare): cloudflare/worker.ts bundled
 * by wrangler from the package build, its three Durable Object classes bound with SQLite storage as
 * cloudflare/wrangler.toml binds them, served on an ephemeral 127.0.0.1 port.
 */

import { execFile } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { Miniflare } from 'miniflare'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const COMPATIBILITY_DATE = '2026-04-01'

/** brook's Durable Object classes bound as cloudflare/wrangler.toml binds them, with SQLite storage. */
export const BROOK_OBJECTS = {
  BROOK_COORDINATOR: { className: 'BrookCoordinator', useSQLite: true },
  BROOK_PARTITION: { className: 'BrookPartition', useSQLite: true },
  BROOK_GATEWAY: { className: 'BrookGateway', useSQLite: true },
  BROOK_STREAMS: { className: 'BrookStreams', useSQLite: true },
}

const run = promisify(execFile)
let bundled: Promise<string> | undefined

/**
 * The deployment as `npm run deploy:cf` would upload it: `wrangler deploy --dry-run` bundles
 * cloudflare/worker.ts (`export … from 'brook/cloudflare'`, the package build) into one module.
 */
export function wranglerBundle(): Promise<string> {
  bundled ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'brook-cf-'))
    await run(
      process.execPath,
      [
        join(ROOT, 'node_modules/wrangler/bin/wrangler.js'),
        'deploy',
        '--dry-run',
        '--outdir',
        dir,
        '-c',
        join(ROOT, 'cloudflare/wrangler.toml'),
      ],
      { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' }, timeout: 120_000 },
    )
    return join(dir, 'worker.js')
  })()
  return bundled
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
  const scriptPath = await wranglerBundle()
  const mf = new Miniflare({
    modules: true,
    scriptPath,
    // Module names are paths below this folder.
    modulesRoot: dirname(scriptPath),
    compatibilityDate: COMPATIBILITY_DATE,
    durableObjects: BROOK_OBJECTS,
    bindings: vars,
    // A folder keeps every object's SQLite file across restarts; in memory otherwise.
    durableObjectsPersist: opts.persist ?? false,
    host: '127.0.0.1',
    port: 0,
  })
  const url = await mf.ready
  return { url: url.toString(), mf, close: () => mf.dispose() }
}
