/**
 * @module The mirror engine between two in-process brokers: what it copies and how (partition, key,
 * value, headers, timestamp, the offset header), that it resumes from the destination's data after a
 * stop, that a write still on its way from a killed mirror is refused by the destination when it lands
 * after the new one read its position, that records others wrote are stepped over, and that a
 * destination ahead of its source is left alone.
 */

import { afterEach, describe, expect, it } from 'vitest'
import { Broker } from '../broker.ts'
import { createBrook } from '../client/index.ts'
import { BrookError } from '../errors.ts'
import { decodeRecordsAsync, encodeBatch, type RecordHeader, splitBatches } from '../format/record-batch.ts'
import { MemoryStore } from '../memory-store.ts'
import type { BrokerService, ProduceRequest, ProduceResponse } from '../service.ts'
import { Mirror, type MirrorEndpoint, type MirrorOptions } from './mirror.ts'
import { MIRROR_OFFSET_HEADER, mirroredOffset } from './position.ts'

const enc = new TextEncoder()
const dec = new TextDecoder()
const mirrors: Mirror[] = []
const brokers: Broker[] = []

afterEach(async () => {
  for (const m of mirrors.splice(0)) await m.stop()
  for (const b of brokers.splice(0)) await b.close()
})

async function broker(): Promise<Broker> {
  const b = await Broker.open({ store: new MemoryStore(), autoCreateTopics: false })
  brokers.push(b)
  return b
}

const endpoint = (name: string, service: BrokerService): MirrorEndpoint => ({
  name,
  open: async () => ({ service, close: async () => {} }),
})

function mirror(source: BrokerService, destination: BrokerService, extra: Partial<MirrorOptions> = {}) {
  const logs: string[] = []
  const m = new Mirror({
    source: endpoint('down', source),
    destination: endpoint('up', destination),
    topics: ['orders'],
    fetchMaxWaitMs: 50,
    refreshMs: 200,
    retryMinMs: 10,
    retryMaxMs: 100,
    log: (l) => logs.push(l),
    ...extra,
  })
  mirrors.push(m)
  return { m: m.start(), logs }
}

interface Row {
  offset: number
  key: string | null
  value: string
  timestamp: number
  headers: RecordHeader[]
}

async function readAll(b: BrokerService, topic: string, partition: number): Promise<Row[]> {
  const out: Row[] = []
  let offset = 0
  for (let round = 0; round < 10_000; round++) {
    const r = await b.fetch({
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 4 << 20,
      topics: [{ name: topic, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: 4 << 20 }] }],
    })
    const p = r.topics[0]!.partitions[0]!
    if (p.errorCode !== 0) throw BrookError.fromCode(p.errorCode, `${topic}[${partition}]`)
    if (p.records.length === 0) break
    for (const batch of splitBatches(p.records, { partialTail: true }))
      for (const rec of await decodeRecordsAsync(batch)) {
        if (rec.offset < offset) continue
        out.push({
          offset: rec.offset,
          key: rec.key ? dec.decode(rec.key) : null,
          value: rec.value ? dec.decode(rec.value) : '',
          timestamp: rec.timestamp,
          headers: rec.headers,
        })
      }
    offset = out.length > 0 ? out.at(-1)!.offset + 1 : offset
    if (offset >= p.highWatermark) break
  }
  return out
}

const sourceOffsets = (rows: Row[]) => rows.map((r) => mirroredOffset(r.headers))
const values = (rows: Row[]) => rows.map((r) => r.value)

/** Produces `count` records per partition with values `p<partition>-<i>`, in sends of `per`. */
async function fill(b: Broker, topic: string, partitions: number, from: number, count: number, per = 100) {
  const producer = createBrook({ service: b }).producer()
  for (let i = from; i < from + count; i += per) {
    const messages = []
    for (let p = 0; p < partitions; p++)
      for (let j = i; j < Math.min(i + per, from + count); j++)
        messages.push({ partition: p, key: `k${j % 7}`, value: `p${p}-${j}` })
    await producer.send({ topic, messages })
  }
  await producer.disconnect()
}

async function highWatermarks(b: BrokerService, topic: string, partitions: number): Promise<number[]> {
  const res = await b.listOffsets({
    topics: [
      {
        name: topic,
        partitions: Array.from({ length: partitions }, (_, p) => ({ partition: p, timestamp: -1 })),
      },
    ],
  })
  const ps = res.topics[0]?.partitions ?? []
  return Array.from({ length: partitions }, (_, p) => {
    const x = ps.find((q) => q.partition === p)
    return x && x.errorCode === 0 ? x.offset : -1
  })
}

