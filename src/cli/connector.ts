/**
 * @module The real `Connector`: `--bootstrap-server` → a `BrokerService` speaking the Kafka protocol
 * over TCP or TLS, so the CLI works against brook and against any Kafka cluster alike.
 */

import type { ConnectionOptions } from 'node:tls'
import { connectKafka } from '../edge/kafka/connection.ts'
import type { ConnectOptions, Connector } from './context.ts'

export const kafkaConnector: Connector = async ({ bootstrap, clientId, sasl, ssl }) => {
  const service = await connectKafka({ bootstrap, clientId, sasl, ssl: tlsOptions(ssl) })
  return { service, close: () => service.close() }
}

function tlsOptions(ssl: ConnectOptions['ssl']): boolean | ConnectionOptions | undefined {
  if (typeof ssl !== 'object') return ssl
  const { checkHostname, ...rest } = ssl
  return checkHostname === false ? { ...rest, checkServerIdentity: () => undefined } : rest
}
