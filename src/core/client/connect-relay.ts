/**
 * @module `connect({ url })`: brook's client — producers, consumers, admin — against a brook relay
 * over WebSocket, from Node, a page or a worker. The same client and group protocol as in-process
 * and over TCP: the relay speaks Kafka on `/v1/ws`.
 */

import type { KafkaConnection } from '../protocol/client-connection.ts'
import { KafkaProtocolService } from '../protocol/client-service.ts'
import { RelayConnection, type RelayConnectionOptions } from '../protocol/client-websocket.ts'
import { Brook } from './brook.ts'
import type { BrookConfig } from './types.ts'

export interface RelayConnectOptions extends Omit<BrookConfig, 'service'>, RelayConnectionOptions {}

export type RelayBrook = Brook & {
  /** The raw BrokerService over the relay, for tools that speak requests rather than clients. */
  readonly service: KafkaProtocolService
  /** Closes the socket; producers and consumers made from this client stop working. */
  close(): Promise<void>
}

export async function connect(options: RelayConnectOptions): Promise<RelayBrook> {
  const conn: KafkaConnection = await RelayConnection.open(options)
  let service: KafkaProtocolService
  try {
    service = await KafkaProtocolService.start(conn, {})
  } catch (e) {
    await conn.close()
    throw e
  }
  const {
    url: _u,
    token: _t,
    WebSocket: _w,
    connectTimeoutMs: _c,
    reconnect: _r,
    random: _rand,
    reachability: _reach,
    ...config
  } = options
  const brook = new Brook({ ...config, service })
  return Object.assign(brook, { service, close: () => service.close() })
}
