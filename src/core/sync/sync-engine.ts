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
import { Downloader } from './downloader.ts'
import { Uploader, type UploadStateStore, uploadBacklog } from './uploader.ts'

export type TopicSelector = string | RegExp

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
}

export type SyncState = 'offline' | 'syncing' | 'online' | 'stopped'

export interface SyncStatus {
  state: SyncState
  /** Records not yet uploaded, per local topic. */
  backlog: Record<string, number>
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
  private current: SyncStatus = { state: 'offline', backlog: {}, failures: 0 }
  private readonly listeners = new Set<(s: SyncStatus) => void>()
  private readonly clock: Clock
  private running = false
  private loop: Promise<void> | undefined
  private wake: (() => void) | undefined
  private conn: { service: BrokerService; close(): Promise<void> } | undefined

  private readonly upload: Selection
  private readonly download: Selection

  constructor(private readonly opts: SyncEngineOptions) {
    this.clock = opts.clock ?? systemClock
    this.upload = selection(opts.upload)
    this.download = selection(opts.download)
  }

  status(): SyncStatus {
    return { ...this.current, backlog: { ...this.current.backlog } }
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
    this.wake?.()
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
    while (this.running) {
      try {
        this.conn ??= await this.opts.connect()
        this.set({ state: 'syncing' })
        await this.round(this.conn.service)
        this.set({ state: 'online', failures: 0, lastError: undefined, lastSyncAt: this.clock.now() })
        await this.sleep(this.opts.intervalMs ?? 1000)
      } catch (e) {
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
        // Whatever failed, the next round starts on a fresh connection.
        await this.conn?.close().catch(() => {})
        this.conn = undefined
        await this.refreshBacklog().catch(() => {})
        await this.sleep(fullJitterDelay(failures - 1, this.opts.backoff, this.opts.random))
      }
    }
  }

  private async round(remote: BrokerService): Promise<void> {
    const upload = await this.resolve(this.opts.local, this.upload)
    const download = await this.resolve(remote, this.download)
    const { local, state } = this.opts
    if (upload.length > 0) await new Uploader({ local, remote, state, topics: upload }).syncOnce()
    if (download.length > 0) await new Downloader({ local, remote, topics: download }).syncOnce()
    await this.refreshBacklog(upload)
  }

  private async refreshBacklog(topics?: string[]): Promise<void> {
    const upload = topics ?? (await this.resolve(this.opts.local, this.upload))
    const pending = await uploadBacklog(this.opts.local, upload)
    const backlog: Record<string, number> = {}
    for (const [key, n] of pending) {
      const topic = key.slice(0, key.lastIndexOf('/'))
      backlog[topic] = (backlog[topic] ?? 0) + n
    }
    this.set({ backlog })
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

  private sleep(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve()
    return new Promise((resolve) => {
      const cancel = this.clock.setTimeout(() => {
        this.wake = undefined
        resolve()
      }, ms)
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
