/** @module Broker: topics, metadata, produce, fetch with long-poll, offsets, retention, restart. */

import { describe, expect, it } from 'vitest'
import { Broker } from './broker.ts'
import { consume, produce, records } from './broker-test-helpers.ts'
import { ManualClock } from './clock.ts'
import { errorCode, errorName } from './errors.ts'
import { Compression } from './format/compression.ts'
import { crc32c } from './format/crc32c.ts'
import {
  decodeRecords,
  decodeRecordsAsync,
  encodeBatch,
  encodeBatchAsync,
  readBatchHeader,
  splitBatches,
} from './format/record-batch.ts'
import { MemoryStore } from './memory-store.ts'
import type { FetchRequest } from './service.ts'

const open = (options: Partial<Parameters<typeof Broker.open>[0]> = {}) =>
  Broker.open({ store: new MemoryStore(), clock: new ManualClock(), ...options })

const dec = (b: Uint8Array) => new TextDecoder().decode(b)
const names = (codes: { errorCode: number }[]) => codes.map((c) => errorName(c.errorCode))

function fetchReq(
  topic: string,
  partition: number,
  fetchOffset: number,
  extra: Partial<FetchRequest> = {},
): FetchRequest {
  return {
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 1 << 20,
    topics: [{ name: topic, partitions: [{ partition, fetchOffset, partitionMaxBytes: 1 << 20 }] }],
    ...extra,
  }
}

describe('Broker topics', () => {
  it('creates, lists, describes and deletes topics', async () => {
    const broker = await open({ defaultPartitions: 2 })
    const created = await broker.createTopics({
      topics: [{ name: 'orders', numPartitions: 3, configs: { 'retention.ms': '1000' } }, { name: 'logs' }],
    })
    expect(names(created)).toEqual(['NONE', 'NONE'])
    const md = await broker.metadata({ topics: null })
    expect(md.topics.map((t) => [t.name, t.partitions.length])).toEqual([
      ['logs', 2],
      ['orders', 3],
    ])
    const [cfg] = await broker.describeConfigs(['orders'])
    const byName = Object.fromEntries(cfg!.configs.map((c) => [c.name, c]))
    expect(byName['retention.ms']).toMatchObject({ value: '1000', isDefault: false })
    expect(byName['max.message.bytes']).toMatchObject({ value: '1048588', isDefault: true })
    expect(byName['cleanup.policy']).toMatchObject({ value: 'delete', isDefault: true })
    expect(names(await broker.deleteTopics(['orders', 'nope']))).toEqual([
      'NONE',
      'UNKNOWN_TOPIC_OR_PARTITION',
    ])
    expect((await broker.metadata({ topics: null })).topics.map((t) => t.name)).toEqual(['logs'])
    expect(names(await broker.describeConfigs(['orders']))).toEqual(['UNKNOWN_TOPIC_OR_PARTITION'])
    await broker.close()
  })

  it('applies Kafka’s topic name rules', async () => {
    const broker = await open()
    const bad = ['', '.', '..', 'a'.repeat(250), 'has space', 'slash/', 'ümlaut', 'star*']
    const good = ['a'.repeat(249), 'A-b_c.9', '...x']
    const r = await broker.createTopics({ topics: [...bad, ...good].map((name) => ({ name })) })
    expect(names(r)).toEqual([...bad.map(() => 'INVALID_TOPIC_EXCEPTION'), ...good.map(() => 'NONE')])
    // Each says why: which character where, or how long.
    expect(r.map((x) => x.errorMessage)).toEqual([
      'topic name is empty',
      'topic name cannot be "."',
      'topic name cannot be ".."',
      `topic name "${'a'.repeat(40)}…" is 250 characters long; the limit is 249`,
      expect.stringMatching(
        /^topic name "has space" contains a space at index 3; a topic name may contain only/,
      ),
      expect.stringMatching(/^topic name "slash\/" contains '\/' \(U\+002F\) at index 5;/),
      expect.stringMatching(/^topic name "ümlaut" contains 'ü' \(U\+00FC\) at index 0;/),
      expect.stringMatching(/^topic name "star\*" contains '\*' \(U\+002A\) at index 4;/),
      null,
      null,
      null,
    ])
    // '.' and '_' collide, as in Kafka.
    expect(names(await broker.createTopics({ topics: [{ name: 'A-b.c_9' }] }))).toEqual([
      'INVALID_TOPIC_EXCEPTION',
    ])
    await broker.close()
  })

  it('refuses duplicates, bad partition counts and bad configs', async () => {
    const broker = await open()
    await broker.createTopics({ topics: [{ name: 't' }] })
    const r = await broker.createTopics({
      topics: [
        { name: 't' },
        { name: 'p0', numPartitions: 0 },
        { name: 'pneg', numPartitions: -3 },
        { name: 'pfrac', numPartitions: 1.5 },
        { name: 'phuge', numPartitions: 1e9 },
        { name: 'c1', configs: { 'no.such.config': '1' } },
        { name: 'c2', configs: { 'retention.ms': 'soon' } },
        { name: 'c3', configs: { 'cleanup.policy': 'shred' } },
        { name: 'c4', configs: { 'message.timestamp.type': 'Whenever' } },
        { name: 'ok', configs: { 'cleanup.policy': 'compact,delete', 'segment.bytes': '1048576' } },
      ],
    })
    expect(names(r)).toEqual([
      'TOPIC_ALREADY_EXISTS',
      'INVALID_PARTITIONS',
      'INVALID_PARTITIONS',
      'INVALID_PARTITIONS',
      'INVALID_PARTITIONS',
      'INVALID_CONFIG',
      'INVALID_CONFIG',
      'INVALID_CONFIG',
      'INVALID_CONFIG',
      'NONE',
    ])
    expect(r[5]!.errorMessage).toContain('no.such.config')
    expect(names(await broker.createTopics({ topics: [{ name: 'v' }], validateOnly: true }))).toEqual([
      'NONE',
    ])
    expect(broker.topicNames()).toEqual(['ok', 't'])
    await broker.close()
  })

  it('grows partitions but never shrinks them', async () => {
    const broker = await open()
    await broker.createTopics({ topics: [{ name: 't', numPartitions: 2 }] })
    const r = await broker.createPartitions({
      topics: [
        { name: 't', count: 4 },
        { name: 't', count: 3 },
        { name: 'x', count: 2 },
      ],
    })
    expect(names(r)).toEqual(['NONE', 'INVALID_PARTITIONS', 'UNKNOWN_TOPIC_OR_PARTITION'])
    expect((await produce(broker, 't', 3, records(['a']))).errorCode).toBe(0)
    await broker.close()
  })

  it('keeps topics, configs and data across a restart; a recreated topic starts empty', async () => {
    const store = new MemoryStore()
    const broker = await Broker.open({ store })
    await broker.createTopics({
      topics: [{ name: 't', numPartitions: 2, configs: { 'retention.bytes': '5000' } }],
    })
    await produce(broker, 't', 1, records(['a', 'b']))
    await broker.close()
    const again = await Broker.open({ store: store.reopen() })
    expect(await consume(again, 't', 1)).toEqual([
      [0, 'a'],
      [1, 'b'],
    ])
    const [cfg] = await again.describeConfigs(['t'])
    expect(cfg!.configs.find((c) => c.name === 'retention.bytes')?.value).toBe('5000')
    await again.deleteTopics(['t'])
    await again.createTopics({ topics: [{ name: 't', numPartitions: 2 }] })
    expect(await consume(again, 't', 1)).toEqual([])
    expect(store.sizeBytes()).toBe(0)
    await again.close()
  })
})

