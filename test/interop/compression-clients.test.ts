/**
 * Compression with every client (issue 13). For each codec, confluent-kafka (librdkafka, its
 * `compression.type`), kafka-python (Debian's codec modules) and kafkajs (gzip built in; snappy, lz4 and zstd through codec packages)
 * produce; the batches are stored as the producer compressed them; kcat, kafka-python (Debian's
 * codec modules), kafkajs and brook's own CLI read every record back. Then the topic config
 * `compression.type`: whatever kcat and kafka-python send, the broker stores batches in the topic's
 * codec, with keys, values, headers, timestamps and producer fields kept, as Kafka's LogValidator
 * does; an idempotent producer's batches keep their sequence numbers.
 *
 * kafkajs's zstd package (@kafkajs/zstd) is native (cppzst) and does not build here, so its codec is
 * a small adapter over @bokuweb/zstd-wasm's compress and decompress (the zstd C library as WASM).
 */

import zstdWasm from '@bokuweb/zstd-wasm'
import { CompressionCodecs, CompressionTypes, Kafka, logLevel } from 'kafkajs'
import LZ4Codec from 'kafkajs-lz4'
import SnappyCodec from 'kafkajs-snappy'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Compression } from '../../src/core/format/compression.ts'
import {
  compressionOf,
  decodeRecordsAsync,
  readBatchHeader,
  splitBatches,
} from '../../src/core/format/record-batch.ts'
import { brookProcess } from '../support/cli.ts'
import { type Brook, PY_DIR, PYTHON, run, startBrook } from './support.ts'

type Codec = 'gzip' | 'snappy' | 'lz4' | 'zstd'
const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const
const KAFKAJS_TYPE: Record<Codec, CompressionTypes> = {
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
}

CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec
CompressionCodecs[CompressionTypes.LZ4] = new LZ4Codec().codec
CompressionCodecs[CompressionTypes.ZSTD] = () => ({
  compress: async (encoder: { buffer: Buffer }) => Buffer.from(zstdWasm.compress(encoder.buffer, 3)),
  decompress: async (buffer: Buffer) =>
    Buffer.from(zstdWasm.decompress(buffer, { defaultHeapSize: 64 << 20 })),
})

const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b))

interface Stored {
  codec: number
  recordCount: number
  producerId: number
  baseSequence: number
}

/** Every batch of partition 0 of `topic` as the broker serves it, and the records in them. */
async function stored(brook: Brook, topic: string) {
  const res = await brook.broker.fetch({
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 64 << 20,
    topics: [{ name: topic, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 64 << 20 }] }],
  })
  const batches: Stored[] = []
  const records: { key: string | null; value: string | null; header: string | null; timestamp: number }[] = []
  for (const b of splitBatches(res.topics[0]!.partitions[0]!.records)) {
    const h = readBatchHeader(b)
    batches.push({
      codec: compressionOf(h),
      recordCount: h.recordCount,
      producerId: h.producerId,
      baseSequence: h.baseSequence,
    })
    for (const r of await decodeRecordsAsync(b))
      records.push({
        key: text(r.key),
        value: text(r.value),
        header: text(r.headers.find((x) => x.key === 'i')?.value ?? null),
        timestamp: r.timestamp,
      })
  }
  return { batches, records }
}

