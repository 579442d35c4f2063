/**
 * The first pieces of offline sync (issue 11) against the real relay, over its WebSocket: a local
 * broker's outbox goes up with the Uploader, and the relay's topics come down with the Downloader,
 * through crashes after the other side acknowledged a batch and a restart of the relay on its data
 * directory — every record once, in order per partition, on both sides.
 */

import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { Broker } from '../../src/core/broker.ts'
import { consume, produce, records } from '../../src/core/broker-test-helpers.ts'
import { connect, type RelayBrook } from '../../src/core/client/connect-relay.ts'
import { MemoryStore } from '../../src/core/memory-store.ts'
import type { WebSocketConstructor } from '../../src/core/protocol/client-websocket.ts'
import { Downloader } from '../../src/core/sync/downloader.ts'
import { SyncEngine } from '../../src/core/sync/sync-engine.ts'
import { Uploader } from '../../src/core/sync/uploader.ts'
import { FileStore } from '../../src/edge/file-store.ts'
import { type Relay, startRelay } from '../../src/edge/node/relay.ts'

class Crash extends Error {}

const PARTITIONS = 3
const PER_PARTITION = 3_000

let relay: Relay | undefined
let relayBroker: Broker | undefined
let client: RelayBrook | undefined
afterAll(async () => {
  await client?.close()
  await relay?.close()
  await relayBroker?.close()
})

/** A relay on a data directory, started and stopped (to restart it) at will; `client` reaches it. */
function relayOn(dir: string, port = 0) {
  return {
    async startRemote() {
      relayBroker = await Broker.open({ store: await FileStore.open({ dir }), autoCreateTopics: true })
      relay = await startRelay({ broker: relayBroker, port })
      client = await connect({
        url: relay.url,
        WebSocket: WebSocket as unknown as WebSocketConstructor,
        reconnect: false,
      })
    },
    async stopRemote() {
      await client?.close()
      await relay?.close()
      await relayBroker?.close()
    },
  }
}

