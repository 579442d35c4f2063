/**
 * Compressed batches end to end (issue 13): kcat (librdkafka) compresses with each codec against
 * brook — it checks the broker's Produce range before it does (rdkafka_msgset_writer.c) — and the
 * batches are stored as it compressed them; kcat, kafka-python (with Debian's codec modules) and
 * brook itself read the records back. kafka-python pinned to Kafka 0.9 and 0.10 sends message sets
 * of magic 0 and 1 (Produce v1 and v2): brook stores them as the v2 batch a Kafka broker makes of
 * them, with the producer's codec, keys, values and (magic 1) timestamps.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Compression } from '../../src/core/format/compression.ts'
import {
  compressionOf,
  decodeRecordsAsync,
  readBatchHeader,
  splitBatches,
} from '../../src/core/format/record-batch.ts'
import { brookProcess } from '../support/cli.ts'
import { type Brook, PYTHON, run, startBrook } from './support.ts'

const PY = new URL('./python/', import.meta.url).pathname

/** Every stored batch of partition 0 of `topic`, as fetched from the broker. */
async function stored(brook: Brook, topic: string): Promise<Uint8Array[]> {
  const res = await brook.broker.fetch({
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 64 << 20,
    topics: [{ name: topic, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 64 << 20 }] }],
  })
  return splitBatches(res.topics[0]!.partitions[0]!.records)
}

async function records(brook: Brook, topic: string) {
  const out: { key: string; value: string; timestamp: number }[] = []
  for (const b of await stored(brook, topic))
    for (const r of await decodeRecordsAsync(b))
      out.push({
        key: new TextDecoder().decode(r.key ?? new Uint8Array()),
        value: new TextDecoder().decode(r.value ?? new Uint8Array()),
        timestamp: r.timestamp,
      })
  return out
}

describe('compression interop', () => {
  let brook: Brook
  let bootstrap: string
  beforeAll(async () => {
    brook = await startBrook()
    bootstrap = `127.0.0.1:${brook.port}`
  })
  afterAll(async () => {
    await brook?.close()
  })

  it.each(['gzip', 'snappy', 'lz4', 'zstd'] as const)(
    'kcat -z %s: stored as it compressed it; kcat, kafka-python and brook read every record',
    async (codec) => {
      const topic = `kcat-${codec}`
      const lines = Array.from({ length: 500 }, (_, i) => `k${i}:${codec} record ${i} ${'x'.repeat(i % 50)}`)
      const p = await run('kcat', ['-b', bootstrap, '-P', '-t', topic, '-z', codec, '-K', ':'], {
        input: `${lines.join('\n')}\n`,
      })
      expect(p.stderr).toBe('')
      expect(p.code).toBe(0)
      const batches = await stored(brook, topic)
      expect(batches.length).toBeGreaterThan(0)
      // librdkafka sends a batch uncompressed when compressing would not shrink it: under load a
      // first line can go out alone. Every batch of more than a few records carries the codec.
      const headers = batches.map((b) => readBatchHeader(b))
      expect(headers.some((h) => compressionOf(h) === Compression[codec])).toBe(true)
      for (const h of headers)
        if (compressionOf(h) !== Compression[codec])
          expect({ codec: compressionOf(h), few: h.recordCount <= 3 }).toEqual({ codec: 0, few: true })
      const want = lines.map((l) => l.slice(l.indexOf(':') + 1))
      expect((await records(brook, topic)).map((r) => r.value)).toEqual(want)

      const c = await run('kcat', ['-b', bootstrap, '-C', '-t', topic, '-e', '-q', '-o', 'beginning'])
      expect(c.code).toBe(0)
      expect(c.stdout.trim().split('\n')).toEqual(want)

      const py = await run(PYTHON, [`${PY}read_all.py`, String(brook.port), topic, String(want.length)], {
        timeoutMs: 60_000,
      })
      expect(py.stderr).not.toMatch(/Traceback/)
      expect(JSON.parse(py.stdout)).toEqual(want)
    },
  )

  it.each(['gzip', 'snappy', 'lz4', 'zstd'] as const)(
    'brook console-producer --compression-codec %s: stored so, and kcat reads it',
    async (codec) => {
      const topic = `cli-${codec}`
      const lines = Array.from({ length: 300 }, (_, i) => `${codec} line ${i} ${'y'.repeat(i % 40)}`)
      const p = await brookProcess(
        ['console-producer', '--topic', topic, '--compression-codec', codec],
        bootstrap,
        `${lines.join('\n')}\n`,
        60_000,
      )
      expect(p.err).toBe('')
      expect(p.code).toBe(0)
      for (const b of await stored(brook, topic))
        expect(compressionOf(readBatchHeader(b))).toBe(Compression[codec])
      const c = await run('kcat', ['-b', bootstrap, '-C', '-t', topic, '-e', '-q', '-o', 'beginning'])
      expect(c.stdout.trim().split('\n')).toEqual(lines)
    },
  )

  it('brook console-consumer reads the zstd batches kcat wrote', async () => {
    const lines = Array.from({ length: 200 }, (_, i) => `zstd line ${i}`)
    await run('kcat', ['-b', bootstrap, '-P', '-t', 'kcat-zstd-for-cli', '-z', 'zstd'], {
      input: `${lines.join('\n')}\n`,
    })
    const c = await brookProcess(
      ['console-consumer', '--topic', 'kcat-zstd-for-cli', '--from-beginning', '--max-messages', '200'],
      bootstrap,
      '',
      60_000,
    )
    expect(c.code).toBe(0)
    expect(c.out.trim().split('\n')).toEqual(lines)
  })

  it.each([
    ['0.9', 'none'],
    ['0.9', 'gzip'],
    ['0.9', 'snappy'],
    ['0.10.1', 'none'],
    ['0.10.1', 'gzip'],
    ['0.10.1', 'snappy'],
    ['0.10.1', 'lz4'],
  ] as const)(
    'kafka-python as Kafka %s with %s: its legacy message sets are stored as v2 batches',
    async (version, codec) => {
      const topic = `legacy-${version.replace(/\./g, '_')}-${codec}`
      const count = 300
      const r = await run(
        PYTHON,
        [`${PY}legacy_producer.py`, String(brook.port), topic, String(count), version, codec],
        {
          timeoutMs: 60_000,
        },
      )
      expect(r.stderr).not.toMatch(/Traceback/)
      expect(r.code).toBe(0)
      const stamps = JSON.parse(r.stdout) as number[]
      const batches = await stored(brook, topic)
      for (const b of batches) {
        const h = readBatchHeader(b)
        expect(h.magic).toBe(2)
        expect(compressionOf(h)).toBe(Compression[codec])
      }
      const got = await records(brook, topic)
      expect(got.map((x) => x.key)).toEqual(Array.from({ length: count }, (_, i) => `k${i}`))
      expect(got.map((x) => x.value)).toEqual(Array.from({ length: count }, (_, i) => `${codec}-${i}`))
      // Magic 1 carries the producer's timestamps; magic 0 has none (-1), as Kafka up-converts it.
      expect(got.map((x) => x.timestamp)).toEqual(version === '0.9' ? stamps.map(() => -1) : stamps)
      // And a current client reads them.
      const py = await run(PYTHON, [`${PY}read_all.py`, String(brook.port), topic, String(count)], {
        timeoutMs: 60_000,
      })
      expect(JSON.parse(py.stdout)).toEqual(got.map((x) => x.value))
    },
  )
})
