/** @module Opens the core broker over IndexedDB inside a worker: recovery happens in `Broker.open`. */

import { Broker } from '../core/broker.ts'
import { errorCode } from '../core/errors.ts'
import type {
  BrokerService,
  ProducePartitionResult,
  ProduceRequest,
  ProduceResponse,
} from '../core/service.ts'
import type { SyncEngine, SyncEngineOptions } from '../core/sync/sync-engine.ts'
import type {
  BrokerOptions,
  BrowserSyncStatus,
  StorageStatus,
  SyncConfig,
  SyncControl,
  UnsentIn,
} from './api.ts'
import type { OpenedBroker } from './host.ts'
import { IdbStore } from './idb-store.ts'

export async function openWorkerBroker(options: BrokerOptions): Promise<OpenedBroker> {
  // With sync, its code loads and the relay connection opens while IndexedDB and the broker do:
  // a page opening the app waits for the slower of the two, not for their sum.
  const early = options.sync ? prepareSync(options.sync) : undefined
  try {
    return await open(options, early)
  } catch (e) {
    // The broker did not open: the connection opened for its sync must not stay open.
    void early?.then(unusedConnection, () => {})
    throw e
  }
}

async function open(options: BrokerOptions, early: Promise<PreparedSync> | undefined): Promise<OpenedBroker> {
  let broken: ((reason: string) => void) | undefined
  let deposed: (() => void) | undefined
  const store = await IdbStore.open({
    name: options.name,
    durability: options.durability ?? 'strict',
    onBroken: (reason) => broken?.(reason),
    fence: options.writer,
    onFenced: () => deposed?.(),
  })
  const hooks = {
    onBroken(fn: (reason: string) => void) {
      broken = fn
    },
    onFenced(fn: () => void) {
      deposed = fn
    },
    fenced: () => store.fenced,
  }
  const broker = await Broker.open({
    store,
    autoCreateTopics: options.autoCreateTopics ?? true,
    defaultPartitions: options.numPartitions,
    topicDefaults: options.topicDefaults,
    // A browser budget is small and tabs come and go: check more often than a server would.
    retentionCheckIntervalMs: options.retentionCheckIntervalMs ?? 60_000,
  })
  if (!options.sync || !early) return { service: broker, ...hooks, close: () => broker.close() }
  const sync = await startSync(broker, store, options.sync, await early, options.before)
  return {
    service: syncingProduce(broker, store, sync),
    sync,
    ...hooks,
    async close() {
      await sync.stop()
      await broker.close()
    },
  }
}

const STORAGE_ERROR = errorCode('KAFKA_STORAGE_ERROR')

/**
 * The broker, whose produce tells the sync of every append (a new backlog, a round to run) and
 * makes room when storage is full: the local copies of records the relay already has go first,
 * then the partitions refused are written again, once. Only what is unsent fills the store; when
 * that alone is too much, the append is refused with KAFKA_STORAGE_ERROR, never dropped.
 */
