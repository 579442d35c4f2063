/** @module The client layer's public API: `createBrook` and what it hands out. */
export type { AlteredResource, GroupPartitionOffset, PartitionOffsets } from './admin.ts'
export { Admin, ConfigResourceTypes } from './admin.ts'
export { Brook, connectInProcess, createBrook } from './brook.ts'
export { CONSUMER_EVENTS, Consumer } from './consumer.ts'
export { PartitionAssigners } from './deps.ts'
export { PRODUCER_EVENTS, Producer } from './producer.ts'
export type * from './types.ts'
