/**
 * @module examples/field-notes run as its README says: the example's files with the package's
 * browser build beside them as `brook/` (`cp -r node_modules/brook/dist/browser brook`), served
 * from one origin, and `brook serve --allow-origin <that origin>` as the relay. In Chromium, notes
 * written offline survive a reload with no network (the example's service worker), and once online
 * the relay holds each of them once, in order; an announcement posted at the relay comes down.
 */

import { cp, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BrokerService } from '../../src/core/service.ts'
import { connectKafka } from '../../src/edge/kafka/connection.ts'
import { DIST, launchChromium, ROOT } from '../browser/harness.ts'
import { type ServeProcess, startServe } from '../support/cli.ts'
import { relayCount, relayValues } from '../support/relay-records.ts'
import { type StaticServer, serveStatic } from '../support/static-server.ts'
import { type TcpGate, tcpGate } from '../support/tcp-gate.ts'

const EXAMPLE = join(ROOT, 'examples/field-notes')

let dir: string
let data: string
let site: StaticServer
let relay: ServeProcess
let relayUrl: string
let gate: TcpGate
let kafka: BrokerService & { close(): Promise<void> }
let browser: Browser

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'brook-field-notes-'))
  for (const file of await readdir(EXAMPLE)) await cp(join(EXAMPLE, file), join(dir, file))
  await cp(join(DIST, 'browser'), join(dir, 'brook'), { recursive: true })
  site = await serveStatic(dir)
  data = await mkdtemp(join(tmpdir(), 'brook-field-notes-relay-'))
  relay = await startServe(['--port', '0', '--data-dir', data, '--allow-origin', site.url])
  relayUrl = `http://127.0.0.1:${relay.httpPort}`
  gate = await tcpGate(relay.httpPort)
  kafka = await connectKafka({ bootstrap: `127.0.0.1:${relay.port}` })
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  await kafka?.close()
  await gate?.close()
  relay?.proc.kill('SIGTERM')
  await relay?.exited
  await site?.close()
  await rm(dir, { recursive: true, force: true })
  await rm(data, { recursive: true, force: true })
})

const status = (page: Page, attr: string) => page.locator('#status').getAttribute(`data-${attr}`)
const backlog = (page: Page) => page.locator('#backlog').getAttribute('data-records').then(Number)
const notes = (page: Page) => page.locator('#notes li').allInnerTexts()

async function ready(page: Page): Promise<void> {
  await expect.poll(() => page.locator('body').getAttribute('data-ready'), { timeout: 20_000 }).toBe('true')
}

async function write(page: Page, note: string): Promise<void> {
  const before = (await notes(page)).length
  await page.getByRole('textbox', { name: 'New note' }).fill(note)
  await page.getByRole('button', { name: 'Save note' }).click()
  await expect.poll(async () => (await notes(page)).length).toBe(before + 1)
}

describe('examples/field-notes', { timeout: 90_000 }, () => {
  it('writes notes offline, reloads offline, and the relay gets each once, in order, when online; announcements come down', async () => {
    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      const errors: string[] = []
      page.on('pageerror', (e) => errors.push(e.message))
      await page.goto(`${site.url}/?relay=${encodeURIComponent(gate.url)}`)
      await ready(page)
      // The app waited for its service worker before loading brook: every file brook loads is kept.
      expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true)
      await expect.poll(() => status(page, 'state'), { timeout: 20_000 }).toBe('online')

      // The page's network and the relay's reachability from every worker go together, as in a
      // browser that really is offline (see test/support/tcp-gate.ts).
      await context.setOffline(true)
      gate.cut()
      await expect.poll(() => status(page, 'network')).toBe('false')
      expect(await status(page, 'state')).toBe('offline')
      for (const n of ['first', 'second', 'third']) await write(page, `${n} note`)
      await expect.poll(() => backlog(page)).toBe(3)
      expect(await relayCount(kafka, 'notes')).toBe(0)

      // No network: the service worker serves the app, the broker reopens IndexedDB.
      await page.reload()
      await ready(page)
      expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true)
      await expect.poll(async () => (await notes(page)).length).toBe(3)
      await expect.poll(() => backlog(page)).toBe(3)
      for (const n of ['fourth', 'fifth']) await write(page, `${n} note`)
      await expect.poll(() => backlog(page)).toBe(5)
      expect((await notes(page)).map((t) => t.split(' — ')[0])).toEqual(
        ['fifth', 'fourth', 'third', 'second', 'first'].map((n) => `${n} note`),
      )

      // Meanwhile, at the relay, an announcement for every device.
      const posted = await fetch(`${relayUrl}/v1/topics/announcements/records`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ records: [{ valueText: 'storm warning: back to camp by 16:00' }] }),
      })
      expect(posted.status).toBe(200)
      expect(await relayCount(kafka, 'notes')).toBe(0)

      gate.open()
      await context.setOffline(false)
      await expect.poll(() => relayCount(kafka, 'notes'), { timeout: 20_000 }).toBe(5)
      await expect.poll(() => backlog(page)).toBe(0)
      await expect
        .poll(() => page.locator('#announcements li').allInnerTexts())
        .toEqual(['storm warning: back to camp by 16:00'])
      await expect.poll(() => status(page, 'state')).toBe('online')
      // Once each, in the order written.
      expect(await relayCount(kafka, 'notes')).toBe(5)
      const [values] = await relayValues(kafka, 'notes')
      expect(values!.map((v) => (JSON.parse(v) as { text: string }).text)).toEqual(
        ['first', 'second', 'third', 'fourth', 'fifth'].map((n) => `${n} note`),
      )
      expect(errors).toEqual([])
    } finally {
      await context.close()
    }
  })
})