describe('Mirror', () => {
  it('copies matching topics partition by partition with keys, values, headers and timestamps', async () => {
    const src = await broker()
    const dst = await broker()
    await src.createTopics({
      topics: [
        { name: 'orders', numPartitions: 3, configs: { 'retention.ms': '86400000' } },
        { name: 'other', numPartitions: 1 },
      ],
    })
    const producer = createBrook({ service: src }).producer()
    await producer.send({
      topic: 'orders',
      messages: [
        { partition: 2, key: 'a', value: 'one', headers: { trace: 'x1' }, timestamp: 1_600_000_000_000 },
        { partition: 2, key: null, value: 'two', timestamp: 1_600_000_000_005 },
        {
          partition: 0,
          key: 'b',
          value: 'three',
          headers: { trace: ['y', 'z'] },
          timestamp: 1_600_000_000_010,
        },
      ],
    })
    await producer.send({ topic: 'other', messages: [{ value: 'not copied' }] })
    const { m } = mirror(src, dst)

    await expect.poll(() => highWatermarks(dst, 'orders', 3), { timeout: 5000 }).toEqual([1, 0, 2])
    const two = await readAll(dst, 'orders', 2)
    expect(two.map((r) => [r.key, r.value, r.timestamp])).toEqual([
      ['a', 'one', 1_600_000_000_000],
      [null, 'two', 1_600_000_000_005],
    ])
    expect(two[0]!.headers.map((h) => [h.key, dec.decode(h.value!)])).toEqual([
      ['trace', 'x1'],
      [MIRROR_OFFSET_HEADER, '0'],
    ])
    expect(sourceOffsets(two)).toEqual([0, 1])
    const zero = await readAll(dst, 'orders', 0)
    expect(zero[0]!.headers.map((h) => [h.key, dec.decode(h.value!)])).toEqual([
      ['trace', 'y'],
      ['trace', 'z'],
      [MIRROR_OFFSET_HEADER, '0'],
    ])
    // Created with the source's partition count and its explicit configs; the other topic is not copied.
    const [configs] = await dst.describeConfigs(['orders'])
    expect(configs!.configs.find((c) => c.name === 'retention.ms')?.value).toBe('86400000')
    const md = await dst.metadata({ topics: null })
    expect(md.topics.map((t) => t.name)).toEqual(['orders'])

    // New records follow, and the acknowledged positions show up as the group's committed offsets.
    await fill(src, 'orders', 3, 0, 500)
    await expect.poll(() => highWatermarks(dst, 'orders', 3), { timeout: 5000 }).toEqual([501, 500, 502])
    expect(m.status().forwarded).toBe(1503)
    await expect
      .poll(
        async () =>
          (await src.offsetFetch({ groupId: 'brook-mirror', topics: null })).topics[0]?.partitions
            .map((p) => [p.partition, p.offset])
            .sort((a, b) => a[0]! - b[0]!),
        { timeout: 5000 },
      )
      .toEqual([
        [0, 501],
        [1, 500],
        [2, 502],
      ])
  })

  it('resumes after a stop from the offsets in the destination, without duplicates or gaps', async () => {
    const src = await broker()
    const dst = await broker()
    await src.createTopics({ topics: [{ name: 'orders', numPartitions: 2 }] })
    await fill(src, 'orders', 2, 0, 3000)
    // Small batches; from the 11th produce request on, the destination answers only once the stop began.
    let calls = 0
    let release = () => {}
    const gate = new Promise<void>((r) => {
      release = r
    })
    const gated: BrokerService = new Proxy(dst, {
      get(target, prop, receiver) {
        const real = Reflect.get(target, prop, receiver)
        if (prop !== 'produce') return typeof real === 'function' ? real.bind(target) : real
        return async (req: ProduceRequest) => {
          if (++calls > 10) await gate
          return target.produce(req)
        }
      },
    })
    const first = mirror(src, gated, { batchBytes: 2000, maxInFlight: 2 })
    await expect.poll(() => calls, { timeout: 5000 }).toBeGreaterThan(10)
    const stopping = first.m.stop()
    release()
    await stopping
    const part = await highWatermarks(dst, 'orders', 2)
    expect(part[0]! + part[1]!).toBeLessThan(6000)
    await fill(src, 'orders', 2, 3000, 1000)
    const second = mirror(src, dst)
    await expect.poll(() => highWatermarks(dst, 'orders', 2), { timeout: 10_000 }).toEqual([4000, 4000])
    for (const p of [0, 1]) {
      const rows = await readAll(dst, 'orders', p)
      expect(values(rows)).toEqual(Array.from({ length: 4000 }, (_, i) => `p${p}-${i}`))
      expect(sourceOffsets(rows)).toEqual(rows.map((_, i) => i))
    }
    expect(second.logs.some((l) => /orders\[0\] from source offset [1-9]/.test(l))).toBe(true)
  })

  it('a write from a killed mirror that lands after the new one read its position is refused', async () => {
    const src = await broker()
    const dst = await broker()
    await src.createTopics({ topics: [{ name: 'orders', numPartitions: 1 }] })
    await fill(src, 'orders', 1, 0, 2000)
    // The first mirror's destination holds its 5th produce request and never answers it: the
    // request is "in the destination's socket" when that mirror dies.
    let held: ProduceRequest | null = null
    let dead = false
    let calls = 0
    const holding: BrokerService = new Proxy(dst, {
      get(target, prop, receiver) {
        const real = Reflect.get(target, prop, receiver)
        if (typeof real !== 'function') return real
        return (...args: unknown[]) => {
          if (dead) return Promise.reject(new BrookError('NETWORK_EXCEPTION', 'killed'))
          if (prop === 'produce' && ++calls === 5) {
            held = args[0] as ProduceRequest
            return new Promise<ProduceResponse>((_, reject) => {
              const t = setInterval(() => {
                if (!dead) return
                clearInterval(t)
                reject(new BrookError('NETWORK_EXCEPTION', 'killed'))
              }, 5)
            })
          }
          return real.apply(target, args)
        }
      },
    })
    const first = mirror(src, holding, { batchBytes: 3000, maxInFlight: 1 })
    await expect.poll(() => held !== null, { timeout: 5000 }).toBe(true)
    dead = true
    await first.m.stop()
    const before = (await highWatermarks(dst, 'orders', 1))[0]!
    expect(before).toBeGreaterThan(0)

    const second = mirror(src, dst, { batchBytes: 3000 })
    await expect.poll(() => highWatermarks(dst, 'orders', 1), { timeout: 10_000 }).toEqual([2000])
    // Now the old request arrives: the destination has seen its sequence (or it no longer follows).
    const late = await dst.produce(held!)
    const code = late.topics[0]!.partitions[0]!.errorCode
    expect([0, 45, 46]).toContain(code)
    expect((await highWatermarks(dst, 'orders', 1))[0]).toBe(2000)
    const rows = await readAll(dst, 'orders', 0)
    expect(values(rows)).toEqual(Array.from({ length: 2000 }, (_, i) => `p0-${i}`))
    await second.m.stop()
  })

  it('steps over records others wrote to the destination after it', async () => {
    const src = await broker()
    const dst = await broker()
    await src.createTopics({ topics: [{ name: 'orders', numPartitions: 1 }] })
    await fill(src, 'orders', 1, 0, 300)
    const first = mirror(src, dst)
    await expect.poll(() => highWatermarks(dst, 'orders', 1), { timeout: 5000 }).toEqual([300])
    await first.m.stop()
    // Someone else writes 10,000 records after the mirror's (more than one step of the backward scan).
    const other = createBrook({ service: dst }).producer()
    for (let i = 0; i < 10; i++)
      await other.send({
        topic: 'orders',
        messages: Array.from({ length: 1000 }, (_, j) => ({ value: `other-${i * 1000 + j}` })),
      })
    await fill(src, 'orders', 1, 300, 200)
    mirror(src, dst)
    await expect.poll(() => highWatermarks(dst, 'orders', 1), { timeout: 5000 }).toEqual([10_500])
    const rows = await readAll(dst, 'orders', 0)
    const mine = rows.filter((r) => mirroredOffset(r.headers) !== undefined)
    expect(values(mine)).toEqual(Array.from({ length: 500 }, (_, i) => `p0-${i}`))
  })

  it('leaves a destination alone that holds more than its source (another source)', async () => {
    const src = await broker()
    const dst = await broker()
    await src.createTopics({ topics: [{ name: 'orders', numPartitions: 1 }] })
    await dst.createTopics({ topics: [{ name: 'orders', numPartitions: 1 }] })
    await fill(src, 'orders', 1, 0, 10)
    // The destination already holds a mirrored record of source offset 99.
    await dst.produce({
      acks: -1,
      timeoutMs: 1000,
      topics: [
        {
          name: 'orders',
          partitions: [
            {
              partition: 0,
              records: encodeBatch({
                records: [
                  {
                    value: enc.encode('old'),
                    headers: [{ key: MIRROR_OFFSET_HEADER, value: enc.encode('99') }],
                  },
                ],
              }),
            },
          ],
        },
      ],
    })
    const { logs } = mirror(src, dst)
    await expect
      .poll(
        () =>
          logs.some((l) => /orders\[0\]: OFFSET_OUT_OF_RANGE.*up to source offset 99.*ends at 10/.test(l)),
        {
          timeout: 5000,
        },
      )
      .toBe(true)
    expect(await highWatermarks(dst, 'orders', 1)).toEqual([1])
  })

  it('copies nothing excluded, and matches whole names', async () => {
    const src = await broker()
    const dst = await broker()
    await src.createTopics({
      topics: [{ name: 'a.one' }, { name: 'a.two' }, { name: 'xa.one' }, { name: '__internal' }],
    })
    for (const t of ['a.one', 'a.two', 'xa.one'])
      await createBrook({ service: src })
        .producer()
        .send({ topic: t, messages: [{ value: t }] })
    const { m } = mirror(src, dst, { topics: ['a\\..*', '__.*'], exclude: (t) => t === 'a.two' })
    await expect.poll(() => m.status().forwarded, { timeout: 5000 }).toBe(1)
    const md = await dst.metadata({ topics: null })
    expect(md.topics.map((t) => t.name)).toEqual(['a.one'])
  })
})
