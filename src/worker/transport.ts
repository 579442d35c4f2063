/**
 * @module The page side of the Worker transport: a `BrokerService` whose calls go to the broker
 * worker through comlink. Every call has a timeout (comlink has none, and a dead worker would hang
 * it forever); produced batches travel as transferred copies, because the producer keeps its own
 * bytes to resend them on a retry.
 */

import type { Remote } from 'comlink'
import { releaseProxy, transfer, wrap } from 'comlink'
import { BrookError } from '../core/errors.ts'
import type { BrokerService, ProduceRequest } from '../core/service.ts'
import type {
  BatchCall,
  BatchResult,
  BrokerApi,
  BrokerEvent,
  BrokerOptions,
  BrowserSyncStatus,
  HelloResponse,
  ServiceMethod,
  SyncControl,
} from './api.ts'
import { eventsChannelName, intendedWaitMs, SERVICE_METHODS } from './api.ts'
import { packProduces } from './pack.ts'
import { fromWireError, installErrorHandlers } from './wire-errors.ts'

export interface WorkerServiceOptions {
  /** A call not answered within this (plus what the broker may hold it for) fails. Default 30 s. */
  requestTimeoutMs?: number
  /** How long `hello` (the broker opening its storage) may take. Default 20 s. */
  startTimeoutMs?: number
  /**
   * The broker's name: with it the service hears the broker's group events (`onGroupRebalance`),
   * so consumers rejoin as soon as another tab's member comes or goes.
   */
  name?: string
}

/**
 * What the service talks through: a `MessagePort`, a `Worker` or anything with the same three
 * methods (comlink's `Endpoint`, spelled out so that brook's types need no comlink).
 */
export interface MessageEndpoint {
  postMessage(message: unknown, transfer?: Transferable[]): void
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ): void
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ): void
  start?: () => void
}

export type WorkerService = BrokerService & {
  hello(options: BrokerOptions, tab?: string): Promise<HelloResponse>
  /** Sync status and controls (null without `sync`). */
  sync(control: SyncControl): Promise<BrowserSyncStatus | null>
  /** Hears every change of the sync status, whichever tab's worker runs the sync. */
  onSyncStatus?(listener: (status: BrowserSyncStatus) => void): () => void
  /** Stops using the port; calls still pending fail. */
  close(): void
}

