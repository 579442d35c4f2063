/**
 * @module The packed tarball as web developers get it, in headless Chromium: a Vite app importing
 * `brook/worker` as the README shows, under `vite` (dev server) and `vite build` + `vite preview`; the
 * same app built by webpack; and the README's plain-HTML snippet, exactly as written, from a static
 * server and from another origin as a CDN would serve it. No bundler options anywhere: the worker is
 * found because the package starts it with `new URL('./broker.worker.js', import.meta.url)`.
 */

import { cp, mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { build, createServer, preview } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import webpack from 'webpack'
import { launchChromium } from '../browser/harness.ts'
import { consumerProject, type Project, readmeBlocks, serveStatic } from './support.ts'

/** The app: plain JavaScript, so that Vite and webpack take the very same file with no loader. */
const MAIN_JS = `import { BrookError, connect } from 'brook/worker'

const brook = await connect({ name: 'shop' })
const received = []
window.app = {
  role: brook.role,
  received,
  async createTopic(topic, numPartitions) {
    await brook.admin().createTopics({ topics: [{ topic, numPartitions }] })
  },
  async produce(topic, values) {
    const producer = brook.producer()
    await producer.send({ topic, messages: values.map((value) => ({ key: value, value })) })
  },
  async consume(topic, groupId) {
    const consumer = brook.consumer({ groupId })
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await consumer.run({
      eachMessage: async ({ message }) => {
        received.push(new TextDecoder().decode(message.value))
      },
    })
  },
  async badTopic() {
    try {
      await brook.admin().createTopics({ topics: [{ topic: 'no spaces' }] })
      return 'created'
    } catch (e) {
      return e instanceof BrookError ? e.type : String(e)
    }
  },
}
`

const INDEX_HTML = `<!doctype html>
<html lang="en">
  <head><meta charset="UTF-8" /><title>brook app</title></head>
  <body><script type="module" src="/src/main.js"></script></body>
</html>
`

const WEBPACK_HTML = '<!doctype html><title>brook app</title><script src="main.js"></script>'

interface App {
  role: string
  received: string[]
  createTopic(topic: string, n: number): Promise<void>
  produce(topic: string, values: string[]): Promise<void>
  consume(topic: string, groupId: string): Promise<void>
  badTopic(): Promise<string>
}
declare const app: App

let browser: Browser
let project: Project

beforeAll(async () => {
  browser = await launchChromium()
  project = await consumerProject({ 'index.html': INDEX_HTML, 'src/main.js': MAIN_JS }, ['vite'])
})
afterAll(async () => {
  await browser?.close()
  await project?.close()
})

async function openApp(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await page.goto(url)
  await expect
    .poll(async () => (errors.length > 0 ? errors.join('\n') : page.evaluate(() => 'app' in window)), {
      timeout: 20_000,
    })
    .toBe(true)
  return page
}

/** Two tabs of one app: the first consumes in a group, the second produces; one broker serves both. */
async function twoTabs(url: string): Promise<void> {
  const context = await browser.newContext()
  try {
    const consumerTab = await openApp(context, url)
    const producerTab = await openApp(context, url)
    expect(await consumerTab.evaluate(() => app.role)).toBe('shared')
    expect(await producerTab.evaluate(() => app.role)).toBe('shared')
    await consumerTab.evaluate(() => app.createTopic('orders', 2))
    void consumerTab.evaluate(() => app.consume('orders', 'shop-ui'))
    const values = Array.from({ length: 10 }, (_, i) => `order-${i}`)
    await producerTab.evaluate((v) => app.produce('orders', v), values)
    await expect
      .poll(() => consumerTab.evaluate(() => [...app.received].sort()), { timeout: 20_000 })
      .toEqual(values)
    // The error class a page imports is the one the broker's errors arrive as.
    expect(await producerTab.evaluate(() => app.badTopic())).toBe('INVALID_TOPIC_EXCEPTION')
  } finally {
    await context.close()
  }
}

describe('a Vite app importing brook/worker', () => {
  it('works under the dev server', async () => {
    const server = await createServer({
      root: project.dir,
      logLevel: 'error',
      server: { host: '127.0.0.1', port: 0, strictPort: false },
    })
    await server.listen()
    try {
      await twoTabs(server.resolvedUrls!.local[0]!)
    } finally {
      await server.close()
    }
  })

  it('works built and previewed, with the worker emitted as its own file', async () => {
    await build({ root: project.dir, logLevel: 'error' })
    const assets = await readdir(join(project.dir, 'dist', 'assets'))
    expect(
      assets.some((f) => /^broker\.worker-.*\.js$/.test(f)),
      assets.join(', '),
    ).toBe(true)
    const server = await preview({
      root: project.dir,
      logLevel: 'error',
      preview: { host: '127.0.0.1', port: 0 },
    })
    try {
      await twoTabs(server.resolvedUrls!.local[0]!)
    } finally {
      await new Promise<void>((ok, fail) => server.httpServer.close((e) => (e ? fail(e) : ok())))
    }
  })
})

describe('the same app built by webpack', () => {
  it('works with webpack defaults', async () => {
    const out = join(project.dir, 'dist-webpack')
    const stats = await new Promise<webpack.Stats>((ok, fail) => {
      const compiler = webpack({
        mode: 'production',
        context: project.dir,
        entry: './src/main.js',
        output: { path: out },
      })
      compiler.run((err, s) => {
        compiler.close(() => {})
        if (err || !s) fail(err)
        else ok(s)
      })
    })
    expect(stats.hasErrors(), stats.toString('errors-only')).toBe(false)
    await writeFile(join(out, 'index.html'), WEBPACK_HTML)
    const server = await serveStatic(out)
    try {
      await twoTabs(`${server.url}/`)
    } finally {
      await server.close()
    }
  })
})

describe("the README's plain-HTML page", () => {
  let snippet: string

  beforeAll(async () => {
    const blocks = await readmeBlocks('In the browser')
    snippet = blocks.find((b) => b.lang === 'html')!.code
  })

  /** Opens `html` and resolves with the page's console lines once one holds `0 hello`. */
  async function consoleOf(url: string): Promise<string[]> {
    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      const lines: string[] = []
      page.on('console', (m) => lines.push(m.text()))
      page.on('pageerror', (e) => lines.push(`pageerror: ${e.message}`))
      await page.goto(url)
      await expect.poll(() => lines, { timeout: 20_000 }).toContain('0 hello')
      return lines
    } finally {
      await context.close()
    }
  }

  it('works as written, with the browser build copied beside it', async () => {
    const site = join(project.dir, 'site')
    await cp(join(project.dir, 'node_modules/brook/dist/browser'), join(site, 'brook'), { recursive: true })
    await writeFile(join(site, 'index.html'), snippet)
    const server = await serveStatic(site)
    try {
      await consoleOf(`${server.url}/`)
    } finally {
      await server.close()
    }
  })

  it('works with brook loaded from another origin, as from a CDN', async () => {
    const cdn = await serveStatic(join(project.dir, 'node_modules/brook/dist/browser'), { cors: true })
    const site = join(project.dir, 'site-cdn')
    // The same page with the CDN's address in the import: another port is another origin.
    const page = snippet.replace(/from '[^']+\/brook\.js'/, `from '${cdn.url}/brook.js'`)
    expect(page).not.toBe(snippet)
    await mkdir(site, { recursive: true })
    await writeFile(join(site, 'index.html'), page)
    const server = await serveStatic(site)
    try {
      await consoleOf(`${server.url}/`)
    } finally {
      await server.close()
      await cdn.close()
    }
  })
})