describe('Broker metadata', () => {
  it('describes this node as broker, controller and leader of every partition', async () => {
    const broker = await open({ nodeId: 7, host: 'h', port: 1234, clusterId: 'c1' })
    await broker.createTopics({ topics: [{ name: 't', numPartitions: 2 }] })
    const md = await broker.metadata({ topics: ['t', 'missing'] })
    expect(md.brokers).toEqual([{ nodeId: 7, host: 'h', port: 1234 }])
    expect(md.controllerId).toBe(7)
    expect(md.clusterId).toBe('c1')
    expect(md.topics[0]!.partitions).toEqual([
      { errorCode: 0, partition: 0, leader: 7, replicas: [7], isr: [7] },
      { errorCode: 0, partition: 1, leader: 7, replicas: [7], isr: [7] },
    ])
    expect(md.topics[1]).toMatchObject({
      name: 'missing',
      errorCode: errorCode('UNKNOWN_TOPIC_OR_PARTITION'),
    })
    expect((await broker.metadata({ topics: [] })).topics).toEqual([])
    expect(await broker.findCoordinator('g')).toEqual({ errorCode: 0, nodeId: 7, host: 'h', port: 1234 })
    await broker.close()
  })

  it('auto-creates topics only when the broker and the request allow it', async () => {
    const broker = await open({ autoCreateTopics: true, defaultPartitions: 3 })
    expect(
      (await broker.metadata({ topics: ['a'], allowAutoTopicCreation: false })).topics[0]!.errorCode,
    ).toBe(errorCode('UNKNOWN_TOPIC_OR_PARTITION'))
    const md = await broker.metadata({ topics: ['a', 'bad name'], allowAutoTopicCreation: true })
    expect(md.topics[0]).toMatchObject({ name: 'a', errorCode: 0 })
    expect(md.topics[0]!.partitions).toHaveLength(3)
    expect(md.topics[1]!.errorCode).toBe(errorCode('INVALID_TOPIC_EXCEPTION'))
    expect((await produce(broker, 'by-produce', 2, records(['x']))).errorCode).toBe(0)
    await broker.close()
    const off = await open()
    expect((await off.metadata({ topics: ['a'], allowAutoTopicCreation: true })).topics[0]!.errorCode).toBe(
      errorCode('UNKNOWN_TOPIC_OR_PARTITION'),
    )
    expect(errorName((await produce(off, 'a', 0, records(['x']))).errorCode)).toBe(
      'UNKNOWN_TOPIC_OR_PARTITION',
    )
    await off.close()
  })
})

