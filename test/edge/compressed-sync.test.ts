/**
 * Compressed batches in the browser (issue 13): a page's broker (brook's browser build, in a
 * Worker, on IndexedDB) downloads from a real `brook serve` relay topics that kcat wrote with each
 * Kafka codec, keeps the batches as they were compressed, and its consumer reads every record —
 * each codec loaded in the worker the first time a batch needs it. What the page writes with snappy
 * or lz4 reaches the relay so compressed, and Kafka's clients read it there.
 */

import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Compression } from '../../src/core/format/compression.ts'
import { compressionOf, readBatchHeader, splitBatches } from '../../src/core/format/record-batch.ts'
import type { BrokerService } from '../../src/core/service.ts'
import { connectKafka } from '../../src/edge/kafka/connection.ts'
import { buildSite, launchChromium, type Site } from '../browser/harness.ts'
import { run } from '../interop/support.ts'
import { killServes, type ServeProcess, startServe } from '../support/cli.ts'
import { relayValues } from '../support/relay-records.ts'

const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const

/** The page: connect with sync, read a topic with a consumer, write with a codec, look at batches. */
const APP = `
import { Compression, connect } from '/lib/worker.js'

export async function start(options) {
  window.brook = await connect(options)
}

export async function consume(topic, count) {
  const consumer = window.brook.consumer({ groupId: 'reader-' + topic })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const values = []
  await new Promise((done) => consumer.run({ eachMessage: async ({ message }) => {
    values.push(new TextDecoder().decode(message.value))
    if (values.length >= count) done()
  } }))
  await consumer.disconnect()
  return values
}

/** The codec of each batch the page's broker stores for partition 0 of a topic. */
export async function codecs(topic) {
  const { readBatchHeader, splitBatches } = await import('/lib/index.js')
  const res = await window.brook.service.fetch({ maxWaitMs: 0, minBytes: 0, maxBytes: 16 << 20,
    topics: [{ name: topic, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 16 << 20 }] }] })
  return splitBatches(res.topics[0].partitions[0].records).map((b) => readBatchHeader(b).attributes & 7)
}

export async function produce(topic, codec, values) {
  const producer = window.brook.producer()
  await producer.connect()
  await producer.send({ topic, compression: Compression[codec], messages: values.map((value) => ({ value })) })
  await producer.disconnect()
}
`

let browser: Browser
let site: Site
let serve: ServeProcess
let kafka: BrokerService & { close(): Promise<void> }

beforeAll(async () => {
  browser = await launchChromium()
  site = await buildSite()
  await writeFile(join(site.dir, 'app.js'), APP)
  const data = await mkdtemp(join(tmpdir(), 'brook-compressed-relay-'))
  serve = await startServe([
    '--port',
    '0',
    '--http-port',
    '0',
    '--data-dir',
    data,
    '--allow-origin',
    site.url,
  ])
  kafka = await connectKafka({ bootstrap: `127.0.0.1:${serve.port}` })
})
afterAll(async () => {
  await kafka?.close()
  await browser?.close()
  await site?.close()
  killServes()
})

function app<T>(page: Page, fn: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(
    `(async () => (await import('/app.js')).${fn}(...${JSON.stringify(args)}))()`,
  ) as Promise<T>
}

const lines = (codec: string) =>
  Array.from({ length: 300 }, (_, i) => `${codec} news ${i} ${'the quick brown fox '.repeat(i % 7)}`)

describe('compressed batches through the browser broker', { timeout: 120_000 }, () => {
  it('downloads what kcat wrote with each codec, keeps it compressed, and reads every record; uploads gzip, snappy and lz4 as written', async () => {
    for (const codec of CODECS) {
      const p = await run(
        'kcat',
        ['-b', `127.0.0.1:${serve.port}`, '-P', '-t', `news-${codec}`, '-z', codec],
        {
          input: `${lines(codec).join('\n')}\n`,
        },
      )
      expect(p.code, p.stderr).toBe(0)
    }
    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      const errors: string[] = []
      page.on('pageerror', (e) => errors.push(e.message))
      await page.goto(`${site.url}/`)
      await app(page, 'start', {
        name: 'compressed',
        sync: {
          url: `http://127.0.0.1:${serve.httpPort}`,
          upload: ['out-gzip', 'out-snappy', 'out-lz4'],
          download: CODECS.map((c) => `news-${c}`),
          intervalMs: 200,
        },
      })
      for (const codec of CODECS) {
        const values = await app<string[]>(page, 'consume', `news-${codec}`, 300)
        expect(values, codec).toEqual(lines(codec))
        // Stored in the page as the producer compressed them (kcat sends a batch uncompressed only
        // when compressing would not shrink it).
        const stored = await app<number[]>(page, 'codecs', `news-${codec}`)
        expect(stored.length, codec).toBeGreaterThan(0)
        expect(stored.filter((c) => c === Compression[codec]).length, codec).toBeGreaterThan(0)
        expect(
          stored.every((c) => c === Compression[codec] || c === 0),
          codec,
        ).toBe(true)
      }

      for (const codec of ['gzip', 'snappy', 'lz4'] as const) {
        const values = Array.from({ length: 100 }, (_, i) => `${codec} from the page ${i} ${'x'.repeat(i)}`)
        await app(page, 'produce', `out-${codec}`, codec, values)
        await expect
          .poll(async () => (await relayValues(kafka, `out-${codec}`).catch(() => [[]]))[0], {
            timeout: 20_000,
          })
          .toEqual(values)
        const res = await kafka.fetch({
          maxWaitMs: 0,
          minBytes: 0,
          maxBytes: 16 << 20,
          topics: [
            {
              name: `out-${codec}`,
              partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 16 << 20 }],
            },
          ],
        })
        const batches = splitBatches(res.topics[0]!.partitions[0]!.records)
        expect(
          batches.map((b) => compressionOf(readBatchHeader(b))),
          codec,
        ).toEqual(batches.map(() => Compression[codec]))
        const c = await run('kcat', [
          '-b',
          `127.0.0.1:${serve.port}`,
          '-C',
          '-t',
          `out-${codec}`,
          '-e',
          '-q',
          '-o',
          'beginning',
        ])
        expect(c.stdout.trim().split('\n'), codec).toEqual(values)
      }
      expect(errors).toEqual([])
    } finally {
      await context.close()
    }
  })
})
