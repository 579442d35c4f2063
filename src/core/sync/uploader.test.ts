import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Broker } from '../broker.ts'
import { consume, produce, records } from '../broker-test-helpers.ts'
import { errorCode, errorName } from '../errors.ts'
import { decodeRecords, splitBatches } from '../format/record-batch.ts'
import { MemoryStore } from '../memory-store.ts'
import { DEAD_LETTER_TOPIC, Uploader } from './uploader.ts'

class Crash extends Error {}

/** A local broker with `counts[p]` records on each partition of `outbox`, in batches of 1–7. */
async function localWith(counts: number[]) {
  const store = new MemoryStore()
  const local = await Broker.open({ store })
  await local.createTopics({ topics: [{ name: 'outbox', numPartitions: counts.length }] })
  const written: string[][] = counts.map(() => [])
  for (let p = 0; p < counts.length; p++) {
    let i = 0
    while (i < counts[p]!) {
      const n = Math.min(counts[p]! - i, 1 + ((i * 7 + p) % 7))
      const values = Array.from({ length: n }, (_, k) => `p${p}=${i + k}`)
      expect((await produce(local, 'outbox', p, records(values))).errorCode).toBe(0)
      written[p]!.push(...values)
      i += n
    }
  }
  const state = { get: (k: string) => store.getMeta(k), set: (k: string, v: never) => store.setMeta(k, v) }
  return { local, state, written }
}

/**
 * An outbox partition holding a small record, one too big for the remote (which takes batches of
 * at most 300 bytes) and another small one.
 */
async function withPoison() {
  const { local, state } = await localWith([0])
  const remote = await Broker.open({ store: new MemoryStore() })
  await remote.createTopics({
    topics: [{ name: 'outbox', numPartitions: 1, configs: { 'max.message.bytes': '300' } }],
  })
  await produce(local, 'outbox', 0, records(['a=small']))
  await produce(local, 'outbox', 0, records([`big=${'x'.repeat(1000)}`]))
  await produce(local, 'outbox', 0, records(['b=small']))
  return { local, state, remote }
}