describe('Broker produce', () => {
  it('appends, answers base offsets, and serves the records back', async () => {
    const broker = await open()
    await broker.createTopics({ topics: [{ name: 't', numPartitions: 2 }] })
    expect(await produce(broker, 't', 0, records(['a', 'b']))).toMatchObject({
      errorCode: 0,
      baseOffset: 0,
      logAppendTimeMs: -1,
    })
    expect((await produce(broker, 't', 0, records(['c']), 1)).baseOffset).toBe(2)
    expect((await produce(broker, 't', 1, records(['z']), 0)).baseOffset).toBe(0)
    expect(await consume(broker, 't', 0)).toEqual([
      [0, 'a'],
      [1, 'b'],
      [2, 'c'],
    ])
    await broker.close()
  })

  it('refuses a keyless record on a compacted topic, compressed or not, and stores nothing of that request', async () => {
    const broker = await open()
    await broker.createTopics({ topics: [{ name: 'c', configs: { 'cleanup.policy': 'compact,delete' } }] })
    const enc = new TextEncoder()
    const keyless = (compression: number) =>
      encodeBatchAsync({
        compression,
        records: [
          { key: enc.encode('k'), value: enc.encode('a') },
          { key: null, value: enc.encode('b') },
        ],
      })
    for (const compression of [Compression.none, Compression.gzip]) {
      const r = await produce(broker, 'c', 0, await keyless(compression))
      expect(errorName(r.errorCode)).toBe('INVALID_RECORD')
      expect(r.errorMessage).toBe('Compacted topic cannot accept message without key in topic partition c-0.')
    }
    expect(await consume(broker, 'c', 0)).toEqual([])
    expect((await produce(broker, 'c', 0, records(['k=v']))).errorCode).toBe(0)
    await broker.close()
  })

  it('stores several batches of one request and answers the first base offset', async () => {
    const broker = await open()
    await broker.createTopics({ topics: [{ name: 't' }] })
    const two = new Uint8Array([...records(['a', 'b']), ...records(['c'])])
    expect((await produce(broker, 't', 0, two)).baseOffset).toBe(0)
    expect((await consume(broker, 't', 0)).map(([o]) => o)).toEqual([0, 1, 2])
    await broker.close()
  })

  it('accepts one buffer sent many times at once, to one partition and to several', async () => {
    const broker = await open()
    await broker.createTopics({ topics: [{ name: 't', numPartitions: 2 }] })
    const b = records(['same', 'bytes'])
    const sends = Array.from({ length: 5 }, () =>
      broker.produce({
        acks: 1,
        timeoutMs: 1000,
        topics: [
          {
            name: 't',
            partitions: [
              { partition: 0, records: b },
              { partition: 1, records: b },
            ],
          },
        ],
      }),
    )
    const offsets = (await Promise.all(sends)).map((r) => r.topics[0]!.partitions.map((p) => p.baseOffset))
    expect(offsets.map(([p0]) => p0).sort((x, y) => x! - y!)).toEqual([0, 2, 4, 6, 8])
    for (const p of [0, 1]) {
      const got = await consume(broker, 't', p)
      expect(got.map(([o]) => o)).toEqual([...Array(10).keys()])
      expect(got.map(([, v]) => v)).toEqual(Array(5).fill(['same', 'bytes']).flat())
    }
    await broker.close()
  })

  it('answers per-partition errors for bad input and leaves the log as it was', async () => {
    const broker = await open()
    await broker.createTopics({
      topics: [{ name: 't' }, { name: 'small', configs: { 'max.message.bytes': '100' } }],
    })
    await produce(broker, 't', 0, records(['kept']))
    const good = records(['x'])
    const flipped = good.slice()
    flipped[flipped.length - 1]! ^= 1
    const v1 = good.slice()
    v1[16] = 1
    const r = await broker.produce({
      acks: 1,
      timeoutMs: 1000,
      topics: [
        {
          name: 't',
          partitions: [
            { partition: 0, records: flipped },
            { partition: 0, records: good.subarray(0, good.length - 3) },
            { partition: 0, records: v1 },
            { partition: 0, records: new Uint8Array([...good, ...flipped]) },
            { partition: 0, records: new Uint8Array(0) },
            { partition: 9, records: good },
            { partition: -1, records: good },
          ],
        },
        { name: 'small', partitions: [{ partition: 0, records: records(['y'.repeat(200)]) }] },
        { name: 'missing', partitions: [{ partition: 0, records: good }] },
        { name: 'bad/name', partitions: [{ partition: 0, records: good }] },
      ],
    })
    expect(r.topics.map((t) => names(t.partitions))).toEqual([
      [
        'CORRUPT_MESSAGE',
        'CORRUPT_MESSAGE',
        'CORRUPT_MESSAGE',
        'CORRUPT_MESSAGE',
        'INVALID_RECORD',
        'UNKNOWN_TOPIC_OR_PARTITION',
        'UNKNOWN_TOPIC_OR_PARTITION',
      ],
      ['MESSAGE_TOO_LARGE'],
      ['UNKNOWN_TOPIC_OR_PARTITION'],
      ['INVALID_TOPIC_EXCEPTION'],
    ])
    expect(r.topics[0]!.partitions[0]!.baseOffset).toBe(-1)
    expect(await consume(broker, 't', 0)).toEqual([[0, 'kept']])
    expect(await consume(broker, 'small', 0)).toEqual([])
    const badAcks = await broker.produce({
      acks: 2 as never,
      timeoutMs: 1,
      topics: [{ name: 't', partitions: [{ partition: 0, records: good }] }],
    })
    expect(names(badAcks.topics[0]!.partitions)).toEqual(['INVALID_REQUIRED_ACKS'])
    await broker.close()
  })

  it('refuses batches whose offset range does not match their record count, and control batches', async () => {
    const broker = await open()
    await broker.createTopics({ topics: [{ name: 't' }] })
    const control = records(['c'], { control: true })
    expect(errorName((await produce(broker, 't', 0, control)).errorCode)).toBe('INVALID_RECORD')
    const gappy = records(['a', 'b'].map((v) => v))
    const withGap = (await import('./format/record-batch.ts')).encodeBatch({
      records: [
        { value: new Uint8Array(1), offsetDelta: 0 },
        { value: new Uint8Array(1), offsetDelta: 1000 },
      ],
    })
    expect(errorName((await produce(broker, 't', 0, withGap)).errorCode)).toBe('INVALID_RECORD')
    // An undefined compression codec (5-7), even with a valid CRC.
    const codec7 = records(['z'])
    const v = new DataView(codec7.buffer)
    v.setInt16(21, v.getInt16(21) | 7)
    v.setUint32(17, crc32c(codec7, 21))
    expect(errorName((await produce(broker, 't', 0, codec7)).errorCode)).toBe('UNSUPPORTED_COMPRESSION_TYPE')
    expect((await produce(broker, 't', 0, gappy)).baseOffset).toBe(0)
    expect(broker.log('t', 0)!.highWatermark).toBe(2)
    await broker.close()
  })

  it('stores batches in the codec compression.type names, keeping records and producer fields', async () => {
    const broker = await open()
    const enc = new TextEncoder()
    const input = (compression: number, baseSequence: number) => ({
      compression,
      producerId: 9,
      producerEpoch: 2,
      baseSequence,
      partitionLeaderEpoch: 0,
      records: [
        {
          key: enc.encode('k1'),
          value: enc.encode('one'),
          timestamp: 1_000,
          headers: [{ key: 'h', value: null }],
        },
        { key: null, value: null, timestamp: 1_500 },
        { key: enc.encode('k3'), value: enc.encode('x'.repeat(300)), timestamp: 1_200 },
      ],
    })
    const types = ['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'] as const
    for (const type of types) {
      await broker.createTopics({ topics: [{ name: type, configs: { 'compression.type': type } }] })
      let seq = 0
      for (const from of [Compression.none, Compression.gzip, Compression.zstd]) {
        const sent = await encodeBatchAsync(input(from, seq))
        expect((await produce(broker, type, 0, sent)).errorCode).toBe(0)
        // A retry of the same batch is answered with its offset, not stored again.
        expect((await produce(broker, type, 0, sent)).baseOffset).toBe(seq)
        seq += 3
      }
      const f = await broker.fetch(fetchReq(type, 0, 0))
      const stored = splitBatches(f.topics[0]!.partitions[0]!.records)
      const codecs = stored.map((b) => readBatchHeader(b).attributes & 7)
      const want =
        type === 'producer' ? [0, 1, 4] : Array(3).fill(Compression[type === 'uncompressed' ? 'none' : type])
      expect({ type, codecs }).toEqual({ type, codecs: want })
      for (const [i, b] of stored.entries()) {
        const h = readBatchHeader(b)
        expect([h.baseOffset, h.producerId, h.producerEpoch, h.baseSequence, h.maxTimestamp]).toEqual([
          i * 3,
          9,
          2,
          i * 3,
          1_500,
        ])
        const recs = await decodeRecordsAsync(b)
        expect(
          recs.map((r) => [r.offset, r.timestamp, r.key && dec(r.key), r.value && dec(r.value)]),
        ).toEqual([
          [i * 3, 1_000, 'k1', 'one'],
          [i * 3 + 1, 1_500, null, null],
          [i * 3 + 2, 1_200, 'k3', 'x'.repeat(300)],
        ])
        expect(recs[0]!.headers).toEqual([{ key: 'h', value: null }])
      }
    }
    await broker.close()
  })

  it('refuses a batch that outgrows max.message.bytes once recompressed', async () => {
    const broker = await open()
    await broker.createTopics({
      topics: [{ name: 'u', configs: { 'compression.type': 'uncompressed', 'max.message.bytes': '2000' } }],
    })
    const big = await encodeBatchAsync({
      compression: Compression.gzip,
      records: [{ value: new Uint8Array(5000).fill(65) }],
    })
    expect(big.length).toBeLessThan(2000)
    expect(errorName((await produce(broker, 'u', 0, big)).errorCode)).toBe('MESSAGE_TOO_LARGE')
    expect(broker.log('u', 0)!.highWatermark).toBe(0)
    await broker.close()
  })

  it('stamps LogAppendTime when the topic asks for it', async () => {
    const clock = new ManualClock(5_000_000)
    const broker = await open({ clock })
    await broker.createTopics({
      topics: [{ name: 't', configs: { 'message.timestamp.type': 'LogAppendTime' } }],
    })
    const r = await produce(broker, 't', 0, records(['a', 'b'], {}, 42))
    expect(r.logAppendTimeMs).toBe(5_000_000)
    const f = await broker.fetch(fetchReq('t', 0, 0))
    const recs = decodeRecords(splitBatches(f.topics[0]!.partitions[0]!.records)[0]!)
    expect(recs.map((x) => x.timestamp)).toEqual([5_000_000, 5_000_000])
    await broker.close()
  })

  it('flushes the store before answering acks=all, not for acks=1', async () => {
    let flushes = 0
    const store = new MemoryStore()
    const flush = store.flush.bind(store)
    store.flush = () => {
      flushes++
      return flush()
    }
    const broker = await Broker.open({ store })
    await broker.createTopics({ topics: [{ name: 't' }] })
    await produce(broker, 't', 0, records(['a']), 1)
    expect(flushes).toBe(0)
    await produce(broker, 't', 0, records(['a']), -1)
    expect(flushes).toBe(1)
    await broker.close()
  })

  it('answers acks=all without a separate flush when the store makes every append durable', async () => {
    let flushes = 0
    const store = new MemoryStore()
    Object.defineProperty(store, 'durableAppends', { value: true })
    const flush = store.flush.bind(store)
    store.flush = () => {
      flushes++
      return flush()
    }
    const broker = await Broker.open({ store })
    await broker.createTopics({ topics: [{ name: 't' }] })
    const r = await produce(broker, 't', 0, records(['a']), -1)
    expect(errorName(r.errorCode)).toBe('NONE')
    expect(flushes).toBe(0)
    expect(await consume(broker, 't', 0)).toEqual([[0, 'a']])
    await broker.close()
  })

  it('reports a full store as KAFKA_STORAGE_ERROR and keeps earlier records readable', async () => {
    const store = new MemoryStore()
    const broker = await Broker.open({ store })
    await broker.createTopics({ topics: [{ name: 't' }] })
    await produce(broker, 't', 0, records(['a']))
    const append = store.append.bind(store)
    store.append = async () => {
      throw new Error('QuotaExceededError')
    }
    const r = await produce(broker, 't', 0, records(['b']))
    expect(errorName(r.errorCode)).toBe('KAFKA_STORAGE_ERROR')
    expect(r.errorMessage).toContain('QuotaExceededError')
    store.append = append
    expect((await produce(broker, 't', 0, records(['c']))).baseOffset).toBe(1)
    expect(await consume(broker, 't', 0)).toEqual([
      [0, 'a'],
      [1, 'c'],
    ])
    await broker.close()
  })

  it('tells append listeners about new high watermarks', async () => {
    const broker = await open()
    await broker.createTopics({ topics: [{ name: 't', numPartitions: 2 }] })
    const seen: [string, number, number][] = []
    const off = broker.onAppend((t, p, hwm) => seen.push([t, p, hwm]))
    await produce(broker, 't', 1, records(['a', 'b']))
    off()
    await produce(broker, 't', 1, records(['c']))
    expect(seen).toEqual([['t', 1, 2]])
    await broker.close()
  })
})

