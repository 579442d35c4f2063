/**
 * @module The teaching demo for its tests: built (as `npm run build:demo` does) on the package
 * build, served statically — or by `brook serve --demo`, the relay on the same origin — opened in
 * headless Chromium; axe-core for accessibility and kafka-python's murmur2 for where keys go.
 * Screenshots go to test-results/demo/.
 */

import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { build } from 'vite'
import { afterAll, beforeAll, expect } from 'vitest'
import { launchChromium, ROOT } from '../browser/harness.ts'
import { type ServeProcess, startServe } from '../support/cli.ts'
import { type StaticServer, serveStatic } from '../support/static-server.ts'

export const SHOTS = join(ROOT, 'test-results', 'demo')
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js')

let outDir: string
let dataDir: string | undefined
let site: StaticServer
let serve: ServeProcess | undefined
let browser: Browser

/**
 * Builds and serves the demo and starts Chromium for the calling test file. With `relay`, `brook
 * serve --demo` serves it (as `npm start` does): the relay on the page's origin, and a Kafka
 * listener whose port `kafkaPort()` gives.
 */
export function useDemo(opts: { relay?: boolean } = {}): { browser: () => Browser; kafkaPort: () => number } {
  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'brook-demo-'))
    await build({
      configFile: join(ROOT, 'demo/vite.config.ts'),
      logLevel: 'error',
      build: { outDir, emptyOutDir: true },
    })
    if (opts.relay) {
      dataDir = await mkdtemp(join(tmpdir(), 'brook-demo-relay-'))
      const relay = await startServe(['--port', '0', '--data-dir', dataDir, '--demo', '--demo-dir', outDir])
      serve = relay
      site = {
        url: `http://127.0.0.1:${relay.httpPort}`,
        async close() {
          relay.proc.kill('SIGTERM')
          await relay.exited
        },
      }
    } else site = await serveStatic(outDir)
    browser = await launchChromium()
    await mkdir(SHOTS, { recursive: true })
  })
  afterAll(async () => {
    await browser?.close()
    await site?.close()
    if (outDir) await rm(outDir, { recursive: true, force: true })
    if (dataDir) await rm(dataDir, { recursive: true, force: true })
  })
  return {
    browser: () => browser,
    kafkaPort: () => {
      if (!serve) throw new Error('useDemo({ relay: true }) starts the Kafka listener')
      return serve.port
    },
  }
}

/** Partitions kafka-python's DefaultPartitioner picks for `keys` among `n` (its own murmur2). */
export function kafkaPython(keys: string[], n: number): Record<string, number> {
  const script = [
    'import json, sys',
    'from kafka.partitioner.default import murmur2',
    'keys, n = json.load(sys.stdin)',
    'print(json.dumps({k: (murmur2(k.encode()) & 0x7fffffff) % n for k in keys}))',
  ].join('\n')
  return JSON.parse(
    execFileSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify([keys, n]) }).toString(),
  )
}

export async function open(context: BrowserContext, path: string): Promise<Page> {
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await page.goto(`${site.url}/${path}`)
  await expect
    .poll(async () =>
      errors.length ? errors.join('\n') : page.locator('.status').getAttribute('data-state'),
    )
    .toBe('ready')
  return page
}

/** WCAG 2.1 A/AA violations axe-core finds on the page as it is now. */
export async function axe(page: Page): Promise<{ id: string; targets: string[] }[]> {
  await page.addScriptTag({ path: AXE })
  return page.evaluate(async () => {
    const run = (
      window as unknown as {
        axe: {
          run: (
            c: Document,
            o: object,
          ) => Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }>
        }
      }
    ).axe.run
    const r = await run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    })
    return r.violations.map((v) => ({ id: v.id, targets: v.nodes.flatMap((n) => n.target) }))
  })
}

export const note = (page: Page) => page.locator('.notes').innerText()
export const cells = (page: Page, partition: number) =>
  page.locator(`.lane[data-partition="${partition}"] .cell`)
