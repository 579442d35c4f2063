/**
 * @module `connect()`: a page's way in. It starts (or joins) the origin's broker worker — a
 * SharedWorker where the browser has one, else a dedicated Worker that takes part in the Web Locks
 * election — and returns the kafkajs-shaped client over it.
 */

import { Brook } from '../core/client/brook.ts'
import type { BrookConfig } from '../core/client/types.ts'
import { BrookError } from '../core/errors.ts'
import type { BrokerOptions, HelloResponse } from './api.ts'
import type { Durability } from './idb-store.ts'
import type { WorkerService } from './transport.ts'
import { workerService } from './transport.ts'

export interface ConnectOptions extends Omit<BrookConfig, 'service'> {
  /** The broker (and IndexedDB database) name; tabs with the same name share one broker. Default 'brook'. */
  name?: string
  /**
   * URL of `broker.worker.js`. Default: beside the `brook/worker` module itself, which is where the
   * package build puts it. With Vite sources, pass `import url from '…/broker.worker.ts?worker&url'`.
   */
  workerUrl?: string | URL
  /** `auto` (default) uses a SharedWorker when there is one; `dedicated` forces the fallback path. */
  mode?: 'auto' | 'shared' | 'dedicated'
  /** Fixed by the tab that starts the broker (see BrokerOptions). Default 'strict'. */
  durability?: Durability
  autoCreateTopics?: boolean
  numPartitions?: number
  topicDefaults?: Record<string, string>
  retentionCheckIntervalMs?: number
  /** Asks the browser not to evict this origin's data under storage pressure. */
  persist?: boolean
  /**
   * How long the worker may take to answer its first call before connect() fails with
   * BROKER_NOT_AVAILABLE. Default 20,000 ms. A script that fails to load normally fires an error
   * event at once; this bounds the cases where the browser never fires it.
   */
  startTimeoutMs?: number
}

export interface Connection {
  /** How this tab reaches the broker: a SharedWorker, or the leader/follower of the fallback. */
  readonly role: HelloResponse['role']
  /** The answer to `navigator.storage.persist()` when `persist` was asked; otherwise undefined. */
  readonly persisted: boolean | undefined
  /** The raw BrokerService over the worker, for tools that speak requests rather than clients. */
  readonly service: WorkerService
  /** Ends this tab's use of the broker (the worker lives on while other tabs use it). */
  close(): void
}

export type WorkerBrook = Brook & Connection

/** Default relative location of the worker bundle; a variable so bundlers leave it to run time. */
const WORKER_FILE = './broker.worker.js'

export async function connect(options: ConnectOptions = {}): Promise<WorkerBrook> {
  const name = options.name ?? 'brook'
  const url = options.workerUrl ?? new URL(WORKER_FILE, import.meta.url)
  const useShared = options.mode !== 'dedicated' && typeof SharedWorker === 'function'
  if (options.mode === 'shared' && !useShared) throw new Error('this browser has no SharedWorker')

  let port: MessagePort | Worker
  let terminate: () => void
  let target: EventTarget
  if (useShared) {
    // The worker's name is part of its identity: every tab naming the same broker shares one worker.
    const shared = new SharedWorker(url, { type: 'module', name: `brook:${name}` })
    port = shared.port
    shared.port.start()
    target = shared
    terminate = () => shared.port.close()
  } else {
    const worker = new Worker(url, { type: 'module', name: `brook:${name}` })
    port = worker
    target = worker
    terminate = () => worker.terminate()
  }
  // A wrong workerUrl or a script error shows up as an error event: fail now, not after a timeout.
  let startTimer: ReturnType<typeof setTimeout> | undefined
  const startTimeoutMs = options.startTimeoutMs ?? 20_000
  const failedToStart = new Promise<never>((_, reject) => {
    target.addEventListener('error', () =>
      reject(new BrookError('BROKER_NOT_AVAILABLE', `the broker worker at ${String(url)} failed to start`)),
    )
    startTimer = setTimeout(
      () =>
        reject(
          new BrookError(
            'BROKER_NOT_AVAILABLE',
            `the broker worker at ${String(url)} failed to start: no answer within ${startTimeoutMs} ms`,
          ),
        ),
      startTimeoutMs,
    )
  })

  const service = workerService(port, { requestTimeoutMs: options.requestTimeoutMs })
  const brokerOptions: BrokerOptions = {
    name,
    durability: options.durability,
    autoCreateTopics: options.autoCreateTopics,
    numPartitions: options.numPartitions,
    topicDefaults: options.topicDefaults,
    retentionCheckIntervalMs: options.retentionCheckIntervalMs,
  }
  let hello: HelloResponse
  let persisted: boolean | undefined
  try {
    ;[hello, persisted] = await Promise.race([
      Promise.all([
        service.hello(brokerOptions),
        options.persist ? requestPersistence() : Promise.resolve(undefined),
      ]),
      failedToStart,
    ])
  } catch (e) {
    service.close()
    terminate()
    throw e
  } finally {
    clearTimeout(startTimer)
  }

  const {
    name: _n,
    workerUrl: _w,
    mode: _m,
    durability: _d,
    persist: _p,
    autoCreateTopics: _a,
    numPartitions: _np,
    topicDefaults: _t,
    retentionCheckIntervalMs: _r,
    startTimeoutMs: _s,
    ...clientConfig
  } = options
  const brook = new Brook({ ...clientConfig, service }) as WorkerBrook
  const connection: Connection = {
    role: hello.role,
    persisted,
    service,
    close() {
      service.close()
      terminate()
    },
  }
  return Object.assign(brook, connection)
}

async function requestPersistence(): Promise<boolean> {
  try {
    return (await navigator.storage?.persist?.()) ?? false
  } catch {
    return false
  }
}