describe('Broker fetch', () => {
  it('answers OFFSET_OUT_OF_RANGE outside the log and nothing at the high watermark', async () => {
    const broker = await open()
    await broker.createTopics({ topics: [{ name: 't' }] })
    await produce(broker, 't', 0, records(['a', 'b']))
    await produce(broker, 't', 0, records(['c']))
    await broker.deleteRecords({ topics: [{ name: 't', partitions: [{ partition: 0, offset: 2 }] }] })
    const r = await broker.fetch({
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1 << 20,
      topics: [
        {
          name: 't',
          partitions: [
            { partition: 0, fetchOffset: 1, partitionMaxBytes: 1000 },
            { partition: 0, fetchOffset: 4, partitionMaxBytes: 1000 },
            { partition: 0, fetchOffset: -1, partitionMaxBytes: 1000 },
            { partition: 0, fetchOffset: 3, partitionMaxBytes: 1000 },
            { partition: 1, fetchOffset: 0, partitionMaxBytes: 1000 },
          ],
        },
        { name: 'nope', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1000 }] },
      ],
    })
    const ps = r.topics[0]!.partitions
    expect(names(ps)).toEqual([
      'OFFSET_OUT_OF_RANGE',
      'OFFSET_OUT_OF_RANGE',
      'OFFSET_OUT_OF_RANGE',
      'NONE',
      'UNKNOWN_TOPIC_OR_PARTITION',
    ])
    expect(ps[3]).toMatchObject({ highWatermark: 3, lastStableOffset: 3, logStartOffset: 2 })
    expect(ps[3]!.records.length).toBe(0)
    expect(names(r.topics[1]!.partitions)).toEqual(['UNKNOWN_TOPIC_OR_PARTITION'])
    await broker.close()
  })

  it('returns whole batches within maxBytes, and one batch even when it is larger', async () => {
    const broker = await open()
    await broker.createTopics({ topics: [{ name: 't', numPartitions: 2 }] })
    const big = records(['x'.repeat(500)])
    await produce(broker, 't', 0, big)
    await produce(broker, 't', 0, records(['y']))
    await produce(broker, 't', 1, records(['z']))
    const r = await broker.fetch({
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 100,
      topics: [
        {
          name: 't',
          partitions: [
            { partition: 0, fetchOffset: 0, partitionMaxBytes: 100 },
            { partition: 1, fetchOffset: 0, partitionMaxBytes: 100 },
          ],
        },
      ],
    })
    const [p0, p1] = r.topics[0]!.partitions
    expect(splitBatches(p0!.records).length).toBe(1)
    expect(p0!.records.length).toBe(big.length)
    // The response budget is spent: the second partition waits for the next fetch.
    expect(p1!.records.length).toBe(0)
    await broker.close()
  })

  it('waits for data and is woken by an append, not by a timer', async () => {
    const clock = new ManualClock()
    const broker = await open({ clock })
    await broker.createTopics({ topics: [{ name: 't' }] })
    const pending = broker.fetch(fetchReq('t', 0, 0, { maxWaitMs: 10_000 }))
    let done = false
    void pending.then(() => {
      done = true
    })
    await new Promise((r) => setTimeout(r, 5))
    expect(done).toBe(false)
    await produce(broker, 't', 0, records(['hello']))
    const r = await pending
    expect(decodeRecords(r.topics[0]!.partitions[0]!.records)[0]!.offset).toBe(0)
    await broker.close()
  })

  it('answers an empty fetch when maxWaitMs passes on the clock', async () => {
    const clock = new ManualClock()
    const broker = await open({ clock })
    await broker.createTopics({ topics: [{ name: 't' }] })
    const pending = broker.fetch(fetchReq('t', 0, 0, { maxWaitMs: 500 }))
    await new Promise((r) => setTimeout(r, 5))
    clock.advance(499)
    let done = false
    void pending.then(() => {
      done = true
    })
    await new Promise((r) => setTimeout(r, 5))
    expect(done).toBe(false)
    clock.advance(1)
    const r = await pending
    expect(r.topics[0]!.partitions[0]!).toMatchObject({ errorCode: 0, highWatermark: 0 })
    expect(r.topics[0]!.partitions[0]!.records.length).toBe(0)
    await broker.close()
  })

  it('keeps waiting until minBytes have arrived, then answers with all of them', async () => {
    const clock = new ManualClock()
    const broker = await open({ clock })
    await broker.createTopics({ topics: [{ name: 't' }] })
    const one = records(['a'])
    const pending = broker.fetch(fetchReq('t', 0, 0, { maxWaitMs: 10_000, minBytes: one.length * 2 + 1 }))
    let done = false
    void pending.then(() => {
      done = true
    })
    await produce(broker, 't', 0, one)
    await produce(broker, 't', 0, records(['b']))
    await new Promise((r) => setTimeout(r, 5))
    expect(done).toBe(false)
    await produce(broker, 't', 0, records(['c']))
    const r = await pending
    expect(splitBatches(r.topics[0]!.partitions[0]!.records).length).toBe(3)
    await broker.close()
  })

  it('answers a waiting fetch at once when its topic is deleted', async () => {
    const broker = await open()
    await broker.createTopics({ topics: [{ name: 't' }] })
    const pending = broker.fetch(fetchReq('t', 0, 0, { maxWaitMs: 60_000 }))
    await new Promise((r) => setTimeout(r, 5))
    await broker.deleteTopics(['t'])
    expect(names((await pending).topics[0]!.partitions)).toEqual(['UNKNOWN_TOPIC_OR_PARTITION'])
    await broker.close()
  })

  it('answers pending fetches when the broker closes, and refuses calls after', async () => {
    const broker = await open()
    await broker.createTopics({ topics: [{ name: 't' }] })
    const pending = broker.fetch(fetchReq('t', 0, 0, { maxWaitMs: 60_000 }))
    await new Promise((r) => setTimeout(r, 5))
    await broker.close()
    expect((await pending).topics[0]!.partitions[0]!.records.length).toBe(0)
    await expect(broker.metadata({ topics: null })).rejects.toMatchObject({ type: 'BROKER_NOT_AVAILABLE' })
  })
})