export function workerService(port: MessageEndpoint, options: WorkerServiceOptions = {}): WorkerService {
  installErrorHandlers()
  const remote: Remote<BrokerApi> = wrap<BrokerApi>(port)
  const timeoutMs = options.requestTimeoutMs ?? 30_000
  const startTimeoutMs = options.startTimeoutMs ?? 20_000
  const pending = new Set<(e: unknown) => void>()
  let closed = false

  function call<T>(
    method: ServiceMethod | 'hello' | 'sync',
    arg: unknown,
    buffers: ArrayBuffer[] = [],
    extra: unknown[] = [],
  ): Promise<T> {
    if (closed) return Promise.reject(new BrookError('NETWORK_EXCEPTION', 'the brook connection is closed'))
    // hello opens the broker (IndexedDB, recovery): it is bounded by the start timeout, not a request's.
    const limit =
      method === 'hello' ? Math.max(timeoutMs, startTimeoutMs) : timeoutMs + intendedWaitMs(method, arg)
    if (method !== 'hello' && method !== 'sync' && BATCHED.has(method)) {
      return new Promise<T>((resolve, reject) => {
        queue.push({
          call: { method, arg },
          buffers,
          limit,
          deadline: Date.now() + limit,
          settled: false,
          resolve: resolve as (v: unknown) => void,
          reject,
        })
        if (queue.length === 1) queueMicrotask(sendQueued)
      })
    }
    return new Promise<T>((resolve, reject) => {
      const fail = (e: unknown) => {
        clearTimeout(timer)
        pending.delete(fail)
        reject(e)
      }
      const timer = setTimeout(() => fail(timedOut(method, limit)), limit)
      pending.add(fail)
      const done = (v: unknown) => {
        clearTimeout(timer)
        pending.delete(fail)
        resolve(v as T)
      }
      const fn = (remote as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method]!
      fn(buffers.length > 0 ? transfer(arg as object, buffers) : arg, ...extra).then(done, fail)
    })
  }

  /**
   * Calls made in the same tick (64 producers resuming together) travel in one message each way:
   * a postMessage round trip costs far more than the calls' bytes. The message has one timer, not
   * one per call (64 timers set and cleared per round trip were a tenth of the page's work); when it
   * fires it fails the calls past their own limit and waits on for the rest.
   */
  let queue: Queued[] = []
  const sent = new Set<Queued[]>()
  function sendQueued(): void {
    const list = queue
    queue = []
    if (closed) {
      for (const q of list) settle(q, false, closedError())
      return
    }
    const buffers: ArrayBuffer[] = []
    const calls: BatchCall[] = []
    let first = Number.POSITIVE_INFINITY
    for (const q of list) {
      for (const b of q.buffers) buffers.push(b)
      calls.push(q.call)
      if (q.deadline < first) first = q.deadline
    }
    sent.add(list)
    let timer: ReturnType<typeof setTimeout>
    const expire = () => {
      const now = Date.now()
      let next = Number.POSITIVE_INFINITY
      for (const q of list) {
        if (q.settled) continue
        if (q.deadline <= now) settle(q, false, timedOut(q.call.method, q.limit))
        else if (q.deadline < next) next = q.deadline
      }
      if (next === Number.POSITIVE_INFINITY) sent.delete(list)
      else timer = setTimeout(expire, next - now)
    }
    timer = setTimeout(expire, first - Date.now())
    const finish = () => {
      clearTimeout(timer)
      sent.delete(list)
    }
    // Produce calls small enough to copy (nothing to transfer) travel packed: the common case of
    // many producers sending a few records each.
    const packed =
      buffers.length === 0 && calls.length > 1 && calls.every((c) => c.method === 'produce')
        ? packProduces(calls)
        : null
    const message = packed ?? (buffers.length > 0 ? transfer(calls, buffers) : calls)
    remote.batch(message).then(
      (answer) => {
        finish()
        const results: BatchResult[] = typeof answer === 'string' ? JSON.parse(answer) : answer
        results.forEach((r, i) => {
          if (r.ok) settle(list[i]!, true, r.value)
          else settle(list[i]!, false, fromWireError(r.error))
        })
      },
      (e) => {
        finish()
        for (const q of list) settle(q, false, e)
      },
    )
  }

  const rebalanceListeners = new Set<(groupId: string | null) => void>()
  const syncListeners = new Set<(status: BrowserSyncStatus) => void>()
  let events: BroadcastChannel | null = null
  const service: Record<string, unknown> = {
    hello: (o: BrokerOptions, tab?: string) => call('hello', o, [], tab === undefined ? [] : [tab]),
    sync: (control: SyncControl) => call('sync', control),
    close() {
      closed = true
      events?.close()
      rebalanceListeners.clear()
      syncListeners.clear()
      for (const fail of [...pending]) fail(closedError())
      for (const list of [...sent]) for (const q of list) settle(q, false, closedError())
      sent.clear()
      remote[releaseProxy]()
    },
  }
  for (const m of SERVICE_METHODS) service[m] = (arg: unknown) => call(m, arg)
  if (options.name !== undefined && typeof BroadcastChannel === 'function') {
    const name = options.name
    const listen = () => {
      if (events) return
      events = new BroadcastChannel(eventsChannelName(name))
      events.onmessage = (e: MessageEvent<BrokerEvent>) => {
        if (e.data?.t === 'rebalance') for (const l of [...rebalanceListeners]) l(e.data.groupId)
        else if (e.data?.t === 'sync') for (const l of [...syncListeners]) l(e.data.status)
      }
    }
    service.onGroupRebalance = (listener: (groupId: string | null) => void) => {
      listen()
      rebalanceListeners.add(listener)
      return () => rebalanceListeners.delete(listener)
    }
    service.onSyncStatus = (listener: (status: BrowserSyncStatus) => void) => {
      listen()
      syncListeners.add(listener)
      return () => syncListeners.delete(listener)
    }
  }
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
  limit: number
  deadline: number
  settled: boolean
  resolve(v: unknown): void
  reject(e: unknown): void
}

function settle(q: Queued, ok: boolean, v: unknown): void {
  if (q.settled) return
  q.settled = true
  if (ok) q.resolve(v)
  else q.reject(v)
}

function timedOut(method: string, limit: number): BrookError {
  return new BrookError('REQUEST_TIMED_OUT', `the broker worker did not answer ${method} in ${limit} ms`)
}

function closedError(): BrookError {
  return new BrookError('NETWORK_EXCEPTION', 'the brook connection was closed')
}

/**
 * Below this, record bytes travel by copy inside the message: transferring an ArrayBuffer costs
 * more than copying a few kilobytes (one single-record batch is ~150 bytes).
 */
const TRANSFER_MIN_BYTES = 64 * 1024

/** A copy of the request whose record bytes may be transferred (the producer keeps its own for retries). */
function ownedCopy(req: ProduceRequest): [ProduceRequest, ArrayBuffer[]] {
  const buffers: ArrayBuffer[] = []
  const topics = req.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => {
      // A copy either way: exact-size (a view would clone its whole buffer) and ours to move.
      const records = p.records.slice()
      if (records.byteLength >= TRANSFER_MIN_BYTES) buffers.push(records.buffer)
      return { partition: p.partition, records }
    }),
  }))
  return [{ ...req, topics }, buffers]
}
