/**
 * @module `connect()`: a page's way in. It starts (or joins) the origin's broker worker — a
 * SharedWorker where the browser has one, else a dedicated Worker that takes part in the Web Locks
 * election — and returns the kafkajs-shaped client over it.
 */

import { Brook } from '../core/client/brook.ts'
import type { RelayBrook, RelayConnectOptions } from '../core/client/connect-relay.ts'
import type { BrookConfig } from '../core/client/types.ts'
import { BrookError } from '../core/errors.ts'
import { checkTopicSelectors } from '../core/sync/topic-selectors.ts'
import type { BrokerOptions, BrowserSyncStatus, HelloResponse, SyncConfig, SyncControl } from './api.ts'
import type { Durability } from './idb-store.ts'
import { tabLockName } from './tab-members.ts'
import type { WorkerService } from './transport.ts'
import { workerService } from './transport.ts'
import { noteUnsent } from './unsent-note.ts'

export interface ConnectOptions extends Omit<BrookConfig, 'service'> {
  /** The broker (and IndexedDB database) name; tabs with the same name share one broker. Default 'brook'. */
  name?: string
  /**
   * URL of the broker worker. Default: `broker.worker.js` beside this module, which bundlers find
   * and emit by themselves. Override it to serve the worker elsewhere; with Vite,
   * `import workerUrl from 'brook/worker/broker.worker.js?worker&url'`.
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
  /**
   * Keeps topics in sync with a relay, exactly once, while online (see SyncConfig). The broker's
   * worker runs it, so however many tabs are open, one syncer per origin uploads.
   */
  sync?: SyncConfig
  /**
   * Dedicated-worker mode: how long the tabs wait for the leader's worker to answer before one of
   * them takes the broker over (the leader's tab frozen or its worker hung). Default 10,000 ms.
   */
  leaderTimeoutMs?: number
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
  /** The sync with a relay (`sync` option), run by the broker's worker for every tab. */
  readonly sync: SyncHandle
  /** Ends this tab's use of the broker (the worker lives on while other tabs use it). */
  close(): void
}

export interface SyncHandle {
  /** The status now: state, backlog per topic, last error, storage; null when there is no sync. */
  status(): Promise<BrowserSyncStatus | null>
  /** Calls `fn` on every change of status, whichever tab's worker syncs; returns the unsubscribe. */
  onStatus(fn: (status: BrowserSyncStatus) => void): () => void
  /** Starts a round now instead of after the interval or the backoff (when the network is up). */
  syncNow(): Promise<void>
  /**
   * Gives the sync a new token for the relay (one renewed before it expired, or after the relay
   * refused the old one, `lastError.type === 'SASL_AUTHENTICATION_FAILED'`): it reconnects with
   * it after the round running, at once if none is. A tab that connects later with another
   * `sync.token` does the same: the newest token wins.
   */
  setToken(token: string | undefined): Promise<void>
  /** Holds the sync (state `paused`) until `resume()`; appends keep filling the backlog. */
  pause(): Promise<void>
  resume(): Promise<void>
}

export type WorkerBrook = Brook & Connection

/**
 * The broker in a worker of this origin (IndexedDB) — or, given `url`, a brook relay over
 * WebSocket: the same client API either way. The relay client loads only when asked for.
 */
export async function connect(options: RelayConnectOptions): Promise<RelayBrook>
export async function connect(options?: ConnectOptions): Promise<WorkerBrook>
export async function connect(
  options: ConnectOptions | RelayConnectOptions = {},
): Promise<WorkerBrook | RelayBrook> {
  if ('url' in options && options.url !== undefined)
    return (await import('../core/client/connect-relay.ts')).connect(options as RelayConnectOptions)
  return connectWorker(options as ConnectOptions)
}

