/** @module `brook/edge`: brook on Node — durable files and the Kafka wire protocol over TCP. */

export type { FileStoreOptions } from './file-store.ts'
export { FileStore } from './file-store.ts'
export type { ConnectKafkaOptions, KafkaConnectionOptions } from './kafka/connection.ts'
export { connectKafka, openKafkaConnection } from './kafka/connection.ts'
export type { KafkaServer, KafkaServerOptions } from './kafka/index.ts'
export { startKafkaServer } from './kafka/index.ts'
