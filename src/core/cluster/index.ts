/** @module A cluster of brokers behind one BrokerService: what brook on Cloudflare is made of. */

export type { PartitionApi, PartitionFetch, TopicInfo } from './partition-host.ts'
export { PartitionHost } from './partition-host.ts'
export type { ShardedServiceOptions } from './sharded-service.ts'
export { ShardedService } from './sharded-service.ts'
