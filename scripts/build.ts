/**
 * @module The package build (`npm run build`; `prepack` runs it, so `npm pack` ships a fresh `dist/`): compiled JavaScript
 * for every entry, and declarations beside it.
 *
 * - `dist/` — `index.js` (`brook`), `worker.js` + `broker.worker.js` (`brook/worker`), `edge.js`
 *   (`brook/edge`), `cloudflare.js` (`brook/cloudflare`) and `cli.js` (the `brook` command), from one rolldown build so that the entries
 *   share their chunks: one `BrookError` class, whichever entry an app imports it from. Flat, so the
 *   worker file always sits beside the module that starts it with
 *   `new URL('./broker.worker.js', import.meta.url)`. comlink and idb (4 kB together) are bundled:
 *   the worker file then has no bare import, which a dev server that serves it from node_modules
 *   as it is (Vite) would have to resolve, and brook has no runtime dependencies.
 * - `dist/browser/` — `brook.js` and `broker.worker.js`, minified and self-contained, for pages with
 *   no bundler (`<script type="module">` from the site or a CDN).
 * - `dist/types/` — tsc's declarations, one per source file, relative imports ending in `.js` so
 *   that every `moduleResolution` (NodeNext, Bundler) finds them.
 *
 * `--js` builds the JavaScript only (what `npm start` needs: 0.3 s). There is
 * no `prepare` script: npm warns about one in every install of the package ("install scripts not
 * yet covered by allowScripts"), though it never runs it from a tarball.
 */

import { execFileSync } from 'node:child_process'
import { readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { builtinModules, createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'rolldown'
import { esmExternalRequirePlugin } from 'rolldown/plugins'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const DIST = join(ROOT, 'dist')
const src = (p: string) => join(ROOT, 'src', p)

/** Node's own modules stay imports; nothing else is external (brook has no runtime dependencies). */
const nodeBuiltins = [/^node:/, ...builtinModules.map((m) => new RegExp(`^${m}(/.*)?$`))]

async function buildJs(): Promise<void> {
  await build({
    input: {
      index: src('core/index.ts'),
      worker: src('worker/index.ts'),
      'broker.worker': src('worker/broker.worker.ts'),
      edge: src('edge/index.ts'),
      cloudflare: src('edge/cloudflare/index.ts'),
      cli: src('cli/main.ts'),
    },
    platform: 'neutral',
    resolve: { mainFields: ['module', 'main'] },
    // Node's modules stay imports — even where `ws` (the relay's WebSocket server, CommonJS)
    // require()s them.
    plugins: [esmExternalRequirePlugin({ external: nodeBuiltins })],
    // workerd's own module: the Durable Object base class.
    external: ['cloudflare:workers'],
    tsconfig: join(ROOT, 'tsconfig.json'),
    logLevel: 'warn',
    output: {
      dir: DIST,
      format: 'esm',
      entryFileNames: '[name].js',
      chunkFileNames: '[name]-[hash].js',
    },
  })
  await build({
    input: { brook: src('worker/index.ts'), 'broker.worker': src('worker/broker.worker.ts') },
    platform: 'browser',
    tsconfig: join(ROOT, 'tsconfig.json'),
    logLevel: 'warn',
    output: {
      dir: join(DIST, 'browser'),
      format: 'esm',
      entryFileNames: '[name].js',
      chunkFileNames: '[name]-[hash].js',
      minify: true,
    },
  })
}

async function buildTypes(): Promise<void> {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' })
  // tsc keeps the sources' `.ts` specifiers in declarations; consumers resolve `.js` everywhere.
  const dir = join(DIST, 'types')
  for (const entry of await readdir(dir, { recursive: true })) {
    if (!entry.endsWith('.d.ts')) continue
    const file = join(dir, entry)
    const text = await readFile(file, 'utf8')
    const fixed = text.replace(/(from\s+|import\()(['"])(\.{1,2}\/[^'"]*?)\.ts\2/g, '$1$2$3.js$2')
    if (fixed !== text) await writeFile(file, fixed)
  }
}

/**
 * Builds `dist/` afresh; `types: false` builds the JavaScript only (declarations are the slow part,
 * ~5 s) and leaves the declarations there as they are.
 */
export async function buildPackage(opts: { types?: boolean } = {}): Promise<void> {
  const types = opts.types !== false
  const old = await readdir(DIST).catch(() => [])
  for (const entry of old) {
    if (entry !== 'types' || types) await rm(join(DIST, entry), { recursive: true, force: true })
  }
  await buildJs()
  if (types) await buildTypes()
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  await buildPackage({ types: !process.argv.includes('--js') })
