/**
 * @module `connect({ url })` for Node: the relay client with the `ws` package's WebSocket when the
 * runtime has none of its own (Node 20), so that it works with no options on every Node brook
 * supports.
 */

import WebSocket from 'ws'
import {
  connect as connectRelay,
  type RelayBrook,
  type RelayConnectOptions,
} from '../../core/client/connect-relay.ts'
import type { WebSocketConstructor } from '../../core/protocol/client-websocket.ts'

export function connect(options: RelayConnectOptions): Promise<RelayBrook> {
  const native = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket
  return connectRelay({ WebSocket: native ?? (WebSocket as unknown as WebSocketConstructor), ...options })
}
