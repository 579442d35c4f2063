/** @module `brook/edge`: brook on Node — durable files and the Kafka wire protocol over TCP. */

// Every entry exports the error class and codes: an app may import brook/worker alone.
export type { KafkaErrorName } from '../core/errors.ts'
export { BrookError, errorCode, errorName, isBrookError, isRetriable, KAFKA_ERRORS } from '../core/errors.ts'
export type { FileStoreOptions } from './file-store.ts'
export { FileStore } from './file-store.ts'
export type { ConnectKafkaOptions, KafkaConnectionOptions } from './kafka/connection.ts'
export { connectKafka, openKafkaConnection } from './kafka/connection.ts'
export type { KafkaServer, KafkaServerOptions } from './kafka/index.ts'
export { startKafkaServer } from './kafka/index.ts'
