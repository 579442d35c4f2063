import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Broker } from '../broker.ts'
import { consume, produce, records } from '../broker-test-helpers.ts'
import { errorCode } from '../errors.ts'
import { MemoryStore } from '../memory-store.ts'
import { Downloader } from './downloader.ts'

class Crash extends Error {}

/** A remote broker with `counts[p]` records on each partition of `feed`, in batches of 1–5. */
async function remoteWith(counts: number[]) {
  const remote = await Broker.open({ store: new MemoryStore() })
  await remote.createTopics({ topics: [{ name: 'feed', numPartitions: counts.length }] })
  const written: string[][] = counts.map(() => [])
  const add = async (p: number, n: number) => {
    let i = 0
    while (i < n) {
      const k = Math.min(n - i, 1 + ((written[p]!.length * 3 + p) % 5))
      const values = Array.from({ length: k }, (_, j) => `p${p}=${written[p]!.length + j}`)
      expect((await produce(remote, 'feed', p, records(values))).errorCode).toBe(0)
      written[p]!.push(...values)
      i += k
    }
  }
  for (let p = 0; p < counts.length; p++) await add(p, counts[p]!)
  return { remote, written, add }
}

const valuesOf = async (b: Broker, p: number) => (await consume(b, 'feed', p)).map(([, v]) => v)

