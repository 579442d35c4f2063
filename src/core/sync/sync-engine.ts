/**
 * @module The sync loop (issue 11, third step): connects to a remote broker (the relay), uploads
 * and downloads rounds with the Uploader and Downloader, and keeps a status a page can show —
 * `offline`, `syncing` or `online`, the upload backlog per topic, the last error — reconnecting
 * with exponential backoff and full jitter. Topics are given by name or pattern and resolved each
 * round, so a topic created later is picked up. Runtime-neutral: the caller says how to connect.
 */

import { type BackoffOptions, fullJitterDelay } from '../backoff.ts'
import { type TopicMatcher, topicMatcher } from '../bridge/pattern.ts'
import { type Clock, systemClock } from '../clock.ts'
import { BrookError } from '../errors.ts'
import type { BrokerService } from '../service.ts'
import { BacklogLedger, reclaimUploaded, type TopicBacklog } from './backlog.ts'
import { Downloader } from './downloader.ts'
import { checkTopicSelectors } from './topic-selectors.ts'
import { Uploader, type UploadStateStore } from './uploader.ts'

export type { TopicSelector } from './topic-selectors.ts'

import type { TopicSelector } from './topic-selectors.ts'

export interface SyncEngineOptions {
  local: BrokerService
  state: UploadStateStore
  /** Opens a connection to the remote broker; a rejection counts as being offline. */
  connect: () => Promise<{ service: BrokerService; close(): Promise<void> }>
  upload?: TopicSelector[]
  download?: TopicSelector[]
  /** Pause between rounds while online. Default 1,000 ms; `syncNow()` ends it early. */
  intervalMs?: number
  backoff?: BackoffOptions
  clock?: Clock
  random?: () => number
  /**
   * Records that were waiting to be uploaded before the local store was opened again (the
   * browser took it away): whatever of them the store no longer holds is reported as lost.
   */
  unsentBefore?: number
}

export type SyncState = 'offline' | 'paused' | 'syncing' | 'online' | 'stopped'

export interface SyncStatus {
  /**
   * `offline`: no connection (the network is gone, the relay is out of reach or refused us — see
   * `lastError`); `paused`: held by `setPaused(true)`; `syncing`: a round is running; `online`:
   * connected and caught up.
   */
  state: SyncState
  /** What the runtime says of the network (`navigator.onLine` and its events); false stops rounds. */
  network: boolean
  /** Not yet uploaded, per local topic: records and the bytes of their batches. */
  backlog: Record<string, TopicBacklog>
  /** Records acknowledged by the relay, and records brought down, since this engine started. */
  uploaded: number
  downloaded: number
  /** Uploaded records whose local copies were deleted to make room (storage was full). */
  reclaimed: number
  /**
   * Records deleted locally before they could be uploaded (retention, deleteRecords): the upload
   * went on past them. Keep `retention.*` of synced topics above the longest time offline.
   */
  lost: number
  /**
   * Records the relay deleted (its retention, deleteRecords) before this device downloaded them:
   * the download went on from the relay's log start. Keep the relay's retention above the
   * longest time a device stays away.
   */
  missed: number
  /** The last failure (cleared by a successful round). */
  lastError?: { type: string; message: string; at: number }
  /** When the last round finished. */
  lastSyncAt?: number
  /** Failures in a row. */
  failures: number
}

/** Topic names taken as they are, and patterns compiled once (whole names, as the mirror's). */
interface Selection {
  names: string[]
  matches?: TopicMatcher
}

function selection(selectors: readonly TopicSelector[] = []): Selection {
  const patterns = selectors.filter((s): s is RegExp => s instanceof RegExp)
  return {
    names: selectors.filter((s): s is string => typeof s === 'string'),
    matches: patterns.length > 0 ? topicMatcher(patterns) : undefined,
  }
}

export class SyncEngine {
  private current: SyncStatus = {
    state: 'offline',
    network: true,
    backlog: {},
    uploaded: 0,
    downloaded: 0,
    reclaimed: 0,
    lost: 0,
    missed: 0,
    failures: 0,
  }
  private readonly listeners = new Set<(s: SyncStatus) => void>()
  private readonly clock: Clock
  private running = false
  private loop: Promise<void> | undefined
  private wake: (() => void) | undefined
  private again = false
  private refreshing: Promise<void> | undefined
  private refreshAgain: Promise<void> | undefined
  private conn: { service: BrokerService; close(): Promise<void> } | undefined
  private paused = false
  /** The connection is to be opened anew before the next round (new credentials). */
  private stale = false

