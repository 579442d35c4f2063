/** @module `brook/worker`: the browser broker. Explicit named exports only. */

export type { RelayBrook, RelayConnectOptions } from '../core/client/connect-relay.ts'
// Every entry exports the error class and codes: an app may import brook/worker alone.
export type { KafkaErrorName } from '../core/errors.ts'
export { BrookError, errorCode, errorName, isBrookError, isRetriable, KAFKA_ERRORS } from '../core/errors.ts'
// A producer's `compression` takes these codes; the codec itself loads the first time it is used.
export type { CompressionCode, CompressionName } from '../core/format/compression.ts'
export { Compression } from '../core/format/compression.ts'
export type { TopicBacklog } from '../core/sync/backlog.ts'
export type { SyncState, SyncStatus } from '../core/sync/sync-engine.ts'
export type {
  BrokerApi,
  BrokerOptions,
  BrowserSyncStatus,
  HelloResponse,
  StorageStatus,
  SyncConfig,
} from './api.ts'
export type { Connection, ConnectOptions, SyncHandle, WorkerBrook } from './connect.ts'
export { connect } from './connect.ts'
export type { Durability, IdbStoreOptions } from './idb-store.ts'
export { IdbStore } from './idb-store.ts'
export type { MessageEndpoint, WorkerService, WorkerServiceOptions } from './transport.ts'
export { workerService } from './transport.ts'