describe('offline sync over the relay', () => {
  it('is exactly once across uploader crashes and a relay restart', async () => {
    const localStore = new MemoryStore()
    const local = await Broker.open({ store: localStore })
    await local.createTopics({ topics: [{ name: 'notes', numPartitions: PARTITIONS }] })
    const written: string[][] = []
    for (let p = 0; p < PARTITIONS; p++) {
      written[p] = []
      for (let i = 0; i < PER_PARTITION; i += 100) {
        const values = Array.from({ length: 100 }, (_, k) => `p${p}=${i + k}`)
        await produce(local, 'notes', p, records(values))
        written[p]!.push(...values)
      }
    }
    const state = {
      get: (k: string) => localStore.getMeta(k),
      set: (k: string, v: never) => localStore.setMeta(k, v),
    }

    const { startRemote, stopRemote } = relayOn(await mkdtemp(join(tmpdir(), 'brook-offline-upload-')))
    await startRemote()

    // Round 1: the uploader dies after the relay acknowledged its 4th request (runs of batches).
    // Round 2: the relay restarts (on its store) after the 1st request of a new uploader (the resend
    // of what round 1 left in doubt: partitions go side by side, so the others may be done).
    // Round 3: a new uploader on a new connection finishes.
    const crashed: boolean[] = []
    const rounds: ((acks: number) => Promise<void>)[] = [
      async (acks) => {
        if (acks !== 4) return
        crashed[0] = true
        throw new Crash()
      },
      async (acks) => {
        if (acks !== 1) return
        crashed[1] = true
        await stopRemote()
        throw new Crash()
      },
      async () => {},
    ]
    for (const [i, hook] of rounds.entries()) {
      if (i === 2) await startRemote()
      let acks = 0
      const up = new Uploader({
        local,
        remote: client!.service,
        state,
        topics: ['notes'],
        afterRemoteAck: () => hook(++acks),
      })
      try {
        await up.syncOnce()
      } catch (e) {
        if (!(e instanceof Crash)) throw e
      }
    }

    // Each crash happened (the test proves nothing if the upload finishes before its crash point).
    expect(crashed).toEqual([true, true])
    const check = new Uploader({ local, remote: client!.service, state, topics: ['notes'] })
    expect([...(await check.pending()).values()]).toEqual([0, 0, 0])
    for (let p = 0; p < PARTITIONS; p++)
      expect((await consume(relayBroker!, 'notes', p)).map(([, v]) => v)).toEqual(written[p])
  })

  it('downloads exactly once across downloader crashes and a relay restart', async () => {
    const { startRemote, stopRemote } = relayOn(await mkdtemp(join(tmpdir(), 'brook-offline-download-')))
    const written: string[][] = [[], [], []]
    /** What others write at the relay while the page is away. */
    const publish = async (n: number) => {
      for (let p = 0; p < PARTITIONS; p++)
        for (let i = 0; i < n; i += 50) {
          const values = Array.from({ length: 50 }, (_, k) => `news${p}=${written[p]!.length + k}`)
          await produce(relayBroker!, 'news', p, records(values))
          written[p]!.push(...values)
        }
    }
    await startRemote()
    await relayBroker!.createTopics({ topics: [{ name: 'news', numPartitions: PARTITIONS }] })
    await publish(1_000)

    const local = await Broker.open({ store: new MemoryStore() })
    const crashed: boolean[] = []
    const rounds: ((n: number) => Promise<void>)[] = [
      async (n) => {
        if (n !== 7) return
        crashed[0] = true
        throw new Crash()
      },
      async (n) => {
        if (n !== 1) return
        crashed[1] = true
        await stopRemote()
        throw new Crash()
      },
      async () => {},
    ]
    for (const [i, hook] of rounds.entries()) {
      if (i === 2) {
        await startRemote()
        await publish(500)
      }
      let appends = 0
      const down = new Downloader({
        local,
        remote: client!.service,
        topics: ['news'],
        afterLocalAppend: () => hook(++appends),
      })
      try {
        await down.syncOnce()
      } catch (e) {
        if (!(e instanceof Crash)) throw e
      }
    }
    expect(crashed).toEqual([true, true])
    for (let p = 0; p < PARTITIONS; p++)
      expect((await consume(local, 'news', p)).map(([, v]) => v)).toEqual(written[p])
  })

  it('runs as a loop: offline with the error while the relay is down, then syncs both ways and says so', async () => {
    // A port that was just free: the relay comes up on it later.
    const probeBroker = await Broker.open({ store: new MemoryStore() })
    const probe = await startRelay({ broker: probeBroker, port: 0 })
    const port = probe.port
    await probe.close()
    await probeBroker.close()
    const { startRemote } = relayOn(await mkdtemp(join(tmpdir(), 'brook-offline-loop-')), port)

    const localStore = new MemoryStore()
    const local = await Broker.open({ store: localStore, autoCreateTopics: true })
    await local.createTopics({ topics: [{ name: 'notes', numPartitions: 2 }] })
    const engine = new SyncEngine({
      local,
      state: { get: (k) => localStore.getMeta(k), set: (k, v) => localStore.setMeta(k, v) },
      connect: async () => {
        const brook = await connect({
          url: `http://127.0.0.1:${port}/`,
          WebSocket: WebSocket as unknown as WebSocketConstructor,
          reconnect: false,
        })
        return { service: brook.service, close: () => brook.close() }
      },
      upload: ['notes'],
      download: [/news-.*/],
      intervalMs: 50,
      backoff: { initialDelayMs: 20, maxDelayMs: 200 },
    })
    const states: string[] = []
    engine.onStatus((s) => {
      if (states.at(-1) !== s.state) states.push(s.state)
    })
    engine.start()
    try {
      for (let p = 0; p < 2; p++) await produce(local, 'notes', p, records(['a=1', 'b=2', 'c=3']))
      // Bytes are those of the batches waiting, as the local broker stores them.
      let waiting = 0
      for (let p = 0; p < 2; p++) waiting += await storedBytes(local, 'notes', p)
      await expect
        .poll(() => engine.status().backlog, { timeout: 10_000 })
        .toEqual({ notes: { records: 6, bytes: waiting } })
      const down = engine.status()
      expect(down.state).toBe('offline')
      expect(down.lastError?.type).toBe('NETWORK_EXCEPTION')
      expect(down.failures).toBeGreaterThan(0)

      await startRemote()
      await relayBroker!.createTopics({ topics: [{ name: 'news-eu', numPartitions: 1 }] })
      await produce(relayBroker!, 'news-eu', 0, records(['x=1', 'y=2']))
      engine.syncNow()
      await expect
        .poll(() => engine.status(), { timeout: 10_000 })
        .toMatchObject({ state: 'online', backlog: { notes: { records: 0, bytes: 0 } }, failures: 0 })
      expect(engine.status().lastError).toBeUndefined()
      expect(engine.status().uploaded).toBe(6)
      for (let p = 0; p < 2; p++)
        expect((await consume(relayBroker!, 'notes', p)).map(([, v]) => v)).toEqual(['a=1', 'b=2', 'c=3'])
      await expect
        .poll(async () => (await consume(local, 'news-eu', 0).catch(() => [])).map(([, v]) => v), {
          timeout: 10_000,
        })
        .toEqual(['x=1', 'y=2'])

      // The runtime says the network is gone: no round, no failure, the backlog waits and grows.
      engine.setNetwork(false)
      expect(engine.status()).toMatchObject({ state: 'offline', network: false })
      await produce(local, 'notes', 0, records(['d=4']))
      await engine.refresh()
      expect(engine.status().backlog.notes?.records).toBe(1)
      engine.syncNow()
      await new Promise((r) => setImmediate(r))
      expect(engine.status()).toMatchObject({ state: 'offline', failures: 0 })
      expect(await consume(relayBroker!, 'notes', 0)).toHaveLength(3)
      // Back online: a round at once, and the record goes up.
      engine.setNetwork(true)
      await expect
        .poll(async () => (await consume(relayBroker!, 'notes', 0)).map(([, v]) => v), { timeout: 10_000 })
        .toEqual(['a=1', 'b=2', 'c=3', 'd=4'])
      await expect.poll(() => engine.status().backlog.notes?.records).toBe(0)
    } finally {
      await engine.stop()
    }
    expect(engine.status().state).toBe('stopped')
    expect(states.slice(0, 2)).toEqual(['offline', 'syncing'])
    expect(states).toContain('online')
  })
})

/** The bytes of the batches a partition holds. */
async function storedBytes(broker: Broker, topic: string, partition: number): Promise<number> {
  const res = await broker.fetch({
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    topics: [{ name: topic, partitions: [{ partition, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
  })
  return res.topics[0]!.partitions[0]!.records.byteLength
}
