/** @module Idempotent producers through the Broker: retries, gaps, epochs, restarts. */

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Broker } from './broker.ts'
import { consume, produce, records } from './broker-test-helpers.ts'
import { errorName } from './errors.ts'
import { MemoryStore } from './memory-store.ts'

async function setup(store = new MemoryStore()) {
  const broker = await Broker.open({ store })
  await broker.createTopics({ topics: [{ name: 't', numPartitions: 2 }] })
  return broker
}

/** A batch of `count` records from producer `pid`/`epoch` starting at sequence `seq`. */
function seqBatch(pid: number, epoch: number, seq: number, count = 1, tag = `s${seq}`) {
  const values = Array.from({ length: count }, (_, i) => `${tag}.${i}`)
  return records(values, { producerId: pid, producerEpoch: epoch, baseSequence: seq })
}

describe('idempotent producers', () => {
  it('hands out new producer ids that stay unique across restarts', async () => {
    const store = new MemoryStore()
    const broker = await setup(store)
    const a = await broker.initProducerId({})
    const b = await broker.initProducerId({ transactionalId: null, transactionTimeoutMs: -1 })
    expect(a).toEqual({ errorCode: 0, producerId: a.producerId, producerEpoch: 0 })
    expect(b.producerId).toBeGreaterThan(a.producerId)
    await broker.close()
    const again = await Broker.open({ store: store.reopen() })
    const c = await again.initProducerId({})
    expect(c.producerId).toBeGreaterThan(b.producerId)
    // KIP-360: a known producer asking with its id and epoch gets the next epoch of the same id.
    expect(await again.initProducerId({ producerId: c.producerId, producerEpoch: 0 })).toEqual({
      errorCode: 0,
      producerId: c.producerId,
      producerEpoch: 1,
    })
    await again.close()
  })

  it('stores a retried batch once and answers it with its original offset', async () => {
    const broker = await setup()
    const { producerId: pid } = await broker.initProducerId({})
    await produce(broker, 't', 0, records(['other']))
    const first = seqBatch(pid, 0, 0, 3)
    expect((await produce(broker, 't', 0, first)).baseOffset).toBe(1)
    expect((await produce(broker, 't', 0, seqBatch(pid, 0, 3, 2))).baseOffset).toBe(4)
    // The retry of the first batch arrives late: same answer, nothing stored.
    expect(await produce(broker, 't', 0, first.slice())).toMatchObject({ errorCode: 0, baseOffset: 1 })
    expect(broker.log('t', 0)!.highWatermark).toBe(6)
    expect((await consume(broker, 't', 0)).map(([, v]) => v)).toEqual([
      'other',
      's0.0',
      's0.1',
      's0.2',
      's3.0',
      's3.1',
    ])
    await broker.close()
  })

  it('deduplicates a retry that arrives while the original is still being written', async () => {
    const broker = await setup()
    const { producerId: pid } = await broker.initProducerId({})
    const b = seqBatch(pid, 0, 0, 2)
    const [x, y] = await Promise.all([produce(broker, 't', 0, b), produce(broker, 't', 0, b.slice())])
    expect([x.baseOffset, y.baseOffset]).toEqual([0, 0])
    expect(broker.log('t', 0)!.highWatermark).toBe(2)
    await broker.close()
  })

  it('refuses gaps, fenced epochs and unknown producers, storing nothing', async () => {
    const broker = await setup()
    const { producerId: pid } = await broker.initProducerId({})
    await produce(broker, 't', 0, seqBatch(pid, 0, 0, 2))
    const err = async (bytes: Uint8Array) => errorName((await produce(broker, 't', 0, bytes)).errorCode)
    expect(await err(seqBatch(pid, 0, 5))).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER')
    expect(await err(seqBatch(pid, 0, 1))).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER')
    expect(await err(seqBatch(pid + 1000, 0, 7))).toBe('UNKNOWN_PRODUCER_ID')
    // A locally bumped epoch (librdkafka) restarts at sequence 0 and is accepted...
    expect(await err(seqBatch(pid, 1, 0))).toBe('NONE')
    // ...but not at another sequence, and the old epoch is now fenced.
    expect(await err(seqBatch(pid, 2, 4))).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER')
    expect(await err(seqBatch(pid, 0, 2))).toBe('INVALID_PRODUCER_EPOCH')
    expect(broker.log('t', 0)!.highWatermark).toBe(3)
    // Sequences are per partition.
    expect(await errorName((await produce(broker, 't', 1, seqBatch(pid, 1, 0))).errorCode)).toBe('NONE')
    await broker.close()
  })

  it('keeps producer state across a restart, even after retention removed the batches', async () => {
    const store = new MemoryStore()
    const broker = await setup(store)
    const { producerId: pid } = await broker.initProducerId({})
    const b0 = seqBatch(pid, 0, 0, 2)
    const b1 = seqBatch(pid, 0, 2, 1)
    await produce(broker, 't', 0, b0)
    await produce(broker, 't', 0, b1)
    await broker.close()
    let again = await Broker.open({ store: store.reopen() })
    expect((await produce(again, 't', 0, b1.slice())).baseOffset).toBe(2)
    expect(again.log('t', 0)!.highWatermark).toBe(3)
    await again.deleteRecords({ topics: [{ name: 't', partitions: [{ partition: 0, offset: -1 }] }] })
    await again.close()
    again = await Broker.open({ store: store.reopen() })
    expect((await produce(again, 't', 0, b1.slice())).baseOffset).toBe(2)
    expect((await produce(again, 't', 0, seqBatch(pid, 0, 3))).baseOffset).toBe(3)
    await again.close()
  })

  it('property: each batch is stored once, whatever retries (of the last 5) arrive, in any order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ size: fc.integer({ min: 1, max: 3 }), retries: fc.array(fc.nat(4), { maxLength: 3 }) }),
          {
            minLength: 1,
            maxLength: 20,
          },
        ),
        fc.boolean(),
        async (sends, restart) => {
          const store = new MemoryStore()
          let broker = await setup(store)
          const { producerId: pid } = await broker.initProducerId({})
          const sent: { bytes: Uint8Array; offset: number; values: string[] }[] = []
          let seq = 0
          for (const [i, s] of sends.entries()) {
            const bytes = seqBatch(pid, 0, seq, s.size, `b${i}`)
            const r = await produce(broker, 't', 0, bytes)
            expect(r.errorCode).toBe(0)
            sent.push({
              bytes,
              offset: r.baseOffset,
              values: Array.from({ length: s.size }, (_, j) => `b${i}.${j}`),
            })
            seq += s.size
            if (restart && i % 7 === 6) {
              await broker.close()
              broker = await Broker.open({ store: store.reopen() })
            }
            for (const back of s.retries) {
              const target = sent[sent.length - 1 - Math.min(back, sent.length - 1)]!
              const retry = await produce(broker, 't', 0, target.bytes.slice())
              expect([retry.errorCode, retry.baseOffset]).toEqual([0, target.offset])
            }
          }
          const expected = sent.flatMap((s) => s.values)
          expect((await consume(broker, 't', 0)).map(([, v]) => v)).toEqual(expected)
          await broker.close()
        },
      ),
      { numRuns: 60 },
    )
  })
})
