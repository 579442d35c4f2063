import { describe, expect, it } from 'vitest'
import { Broker } from '../broker.ts'
import { produce, records } from '../broker-test-helpers.ts'
import { MemoryStore } from '../memory-store.ts'
import { SyncEngine } from './sync-engine.ts'

/** A local broker whose topic `notes` holds one record to upload, and an empty remote. */
async function brokers() {
  const store = new MemoryStore()
  const local = await Broker.open({ store, autoCreateTopics: true })
  await local.createTopics({ topics: [{ name: 'notes', numPartitions: 1 }] })
  await produce(local, 'notes', 0, records(['a=1']))
  const remote = await Broker.open({ store: new MemoryStore(), autoCreateTopics: true })
  return { store, local, remote }
}

describe('SyncEngine', () => {
  it('refuses at once a topic no topic can be named, with a hint when it looks like a wildcard', async () => {
    const { store, local, remote } = await brokers()
    const make = (upload: (string | RegExp)[], download: (string | RegExp)[] = []) =>
      new SyncEngine({
        local,
        state: { get: (k) => store.getMeta(k), set: (k, v) => store.setMeta(k, v) },
        upload,
        download,
        connect: async () => ({ service: remote, close: async () => {} }),
      })
    expect(() => make(['out-*'])).toThrow(
      /INVALID_TOPIC_EXCEPTION: sync\.upload: .*'\*'.*give a pattern as a RegExp/,
    )
    expect(() => make([], ['news', 'bad name'])).toThrow(/sync\.download: .*a space/)
    expect(() => make([/^out-.*/], ['news'])).not.toThrow()
  })

  it('runs no round when the network went away while the connection was opening', async () => {
    const { store, local, remote } = await brokers()
    let produced = 0
    let closed = 0
    let opened: (() => void) | undefined
    const engine = new SyncEngine({
      local,
      state: { get: (k) => store.getMeta(k), set: (k, v) => store.setMeta(k, v) },
      upload: ['notes'],
      connect: async () => {
        await new Promise<void>((ok) => {
          opened = ok
        })
        const service = new Proxy(remote, {
          get(target, prop, receiver) {
            if (prop === 'produce') produced++
            return Reflect.get(target, prop, receiver)
          },
        })
        return { service, close: async () => void closed++ }
      },
    })
    engine.start()
    try {
      await expect.poll(() => opened).toBeDefined()
      // "online" then "offline" while the socket opens: the engine must not sync on it.
      engine.setNetwork(false)
      opened!()
      await expect.poll(() => closed).toBe(1)
      expect(produced).toBe(0)
      expect(engine.status()).toMatchObject({ state: 'offline', network: false, failures: 0 })
    } finally {
      await engine.stop()
    }
  })

  it('pauses (no round, no connection) until resumed, and reconnects for new credentials', async () => {
    const { store, local, remote } = await brokers()
    const tokens: string[] = []
    let token = 'first'
    let open = 0
    const engine = new SyncEngine({
      local,
      state: { get: (k) => store.getMeta(k), set: (k, v) => store.setMeta(k, v) },
      upload: ['notes'],
      intervalMs: 20,
      connect: async () => {
        tokens.push(token)
        open++
        return { service: remote, close: async () => void open-- }
      },
    })
    const onRemote = async () =>
      (
        await remote.listOffsets({
          topics: [{ name: 'notes', partitions: [{ partition: 0, timestamp: -1 }] }],
        })
      ).topics[0]?.partitions[0]?.offset ?? 0
    engine.start()
    try {
      await expect.poll(onRemote).toBe(1)
      engine.setPaused(true)
      await expect.poll(() => engine.status().state).toBe('paused')
      await expect.poll(() => open).toBe(0)
      const seen: string[] = []
      const off = engine.onStatus((s) => seen.push(s.state))
      await produce(local, 'notes', 0, records(['b=2']))
      engine.syncNow()
      await engine.refresh()
      expect(engine.status().backlog.notes?.records).toBe(1)
      expect(await onRemote()).toBe(1)
      off()
      expect(seen.filter((s) => s !== 'paused')).toEqual([])

      engine.setPaused(false)
      await expect.poll(onRemote).toBe(2)
      await expect.poll(() => engine.status().backlog.notes?.records).toBe(0)
      expect(tokens).toEqual(['first', 'first'])

      // A renewed token: the next round runs on a new connection that presents it.
      token = 'second'
      engine.reconnect()
      await expect.poll(() => tokens).toEqual(['first', 'first', 'second'])
      expect(open).toBe(1)
      await produce(local, 'notes', 0, records(['c=3']))
      engine.syncNow()
      await expect.poll(onRemote).toBe(3)
    } finally {
      await engine.stop()
    }
  })
})