function syncingProduce(broker: Broker, store: IdbStore, sync: RunningSync): BrokerService {
  const produce = async (req: ProduceRequest): Promise<ProduceResponse> => {
    const res = await appendFull(req)
    sync.appended()
    return res
  }
  const appendFull = async (req: ProduceRequest): Promise<ProduceResponse> => {
    const refusals = store.quotaRefusals
    const res = await broker.produce(req)
    const full = (p: ProducePartitionResult) => p.errorCode === STORAGE_ERROR
    if (store.quotaRefusals === refusals || !res.topics.some((t) => t.partitions.some(full))) return res
    if ((await sync.reclaim().catch(() => 0)) === 0) return res
    // Only the refused partitions again: the others are stored, and may not be idempotent.
    const again: ProduceRequest = {
      ...req,
      topics: req.topics
        .map((t) => {
          const refused = new Set(
            res.topics
              .find((r) => r.name === t.name)
              ?.partitions.filter(full)
              .map((p) => p.partition),
          )
          return { ...t, partitions: t.partitions.filter((p) => refused.has(p.partition)) }
        })
        .filter((t) => t.partitions.length > 0),
    }
    const retried = await broker.produce(again)
    for (const t of retried.topics) {
      const into = res.topics.find((r) => r.name === t.name)
      for (const p of t.partitions) {
        const i = into?.partitions.findIndex((x) => x.partition === p.partition) ?? -1
        if (into && i >= 0) into.partitions[i] = p
      }
    }
    return res
  }
  return new Proxy(broker, {
    get(target, prop) {
      if (prop === 'produce') return produce
      const value = Reflect.get(target, prop, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  }) as BrokerService
}

/** What the host needs of a running sync: controls, status events, and a stop. */
export interface RunningSync {
  control(c: SyncControl): Promise<BrowserSyncStatus>
  onStatus(fn: (s: BrowserSyncStatus) => void): () => void
  appended(): void
  unsent(): number
  /** The id of the database the broker has open (the broker's cluster id). */
  readonly store: string
  /** Deletes local copies of records the relay already acknowledged; how many went. */
  reclaim(): Promise<number>
  stop(): Promise<void>
}

type RelayLink = Awaited<ReturnType<SyncEngineOptions['connect']>>

/**
 * Databases whose lost records this worker has said already (opened again after a wipe, or told by
 * a page): every page of the origin may tell, and a loss counts once.
 */
const gone = new Set<string>()

interface PreparedSync {
  SyncEngine: typeof SyncEngine
  /** The token the next connection presents (pages may renew it: SyncControl `token`). */
  token: string | undefined
  connect(): Promise<RelayLink>
  /** The connection opened at once, for the engine's first attempt (undefined once taken). */
  first: Promise<RelayLink> | undefined
}

/** The sync loop's code, loaded only when asked for (the worker stays small without it). */
async function prepareSync(config: SyncConfig): Promise<PreparedSync> {
  const [{ SyncEngine }, relay, { RelayReachability }] = await Promise.all([
    import('../core/sync/sync-engine.ts'),
    import('../core/client/connect-relay.ts'),
    import('../core/protocol/relay-reachability.ts'),
  ])
  // One for every connection the engine opens: after one found the relay down, the next asks over
  // HTTP first, so the browser's throttling of failed WebSockets never holds back the reconnect.
  const reachability = new RelayReachability()
  const prepared: PreparedSync = {
    SyncEngine,
    token: config.token,
    async connect() {
      const c = await relay.connect({
        url: config.url,
        token: prepared.token,
        reconnect: false,
        reachability,
      })
      return { service: c.service, close: () => c.close() }
    },
    first: undefined,
  }
  if (globalThis.navigator?.onLine !== false) {
    prepared.first = prepared.connect()
    // Its failure is the engine's to see (an outage, a refused token), on its first attempt.
    prepared.first.catch(() => {})
  }
  return prepared
}

/** Closes the connection opened ahead if the engine never took it. */
async function unusedConnection(prepared: PreparedSync): Promise<void> {
  const first = prepared.first
  prepared.first = undefined
  await (await first?.catch(() => undefined))?.close().catch(() => {})
}

async function startSync(
  broker: Broker,
  store: IdbStore,
  config: SyncConfig,
  prepared: PreparedSync,
  before?: UnsentIn,
): Promise<RunningSync> {
  const { SyncEngine } = prepared
  const engine: SyncEngine = new SyncEngine({
    local: broker,
    state: { get: (k) => store.getMeta(k), set: (k, v) => store.setMeta(k, v) },
    connect: () => {
      const first = prepared.first
      prepared.first = undefined
      return first ?? prepared.connect()
    },
    upload: config.upload,
    download: config.download,
    intervalMs: config.intervalMs,
    backoff: config.backoff,
    // What the database opened again no longer holds is lost: all of it when it is a new one.
    unsentBefore: before?.unsent,
  })
  // Said here: a page that noted the old database must not say it again.
  if (before && before.store !== broker.clusterId) gone.add(before.store)
  const storage = new StorageWatch()
  // The worker's own view of the network; pages add theirs (see SyncControl 'network').
  const network = () => engine.setNetwork(globalThis.navigator?.onLine ?? true)
  globalThis.addEventListener?.('online', network)
  globalThis.addEventListener?.('offline', network)
  network()
  engine.start()
  const withStorage = (s: ReturnType<SyncEngine['status']>): BrowserSyncStatus => ({
    ...s,
    storage: storage.last,
    store: broker.clusterId,
  })
  return {
    async control(c) {
      if (c.op === 'now') engine.syncNow()
      else if (c.op === 'network') engine.setNetwork(c.online)
      else if (c.op === 'pause' || c.op === 'resume') engine.setPaused(c.op === 'pause')
      else if (c.op === 'gone' && c.store !== broker.clusterId && !gone.has(c.store)) {
        gone.add(c.store)
        engine.storeLost(c.unsent)
      } else if (c.op === 'token' && c.token !== prepared.token) {
        prepared.token = c.token
        // A connection opened ahead with the old token is not used.
        await unusedConnection(prepared)
        engine.reconnect()
      }
      await storage.refresh()
      return withStorage(engine.status())
    },
    onStatus(fn) {
      return engine.onStatus((s) => {
        fn(withStorage(s))
        // Usage changes with the backlog: measured after the event, heard with the next one.
        void storage.refresh()
      })
    },
    appended() {
      engine.syncNow()
      void engine.refresh()
    },
    reclaim: () => engine.reclaim(),
    store: broker.clusterId,
    unsent: () => Object.values(engine.status().backlog).reduce((n, b) => n + b.records, 0),
    async stop() {
      globalThis.removeEventListener?.('online', network)
      globalThis.removeEventListener?.('offline', network)
      await engine.stop()
      await unusedConnection(prepared)
    },
  }
}

/** `navigator.storage` usage, quota and persistence, measured at most once a second. */
class StorageWatch {
  last: StorageStatus = {}
  private at = 0

  async refresh(): Promise<void> {
    const manager = globalThis.navigator?.storage
    if (!manager || Date.now() - this.at < 1000) return
    this.at = Date.now()
    try {
      const [estimate, persisted] = await Promise.all([
        manager.estimate?.(),
        manager.persisted?.().catch(() => undefined),
      ])
      this.last = { usage: estimate?.usage, quota: estimate?.quota, persisted }
    } catch {
      // Some browsers refuse estimates in some contexts (private mode): the status goes without.
    }
  }
}
