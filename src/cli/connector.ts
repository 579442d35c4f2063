/**
 * @module The real `Connector`: `--bootstrap-server` → a `BrokerService` speaking the Kafka protocol
 * over TCP, so the CLI works against brook and against any Kafka cluster alike.
 */

import { connectKafka } from '../edge/kafka/connection.ts'
import type { Connector } from './context.ts'

export const kafkaConnector: Connector = async ({ bootstrap, clientId, sasl }) => {
  const service = await connectKafka({ bootstrap, clientId, sasl })
  return { service, close: () => service.close() }
}
