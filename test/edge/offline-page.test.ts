/**
 * Offline sync in a real page (issue 11, first browser test): a page in headless Chromium connects
 * to its in-browser broker with `sync: { url, upload }` while the relay is out of reach, writes
 * records to three partitions, and the relay — a real `brook serve`, started afterwards — then
 * holds exactly those records, in order per partition, once each. (Playwright's
 * `context.setOffline` does not reach the broker's SharedWorker, which kept its WebSocket: the
 * browser's own offline state is still to be wired in.)
 */

import { mkdtemp } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeRecords, splitBatches } from '../../src/core/record-batch.ts'
import { connectKafka } from '../../src/edge/kafka/connection.ts'
import { buildSite, launchChromium, type Site } from '../browser/harness.ts'
import { killServes, startServe } from '../support/cli.ts'

let browser: Browser
let site: Site | undefined
beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  await site?.close()
  killServes()
})

/** A port free a moment ago, for a server that starts later. */
async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  const { port } = server.address() as net.AddressInfo
  await new Promise((ok) => server.close(ok))
  return port
}

const COUNT = 600
const PARTITIONS = 3

describe('a page that syncs with the relay', () => {
  it('writes while the relay is out of reach, and the relay receives every record once, in order, when it is back', async () => {
    // The page comes from a static site; the relay it syncs with is elsewhere, down for now.
    site = await buildSite()
    const origin = site.url
    const data = await mkdtemp(join(tmpdir(), 'brook-offline-page-'))
    const relayPort = await freePort()
    const relayUrl = `http://127.0.0.1:${relayPort}`

    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${origin}/`)
    // A string, not a function: vitest would rewrite a function's import() for Node.
    await page.evaluate(`(async () => {
      const { connect } = await import('/lib/worker.js')
      window.brook = await connect({
        name: 'offline-page',
        sync: { url: '${relayUrl}', upload: ['notes'], intervalMs: 100, backoff: { initialDelayMs: 50, maxDelayMs: 300 } },
      })
      await window.brook.admin().createTopics({ topics: [{ topic: 'notes', numPartitions: ${PARTITIONS} }] })
      const producer = window.brook.producer()
      await producer.connect()
      for (let i = 0; i < ${COUNT}; i += 50)
        await producer.send({
          topic: 'notes',
          messages: Array.from({ length: 50 }, (_, k) => ({ partition: (i + k) % ${PARTITIONS}, value: 'note-' + (i + k) })),
        })
    })()`)

    const relay = await startServe([
      '--port',
      '0',
      '--http-port',
      String(relayPort),
      '--data-dir',
      data,
      '--allow-origin',
      origin,
    ])
    const service = await connectKafka({ bootstrap: `127.0.0.1:${relay.port}` })
    const onRelay = async () => {
      const md = await service.metadata({ topics: ['notes'], allowAutoTopicCreation: false })
      const t = md.topics.find((x) => x.name === 'notes')
      if (t?.errorCode !== 0) return 0
      const ends = await service.listOffsets({
        topics: [
          { name: 'notes', partitions: t.partitions.map((p) => ({ partition: p.partition, timestamp: -1 })) },
        ],
      })
      return ends.topics[0]!.partitions.reduce((n, p) => n + p.offset, 0)
    }
    await expect.poll(onRelay, { timeout: 30_000 }).toBe(COUNT)
    for (let p = 0; p < PARTITIONS; p++) {
      const res = await service.fetch({
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 8 << 20,
        topics: [
          { name: 'notes', partitions: [{ partition: p, fetchOffset: 0, partitionMaxBytes: 8 << 20 }] },
        ],
      })
      const values = splitBatches(res.topics[0]!.partitions[0]!.records)
        .flatMap((b) => decodeRecords(b))
        .map((r) => new TextDecoder().decode(r.value!))
      const want = Array.from({ length: COUNT }, (_, i) => i)
        .filter((i) => i % PARTITIONS === p)
        .map((i) => `note-${i}`)
      expect(values).toEqual(want)
    }
    await service.close()
    await context.close()
  })
})
