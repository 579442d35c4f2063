/**
 * @module A minimal `brook serve` for the crash test: FileStore + Broker + the Kafka listener, one
 * line on stdout once listening. usage: tsx test/crash/serve.ts --port P --data-dir D
 */
import { Broker } from '../../src/core/broker.ts'
import { FileStore } from '../../src/edge/file-store.ts'
import { startKafkaServer } from '../../src/edge/kafka/index.ts'

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1]! : fallback
}
const port = Number(arg('port', '9092'))
const store = await FileStore.open({ dir: arg('data-dir', './data') })
const broker = await Broker.open({
  store,
  autoCreateTopics: true,
  defaultPartitions: 1,
  host: '127.0.0.1',
  port,
})
const server = await startKafkaServer({ broker, host: '127.0.0.1', port })
console.log(`brook listening on ${server.host}:${server.port}`)
const stop = async () => {
  await server.close()
  await broker.close()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
