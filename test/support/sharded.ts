/**
 * @module A sharded brook in one Node process: a coordinator broker and one broker per partition,
 * each on its own MemoryStore, behind ShardedService — what Cloudflare runs as Durable Objects.
 */

import { Broker } from '../../src/core/broker.ts'
import { type PartitionApi, PartitionHost } from '../../src/core/cluster/partition-host.ts'
import { ShardedService } from '../../src/core/cluster/sharded-service.ts'
import { MemoryStore } from '../../src/core/memory-store.ts'

export interface LocalCluster {
  service: ShardedService
  coordinator: Broker
  /** Partition brokers made so far, by `topicId/partition`. */
  partitions: Map<string, Promise<Broker>>
  close(): Promise<void>
}

export async function localCluster(opts: { autoCreateTopics?: boolean } = {}): Promise<LocalCluster> {
  const coordinator = await Broker.open({ store: new MemoryStore(), autoCreateTopics: opts.autoCreateTopics })
  const partitions = new Map<string, Promise<Broker>>()
  const hosts = new Map<string, Promise<PartitionHost>>()
  const host = (key: string) => {
    let h = hosts.get(key)
    if (!h) {
      const broker = Broker.open({ store: new MemoryStore() })
      partitions.set(key, broker)
      h = broker.then((b) => new PartitionHost(b))
      hosts.set(key, h)
    }
    return h
  }
  const partition = (topicId: string, p: number): PartitionApi => {
    const key = `${topicId}/${p}`
    return {
      produce: async (...a) => (await host(key)).produce(...a),
      fetch: async (...a) => (await host(key)).fetch(...a),
      listOffset: async (...a) => (await host(key)).listOffset(...a),
      deleteRecords: async (...a) => (await host(key)).deleteRecords(...a),
      drop: async (...a) => (await host(key)).drop(...a),
    }
  }
  const service = new ShardedService({ coordinator, partition, autoCreateTopics: opts.autoCreateTopics })
  return {
    service,
    coordinator,
    partitions,
    async close() {
      for (const b of partitions.values()) await (await b).close()
      await coordinator.close()
    },
  }
}
