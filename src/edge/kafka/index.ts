/** @module The Kafka wire protocol over TCP (Node). */
export type { KafkaServer, KafkaServerOptions } from './server.ts'
export { serveConnection, startKafkaServer } from './server.ts'
