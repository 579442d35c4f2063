/**
 * @module Node-side harness for the browser tests: serves the package build (`dist/`, made by
 * `npm run build`, which the test run's global setup does first) from 127.0.0.1 on an ephemeral
 * port, and drives Debian's Chromium with playwright-core. Pages load `brook/worker` as the built
 * files, as a user's page would.
 */

import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, extname, join, normalize, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext } from 'playwright-core'
import { chromium } from 'playwright-core'
import type { Plugin } from 'vite'
import { build } from 'vite'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

const MIME: Record<string, string> = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.html': 'text/html',
  '.map': 'application/json',
  '.json': 'application/json',
}

/** A blank page: tests load modules into it with `import()`. */
const BLANK = '<!doctype html><meta charset="utf-8"><title>brook test</title><body></body>'

export interface Site {
  url: string
  dir: string
  close(): Promise<void>
}

/** The package build the pages load as `/lib/…`: `dist/worker.js` is `brook/worker`. */
export const DIST = join(ROOT, 'dist')

/**
 * Builds optional in-page entries (test fixtures, with `vitest` mapped to the in-page shim) into
 * `<dir>/pages`, then serves `<dir>`, and the package build under `/lib/`.
 */
export async function buildSite(opts: { pages?: Record<string, string> } = {}): Promise<Site> {
  const dir = await mkdtemp(join(tmpdir(), 'brook-browser-'))
  const pages = opts.pages ?? {}
  if (Object.keys(pages).length > 0) {
    await build({
      configFile: false,
      root: ROOT,
      logLevel: 'error',
      publicDir: false,
      resolve: { alias: { vitest: join(ROOT, 'test/browser/fixtures/vitest-shim.ts') } },
      plugins: [libAsExternal],
      build: {
        outDir: join(dir, 'pages'),
        emptyOutDir: true,
        target: 'es2022',
        minify: false,
        lib: {
          entry: Object.fromEntries(Object.entries(pages).map(([k, v]) => [k, join(ROOT, v)])),
          formats: ['es'],
        },
        rollupOptions: { output: { entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' } },
      },
    })
  }
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    if (path === '/' || path.endsWith('.html')) {
      res.writeHead(200, { 'content-type': 'text/html' }).end(BLANK)
      return
    }
    const [base, rel] = path.startsWith('/lib/') ? [DIST, path.slice(4)] : [dir, path]
    const file = resolve(base, normalize(`.${rel}`))
    if (!file.startsWith(base)) {
      res.writeHead(403).end()
      return
    }
    try {
      const body = await readFile(file)
      res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' }).end(body)
    } catch {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    dir,
    async close() {
      server.closeAllConnections()
      await new Promise((ok) => server.close(ok))
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/**
 * Test pages import `src/worker/index.ts`; in the build that import becomes the served package
 * (`/lib/worker.js`), so pages exercise the packaged files exactly as a user's page would.
 */
const libAsExternal: Plugin = {
  name: 'brook-lib-external',
  enforce: 'pre',
  async resolveId(source, importer) {
    if (!importer) return null
    const full = resolve(dirname(importer), source)
    if (full === join(ROOT, 'src/worker/index.ts')) return { id: '/lib/worker.js', external: true }
    return null
  },
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      // Background tabs must keep their timers: several test tabs run at once.
      '--disable-background-timer-throttling',
      '--disable-renderer-backgrounding',
      '--disable-backgrounding-occluded-windows',
    ],
  })
}

/** Opens a page of `site`, optionally without SharedWorker (the fallback path). */
export async function openPage(context: BrowserContext, site: Site, opts: { noSharedWorker?: boolean } = {}) {
  const page = await context.newPage()
  if (opts.noSharedWorker) {
    await page.addInitScript(() => {
      delete (window as { SharedWorker?: unknown }).SharedWorker
    })
  }
  page.on('pageerror', (e) => console.error('[page error]', e))
  await page.goto(`${site.url}/`)
  return page
}
