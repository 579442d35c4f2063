/**
 * @module What crosses the page ↔ worker boundary: the `BrokerService` calls plus a handshake.
 * Types only, plus the list of call names and how long each may legitimately take.
 */

import type { BrokerService } from '../core/service.ts'
import type { SyncStatus } from '../core/sync/sync-engine.ts'
import type { Durability } from './idb-store.ts'
import type { PackedProduces } from './pack.ts'
import type { WireError } from './wire-errors.ts'

/** Options fixed by the first tab that starts a broker; later tabs share that broker as it is. */
export interface BrokerOptions {
  /** IndexedDB database name; one broker per name and origin. */
  name: string
  durability?: Durability
  autoCreateTopics?: boolean
  /** Default partition count for created topics. */
  numPartitions?: number
  /** Broker-wide topic config defaults, e.g. `{ 'retention.bytes': '50000000' }` as a storage budget. */
  topicDefaults?: Record<string, string>
  /** How often retention runs, in ms (default 60 s in the browser). */
  retentionCheckIntervalMs?: number
  /** Sync with a relay: run by the broker's worker, so one syncer per origin. */
  sync?: SyncConfig
  /**
   * Set by the worker when it opens the broker again after the browser took its database away:
   * the database it had open and the records not yet uploaded there, so that the sync can say how
   * many were lost.
   */
  before?: UnsentIn
  /**
   * Set by the worker that leads: its writer token, so that a former leader still running (a
   * frozen tab thawed) is fenced off the database (see `IdbStoreOptions.fence`).
   */
  writer?: string
  /**
   * How long a tab waits for an answer from the leader's worker before it takes the broker over
   * (dedicated-worker mode): the leader's tab may be frozen or its worker hung, holding its lock.
   * Default 10,000 ms.
   */
  leaderTimeoutMs?: number
}

/** What `connect({ sync })` takes (issue 11; the first cut: upload and download, exactly once). */
export interface SyncConfig {
  /** The relay, e.g. `https://relay.example`. */
  url: string
  token?: string
  /** Local topics (names or patterns) whose records go up to the relay. */
  upload?: (string | RegExp)[]
  /** Relay topics (names or patterns) whose records come down. */
  download?: (string | RegExp)[]
  /** Pause between rounds while online, ms. Default 1,000. */
  intervalMs?: number
  /** Reconnect backoff: the first ceiling and the largest, ms (defaults 100 and 10,000). */
  backoff?: { initialDelayMs?: number; maxDelayMs?: number }
}

/** The origin's storage as the worker sees it (`navigator.storage`), in bytes. */
export interface StorageStatus {
  usage?: number
  quota?: number
  /** Whether the browser granted persistence (`navigator.storage.persisted()`). */
  persisted?: boolean
}

/** What `brook.sync.status()` answers and `brook.sync.onStatus` hears. */
export interface BrowserSyncStatus extends SyncStatus {
  storage: StorageStatus
  /**
   * The id of the database the broker has open (the broker's cluster id, made when the database
   * was): a page that noted another one knows that database, and what it held, is gone.
   */
  store: string
}

/** A database (by its id) and the records not yet uploaded from it, as last measured. */
export interface UnsentIn {
  store: string
  unsent: number
}

/** Sync controls a page sends to the broker's worker: the leader's sync engine answers. */
export type SyncControl =
  | { op: 'status' }
  | { op: 'now' }
  /** The page's `navigator.onLine`, on connect and on every `online`/`offline` event. */
  | { op: 'network'; online: boolean }
  /** A new token (a renewed one) for the relay: the sync reconnects with it, from now on. */
  | { op: 'token'; token: string | undefined }
  | { op: 'pause' }
  | { op: 'resume' }
  /**
   * A database this page's origin noted (see unsent-note.ts) is not the one open now: the records
   * it had not uploaded are lost. Said once per database, however many pages say it.
   */
  | ({ op: 'gone' } & UnsentIn)

export interface HelloResponse {
  /** `shared` = SharedWorker broker; `leader`/`follower` = dedicated worker per tab, Web Locks election. */
  role: 'shared' | 'leader' | 'follower'
  name: string
}

export interface BatchCall {
  method: ServiceMethod
  arg: unknown
}
export type BatchResult = { ok: true; value: unknown } | { ok: false; error: WireError }

/** The object a worker exposes with comlink on each page port. */
export interface BrokerApi extends BrokerService {
  /** `tab`: the id of the calling page's tab lock, so its group members leave when it is gone. */
  hello(options: BrokerOptions, tab?: string): Promise<HelloResponse>
  /**
   * Several calls in one message; each is answered (or fails) on its own. The answer comes as the
   * JSON text of the results when every call's answer is plain data (see `JSON_ANSWERS`).
   */
  batch(calls: BatchCall[] | PackedProduces): Promise<BatchResult[] | string>
  /** Sync status and controls; the status is null when the broker was started without `sync`. */
  sync(control: SyncControl): Promise<BrowserSyncStatus | null>
}

/**
 * Calls whose answers hold only strings, numbers, booleans and null. A batch of only these is
 * answered as JSON text: structured clone of 64 small nested objects cost the worker ~0.4 ms per
 * message, several times what JSON.stringify and one string clone cost.
 */
export const JSON_ANSWERS: ReadonlySet<ServiceMethod> = new Set<ServiceMethod>(['produce'])

export type ServiceMethod = keyof BrokerService

/** What a worker serves of `BrokerService`: all but the ACL methods (one browser, one principal). */
export { SERVICE_METHODS } from '../core/service.ts'

/**
 * How long the broker may hold a call on purpose: a long-polling fetch waits `maxWaitMs`, a join
 * waits for the rebalance, a produce with acks=all waits `timeoutMs`. Transport timeouts add this
 * so that only a dead broker, never a patient one, times out.
 */
export function intendedWaitMs(method: ServiceMethod | 'sync' | 'hello', arg: unknown): number {
  const a = arg as { maxWaitMs?: number; rebalanceTimeoutMs?: number; timeoutMs?: number } | undefined
  if (method === 'fetch') return a?.maxWaitMs ?? 0
  if (method === 'joinGroup') return a?.rebalanceTimeoutMs ?? 0
  if (method === 'produce') return a?.timeoutMs ?? 0
  return 0
}

/**
 * The BroadcastChannel on which the broker tells every page of the origin that a group starts a
 * rebalance (`BrokerService.onGroupRebalance`), whichever worker hosts it.
 */
export function eventsChannelName(broker: string): string {
  return `brook-events:${broker}`
}

export type BrokerEvent =
  | { t: 'rebalance'; groupId: string | null }
  | { t: 'sync'; status: BrowserSyncStatus }
