/**
 * @module The worker side of a page connection: a `BrokerApi` on one MessagePort, backed by the
 * host. Fetched batches go back as transferred buffers, so a large fetch costs one copy, not two.
 */

import type { Endpoint } from 'comlink'
import { expose, transfer } from 'comlink'
import type { FetchResponse } from '../core/service.ts'
import type { BatchCall, BatchResult, BrokerApi, BrokerOptions, ServiceMethod, SyncControl } from './api.ts'
import { JSON_ANSWERS, SERVICE_METHODS } from './api.ts'
import type { BrokerHost } from './host.ts'
import type { PackedProduces } from './pack.ts'
import { isPacked, unpackProduces } from './pack.ts'
import { installErrorHandlers, toWireError } from './wire-errors.ts'

export function servePort(host: BrokerHost, port: Endpoint): void {
  installErrorHandlers()
  // The page's tab id (hello's second argument): every call of this port is that tab's.
  let tab: string | undefined
  const api: Record<string, unknown> = {
    hello: (options: BrokerOptions, tabId?: string) => {
      tab = tabId
      return host.hello(options)
    },
  }
  for (const method of SERVICE_METHODS) {
    api[method] = (arg: unknown) => host.call(method as ServiceMethod, arg, tab)
  }
  api.batch = async (batch: BatchCall[] | PackedProduces) => {
    const calls = isPacked(batch) ? unpackProduces(batch) : batch
    const results = await Promise.all(
      calls.map((c) =>
        host.call(c.method, c.arg, tab).then(
          (value): BatchResult => ({ ok: true, value }),
          (e): BatchResult => ({ ok: false, error: toWireError(e) }),
        ),
      ),
    )
    return calls.every((c) => JSON_ANSWERS.has(c.method)) ? JSON.stringify(results) : results
  }
  api.sync = (control: SyncControl) => host.sync(control)
  api.fetch = async (arg: unknown) => transferFetch((await host.call('fetch', arg, tab)) as FetchResponse)
  expose(api as unknown as BrokerApi, port)
}

function transferFetch(res: FetchResponse): FetchResponse {
  const buffers: ArrayBuffer[] = []
  for (const t of res.topics) {
    for (const p of t.partitions) {
      if (p.records.byteLength === 0) continue
      // The broker may still hold these bytes (a cache, a shared view): move a copy, never its own.
      const copy = p.records.slice()
      p.records = copy
      buffers.push(copy.buffer)
    }
  }
  return transfer(res, buffers)
}
