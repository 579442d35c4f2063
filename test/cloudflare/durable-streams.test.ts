/**
 * The Durable Streams conformance suite inside real workerd: brook's Worker sends `/v1/streams` to
 * its BrookStreams object, whose streams are topic partitions, each in a BrookPartition object of
 * its own. The same suite, the same results as on Node (test/edge/durable-streams.test.ts).
 */

import { runConformanceTests } from '@durable-streams/server-conformance-tests'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBrookWorker, type Workerd } from './support.ts'

/** Long-polls end after this: "times out with 204" tests are quick. */
const LONG_POLL_MS = 1_000

describe('brook on workerd', () => {
  const config = { baseUrl: '', longPollTimeoutMs: LONG_POLL_MS }
  let worker: Workerd
  beforeAll(async () => {
    worker = await startBrookWorker({ BROOK_INSECURE: 'true', BROOK_MAX_WAIT_MS: String(LONG_POLL_MS) })
    config.baseUrl = `${worker.url.replace(/\/$/, '')}/v1/streams`
  }, 180_000)
  afterAll(async () => {
    await worker?.close()
  })
  runConformanceTests(config)
})

describe('Durable Streams on workerd, closed by default', () => {
  let worker: Workerd
  beforeAll(async () => {
    worker = await startBrookWorker({ BROOK_TOKENS: 'secret-token=alice' })
  }, 180_000)
  afterAll(async () => {
    await worker?.close()
  })

  it('refuses a stream without credentials and serves it with a token', async () => {
    const url = `${worker.url.replace(/\/$/, '')}/v1/streams/notes`
    const refused = await fetch(url, { method: 'PUT', headers: { 'content-type': 'text/plain' } })
    expect(refused.status).toBe(401)
    const auth = { authorization: 'Bearer secret-token', 'content-type': 'text/plain' }
    expect((await fetch(url, { method: 'PUT', headers: auth })).status).toBe(201)
    expect((await fetch(url, { method: 'POST', headers: auth, body: 'hello' })).status).toBe(204)
    const read = await fetch(`${url}?offset=-1`, { headers: auth })
    expect(read.status).toBe(200)
    expect(await read.text()).toBe('hello')
  })
})