describe('Broker offsets', () => {
  it('lists earliest, latest, max-timestamp and by-timestamp offsets', async () => {
    const broker = await open()
    await broker.createTopics({ topics: [{ name: 't' }] })
    await produce(broker, 't', 0, records(['a', 'b'], {}, 1000))
    await produce(broker, 't', 0, records(['c'], {}, 5000))
    await produce(broker, 't', 0, records(['d'], {}, 3000))
    const ask = async (timestamp: number) => {
      const r = await broker.listOffsets({
        topics: [{ name: 't', partitions: [{ partition: 0, timestamp }] }],
      })
      const p = r.topics[0]!.partitions[0]!
      return [p.offset, p.timestamp, errorName(p.errorCode)]
    }
    expect(await ask(-2)).toEqual([0, -1, 'NONE'])
    expect(await ask(-1)).toEqual([4, -1, 'NONE'])
    expect(await ask(-3)).toEqual([2, 5000, 'NONE'])
    expect(await ask(0)).toEqual([0, 1000, 'NONE'])
    expect(await ask(1001)).toEqual([2, 5000, 'NONE'])
    expect(await ask(5001)).toEqual([-1, -1, 'NONE'])
    expect(await ask(-7)).toEqual([-1, -1, 'INVALID_REQUEST'])
    await broker.deleteRecords({ topics: [{ name: 't', partitions: [{ partition: 0, offset: 1 }] }] })
    expect(await ask(-2)).toEqual([1, -1, 'NONE'])
    expect(await ask(0)).toEqual([1, 1000, 'NONE'])
    const missing = await broker.listOffsets({
      topics: [{ name: 'x', partitions: [{ partition: 0, timestamp: -1 }] }],
    })
    expect(names(missing.topics[0]!.partitions)).toEqual(['UNKNOWN_TOPIC_OR_PARTITION'])
    await broker.close()
  })

  it('deletes records up to an offset and reports the new low watermark', async () => {
    const broker = await open()
    await broker.createTopics({ topics: [{ name: 't' }] })
    await produce(broker, 't', 0, records(['a', 'b', 'c']))
    const r = await broker.deleteRecords({
      topics: [
        {
          name: 't',
          partitions: [
            { partition: 0, offset: 2 },
            { partition: 0, offset: 9 },
            { partition: 3, offset: 0 },
          ],
        },
      ],
    })
    expect(r.topics[0]!.partitions.map((p) => [errorName(p.errorCode), p.lowWatermark])).toEqual([
      ['NONE', 2],
      ['OFFSET_OUT_OF_RANGE', 2],
      ['UNKNOWN_TOPIC_OR_PARTITION', -1],
    ])
    expect(await consume(broker, 't', 0, 2)).toEqual([[2, 'c']])
    await broker.close()
  })
})

