import { describe, expect, it } from 'vitest'
import { Broker } from '../broker.ts'
import { produce, records } from '../broker-test-helpers.ts'
import { MemoryStore } from '../memory-store.ts'
import { SyncEngine } from './sync-engine.ts'

describe('SyncEngine', () => {
  it('runs no round when the network went away while the connection was opening', async () => {
    const store = new MemoryStore()
    const local = await Broker.open({ store, autoCreateTopics: true })
    await local.createTopics({ topics: [{ name: 'notes', numPartitions: 1 }] })
    await produce(local, 'notes', 0, records(['a=1']))
    const remote = await Broker.open({ store: new MemoryStore(), autoCreateTopics: true })
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
})
