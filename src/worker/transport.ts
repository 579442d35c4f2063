/**
 * @module The page side of the Worker transport: a `BrokerService` whose calls go to the broker
 * worker through comlink. Every call has a timeout (comlink has none, and a dead worker would hang
 * it forever); produced batches travel as transferred copies, because the producer keeps its own
 * bytes to resend them on a retry.
 */

import type { Endpoint, Remote } from 'comlink'
import { releaseProxy, transfer, wrap } from 'comlink'
import { BrookError } from '../core/errors.ts'
import type { BrokerService, ProduceRequest } from '../core/service.ts'
import type { BatchCall, BrokerApi, BrokerOptions, HelloResponse, ServiceMethod } from './api.ts'
import { intendedWaitMs, SERVICE_METHODS } from './api.ts'
import { fromWireError, installErrorHandlers } from './wire-errors.ts'

export interface WorkerServiceOptions {
  /** A call not answered within this (plus what the broker may hold it for) fails. Default 30 s. */
  requestTimeoutMs?: number
}

export type WorkerService = BrokerService & {
  hello(options: BrokerOptions): Promise<HelloResponse>
  /** Stops using the port; calls still pending fail. */
  close(): void
}

export function workerService(port: Endpoint, options: WorkerServiceOptions = {}): WorkerService {
  installErrorHandlers()
  const remote: Remote<BrokerApi> = wrap<BrokerApi>(port)
  const timeoutMs = options.requestTimeoutMs ?? 30_000
  const pending = new Set<(e: unknown) => void>()
  let closed = false

  function call<T>(method: ServiceMethod | 'hello', arg: unknown, buffers: ArrayBuffer[] = []): Promise<T> {
    if (closed) return Promise.reject(new BrookError('NETWORK_EXCEPTION', 'the brook connection is closed'))
    const limit = timeoutMs + (method === 'hello' ? 0 : intendedWaitMs(method, arg))
    return new Promise<T>((resolve, reject) => {
      const fail = (e: unknown) => {
        clearTimeout(timer)
        pending.delete(fail)
        reject(e)
      }
      const timer = setTimeout(
        () =>
          fail(
            new BrookError('REQUEST_TIMED_OUT', `the broker worker did not answer ${method} in ${limit} ms`),
          ),
        limit,
      )
      pending.add(fail)
      const done = (v: unknown) => {
        clearTimeout(timer)
        pending.delete(fail)
        resolve(v as T)
      }
      if (method === 'hello' || !BATCHED.has(method)) {
        const fn = (remote as unknown as Record<string, (a: unknown) => Promise<unknown>>)[method]!
        fn(buffers.length > 0 ? transfer(arg as object, buffers) : arg).then(done, fail)
        return
      }
      queue.push({ call: { method, arg }, buffers, resolve: done, reject: fail })
      if (queue.length === 1) queueMicrotask(sendQueued)
    })
  }

  /**
   * Calls made in the same tick (64 producers resuming together) travel in one message each way:
   * a postMessage round trip costs far more than the calls' bytes.
   */
  let queue: Queued[] = []
  function sendQueued(): void {
    const list = queue
    queue = []
    const buffers = list.flatMap((q) => q.buffers)
    const calls = list.map((q) => q.call)
    remote.batch(transfer(calls, buffers)).then(
      (results) => {
        results.forEach((r, i) => {
          if (r.ok) list[i]!.resolve(r.value)
          else list[i]!.reject(fromWireError(r.error))
        })
      },
      (e) => {
        for (const q of list) q.reject(e)
      },
    )
  }

  const service: Record<string, unknown> = {
    hello: (o: BrokerOptions) => call('hello', o),
    close() {
      closed = true
      for (const fail of [...pending])
        fail(new BrookError('NETWORK_EXCEPTION', 'the brook connection was closed'))
      remote[releaseProxy]()
    },
  }
  for (const m of SERVICE_METHODS) service[m] = (arg: unknown) => call(m, arg)
  service.produce = (req: ProduceRequest) => call('produce', ...ownedCopy(req))
  return service as unknown as WorkerService
}

/** Long waits stay alone: a batch is answered when its slowest call is. */
const BATCHED = new Set<ServiceMethod>(
  SERVICE_METHODS.filter((m) => !['fetch', 'joinGroup', 'syncGroup'].includes(m)),
)

interface Queued {
  call: BatchCall
  buffers: ArrayBuffer[]
  resolve(v: unknown): void
  reject(e: unknown): void
}

/** A copy of the request whose record bytes may be transferred (the producer keeps its own for retries). */
function ownedCopy(req: ProduceRequest): [ProduceRequest, ArrayBuffer[]] {
  const buffers: ArrayBuffer[] = []
  const topics = req.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => {
      const records = p.records.slice()
      buffers.push(records.buffer)
      return { partition: p.partition, records }
    }),
  }))
  return [{ ...req, topics }, buffers]
}