describe('compression with every client', () => {
  let brook: Brook
  let bootstrap: string
  let kafka: Kafka
  beforeAll(async () => {
    await zstdWasm.init()
    brook = await startBrook()
    bootstrap = `127.0.0.1:${brook.port}`
    kafka = new Kafka({
      clientId: 'kjs-compression',
      brokers: [bootstrap],
      logLevel: logLevel.NOTHING,
      retry: { retries: 3, initialRetryTime: 100 },
    })
  })
  afterAll(async () => {
    await brook?.close()
  })

  /** kcat, kafka-python, kafkajs and brook's CLI each read `want` (the values, in order) from `topic`. */
  async function everyReaderGets(topic: string, want: string[]): Promise<void> {
    const c = await run('kcat', ['-b', bootstrap, '-C', '-t', topic, '-e', '-q', '-o', 'beginning'], {
      timeoutMs: 60_000,
    })
    expect(c.stderr).toBe('')
    expect(c.stdout.trim().split('\n')).toEqual(want)

    const py = await run(PYTHON, [`${PY_DIR}read_all.py`, String(brook.port), topic, String(want.length)], {
      timeoutMs: 60_000,
    })
    expect(py.stderr).not.toMatch(/Traceback/)
    expect(JSON.parse(py.stdout)).toEqual(want)

    const consumer = kafka.consumer({ groupId: `kjs-read-${topic}`, maxWaitTimeInMs: 200 })
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    const got: string[] = []
    await consumer.run({ eachMessage: async ({ message }) => void got.push(message.value!.toString()) })
    await expect.poll(() => got.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(want.length)
    await consumer.disconnect()
    expect(got).toEqual(want)

    const cli = await brookProcess(
      ['console-consumer', '--topic', topic, '--from-beginning', '--max-messages', String(want.length)],
      bootstrap,
      '',
      60_000,
    )
    expect(cli.code).toBe(0)
    expect(cli.out.trim().split('\n')).toEqual(want)
  }

  it.each(CODECS)(
    'confluent-kafka compression.type=%s: stored so, and every reader gets every record',
    async (codec) => {
      const topic = `confluent-${codec}`
      const count = 400
      const p = await run(
        PYTHON,
        [`${PY_DIR}confluent_compressed.py`, String(brook.port), topic, String(count), codec],
        {
          timeoutMs: 60_000,
        },
      )
      expect(p.stderr).not.toMatch(/Traceback/)
      expect(JSON.parse(p.stdout)).toEqual({ delivered: count, errors: [], left: 0 })
      const want = Array.from({ length: count }, (_, i) => `${codec} record ${i} ${'z'.repeat(i % 60)}`)
      const { batches, records } = await stored(brook, topic)
      // librdkafka sends a batch uncompressed when compressing would not shrink it (a lone first
      // record): accept only that; every larger batch carries the codec.
      expect(batches.some((b) => b.codec === Compression[codec])).toBe(true)
      for (const b of batches)
        if (b.codec !== Compression[codec])
          expect({ codec: b.codec, few: b.recordCount <= 3 }).toEqual({ codec: 0, few: true })
      expect(records.map((r) => [r.key, r.value, r.header])).toEqual(
        want.map((v, i) => [`k${i}`, v, String(i)]),
      )
      await everyReaderGets(topic, want)
    },
    180_000,
  )

  it.each(CODECS)(
    'kafkajs with %s: every batch stored in it, and every reader gets every record',
    async (codec) => {
      const topic = `kafkajs-${codec}`
      const producer = kafka.producer()
      await producer.connect()
      const want: string[] = []
      for (let send = 0; send < 3; send++) {
        const messages = Array.from({ length: 150 }, (_, j) => {
          const i = send * 150 + j
          want.push(`${codec} kafkajs ${i} ${'q'.repeat(i % 45)}`)
          return {
            key: `k${i}`,
            value: want[i]!,
            headers: { i: String(i) },
            timestamp: String(1_700_000_000_000 + i),
          }
        })
        await producer.send({ topic, compression: KAFKAJS_TYPE[codec], messages })
      }
      await producer.disconnect()
      const { batches, records } = await stored(brook, topic)
      expect(batches.map((b) => b.codec)).toEqual([1, 2, 3].map(() => Compression[codec]))
      expect(records.map((r) => [r.key, r.value, r.header, r.timestamp])).toEqual(
        want.map((v, i) => [`k${i}`, v, String(i), 1_700_000_000_000 + i]),
      )
      await everyReaderGets(topic, want)
    },
    180_000,
  )

  it.each(CODECS)(
    'kafka-python with %s (magic 2 batches, Debian codec modules): stored so, and every reader gets every record',
    async (codec) => {
      const topic = `kafka-python-${codec}`
      const count = 400
      const p = await run(
        PYTHON,
        [`${PY_DIR}kp_produce.py`, String(brook.port), topic, String(count), codec],
        {
          timeoutMs: 60_000,
        },
      )
      expect(p.stderr).not.toMatch(/Traceback/)
      expect(p.code).toBe(0)
      const want = Array.from({ length: count }, (_, i) => `${codec}-${i}`)
      const { batches, records } = await stored(brook, topic)
      expect(batches.length).toBeGreaterThan(0)
      // kafka-python compresses every batch it sends, however small.
      expect(batches.map((b) => b.codec)).toEqual(batches.map(() => Compression[codec]))
      expect(records.map((r) => [r.key, r.value, r.header, r.timestamp])).toEqual(
        want.map((v, i) => [`k${i}`, v, String(i), 1_700_000_000_000 + i]),
      )
      await everyReaderGets(topic, want)
    },
    180_000,
  )

  describe('topic config compression.type', () => {
    const TYPES = ['uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'] as const
    beforeAll(async () => {
      const admin = kafka.admin()
      await admin.connect()
      await admin.createTopics({
        topics: [...TYPES, 'zstd-idempotent'].map((t) => ({
          topic: `typed-${t}`,
          configEntries: [{ name: 'compression.type', value: t.replace('-idempotent', '') }],
        })),
      })
      await admin.disconnect()
    })

    it.each(TYPES)(
      'compression.type=%s: kcat (none, gzip) and kafka-python (none, gzip) batches are stored in it, records intact',
      async (type) => {
        const topic = `typed-${type}`
        const want: { key: string; value: string; header: string | null; timestamp?: number }[] = []
        for (const z of ['none', 'gzip']) {
          const lines = Array.from(
            { length: 100 },
            (_, i) => `kcat-${z}-${i}:kcat ${z} ${i} ${'w'.repeat(i % 30)}`,
          )
          const p = await run('kcat', ['-b', bootstrap, '-P', '-t', topic, '-z', z, '-K', ':'], {
            input: `${lines.join('\n')}\n`,
          })
          expect(p.stderr).toBe('')
          for (const l of lines)
            want.push({ key: l.slice(0, l.indexOf(':')), value: l.slice(l.indexOf(':') + 1), header: null })
          const k = await run(PYTHON, [`${PY_DIR}kp_produce.py`, String(brook.port), topic, '100', z], {
            timeoutMs: 60_000,
          })
          expect(k.stderr).not.toMatch(/Traceback/)
          for (let i = 0; i < 100; i++)
            want.push({
              key: `k${i}`,
              value: `${z}-${i}`,
              header: String(i),
              timestamp: 1_700_000_000_000 + i,
            })
        }
        const { batches, records } = await stored(brook, topic)
        const code = type === 'uncompressed' ? Compression.none : Compression[type]
        expect(new Set(batches.map((b) => b.codec))).toEqual(new Set([code]))
        expect(records.map((r) => ({ key: r.key, value: r.value, header: r.header }))).toEqual(
          want.map(({ key, value, header }) => ({ key, value, header })),
        )
        // kafka-python's own timestamps survive the rebuild.
        for (const [i, w] of want.entries()) if (w.timestamp) expect(records[i]!.timestamp).toBe(w.timestamp)
        const c = await run('kcat', ['-b', bootstrap, '-C', '-t', topic, '-e', '-q', '-o', 'beginning'])
        expect(c.stdout.trim().split('\n')).toEqual(want.map((w) => w.value))
      },
      120_000,
    )

    it('an idempotent confluent-kafka producer (gzip) into a zstd topic: stored zstd, sequences kept, nothing twice', async () => {
      const topic = 'typed-zstd-idempotent'
      const count = 600
      const p = await run(
        PYTHON,
        [`${PY_DIR}confluent_compressed.py`, String(brook.port), topic, String(count), 'gzip', 'idempotent'],
        { timeoutMs: 60_000 },
      )
      expect(JSON.parse(p.stdout)).toEqual({ delivered: count, errors: [], left: 0 })
      const { batches, records } = await stored(brook, topic)
      expect(new Set(batches.map((b) => b.codec))).toEqual(new Set([Compression.zstd]))
      expect(batches[0]!.producerId).toBeGreaterThanOrEqual(0)
      // Each batch's base sequence is the count of the producer's records before it.
      let seq = 0
      for (const b of batches) {
        expect(b.baseSequence).toBe(seq)
        seq += b.recordCount
      }
      expect(records.map((r) => r.value)).toEqual(
        Array.from({ length: count }, (_, i) => `gzip record ${i} ${'z'.repeat(i % 60)}`),
      )
    }, 120_000)
  })
})
