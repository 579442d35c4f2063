/**
 * @module A brook relay and Kafka listener in a process of their own, so that a benchmark's clients
 * and the server do not share one event loop. argv: `memory`, or `file <dir>` (FileStore; acks=all
 * waits for fsync). Prints `ready <kafkaPort> <httpPort>`.
 */

import { Broker } from '../../src/core/broker.ts'
import { MemoryStore } from '../../src/core/memory-store.ts'
import { FileStore } from '../../src/edge/file-store.ts'
import { startKafkaServer } from '../../src/edge/kafka/server.ts'
import { startRelay } from '../../src/edge/node/relay.ts'

const [kind, dir] = process.argv.slice(2)
const store = kind === 'file' ? await FileStore.open({ dir: dir! }) : new MemoryStore()
const broker = await Broker.open({ store, autoCreateTopics: true })
const kafka = await startKafkaServer({ broker, port: 0, log: () => {} })
const relay = await startRelay({ broker, port: 0, limits: { maxBufferedBytes: 16 << 20 } })
console.log(`ready ${kafka.port} ${relay.port}`)
process.on('SIGTERM', async () => {
  await relay.close()
  await kafka.close()
  await broker.close()
  process.exit(0)
})