describe('Broker retention and compaction', () => {
  it('enforces retention.ms on the clock timer', async () => {
    const clock = new ManualClock(1_000_000)
    const broker = await open({ clock, retentionCheckIntervalMs: 1000 })
    await broker.createTopics({ topics: [{ name: 't', configs: { 'retention.ms': '60000' } }] })
    await produce(broker, 't', 0, records(['old'], {}, 1_000_000))
    await produce(broker, 't', 0, records(['new'], {}, 1_050_000))
    clock.advance(61_000)
    await new Promise((r) => setTimeout(r, 10))
    expect(broker.log('t', 0)!.logStartOffset).toBe(1)
    expect(await consume(broker, 't', 0, 1)).toEqual([[1, 'new']])
    await broker.close()
  })

  it('logs a failing retention once per episode, keeps going with the other partitions, and says when it works again', async () => {
    const clock = new ManualClock(1_000_000)
    let broken = true
    let deleted = false
    class FailingStore extends MemoryStore {
      override async deleteBefore(topicId: string, partition: number, before: number): Promise<void> {
        if (broken && partition === 0) throw new Error('EIO: i/o error')
        if (partition === 0) deleted = true
        return super.deleteBefore(topicId, partition, before)
      }
    }
    const lines: string[] = []
    const broker = await Broker.open({
      store: new FailingStore(),
      clock,
      retentionCheckIntervalMs: 1000,
      log: (l) => lines.push(l),
    })
    await broker.createTopics({
      topics: [{ name: 't', numPartitions: 2, configs: { 'retention.ms': '60000' } }],
    })
    for (const p of [0, 1]) {
      await produce(broker, 't', p, records(['old'], {}, 1_000_000))
      await produce(broker, 't', p, records(['new'], {}, 1_050_000))
    }
    clock.advance(61_000)
    // Partition 1 is cleaned although partition 0 fails.
    await expect.poll(() => broker.log('t', 1)!.logStartOffset).toBe(1)
    await expect.poll(() => lines.length).toBe(1)
    expect(lines[0]).toMatch(/retention of t\[0\] failed: .*EIO: i\/o error; tried again at every check/)
    for (let i = 0; i < 3; i++) {
      clock.advance(1000)
      await new Promise((r) => setTimeout(r, 5))
    }
    expect(lines).toHaveLength(1)
    expect(deleted).toBe(false)
    // The store heals: the bytes of the expired batch, hidden all along, are deleted at last.
    broken = false
    clock.advance(1000)
    await expect.poll(() => lines.at(-1)).toBe('brook: retention of t[0] works again')
    expect(deleted).toBe(true)
    expect(broker.log('t', 0)!.logStartOffset).toBe(1)
    await broker.close()
  })

  it('keeps a topic under retention.bytes on demand', async () => {
    const broker = await open()
    await broker.createTopics({ topics: [{ name: 't', configs: { 'retention.bytes': '300' } }] })
    for (let i = 0; i < 10; i++) await produce(broker, 't', 0, records([`v${i}`]))
    expect(await broker.enforceRetention()).toBeGreaterThan(0)
    expect(broker.log('t', 0)!.sizeBytes).toBeLessThanOrEqual(300)
    expect(broker.log('t', 0)!.highWatermark).toBe(10)
    await broker.close()
  })

  it('compacts compacted topics only', async () => {
    const broker = await open()
    await broker.createTopics({
      topics: [{ name: 'c', configs: { 'cleanup.policy': 'compact' } }, { name: 'd' }],
    })
    for (const t of ['c', 'd']) {
      await produce(broker, t, 0, records(['k=1', 'j=1']))
      await produce(broker, t, 0, records(['k=2']))
    }
    expect(await broker.compact()).toBe(1)
    expect(await consume(broker, 'c', 0)).toEqual([
      [1, 'j=1'],
      [2, 'k=2'],
    ])
    expect((await consume(broker, 'd', 0)).length).toBe(3)
    await broker.close()
  })
})

