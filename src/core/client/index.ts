/** @module The client layer's public API: `createBrook` and what it hands out. */
export type {
  AclEntry,
  AclEntryFilter,
  AclGrant,
  AlteredResource,
  GroupPartitionOffset,
  PartitionOffsets,
} from './admin.ts'
export {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Admin,
  ConfigResourceTypes,
  ResourcePatternTypes,
} from './admin.ts'
export { Brook, connectInProcess, createBrook } from './brook.ts'
export type { RelayBrook, RelayConnectOptions } from './connect-relay.ts'
export { connect } from './connect-relay.ts'
export { CONSUMER_EVENTS, Consumer } from './consumer.ts'
export { PartitionAssigners } from './deps.ts'
export { PRODUCER_EVENTS, Producer } from './producer.ts'
export type * from './types.ts'
