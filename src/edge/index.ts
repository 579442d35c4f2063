/**
 * @module `brook/edge`: brook on Node — durable files, the Kafka wire protocol over TCP, the relay
 * (REST, SSE, Kafka over WebSocket) and the client that connects to one.
 */

// Every entry exports the error class and codes: an app may import brook/worker alone.
export type { KafkaErrorName } from '../core/errors.ts'
export { BrookError, errorCode, errorName, isBrookError, isRetriable, KAFKA_ERRORS } from '../core/errors.ts'
export type {
  EdgeAppOptions,
  EdgeAuth,
  EdgeLimits,
  JsonRecordIn,
  JsonRecordOut,
  JwtAuth,
  ValueFormat,
} from './app/index.ts'
export {
  ANONYMOUS,
  createEdgeApp,
  DEFAULT_LIMITS,
  HttpError,
  Metrics,
  RECORD_BATCH_TYPE,
} from './app/index.ts'
export type { FileStoreOptions } from './file-store.ts'
export { FileStore } from './file-store.ts'
export type { ConnectKafkaOptions, KafkaConnectionOptions } from './kafka/connection.ts'
export { connectKafka, openKafkaConnection } from './kafka/connection.ts'
export type { KafkaServer, KafkaServerOptions } from './kafka/index.ts'
export { startKafkaServer } from './kafka/index.ts'
export { connect } from './node/connect.ts'
export type { Relay, RelayOptions } from './node/relay.ts'
export { startRelay } from './node/relay.ts'