describe('Broker config changes', () => {
  const cfg = async (broker: Broker, topic: string) =>
    Object.fromEntries(
      (await broker.describeConfigs([topic]))[0]!.configs
        .filter((c) => !c.isDefault)
        .map((c) => [c.name, c.value]),
    )

  it('alters configs incrementally (set, delete, append, subtract) or as a whole, kept across a restart', async () => {
    const store = new MemoryStore()
    const broker = await open({ store })
    await broker.createTopics({
      topics: [{ name: 't', configs: { 'retention.ms': '1000', 'max.message.bytes': '5000' } }],
    })
    const ok = await broker.alterConfigs({
      incremental: true,
      topics: [
        {
          name: 't',
          configs: [
            { name: 'retention.ms', value: '2000' },
            { name: 'max.message.bytes', value: null, op: 'delete' },
            { name: 'cleanup.policy', value: 'compact', op: 'append' },
          ],
        },
      ],
    })
    expect(names(ok)).toEqual(['NONE'])
    expect(await cfg(broker, 't')).toEqual({ 'retention.ms': '2000', 'cleanup.policy': 'delete,compact' })
    await broker.alterConfigs({
      incremental: true,
      topics: [{ name: 't', configs: [{ name: 'cleanup.policy', value: 'delete', op: 'subtract' }] }],
    })
    expect((await cfg(broker, 't'))['cleanup.policy']).toBe('compact')
    // AlterConfigs replaces: what is not given goes back to its default.
    await broker.alterConfigs({
      incremental: false,
      topics: [{ name: 't', configs: [{ name: 'retention.bytes', value: '9000' }] }],
    })
    expect(await cfg(broker, 't')).toEqual({ 'retention.bytes': '9000' })
    await broker.close()
    expect(await cfg(await open({ store: store.reopen() }), 't')).toEqual({ 'retention.bytes': '9000' })
  })

  it('refuses a bad entry whole, naming it, and changes nothing', async () => {
    const broker = await open()
    await broker.createTopics({ topics: [{ name: 't', configs: { 'retention.ms': '1000' } }] })
    const bad = async (configs: { name: string; value: string | null; op?: 'set' | 'append' }[]) =>
      (await broker.alterConfigs({ incremental: true, topics: [{ name: 't', configs }] }))[0]!
    const unknown = await bad([
      { name: 'retention.ms', value: '5' },
      { name: 'no.such.config', value: '1' },
    ])
    expect(errorName(unknown.errorCode)).toBe('INVALID_CONFIG')
    expect(unknown.errorMessage).toContain('no.such.config')
    expect(errorName((await bad([{ name: 'retention.ms', value: 'soon' }])).errorCode)).toBe('INVALID_CONFIG')
    expect(errorName((await bad([{ name: 'retention.ms', value: '5', op: 'append' }])).errorCode)).toBe(
      'INVALID_CONFIG',
    )
    expect(
      errorName((await bad([{ name: 'cleanup.policy', value: 'sometimes', op: 'append' }])).errorCode),
    ).toBe('INVALID_CONFIG')
    expect(await cfg(broker, 't')).toEqual({ 'retention.ms': '1000' })
    const missing = await broker.alterConfigs({ incremental: true, topics: [{ name: 'nope', configs: [] }] })
    expect(names(missing)).toEqual(['UNKNOWN_TOPIC_OR_PARTITION'])
    // validateOnly checks and changes nothing.
    const dry = await broker.alterConfigs({
      incremental: true,
      validateOnly: true,
      topics: [{ name: 't', configs: [{ name: 'retention.ms', value: '7' }] }],
    })
    expect(names(dry)).toEqual(['NONE'])
    expect(await cfg(broker, 't')).toEqual({ 'retention.ms': '1000' })
    await broker.close()
  })

  it('a kept tombstone leaves delete.retention.ms after it was written, with no write since', async () => {
    const clock = new ManualClock(1_000_000)
    const broker = await open({ clock, retentionCheckIntervalMs: 1000 })
    await broker.createTopics({
      topics: [{ name: 'c', configs: { 'cleanup.policy': 'compact', 'delete.retention.ms': '5000' } }],
    })
    await produce(broker, 'c', 0, records(['k=1'], {}, 1_000_000))
    const tombstone = encodeBatch({
      records: [{ key: new TextEncoder().encode('k'), value: null, timestamp: 1_000_000 }],
    })
    await produce(broker, 'c', 0, tombstone)
    await produce(broker, 'c', 0, records(['j=1'], {}, 1_000_000))
    clock.advance(1000)
    // The first pass drops k=1 and keeps the young tombstone.
    await expect.poll(async () => (await consume(broker, 'c', 0)).map(([o]) => o)).toEqual([1, 2])
    clock.advance(5000)
    await expect.poll(async () => (await consume(broker, 'c', 0)).map(([o]) => o)).toEqual([2])
    await broker.close()
  })

  it('a new retention.ms applies at the next retention pass; switching to compact lets the cleaner run', async () => {
    const clock = new ManualClock(1_000_000)
    const store = new MemoryStore()
    const first = await open({ store, clock })
    await first.createTopics({ topics: [{ name: 't' }] })
    await produce(first, 't', 0, records(['k=1', 'j=1'], {}, 1_000_000))
    await produce(first, 't', 0, records(['k=2'], {}, 1_100_000))
    await first.close()
    // Reopened: nothing was appended since, yet the cleaner must run once the policy says so.
    const broker = await open({ store: store.reopen(), clock, retentionCheckIntervalMs: 1000 })
    await broker.alterConfigs({
      incremental: true,
      topics: [{ name: 't', configs: [{ name: 'cleanup.policy', value: 'compact' }] }],
    })
    clock.advance(1000)
    await expect
      .poll(() => consume(broker, 't', 0))
      .toEqual([
        [1, 'j=1'],
        [2, 'k=2'],
      ])
    await broker.alterConfigs({
      incremental: true,
      topics: [
        {
          name: 't',
          configs: [
            { name: 'cleanup.policy', value: 'delete' },
            { name: 'retention.ms', value: '60000' },
          ],
        },
      ],
    })
    clock.advance(100_000)
    expect(await broker.enforceRetention()).toBeGreaterThan(0)
    expect(broker.log('t', 0)!.logStartOffset).toBe(2)
    expect(await consume(broker, 't', 0, 2)).toEqual([[2, 'k=2']])
    await broker.close()
  })
})

