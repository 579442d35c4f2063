/**
 * @module Real request frames captured from kcat and confluent-kafka (librdkafka 2.0.2) and kafkajs 2.2.4
 * (scripts/fixtures/capture-frames.ts): brook decodes what those clients send — including librdkafka's
 * flexible ApiVersions v3 and InitProducerId v4 with request header v2 — and encodes the same bytes back.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { decodeRecords, readBatchHeader } from '../../src/core/format/record-batch.ts'
import { decodeRequest, encodeRequest } from '../../src/core/protocol/index.ts'

interface Frame {
  apiKey: number
  apiVersion: number
  hex: string
}
const frames = (client: string): Uint8Array[] =>
  (
    JSON.parse(readFileSync(new URL(`../fixtures/captures/${client}.json`, import.meta.url), 'utf8'))
      .frames as Frame[]
  ).map((f) => new Uint8Array(Buffer.from(f.hex, 'hex')))

const text = (b: Uint8Array | null) => (b ? new TextDecoder().decode(b) : null)

function roundTrip(bytes: Uint8Array): void {
  const { header, body } = decodeRequest(bytes)
  expect(Buffer.from(encodeRequest(header, body as never)).equals(Buffer.from(bytes))).toBe(true)
}

describe('kcat -L (librdkafka 2.0.2)', () => {
  const [apiVersions, metadata, metadataAll] = frames('kcat')

  it('opens with a flexible ApiVersions v3 naming the client software', () => {
    const req = decodeRequest(apiVersions!)
    expect(req.header).toMatchObject({ apiKey: 18, apiVersion: 3, clientId: 'rdkafka' })
    expect(req.body).toEqual({ clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2' })
  })

  it('asks Metadata v4 for brokers only ([]) and then for all topics (null)', () => {
    const first = decodeRequest(metadata!)
    expect(first.header).toMatchObject({ apiKey: 3, apiVersion: 4 })
    if (first.apiKey !== 3) throw new Error('not metadata')
    expect(first.body.topics).toEqual([])
    expect(first.body.allowAutoTopicCreation).toBe(false)
    const all = decodeRequest(metadataAll!)
    if (all.apiKey !== 3) throw new Error('not metadata')
    expect(all.body.topics).toBeNull()
  })

  it('re-encodes every frame to the same bytes', () => {
    for (const f of frames('kcat')) roundTrip(f)
  })
})

describe('confluent-kafka idempotent producer (librdkafka 2.0.2)', () => {
  const [apiVersions, , initProducerId, produce] = frames('confluent-kafka')

  it('names itself in ApiVersions v3', () => {
    const req = decodeRequest(apiVersions!)
    expect(req.body).toEqual({
      clientSoftwareName: 'confluent-kafka-python',
      clientSoftwareVersion: '1.7.0-rdkafka-2.0.2',
    })
  })

  it('sends a flexible InitProducerId v4 with no transactional id', () => {
    const req = decodeRequest(initProducerId!)
    expect(req.header).toMatchObject({ apiKey: 22, apiVersion: 4, clientId: 'rdkafka' })
    expect(req.body).toEqual({
      transactionalId: null,
      transactionTimeoutMs: -1,
      producerId: -1,
      producerEpoch: -1,
    })
  })

  it('produces v7 with acks=all, and the records pass through untouched', () => {
    const req = decodeRequest(produce!)
    if (req.apiKey !== 0) throw new Error('not produce')
    expect(req.header.apiVersion).toBe(7)
    expect(req.body.acks).toBe(-1)
    const [topic] = req.body.topicData
    expect(topic!.name).toBe('capture-topic')
    const records = topic!.partitionData[0]!.records!
    // Zero-copy: the records are a view into the frame.
    expect(records.buffer).toBe(produce!.buffer)
    expect(readBatchHeader(records).producerId).toBe(4242)
    const [rec] = decodeRecords(records)
    expect([text(rec!.key), text(rec!.value)]).toEqual(['key-1', 'value-1'])
  })

  it('re-encodes every frame to the same bytes', () => {
    for (const f of frames('confluent-kafka')) roundTrip(f)
  })
})

describe('kafkajs 2.2.4 producer', () => {
  const [apiVersions, metadata, produce] = frames('kafkajs')

  it('sends ApiVersions v2, Metadata v6 with auto-create, Produce v7', () => {
    expect(decodeRequest(apiVersions!).header).toMatchObject({
      apiKey: 18,
      apiVersion: 2,
      clientId: 'capture-kafkajs',
    })
    const md = decodeRequest(metadata!)
    if (md.apiKey !== 3) throw new Error('not metadata')
    expect(md.header.apiVersion).toBe(6)
    expect(md.body.topics?.map((t) => t.name)).toEqual(['capture-topic'])
    expect(md.body.allowAutoTopicCreation).toBe(true)
    const pr = decodeRequest(produce!)
    if (pr.apiKey !== 0) throw new Error('not produce')
    expect(pr.body.acks).toBe(1)
    const [rec] = decodeRecords(pr.body.topicData[0]!.partitionData[0]!.records!)
    expect([text(rec!.key), text(rec!.value)]).toEqual(['key-1', 'value-1'])
    expect(rec!.headers.map((h) => [h.key, text(h.value)])).toEqual([['h', 'x']])
  })

  it('re-encodes every frame to the same bytes', () => {
    for (const f of frames('kafkajs')) roundTrip(f)
  })
})
