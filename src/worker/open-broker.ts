/** @module Opens the core broker over IndexedDB inside a worker: recovery happens in `Broker.open`. */

import { Broker } from '../core/broker.ts'
import type { BrokerOptions } from './api.ts'
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
  return { service: broker, close: () => broker.close() }
}