describe('Broker groups', () => {
  it('refuses offset commits for partitions that do not exist', async () => {
    const broker = await open()
    await broker.createTopics({ topics: [{ name: 't' }] })
    const r = await broker.offsetCommit({
      groupId: 'g',
      generationId: -1,
      memberId: '',
      topics: [
        {
          name: 't',
          partitions: [
            { partition: 0, offset: 1 },
            { partition: 1, offset: 1 },
          ],
        },
        { name: 'x', partitions: [{ partition: 0, offset: 1 }] },
      ],
    })
    expect(r.topics.map((t) => names(t.partitions))).toEqual([
      ['NONE', 'UNKNOWN_TOPIC_OR_PARTITION'],
      ['UNKNOWN_TOPIC_OR_PARTITION'],
    ])
    const f = await broker.offsetFetch({ groupId: 'g', topics: [{ name: 't', partitions: [0] }] })
    expect(f.topics[0]!.partitions[0]!.offset).toBe(1)
    await broker.close()
  })
})

describe('Broker batches', () => {
  it('serves batches with their assigned base offsets', async () => {
    const broker = await open()
    await broker.createTopics({ topics: [{ name: 't' }] })
    await produce(broker, 't', 0, records(['a', 'b']))
    await produce(broker, 't', 0, records(['c']))
    const f = await broker.fetch(fetchReq('t', 0, 0))
    expect(
      splitBatches(f.topics[0]!.partitions[0]!.records).map((b) => readBatchHeader(b).baseOffset),
    ).toEqual([0, 2])
    await broker.close()
  })
})

describe('Broker recovery', () => {
  it('finishes a topic deletion that a crash cut short', async () => {
    const store = new MemoryStore()
    const broker = await Broker.open({ store })
    await broker.createTopics({ topics: [{ name: 'gone', numPartitions: 2 }, { name: 'kept' }] })
    await produce(broker, 'gone', 1, records(['a']))
    await produce(broker, 'kept', 0, records(['b']))
    // A crash right after the topic's entry was removed, before its data was dropped.
    await store.deleteMeta('topics/gone')
    const again = await Broker.open({ store: store.reopen() })
    expect(again.topicNames()).toEqual(['kept'])
    expect((await store.listMeta('log/')).length).toBe(1)
    expect(await consume(again, 'kept', 0)).toEqual([[0, 'b']])
    await again.createTopics({ topics: [{ name: 'gone' }] })
    expect(await consume(again, 'gone', 0)).toEqual([])
    await again.close()
  })
})
