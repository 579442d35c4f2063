/**
 * @module The relay's HTTP doors — REST, SSE, Kafka over WebSocket, /healthz, /metrics — as one
 * suite that runs unchanged against every deployment of the edge app (Node, workerd). It talks to
 * `base()` over real HTTP and WebSocket only, as any client would.
 */

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { decodeRecords, readBatchHeader, splitBatches } from '../../src/core/format/record-batch.ts'
import { API_KEYS, decodeResponse, encodeRequest } from '../../src/core/protocol/index.ts'
import batches from '../fixtures/kafka-python/batches.json' with { type: 'json' }
import murmur from '../fixtures/kafka-python/murmur2.json' with { type: 'json' }

export interface EdgeHttpSuiteOptions {
  /** The relay's base URL, ending in `/`. */
  base: () => string
  /** The deployment's maxBodyBytes, to test the bound. */
  maxBodyBytes: number
}

const hexToBytes = (hex: string) => new Uint8Array(hex.match(/../g)?.map((h) => Number.parseInt(h, 16)) ?? [])
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64')
let unique = 0
const topicName = (what: string) => `${what}-${Date.now().toString(36)}-${unique++}`

export function edgeHttpSuite(opts: EdgeHttpSuiteOptions): void {
  const url = (path: string) => new URL(path, opts.base()).toString()
  const json = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(url(path), {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null }
  }
  const createTopic = async (partitions = 1, configs?: Record<string, string>) => {
    const name = topicName('t')
    const r = await json('POST', 'v1/topics', { name, partitions, configs })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    return name
  }
  const produce = async (topic: string, records: unknown[]) => {
    const r = await json('POST', `v1/topics/${topic}/records`, { records })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    return r.body.offsets as { partition: number; offset: number }[]
  }
  const read = async (topic: string, partition: number, query: string) => {
    const r = await json('GET', `v1/topics/${topic}/partitions/${partition}/records?${query}`)
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    return r.body as {
      records: {
        offset: number
        key: string | null
        value?: unknown
        valueText?: string
        valueBase64?: string
        headers: unknown[]
        timestamp: number
      }[]
      nextOffset: number
      highWatermark: number
      logStartOffset: number
    }
  }

  describe('health and topics', () => {
    it('answers /healthz', async () => {
      expect(await json('GET', 'healthz')).toMatchObject({ status: 200, body: { status: 'ok' } })
    })

    it('creates, lists, describes, grows and deletes a topic, with Kafka error names for mistakes', async () => {
      const name = topicName('life')
      expect(
        await json('POST', 'v1/topics', { name, partitions: 2, configs: { 'retention.ms': '60000' } }),
      ).toMatchObject({
        status: 201,
        body: { name, partitions: 2 },
      })
      expect(await json('POST', 'v1/topics', { name, partitions: 2 })).toMatchObject({
        status: 409,
        body: { error: 'TOPIC_ALREADY_EXISTS' },
      })
      const list = await json('GET', 'v1/topics')
      expect(list.body.topics).toContainEqual({ name, partitions: 2 })
      expect(await json('GET', `v1/topics/${name}`)).toMatchObject({
        status: 200,
        body: {
          name,
          partitions: [
            { partition: 0, logStartOffset: 0, highWatermark: 0 },
            { partition: 1, logStartOffset: 0, highWatermark: 0 },
          ],
          configs: { 'retention.ms': '60000' },
        },
      })
      expect(await json('POST', `v1/topics/${name}/partitions`, { count: 3 })).toMatchObject({ status: 200 })
      expect((await json('GET', `v1/topics/${name}`)).body.partitions).toHaveLength(3)
      expect((await json('DELETE', `v1/topics/${name}`)).status).toBe(204)
      expect(await json('GET', `v1/topics/${name}`)).toMatchObject({
        status: 404,
        body: { error: 'UNKNOWN_TOPIC_OR_PARTITION' },
      })
      expect(await json('POST', 'v1/topics', { name: 'bad/name' })).toMatchObject({
        status: 400,
        body: { error: 'INVALID_REQUEST' },
      })
      expect(await json('POST', 'v1/topics', { name: topicName('x'), partitions: 0 })).toMatchObject({
        status: 400,
      })
      expect(
        await json('POST', 'v1/topics', { name: topicName('x'), configs: { 'cleanup.policy': 'sideways' } }),
      ).toMatchObject({
        status: 400,
        body: { error: 'INVALID_CONFIG' },
      })
    })
  })

  describe('records', () => {
    it('stores any JSON value, key and headers and gives them back, each answered with its offset', async () => {
      const topic = await createTopic()
      const record = fc.record({
        key: fc.option(fc.string(), { nil: null }),
        value: fc.jsonValue(),
        headers: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string()),
      })
      let next = 0
      await fc.assert(
        fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 20 }), async (records) => {
          const offsets = await produce(topic, records)
          expect(offsets).toEqual(records.map((_, i) => ({ partition: 0, offset: next + i })))
          const got = await read(topic, 0, `offset=${next}&format=json&limit=${records.length}`)
          expect(got.nextOffset).toBe(next + records.length)
          got.records.forEach((r, i) => {
            const sent = records[i]!
            expect(r.offset).toBe(next + i)
            expect(r.key).toBe(sent.key)
            // JSON has one -0: it comes back as 0.
            expect(r.value).toEqual(JSON.parse(JSON.stringify(sent.value)))
            expect(r.headers).toEqual(Object.entries(sent.headers).map(([key, value]) => ({ key, value })))
          })
          next += records.length
        }),
        { numRuns: 15 },
      )
    })

    it('keeps bytes exact: valueBase64 in, format=base64 out; bytes that are not UTF-8 never come back as text', async () => {
      const topic = await createTopic()
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 300 }),
          fc.uint8Array({ maxLength: 20 }),
          async (value, key) => {
            const { offset } = (await produce(topic, [{ keyBase64: b64(key), valueBase64: b64(value) }]))[0]!
            const [r] = (await read(topic, 0, `offset=${offset}&format=base64&limit=1`)).records
            expect(r!.valueBase64).toBe(b64(value))
            const [s] = (await read(topic, 0, `offset=${offset}&format=text&limit=1`)).records
            const text = new TextDecoder('utf-8', { fatal: true })
            let utf8: string | undefined
            try {
              utf8 = text.decode(value)
            } catch {}
            if (utf8 === undefined) expect(s).toMatchObject({ valueBase64: b64(value) })
            else expect(s!.valueText).toBe(utf8)
          },
        ),
        { numRuns: 25 },
      )
    })

    it("sends keyed records to kafka-python's partition for the key (murmur2)", async () => {
      const cases = (murmur.keys as [string, number, number, number][]).filter(([, , n]) => n > 1 && n <= 12)
      expect(cases.length).toBeGreaterThan(3)
      for (const [keyHex, , n, expected] of cases.slice(0, 8)) {
        const topic = await createTopic(n)
        const [got] = await produce(topic, [{ keyBase64: b64(hexToBytes(keyHex)), value: 1 }])
        expect(got!.partition, `key ${keyHex} of ${n}`).toBe(expected)
      }
    })

    it('honours an explicit partition, and puts the unkeyed records of one request in one partition', async () => {
      const topic = await createTopic(4)
      expect((await produce(topic, [{ value: 1, partition: 3 }]))[0]!.partition).toBe(3)
      const offsets = await produce(
        topic,
        Array.from({ length: 10 }, (_, i) => ({ value: i })),
      )
      expect(new Set(offsets.map((o) => o.partition)).size).toBe(1)
      expect(
        await json('POST', `v1/topics/${topic}/records`, { records: [{ value: 1, partition: 4 }] }),
      ).toMatchObject({
        status: 404,
        body: { error: 'UNKNOWN_TOPIC_OR_PARTITION' },
      })
    })

    it("takes kafka-python's record batches as they are, and serves them back whole", async () => {
      const topic = await createTopic()
      const fixture = batches.batches.find((b) => b.name === 'three records with keys')!
      const res = await fetch(url(`v1/topics/${topic}/records?partition=0`), {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.kafka.record-batch' },
        body: hexToBytes(fixture.hex),
      })
      expect(await res.json()).toEqual({ partition: 0, baseOffset: 0, lastOffset: 2 })
      const got = await read(topic, 0, 'offset=0')
      const expected = (fixture.expected as { records: { key: string; value: string; timestamp: number }[] })
        .records
      expect(got.records.map((r) => [r.key, r.valueText, r.timestamp])).toEqual(
        expected.map((r) => [
          Buffer.from(hexToBytes(r.key)).toString(),
          Buffer.from(hexToBytes(r.value)).toString(),
          r.timestamp,
        ]),
      )
      const raw = await fetch(url(`v1/topics/${topic}/partitions/0/records?offset=0`), {
        headers: { accept: 'application/vnd.kafka.record-batch' },
      })
      expect(raw.headers.get('brook-high-watermark')).toBe('3')
      const bytes = new Uint8Array(await raw.arrayBuffer())
      const [batch] = splitBatches(bytes)
      expect(readBatchHeader(batch!).recordCount).toBe(3)
      expect(decodeRecords(batch!).map((r) => r.offset)).toEqual([0, 1, 2])
      const bad = await fetch(url(`v1/topics/${topic}/records?partition=0`), {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.kafka.record-batch' },
        body: hexToBytes(fixture.hex).map((b, i) => (i === 70 ? b ^ 1 : b)),
      })
      expect(bad.status).toBe(400)
      expect((await bad.json()).error).toBe('CORRUPT_MESSAGE')
      expect((await read(topic, 0, 'offset=0')).highWatermark).toBe(3)
    })

    it('reads from earliest, latest or a timestamp; a read outside the log is OFFSET_OUT_OF_RANGE', async () => {
      const topic = await createTopic()
      await produce(topic, [
        { value: 'a', timestamp: 1_000 },
        { value: 'b', timestamp: 2_000 },
        { value: 'c', timestamp: 3_000 },
      ])
      expect((await read(topic, 0, 'timestamp=1500')).records.map((r) => r.value)).toEqual(['b', 'c'])
      expect((await read(topic, 0, 'offset=earliest')).records.map((r) => r.value)).toEqual(['a', 'b', 'c'])
      expect(await read(topic, 0, 'offset=latest')).toMatchObject({ records: [], nextOffset: 3 })
      expect((await read(topic, 0, 'timestamp=9000')).nextOffset).toBe(3)
      expect(await json('GET', `v1/topics/${topic}/partitions/0/records?offset=7`)).toMatchObject({
        status: 416,
        body: { error: 'OFFSET_OUT_OF_RANGE' },
      })
      expect(await json('GET', `v1/topics/${topic}/partitions/0/records`)).toMatchObject({ status: 400 })
      expect(await json('GET', `v1/topics/${topic}/partitions/0/records?offset=0&limit=2`)).toMatchObject({
        body: { nextOffset: 2 },
      })
    })

    it('long-polls: a read at the log end with waitMs answers as soon as a record arrives', async () => {
      const topic = await createTopic()
      const waiting = read(topic, 0, 'offset=0&waitMs=20000')
      // The read is parked at the broker: the record below arrives after it asked.
      await new Promise((r) => setTimeout(r, 100))
      await produce(topic, [{ value: 'late' }])
      const got = await waiting
      expect(got.records.map((r) => r.value)).toEqual(['late'])
      expect(
        await json('GET', `v1/topics/${topic}/partitions/0/records?offset=0&waitMs=99999999`),
      ).toMatchObject({
        status: 400,
      })
    })

    it('refuses bad input with a Kafka error name, and stores nothing from it', async () => {
      const topic = await createTopic()
      const post = (body: string, type = 'application/json') =>
        fetch(url(`v1/topics/${topic}/records`), { method: 'POST', headers: { 'content-type': type }, body })
      const cases: [string, number][] = [
        ['not json', 400],
        ['[]', 400],
        ['{"records":[]}', 400],
        ['{"records":[{"key":"k"}]}', 400],
        ['{"records":[{"value":1,"valueBase64":"AA=="}]}', 400],
        ['{"records":[{"valueBase64":"not base64!"}]}', 400],
        ['{"records":[{"value":1,"partition":-1}]}', 400],
        ['{"records":[{"value":1,"extra":true}]}', 400],
        ['{"records":[{"value":1,"headers":[{"key":1}]}]}', 400],
        ['{"records":[{"value":1}],"more":1}', 400],
      ]
      for (const [body, status] of cases) {
        const res = await post(body)
        expect(res.status, body).toBe(status)
        const err = await res.json()
        expect(err.error, body).toBe('INVALID_REQUEST')
        expect(err.message.length, body).toBeGreaterThan(5)
      }
      // What a page of another site can send without a CORS preflight changes nothing.
      for (const type of [
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
      ]) {
        const res = await post('{"records":[{"value":1}]}', type)
        expect(res.status, type).toBe(415)
        expect((await res.json()).error).toBe('INVALID_REQUEST')
      }
      const big = await post(JSON.stringify({ records: [{ value: 'x'.repeat(opts.maxBodyBytes) }] }))
      expect(big.status).toBe(413)
      expect((await big.json()).error).toBe('MESSAGE_TOO_LARGE')
      expect((await read(topic, 0, 'offset=0')).highWatermark).toBe(0)
    })

    it('survives 1,000 malformed JSON and binary requests and keeps serving', async () => {
      const topic = await createTopic()
      const bodies = fc.sample(
        fc.oneof(
          fc.json(),
          fc.string(),
          fc.uint8Array({ maxLength: 200 }),
          fc.record({ records: fc.array(fc.anything(), { maxLength: 3 }) }).map((x) => JSON.stringify(x)),
        ),
        1000,
      )
      let i = 0
      for (const body of bodies) {
        const binary = body instanceof Uint8Array
        const res = await fetch(url(`v1/topics/${topic}/records?partition=0`), {
          method: 'POST',
          headers: {
            'content-type': binary && i % 2 ? 'application/vnd.kafka.record-batch' : 'application/json',
          },
          body,
        })
        i++
        expect(res.status, String(body).slice(0, 80)).toBeLessThan(500)
        await res.arrayBuffer()
      }
      expect((await json('GET', 'healthz')).status).toBe(200)
      await produce(topic, [{ value: 'still here' }])
    }, 60_000)
  })

  describe('groups', () => {
    it('commits offsets and reports committed, log end and lag per partition, never-committed counted', async () => {
      const topic = await createTopic(2)
      await produce(topic, [
        { value: 1, partition: 0 },
        { value: 2, partition: 0 },
        { value: 3, partition: 0 },
        { value: 4, partition: 1 },
      ])
      const group = topicName('g')
      expect(
        (await json('POST', `v1/groups/${group}/offsets`, { offsets: [{ topic, partition: 0, offset: 1 }] }))
          .status,
      ).toBe(204)
      const g = await json('GET', `v1/groups/${group}`)
      expect(g.status).toBe(200)
      expect(g.body.offsets).toEqual([
        { topic, partition: 0, committed: 1, logStartOffset: 0, logEndOffset: 3, lag: 2, owner: null },
      ])
      expect(
        (await json('GET', 'v1/groups')).body.groups.map((x: { groupId: string }) => x.groupId),
      ).toContain(group)
      expect(await json('GET', `v1/groups/${topicName('none')}`)).toMatchObject({
        status: 404,
        body: { error: 'GROUP_ID_NOT_FOUND' },
      })
      expect(
        await json('POST', `v1/groups/${group}/offsets`, { offsets: [{ topic, partition: 0 }] }),
      ).toMatchObject({ status: 400 })
    })
  })

  describe('SSE', () => {
    it('tails a partition from an offset and resumes after Last-Event-ID', async () => {
      const topic = await createTopic()
      await produce(topic, [{ value: 'a' }, { value: 'b' }, { value: 'c' }])
      const events = async (headers: Record<string, string>, query: string, want: number) => {
        const ac = new AbortController()
        const res = await fetch(url(`v1/topics/${topic}/partitions/0/events?${query}`), {
          headers,
          signal: ac.signal,
        })
        expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
        const reader = res.body!.getReader()
        let text = ''
        const got: { id: string; data: { offset: number; value: unknown } }[] = []
        while (got.length < want) {
          const { value, done } = await reader.read()
          if (done) break
          text += new TextDecoder().decode(value)
          let end = text.indexOf('\n\n')
          while (end >= 0) {
            const block = text.slice(0, end)
            text = text.slice(end + 2)
            const fields = Object.fromEntries(
              block
                .split('\n')
                .filter((l) => !l.startsWith(':'))
                .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
            )
            if (fields.event === 'record') got.push({ id: fields.id!, data: JSON.parse(fields.data!) })
            end = text.indexOf('\n\n')
          }
        }
        ac.abort()
        return got
      }
      const first = await events({}, 'offset=0', 3)
      expect(first.map((e) => [e.id, e.data.value])).toEqual([
        ['0', 'a'],
        ['1', 'b'],
        ['2', 'c'],
      ])
      const tail = events({ 'last-event-id': '1' }, 'offset=0', 2)
      await produce(topic, [{ value: 'd' }])
      expect((await tail).map((e) => [e.id, e.data.value])).toEqual([
        ['2', 'c'],
        ['3', 'd'],
      ])
      expect((await fetch(url(`v1/topics/${topic}/partitions/5/events`))).status).toBe(404)
    })
  })

  describe('Kafka over WebSocket', () => {
    it('answers Kafka request frames, one per binary message, in order', async () => {
      const ws = new WebSocket(url('v1/ws').replace(/^http/, 'ws'))
      ws.binaryType = 'arraybuffer'
      const answers: Uint8Array[] = []
      ws.on('message', (d: ArrayBuffer) => answers.push(new Uint8Array(d)))
      await new Promise((ok, fail) => {
        ws.once('open', ok)
        ws.once('error', fail)
      })
      ws.send(
        encodeRequest({ apiKey: API_KEYS.ApiVersions, apiVersion: 3, correlationId: 7, clientId: 't' }, {
          clientSoftwareName: 'suite',
          clientSoftwareVersion: '1',
        } as never),
      )
      ws.send(
        encodeRequest({ apiKey: API_KEYS.Metadata, apiVersion: 8, correlationId: 8, clientId: 't' }, {
          topics: null,
          allowAutoTopicCreation: false,
          includeClusterAuthorizedOperations: false,
          includeTopicAuthorizedOperations: false,
        } as never),
      )
      await expect.poll(() => answers.length).toBe(2)
      const versions = decodeResponse(API_KEYS.ApiVersions, 3, answers[0]!)
      expect(versions.correlationId).toBe(7)
      expect((versions.body as { errorCode: number }).errorCode).toBe(0)
      expect(decodeResponse(API_KEYS.Metadata, 8, answers[1]!).correlationId).toBe(8)
      // A page of another site may not open one (CORS does not cover WebSockets).
      const foreign = await new Promise<number>((ok) => {
        const other = new WebSocket(url('v1/ws').replace(/^http/, 'ws'), { origin: 'https://evil.example' })
        other.on('unexpected-response', (_req, res) => ok(res.statusCode ?? 0))
        other.on('open', () => {
          other.close()
          ok(101)
        })
      })
      expect(foreign).toBe(403)
      const own = new WebSocket(url('v1/ws').replace(/^http/, 'ws'), { origin: new URL(opts.base()).origin })
      await new Promise((ok, fail) => {
        own.once('open', ok)
        own.once('error', fail)
      })
      own.close()
      const closed = new Promise<number>((ok) => ws.once('close', (code) => ok(code)))
      ws.send('text is not a Kafka frame')
      expect(await closed).toBe(1003)
    })
  })

  describe('metrics', () => {
    it('counts records in and out per topic, in Prometheus text format', async () => {
      const topic = await createTopic()
      await produce(topic, [{ value: 1 }, { value: 2 }])
      await read(topic, 0, 'offset=0')
      const res = await fetch(url('metrics'))
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
      const text = await res.text()
      expect(text).toContain(`brook_records_in_total{topic="${topic}"} 2`)
      expect(text).toContain(`brook_records_out_total{topic="${topic}"} 2`)
      expect(text).toMatch(/brook_request_duration_seconds_count\{api="produce"\} \d+/)
      expect(text).toMatch(/# TYPE brook_consumer_group_lag gauge/)
    })
  })
}
