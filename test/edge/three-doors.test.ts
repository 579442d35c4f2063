/**
 * One broker, three doors (`brook serve`): a page in headless Chromium produces over the relay's
 * WebSocket with `connect({ url })` from `brook/worker`; a consumer group in Node receives every
 * record over the Kafka protocol; kafka-python on the same port receives the same records.
 */

import { execFile } from 'node:child_process'
import { cp, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBrook } from '../../src/core/client/brook.ts'
import { connectKafka } from '../../src/edge/kafka/connection.ts'
import { DIST, launchChromium } from '../browser/harness.ts'
import { PY_DIR, PYTHON } from '../interop/support.ts'
import { killServes, startServe } from '../support/cli.ts'

let browser: Browser
beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  killServes()
})

describe('one broker, three doors', () => {
  it('a page produces over WebSocket; a Node group and kafka-python on 9092 read the same records', async () => {
    const site = await mkdtemp(join(tmpdir(), 'brook-doors-'))
    await writeFile(join(site, 'index.html'), '<!doctype html><meta charset="utf-8"><title>doors</title>')
    await cp(join(DIST, 'browser'), join(site, 'lib'), { recursive: true })
    const serve = await startServe([
      '--port',
      '0',
      '--data-dir',
      join(site, 'data'),
      '--demo',
      '--demo-dir',
      site,
    ])
    const relay = `http://127.0.0.1:${serve.httpPort}/`

    const page = await (await browser.newContext()).newPage()
    await page.goto(relay)
    const count = 50
    // A string, not a function: vitest would rewrite a function's import() for Node.
    const offsets: [number, string][] = await page.evaluate(`(async (n) => {
      const { connect } = await import('/lib/brook.js')
      const brook = await connect({ url: location.origin })
      await brook.admin().createTopics({ topics: [{ topic: 'from-page', numPartitions: 2 }] })
      const producer = brook.producer()
      await producer.connect()
      const meta = await producer.send({
        topic: 'from-page',
        messages: Array.from({ length: n }, (_, i) => ({ key: 'k' + (i % 5), value: 'page-' + i })),
      })
      await brook.close()
      return meta.map((m) => [m.partition, m.baseOffset])
    })(${count})`)
    expect(offsets.length).toBeGreaterThan(0)
    const want = Array.from({ length: count }, (_, i) => `page-${i}`).sort()

    const service = await connectKafka({ bootstrap: `127.0.0.1:${serve.port}` })
    const brook = createBrook({ service })
    const consumer = brook.consumer({ groupId: 'node-readers' })
    await consumer.connect()
    await consumer.subscribe({ topic: 'from-page', fromBeginning: true })
    const got: string[] = []
    await consumer.run({
      eachMessage: async ({ message }) => {
        got.push(new TextDecoder().decode(message.value!))
      },
    })
    await expect.poll(() => got.length, { timeout: 20_000 }).toBe(count)
    expect(got.sort()).toEqual(want)
    await consumer.disconnect()
    await service.close()

    const py = await promisify(execFile)(
      PYTHON,
      [`${PY_DIR}read_all.py`, String(serve.port), 'from-page', String(count)],
      {
        timeout: 60_000,
      },
    )
    expect((JSON.parse(py.stdout) as string[]).sort()).toEqual(want)
    serve.proc.kill('SIGTERM')
    expect((await serve.exited).code).toBe(0)
  }, 90_000)
})
