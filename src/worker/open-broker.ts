/** @module Opens the core broker over IndexedDB inside a worker: recovery happens in `Broker.open`. */

import { Broker } from '../core/broker.ts'
import type { BrokerOptions, SyncConfig } from './api.ts'
import type { OpenedBroker } from './host.ts'
import { IdbStore } from './idb-store.ts'

export async function openWorkerBroker(options: BrokerOptions): Promise<OpenedBroker> {
  const store = await IdbStore.open({ name: options.name, durability: options.durability ?? 'strict' })
  const broker = await Broker.open({
    store,
    autoCreateTopics: options.autoCreateTopics ?? true,
    defaultPartitions: options.numPartitions,
    topicDefaults: options.topicDefaults,
    // A browser budget is small and tabs come and go: check more often than a server would.
    retentionCheckIntervalMs: options.retentionCheckIntervalMs ?? 60_000,
  })
  if (!options.sync) return { service: broker, close: () => broker.close() }
  const sync = await startSync(broker, store, options.sync)
  return {
    service: broker,
    async close() {
      await sync.stop()
      await broker.close()
    },
  }
}

/** The sync loop, loaded only when asked for: the worker stays small without it. */
async function startSync(
  broker: Broker,
  store: IdbStore,
  config: SyncConfig,
): Promise<{ stop(): Promise<void> }> {
  const [{ SyncEngine }, { connect }] = await Promise.all([
    import('../core/sync/sync-engine.ts'),
    import('../core/client/connect-relay.ts'),
  ])
  const engine = new SyncEngine({
    local: broker,
    state: { get: (k) => store.getMeta(k), set: (k, v) => store.setMeta(k, v) },
    connect: async () => {
      const relay = await connect({ url: config.url, token: config.token, reconnect: false })
      return { service: relay.service, close: () => relay.close() }
    },
    upload: config.upload,
    download: config.download,
    intervalMs: config.intervalMs,
    backoff: config.backoff,
  })
  // The network coming back is worth a round now, not after the backoff.
  const online = () => engine.syncNow()
  globalThis.addEventListener?.('online', online)
  engine.start()
  return {
    async stop() {
      globalThis.removeEventListener?.('online', online)
      await engine.stop()
    },
  }
}
