/**
 * The edge app on Node (`startRelay`: @hono/node-server + @hono/node-ws) over real HTTP and
 * WebSocket, with the shared HTTP suite; a broker on MemoryStore behind it.
 */

import { afterAll, beforeAll } from 'vitest'
import { Broker } from '../../src/core/broker.ts'
import { MemoryStore } from '../../src/core/memory-store.ts'
import { type Relay, startRelay } from '../../src/edge/node/relay.ts'
import { edgeHttpSuite } from '../conformance/edge-http.ts'

const MAX_BODY = 256 * 1024
let broker: Broker
let relay: Relay

beforeAll(async () => {
  broker = await Broker.open({ store: new MemoryStore() })
  relay = await startRelay({ broker, port: 0, limits: { maxBodyBytes: MAX_BODY } })
})
afterAll(async () => {
  await relay?.close()
  await broker?.close()
})

edgeHttpSuite({ base: () => relay.url, maxBodyBytes: MAX_BODY })