  private readonly upload: Selection
  private readonly download: Selection
  private readonly ledger: BacklogLedger
  /** Partitions this engine has taken over from any earlier uploader (see UploaderOptions). */
  private readonly takenOver = new Set<string>()

  constructor(private readonly opts: SyncEngineOptions) {
    this.clock = opts.clock ?? systemClock
    checkTopicSelectors('sync.upload', opts.upload)
    checkTopicSelectors('sync.download', opts.download)
    this.upload = selection(opts.upload)
    this.download = selection(opts.download)
    this.ledger = new BacklogLedger(opts.local)
  }

  status(): SyncStatus {
    const backlog: Record<string, TopicBacklog> = {}
    for (const [t, b] of Object.entries(this.current.backlog)) backlog[t] = { ...b }
    return { ...this.current, backlog }
  }

  /** Calls `fn` on every change of status; the returned function stops it. */
  onStatus(fn: (s: SyncStatus) => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  start(): void {
    if (this.running) return
    this.running = true
    this.loop = this.run()
  }

  /** Ends the wait before the next round (an append happened, the network came back). */
  syncNow(): void {
    // Asked during a round: the next one starts as soon as this one ends.
    if (this.wake) this.wake()
    else this.again = true
  }

  /**
   * What the runtime says of the network. Offline ends the connection and holds rounds (none is
   * attempted, none counts as a failure) until online comes back, which starts a round at once.
   */
  setNetwork(online: boolean): void {
    if (this.current.network === online) return
    this.set({ network: online, ...(online ? {} : { state: 'offline' as const }) })
    if (!online) {
      void this.conn?.close().catch(() => {})
      this.conn = undefined
    }
    this.wake?.()
  }

  /**
   * Holds the sync (a metered network, the user's choice): the connection closes after the round
   * running, and none starts until `setPaused(false)`. Appends keep filling the backlog.
   */
  setPaused(paused: boolean): void {
    if (this.paused === paused) return
    this.paused = paused
    if (paused && this.current.state !== 'syncing') this.set({ state: 'paused' })
    this.stale = true
    this.wake?.()
  }

  /**
   * Opens the connection anew before the next round — after the round running, if any — and starts
   * that round now: new credentials (a renewed token) take effect, and a refusal's backoff ends.
   */
  reconnect(): void {
    this.stale = true
    this.syncNow()
  }

  /** The backlog as the local broker has it now (an append happened): status listeners hear it. */
  refresh(): Promise<void> {
    // Many appends in a row cost one measurement running and one queued, not one each.
    if (this.refreshing) {
      this.refreshAgain ??= this.refreshing.then(() => this.refresh())
      return this.refreshAgain
    }
    this.refreshing = this.refreshBacklog()
      .catch(() => {})
      .finally(() => {
        this.refreshing = undefined
        this.refreshAgain = undefined
      })
    return this.refreshing
  }

  /**
   * Storage is full: deletes the local copies of records the relay already acknowledged, the
   * space that can be given back without losing anything unsent. Returns how many records went.
   */
  async reclaim(): Promise<number> {
    const n = await reclaimUploaded(this.opts.local, await this.resolve(this.opts.local, this.upload))
    if (n > 0) this.set({ reclaimed: this.current.reclaimed + n })
    return n
  }

  async stop(): Promise<void> {
    this.running = false
    this.wake?.()
    await this.loop
    await this.conn?.close().catch(() => {})
    this.conn = undefined
    this.set({ state: 'stopped' })
  }

  private async run(): Promise<void> {
    await this.refreshBacklog().catch(() => {})
    this.reportLost()
    while (this.running) {
      if (this.stale || this.paused) {
        this.stale = false
        await this.conn?.close().catch(() => {})
        this.conn = undefined
      }
      if (!this.current.network || this.paused) {
        this.set({ state: this.paused ? 'paused' : 'offline' })
        await this.sleep(Number.POSITIVE_INFINITY)
        continue
      }
      try {
        this.conn ??= await this.opts.connect()
        // The network may have gone (or the sync been paused) while the connection opened.
        if (!this.current.network || this.paused) {
          await this.conn.close().catch(() => {})
          this.conn = undefined
          continue
        }
        this.set({ state: 'syncing' })
        await this.round(this.conn.service)
        this.set({ state: 'online', failures: 0, lastError: undefined, lastSyncAt: this.clock.now() })
        await this.sleep(this.opts.intervalMs ?? 1000)
      } catch (e) {
        await this.conn?.close().catch(() => {})
        this.conn = undefined
        // The network went away under the round: that is being offline, not a failure.
        if (!this.current.network || this.paused) continue
        const err = e instanceof BrookError ? e : undefined
        const failures = this.current.failures + 1
        this.set({
          state: 'offline',
          failures,
          lastError: {
            type: err?.type ?? (e instanceof Error ? e.name : 'Error'),
            message: err?.detail ?? (e instanceof Error ? e.message : String(e)),
            at: this.clock.now(),
          },
        })
        await this.refreshBacklog().catch(() => {})
        await this.sleep(fullJitterDelay(failures - 1, this.opts.backoff, this.opts.random))
      }
    }
  }

  /** After the store was opened again: what was waiting and is gone now is said, not hidden. */
  private reportLost(): void {
    const before = this.opts.unsentBefore
    if (before === undefined) return
    const now = Object.values(this.current.backlog).reduce((n, b) => n + b.records, 0)
    if (now < before) this.storeLost(before - now)
  }

  /**
   * Records that were waiting to be uploaded are gone with the storage that held them (the
   * browser took it away): said in `lost` and `lastError`, not hidden.
   */
  storeLost(lost: number): void {
    if (lost <= 0) return
    this.set({
      lost: this.current.lost + lost,
      lastError: {
        type: 'KAFKA_STORAGE_ERROR',
        message: `the browser took the stored data away: ${lost} records not yet uploaded were lost`,
        at: this.clock.now(),
      },
    })
  }

  private async round(remote: BrokerService): Promise<void> {
    const upload = await this.resolve(this.opts.local, this.upload)
    const download = await this.resolve(remote, this.download)
    const { local, state } = this.opts
    if (upload.length > 0) {
      const { uploaded, lost } = await new Uploader({
        local,
        remote,
        state,
        topics: upload,
        takenOver: this.takenOver,
      }).syncOnce()
      if (uploaded > 0) this.set({ uploaded: this.current.uploaded + uploaded })
      if (lost > 0) this.set({ lost: this.current.lost + lost })
    }
    if (download.length > 0) {
      const { downloaded, missed } = await new Downloader({ local, remote, topics: download }).syncOnce()
      if (downloaded > 0) this.set({ downloaded: this.current.downloaded + downloaded })
      if (missed > 0) this.set({ missed: this.current.missed + missed })
    }
    await this.refreshBacklog(upload)
  }

  private async refreshBacklog(topics?: string[]): Promise<void> {
    const upload = topics ?? (await this.resolve(this.opts.local, this.upload))
    const backlog = await this.ledger.measure(upload)
    if (!sameBacklog(backlog, this.current.backlog)) this.set({ backlog })
  }

  /** Names as given; patterns against the topics `service` has now (internal `__` ones never). */
  private async resolve(service: BrokerService, selection: Selection): Promise<string[]> {
    const names = new Set(selection.names)
    if (selection.matches) {
      const md = await service.metadata({ topics: null, allowAutoTopicCreation: false })
      for (const t of md.topics) if (selection.matches(t.name)) names.add(t.name)
    }
    return [...names].sort()
  }

  /** Until `ms` pass or `wake()`; an infinite `ms` waits for `wake()` alone. */
  private sleep(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve()
    if (this.again) {
      this.again = false
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      const cancel = Number.isFinite(ms)
        ? this.clock.setTimeout(() => {
            this.wake = undefined
            resolve()
          }, ms)
        : () => {}
      this.wake = () => {
        cancel()
        this.wake = undefined
        resolve()
      }
    })
  }

  private set(change: Partial<SyncStatus>): void {
    this.current = { ...this.current, ...change }
    const snapshot = this.status()
    for (const fn of this.listeners) fn(snapshot)
  }
}

function sameBacklog(a: Record<string, TopicBacklog>, b: Record<string, TopicBacklog>): boolean {
  const keys = Object.keys(a)
  if (keys.length !== Object.keys(b).length) return false
  return keys.every((k) => a[k]!.records === b[k]?.records && a[k]!.bytes === b[k]?.bytes)
}
