/**
 * @module Worker entry: the same file runs as a SharedWorker (one broker for every tab) or as a
 * dedicated Worker per tab (Web Locks leader election, see host.ts).
 */

import { servePort } from './expose.ts'
import { BrokerHost } from './host.ts'
import { openWorkerBroker } from './open-broker.ts'

interface SharedScope {
  onconnect: ((e: MessageEvent) => void) | null
}

const scope = globalThis as unknown as SharedScope & { postMessage?: unknown }
const isShared = 'onconnect' in scope

const host = new BrokerHost({ kind: isShared ? 'shared' : 'dedicated', openBroker: openWorkerBroker })

if (isShared) {
  scope.onconnect = (e) => servePort(host, e.ports[0]!)
} else {
  servePort(host, globalThis as unknown as Parameters<typeof servePort>[1])
}