describe('Uploader', () => {
  it('uploads each partition in order and reports what is pending, exactly', async () => {
    const { local, state, written } = await localWith([40, 0, 13])
    const remote = await Broker.open({ store: new MemoryStore() })
    const up = new Uploader({ local, remote, state, topics: ['outbox'] })
    expect(Object.fromEntries(await up.pending())).toEqual({ 'outbox/0': 40, 'outbox/1': 0, 'outbox/2': 13 })
    expect((await up.syncOnce()).uploaded).toBe(53)
    expect(Object.fromEntries(await up.pending())).toEqual({ 'outbox/0': 0, 'outbox/1': 0, 'outbox/2': 0 })
    for (let p = 0; p < 3; p++)
      expect((await consume(remote, 'outbox', p)).map(([, v]) => v)).toEqual(written[p])
    // Later appends go up in a later round, after the earlier ones.
    await produce(local, 'outbox', 1, records(['p1=late']))
    expect((await up.syncOnce()).uploaded).toBe(1)
    expect((await consume(remote, 'outbox', 1)).map(([, v]) => v)).toEqual(['p1=late'])
  })

  it('stores every record once, in order, whatever acknowledged batches a crash leaves unrecorded', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 6 }),
        async (counts, crashGaps) => {
          const { local, state, written } = await localWith(counts)
          const remote = await Broker.open({ store: new MemoryStore() })
          // Each uploader "process" crashes after the remote broker acknowledged its k-th batch and
          // before the position moved: the next one starts from the same store and sends it again.
          for (const gap of [...crashGaps, Number.POSITIVE_INFINITY]) {
            let acks = 0
            const up = new Uploader({
              local,
              remote,
              state,
              topics: ['outbox'],
              afterRemoteAck: () => {
                if (++acks === gap) throw new Crash()
              },
            })
            try {
              await up.syncOnce()
            } catch (e) {
              if (!(e instanceof Crash)) throw e
            }
          }
          for (let p = 0; p < counts.length; p++)
            expect((await consume(remote, 'outbox', p)).map(([, v]) => v)).toEqual(written[p])
        },
      ),
      { numRuns: 60 },
    )
  })

  it('keeps its producer id across restarts, and takes a new one when the remote broker forgot it', async () => {
    const { local, state, written } = await localWith([5])
    const remoteStore = new MemoryStore()
    let remote = await Broker.open({ store: remoteStore })
    await new Uploader({ local, remote, state, topics: ['outbox'] }).syncOnce()
    const first = (await state.get('sync/upload/outbox/0')) as { producerId: number }
    await produce(local, 'outbox', 0, records(['p0=5', 'p0=6']))
    await new Uploader({ local, remote, state, topics: ['outbox'] }).syncOnce()
    expect(((await state.get('sync/upload/outbox/0')) as { producerId: number }).producerId).toBe(
      first.producerId,
    )

    // A remote broker that lost its producer state (a new broker on the same data would keep it;
    // an empty one stands for an expired producer id): the upload carries on with a new id.
    await remote.close()
    remote = await Broker.open({ store: new MemoryStore() })
    await produce(local, 'outbox', 0, records(['p0=7']))
    await remote.createTopics({ topics: [{ name: 'outbox', numPartitions: 1 }] })
    await produce(remote, 'outbox', 0, records(['someone=else']))
    await new Uploader({ local, remote, state, topics: ['outbox'] }).syncOnce()
    expect((await consume(remote, 'outbox', 0)).map(([, v]) => v)).toEqual(['someone=else', 'p0=7'])
    expect(written[0]).toHaveLength(5)
  })

  for (const arrives of ['after', 'before'] as const)
    it(`takes over from a frozen uploader: its run in doubt is stored once, and its request arriving ${arrives} the takeover is refused or a duplicate`, async () => {
      const { local, state, written } = await localWith([40])
      const remote = await Broker.open({ store: new MemoryStore() })
      // The former uploader's second request never gets an answer: its tab froze with it in flight.
      let held: Parameters<Broker['produce']>[0] | undefined
      let produces = 0
      const frozenLink = new Proxy(remote, {
        get(target, prop, receiver) {
          if (prop === 'produce')
            return (req: Parameters<Broker['produce']>[0]) => {
              if (++produces < 2) return target.produce(req)
              held = req
              return new Promise(() => {})
            }
          return Reflect.get(target, prop, receiver)
        },
      })
      const former = new Uploader({ local, remote: frozenLink, state, topics: ['outbox'] })
      void former.syncOnce()
      await expect.poll(() => held).toBeDefined()
      const late = () => remote.produce(held!)
      if (arrives === 'before') expect((await late()).topics[0]!.partitions[0]!.errorCode).toBe(0)

      const next = new Uploader({ local, remote, state, topics: ['outbox'], takenOver: new Set() })
      await next.syncOnce()
      expect((await consume(remote, 'outbox', 0)).map(([, v]) => v)).toEqual(written[0])
      if (arrives === 'after') {
        // The thawed uploader's request: refused (an old epoch), nothing stored twice.
        const code = (await late()).topics[0]!.partitions[0]!.errorCode
        expect(errorName(code)).toBe('INVALID_PRODUCER_EPOCH')
      }
      await produce(local, 'outbox', 0, records(['p0=after']))
      await next.syncOnce()
      expect((await consume(remote, 'outbox', 0)).map(([, v]) => v)).toEqual([...written[0]!, 'p0=after'])
    })

  it('goes on past records deleted locally before they were uploaded, and counts them as lost', async () => {
    const { local, state, written } = await localWith([30])
    const remote = await Broker.open({ store: new MemoryStore() })
    const up = new Uploader({ local, remote, state, topics: ['outbox'] })
    // Retention (here deleteRecords) takes the first 12 unsent records.
    const del = await local.deleteRecords({
      topics: [{ name: 'outbox', partitions: [{ partition: 0, offset: 12 }] }],
    })
    const start = del.topics[0]!.partitions[0]!.lowWatermark
    expect(start).toBeGreaterThanOrEqual(12)
    expect(Object.fromEntries(await up.pending())).toEqual({ 'outbox/0': 30 - start })
    expect(await up.syncOnce()).toEqual({ uploaded: 30 - start, lost: start })
    expect((await consume(remote, 'outbox', 0)).map(([, v]) => v)).toEqual(written[0]!.slice(start))
  })

  it('uploads to an existing remote topic without the right to create topics', async () => {
    const { local, state, written } = await localWith([5])
    const remote = await Broker.open({ store: new MemoryStore() })
    await remote.createTopics({ topics: [{ name: 'outbox', numPartitions: 1 }] })
    // The relay's principal may write and describe the topic, not create one.
    const writeOnly = new Proxy(remote, {
      get(target, prop, receiver) {
        if (prop === 'createTopics')
          return async (req: Parameters<Broker['createTopics']>[0]) =>
            req.topics.map((t) => ({ name: t.name, errorCode: errorCode('TOPIC_AUTHORIZATION_FAILED') }))
        return Reflect.get(target, prop, receiver)
      },
    })
    expect(
      (await new Uploader({ local, remote: writeOnly, state, topics: ['outbox'] }).syncOnce()).uploaded,
    ).toBe(5)
    expect((await consume(remote, 'outbox', 0)).map(([, v]) => v)).toEqual(written[0])
  })

  it('sets a refused batch aside once even when the uploader stops right after writing it aside', async () => {
    const { local, state, remote } = await withPoison()
    // It stops before its new producer is written down: the next one meets the refusal again.
    let calls = 0
    const stops = new Proxy(remote, {
      get(target, prop, receiver) {
        if (prop === 'initProducerId') {
          return (req: Parameters<Broker['initProducerId']>[0]) =>
            ++calls > 1 ? Promise.reject(new Crash()) : target.initProducerId(req)
        }
        return Reflect.get(target, prop, receiver)
      },
    })
    await expect(
      new Uploader({ local, remote: stops, state, topics: ['outbox'] }).syncOnce(),
    ).rejects.toBeInstanceOf(Crash)
    await new Uploader({ local, remote, state, topics: ['outbox'] }).syncOnce()
    expect((await consume(remote, 'outbox', 0)).map(([, v]) => v)).toEqual(['a=small', 'b=small'])
    expect(await consume(local, DEAD_LETTER_TOPIC, 0)).toHaveLength(1)
  })

  it('grows a remote topic that has fewer partitions (another client auto-created it)', async () => {
    const { local, state, written } = await localWith([4, 5, 6])
    const remote = await Broker.open({ store: new MemoryStore() })
    await remote.createTopics({ topics: [{ name: 'outbox', numPartitions: 1 }] })
    expect((await new Uploader({ local, remote, state, topics: ['outbox'] }).syncOnce()).uploaded).toBe(15)
    for (let p = 0; p < 3; p++)
      expect((await consume(remote, 'outbox', p)).map(([, v]) => v)).toEqual(written[p])
  })

  it('sets a batch the remote refuses for good aside, with the reason, and keeps the rest flowing', async () => {
    const { local, state, remote } = await withPoison()
    let acks = 0
    // A crash right after the refused batch was set aside must not set it aside twice or block.
    const crashing = new Uploader({
      local,
      remote,
      state,
      topics: ['outbox'],
      afterRemoteAck: () => {
        if (++acks === 2) throw new Crash()
      },
    })
    await expect(crashing.syncOnce()).rejects.toBeInstanceOf(Crash)
    await new Uploader({ local, remote, state, topics: ['outbox'] }).syncOnce()
    await produce(local, 'outbox', 0, records(['c=small']))
    const up = new Uploader({ local, remote, state, topics: ['outbox'] })
    await up.syncOnce()
    expect((await consume(remote, 'outbox', 0)).map(([, v]) => v)).toEqual(['a=small', 'b=small', 'c=small'])
    expect(Object.fromEntries(await up.pending())).toEqual({ 'outbox/0': 0 })
    const dead = await local.fetch({
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      topics: [
        {
          name: DEAD_LETTER_TOPIC,
          partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }],
        },
      ],
    })
    const set = splitBatches(dead.topics[0]!.partitions[0]!.records).flatMap((b) => decodeRecords(b))
    expect(set).toHaveLength(1)
    const h = Object.fromEntries(set[0]!.headers.map((x) => [x.key, new TextDecoder().decode(x.value!)]))
    expect(h).toMatchObject({
      'brook.dlq.topic': 'outbox',
      'brook.dlq.partition': '0',
      'brook.dlq.offset': '1',
      'brook.dlq.error': 'MESSAGE_TOO_LARGE',
    })
  })
})