describe('Downloader', () => {
  it('brings every remote partition down in order, resumes where it stopped, and keeps offsets', async () => {
    const { remote, written, add } = await remoteWith([12, 0, 30])
    const local = await Broker.open({ store: new MemoryStore() })
    expect((await new Downloader({ local, remote, topics: ['feed'] }).syncOnce()).downloaded).toBe(42)
    for (let p = 0; p < 3; p++) expect(await valuesOf(local, p)).toEqual(written[p])
    // The remote log is whole from 0, so local offsets are the remote ones.
    expect(await consume(local, 'feed', 2)).toEqual(await consume(remote, 'feed', 2))
    await add(1, 4)
    expect((await new Downloader({ local, remote, topics: ['feed'] }).syncOnce()).downloaded).toBe(4)
    expect(await valuesOf(local, 1)).toEqual(written[1])
  })

  it('a first download writes one local producer down for all its partitions, and each partition still dedups a resent batch', async () => {
    const { remote, written, add } = await remoteWith([5, 7, 9])
    const local = await Broker.open({ store: new MemoryStore() })
    let producers = 0
    const counting = new Proxy(local, {
      get(target, prop, receiver) {
        if (prop === 'initProducerId')
          return (req: Parameters<Broker['initProducerId']>[0]) => {
            producers++
            return target.initProducerId(req)
          }
        return Reflect.get(target, prop, receiver)
      },
    })
    expect((await new Downloader({ local: counting, remote, topics: ['feed'] }).syncOnce()).downloaded).toBe(
      21,
    )
    expect(producers).toBe(1)
    // A crash after a local append, before its position moved: the resend is dropped on each partition.
    await add(0, 3)
    await add(2, 3)
    const crashing = new Downloader({
      local: counting,
      remote,
      topics: ['feed'],
      afterLocalAppend: () => {
        throw new Crash()
      },
    })
    await expect(crashing.syncOnce()).rejects.toBeInstanceOf(Crash)
    await new Downloader({ local: counting, remote, topics: ['feed'] }).syncOnce()
    for (let p = 0; p < 3; p++) expect(await valuesOf(local, p)).toEqual(written[p])
    expect(producers).toBe(1)
  })

  it('grows a local topic that has fewer partitions (a consumer auto-created it) instead of failing', async () => {
    const { remote, written } = await remoteWith([3, 4, 5])
    const local = await Broker.open({ store: new MemoryStore(), autoCreateTopics: true })
    await local.createTopics({ topics: [{ name: 'feed', numPartitions: 1 }] })
    expect((await new Downloader({ local, remote, topics: ['feed'] }).syncOnce()).downloaded).toBe(12)
    for (let p = 0; p < 3; p++) expect(await valuesOf(local, p)).toEqual(written[p])
  })

  it('says so when a remote topic may not be described, instead of finding it empty', async () => {
    const { remote } = await remoteWith([2])
    const hidden = new Proxy(remote, {
      get(target, prop, receiver) {
        if (prop === 'metadata')
          return async (req: Parameters<Broker['metadata']>[0]) => {
            const md = await target.metadata(req)
            return {
              ...md,
              topics: md.topics.map((t) => ({
                ...t,
                errorCode: errorCode('TOPIC_AUTHORIZATION_FAILED'),
                partitions: [],
              })),
            }
          }
        return Reflect.get(target, prop, receiver)
      },
    })
    const local = await Broker.open({ store: new MemoryStore() })
    await expect(new Downloader({ local, remote: hidden, topics: ['feed'] }).syncOnce()).rejects.toThrow(
      /TOPIC_AUTHORIZATION_FAILED/,
    )
  })

  it('keeps downloading the other topics when one fails, and reports the failure', async () => {
    const { remote, written } = await remoteWith([3])
    await remote.createTopics({ topics: [{ name: 'other', numPartitions: 1 }] })
    await produce(remote, 'other', 0, records(['o=1']))
    // The local store fails every append to 'feed' (a storage error), and only to it.
    const local = await Broker.open({ store: new MemoryStore() })
    const failing = new Proxy(local, {
      get(target, prop, receiver) {
        if (prop === 'produce')
          return async (req: Parameters<Broker['produce']>[0]) =>
            req.topics[0]?.name === 'feed' ? Promise.reject(new Error('disk gone')) : target.produce(req)
        return Reflect.get(target, prop, receiver)
      },
    })
    const d = new Downloader({ local: failing, remote, topics: ['feed', 'other'] })
    await expect(d.syncOnce()).rejects.toThrow('disk gone')
    expect(await consume(local, 'other', 0)).toHaveLength(1)
    expect((await new Downloader({ local, remote, topics: ['feed', 'other'] }).syncOnce()).downloaded).toBe(3)
    expect(await valuesOf(local, 0)).toEqual(written[0])
  })

  it('appends every record once, whatever appends a crash leaves without their position', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 25 }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 6 }),
        fc.integer({ min: 0, max: 10 }),
        async (counts, crashGaps, more) => {
          const { remote, written, add } = await remoteWith(counts)
          const local = await Broker.open({ store: new MemoryStore() })
          for (const [round, gap] of [...crashGaps, Number.POSITIVE_INFINITY].entries()) {
            // New remote records keep arriving between rounds.
            if (round === 1) await add(0, more)
            let appends = 0
            const down = new Downloader({
              local,
              remote,
              topics: ['feed'],
              afterLocalAppend: () => {
                if (++appends === gap) throw new Crash()
              },
            })
            try {
              await down.syncOnce()
            } catch (e) {
              if (!(e instanceof Crash)) throw e
            }
          }
          if (crashGaps.length === 0) await add(0, more)
          await new Downloader({ local, remote, topics: ['feed'] }).syncOnce()
          for (let p = 0; p < counts.length; p++) expect(await valuesOf(local, p)).toEqual(written[p])
        },
      ),
      { numRuns: 60 },
    )
  })

  it('starts at the remote log start when the head was deleted, keeping the remote offsets', async () => {
    const { remote, written } = await remoteWith([20])
    await remote.deleteRecords({ topics: [{ name: 'feed', partitions: [{ partition: 0, offset: 8 }] }] })
    const local = await Broker.open({ store: new MemoryStore() })
    await new Downloader({ local, remote, topics: ['feed'] }).syncOnce()
    const start = (
      await remote.listOffsets({ topics: [{ name: 'feed', partitions: [{ partition: 0, timestamp: -2 }] }] })
    ).topics[0]!.partitions[0]!.offset
    const here = await consume(local, 'feed', 0, start)
    expect(here.map(([, v]) => v)).toEqual(written[0]!.slice(start))
    // The same offsets as the remote's: the local log starts where the remote's does.
    expect(start).toBeGreaterThan(0)
    expect(here).toEqual(await consume(remote, 'feed', 0, start))
  })

  it('goes on from the relay log start when records were deleted there before they came down, and counts them', async () => {
    const { remote, written, add } = await remoteWith([20])
    const local = await Broker.open({ store: new MemoryStore() })
    const first = await new Downloader({ local, remote, topics: ['feed'] }).syncOnce()
    expect(first).toEqual({ downloaded: 20, missed: 0 })
    // Away while the relay got 20 more and its retention deleted up to offset 30.
    await add(0, 20)
    await remote.deleteRecords({ topics: [{ name: 'feed', partitions: [{ partition: 0, offset: 30 }] }] })
    const start = (
      await remote.listOffsets({ topics: [{ name: 'feed', partitions: [{ partition: 0, timestamp: -2 }] }] })
    ).topics[0]!.partitions[0]!.offset
    expect(start).toBeGreaterThan(20)
    const again = await new Downloader({ local, remote, topics: ['feed'] }).syncOnce()
    expect(again).toEqual({ downloaded: 40 - start, missed: start - 20 })
    // What was there before, then what the relay still has, at the relay's offsets.
    expect(await valuesOf(local, 0)).toEqual([...written[0]!.slice(0, 20), ...written[0]!.slice(start)])
    expect(await consume(local, 'feed', 0, start)).toEqual(await consume(remote, 'feed', 0, start))
    // And the position is past them: nothing more comes, nothing is missed again.
    expect(await new Downloader({ local, remote, topics: ['feed'] }).syncOnce()).toEqual({
      downloaded: 0,
      missed: 0,
    })
  })
})