async function connectWorker(options: ConnectOptions): Promise<WorkerBrook> {
  const name = options.name ?? 'brook'
  // Said here, to the caller of connect(), rather than as the first failure of every sync round.
  checkTopicSelectors('sync.upload', options.sync?.upload)
  checkTopicSelectors('sync.download', options.sync?.download)
  const tab = await holdTabLock(name)
  let started: StartedWorker
  try {
    started = startWorker(name, options.mode ?? 'auto', options.workerUrl)
  } catch (e) {
    tab?.release()
    throw e
  }
  const { port, target, terminate: stopWorker, url } = started
  const terminate = () => {
    stopWorker()
    // The broker hears the lock go and makes this tab's group members leave at once.
    tab?.release()
  }
  // A wrong workerUrl or a script error shows up as an error event: fail now, not after a timeout.
  let startTimer: ReturnType<typeof setTimeout> | undefined
  const startTimeoutMs = options.startTimeoutMs ?? 20_000
  const failedToStart = new Promise<never>((_, reject) => {
    target.addEventListener('error', () =>
      reject(new BrookError('BROKER_NOT_AVAILABLE', `the broker worker ${url} failed to start`)),
    )
    startTimer = setTimeout(
      () =>
        reject(
          new BrookError(
            'BROKER_NOT_AVAILABLE',
            `the broker worker ${url} failed to start: no answer within ${startTimeoutMs} ms`,
          ),
        ),
      startTimeoutMs,
    )
  })

  const service = workerService(port, { requestTimeoutMs: options.requestTimeoutMs, startTimeoutMs, name })
  const brokerOptions: BrokerOptions = {
    name,
    durability: options.durability,
    autoCreateTopics: options.autoCreateTopics,
    numPartitions: options.numPartitions,
    topicDefaults: options.topicDefaults,
    retentionCheckIntervalMs: options.retentionCheckIntervalMs,
    sync: options.sync,
    leaderTimeoutMs: options.leaderTimeoutMs,
  }
  let hello: HelloResponse
  let persisted: boolean | undefined
  try {
    ;[hello, persisted] = await Promise.race([
      Promise.all([
        service.hello(brokerOptions, tab?.id),
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
    sync: _sync,
    leaderTimeoutMs: _lt,
    ...clientConfig
  } = options
  const brook = new Brook({ ...clientConfig, service }) as WorkerBrook
  const stopReporting = reportNetwork(service)
  const stopNoting = options.sync ? noteUnsent(name, service) : () => {}
  const control = async (c: SyncControl) => {
    await service.sync(c)
  }
  const connection: Connection = {
    role: hello.role,
    persisted,
    service,
    sync: {
      status: () => service.sync({ op: 'status' }),
      onStatus: (fn) => service.onSyncStatus?.(fn) ?? (() => {}),
      syncNow: () => control({ op: 'now' }),
      setToken: (token) => control({ op: 'token', token }),
      pause: () => control({ op: 'pause' }),
      resume: () => control({ op: 'resume' }),
    },
    close() {
      stopReporting()
      stopNoting()
      service.close()
      terminate()
    },
  }
  return Object.assign(brook, connection)
}

/**
 * Tells the broker's worker what this page knows of the network: a worker may not hear the
 * browser's offline state (a SharedWorker kept its WebSocket up under DevTools' offline mode), and
 * a sync that tries the network while the page knows it is gone only burns its backoff.
 */
function reportNetwork(service: WorkerService): () => void {
  const target = typeof window === 'undefined' ? undefined : window
  if (!target || typeof navigator === 'undefined') return () => {}
  const report = () => void service.sync({ op: 'network', online: navigator.onLine }).catch(() => {})
  target.addEventListener('online', report)
  target.addEventListener('offline', report)
  report()
  return () => {
    target.removeEventListener('online', report)
    target.removeEventListener('offline', report)
  }
}

/**
 * Takes the Web Lock that stands for this page (see tab-members.ts) and holds it until the page
 * is gone or `release()` is called. Undefined where there are no Web Locks: members of such a page
 * leave when their session times out, as with any Kafka client that dies.
 */
async function holdTabLock(broker: string): Promise<{ id: string; release(): void } | undefined> {
  const locks = globalThis.navigator?.locks
  if (!locks || typeof crypto.randomUUID !== 'function') return undefined
  const id = crypto.randomUUID()
  let release = () => {}
  await new Promise<void>((granted) => {
    void locks.request(tabLockName(broker, id), () => {
      granted()
      return new Promise<void>((done) => {
        release = done
      })
    })
  })
  return { id, release }
}

async function requestPersistence(): Promise<boolean> {
  try {
    return (await navigator.storage?.persist?.()) ?? false
  } catch {
    return false
  }
}

interface StartedWorker {
  port: MessagePort | Worker
  target: EventTarget
  terminate(): void
  /** Where the worker came from, for error messages. */
  url: string
}

/** The worker file's name beside this module; a variable where bundlers must not see a literal. */
const WORKER_FILE = './broker.worker.js'

/**
 * Starts (or, for a SharedWorker, joins) the broker worker. Each constructor call is written out
 * as `new (Shared)Worker(new URL('./broker.worker.js', import.meta.url), { type: 'module', … })`
 * because that literal shape is what Vite, webpack and Parcel recognise: they build the worker
 * file as an entry of its own and rewrite the URL, with no option on the user's side. Served as
 * is (plain HTML, no bundler), the worker file sits beside this module in the package.
 */
function startWorker(name: string, mode: ConnectOptions['mode'], workerUrl?: string | URL): StartedWorker {
  // The worker's name is part of its identity: every tab naming the same broker shares one worker.
  const workerName = `brook:${name}`
  const canShare = typeof SharedWorker === 'function'
  if (mode === 'shared' && !canShare)
    throw new BrookError('INVALID_CONFIG', 'this browser has no SharedWorker')
  const shared = mode !== 'dedicated' && canShare
  if (workerUrl !== undefined) return construct(workerUrl, shared, `at ${String(workerUrl)}`, workerName)
  const crossOrigin = crossOriginWorker()
  if (crossOrigin) {
    // A page may load brook from a CDN, but a worker script must come from the page's own origin.
    // A same-origin module worker (a blob) that imports the package's worker runs with the page's
    // origin, so its IndexedDB, locks and channels are the page's. A blob URL is unique to its
    // page, so tabs cannot meet in one SharedWorker through it: they share one broker through the
    // Web Locks election instead.
    if (mode === 'shared')
      throw new BrookError(
        'INVALID_CONFIG',
        `a SharedWorker cannot start from another origin (${crossOrigin})`,
      )
    const shim = new Blob([`import ${JSON.stringify(crossOrigin)}\n`], { type: 'text/javascript' })
    return construct(URL.createObjectURL(shim), false, `imported from ${crossOrigin}`, workerName)
  }
  const where = 'beside brook/worker (broker.worker.js)'
  if (shared) {
    const worker = new SharedWorker(new URL('./broker.worker.js', import.meta.url), {
      type: 'module',
      name: workerName,
    })
    return sharedParts(worker, where)
  }
  const worker = new Worker(new URL('./broker.worker.js', import.meta.url), {
    type: 'module',
    name: workerName,
  })
  return dedicatedParts(worker, where)
}

/**
 * The worker's URL when this module was loaded from another http(s) origin than the page's (a
 * CDN); otherwise undefined. Bundlers may set `import.meta.url` to a `file:` URL at build time:
 * that is never cross-origin, the bundler owns the worker then.
 */
function crossOriginWorker(): string | undefined {
  if (typeof location === 'undefined') return undefined
  const here = new URL(import.meta.url)
  if (here.protocol !== 'http:' && here.protocol !== 'https:') return undefined
  if (here.origin === location.origin) return undefined
  return new URL(WORKER_FILE, here).href
}

function construct(url: string | URL, shared: boolean, where: string, name: string): StartedWorker {
  if (shared) return sharedParts(new SharedWorker(url, { type: 'module', name }), where)
  return dedicatedParts(new Worker(url, { type: 'module', name }), where)
}

function sharedParts(worker: SharedWorker, url: string): StartedWorker {
  worker.port.start()
  return { port: worker.port, target: worker, terminate: () => worker.port.close(), url }
}

function dedicatedParts(worker: Worker, url: string): StartedWorker {
  return { port: worker, target: worker, terminate: () => worker.terminate(), url }
}
