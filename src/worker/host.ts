/**
 * @module The broker host inside a worker. In a SharedWorker it simply owns the broker. In a
 * dedicated worker (one per tab, where SharedWorker is missing) every host queues for the Web Lock
 * `brook-leader:<name>`; the holder opens the broker and serves the others over BroadcastChannel.
 * The lock is released when the holder's worker dies with its tab, so the next host in the queue
 * takes over, rebuilds from IndexedDB, announces itself, and followers resend what is unanswered.
 * A leader that stops answering while it lives (its tab frozen, its worker hung) keeps its lock:
 * a follower whose calls it leaves unanswered steals the lock, and the former leader, when it
 * runs again, finds its IndexedDB writes fenced (see IdbStore's `fence`) and follows.
 */

import { BrookError } from '../core/errors.ts'
import type { BrokerService } from '../core/service.ts'
import type {
  BrokerEvent,
  BrokerOptions,
  BrowserSyncStatus,
  HelloResponse,
  ServiceMethod,
  SyncControl,
  UnsentIn,
} from './api.ts'
import { eventsChannelName, intendedWaitMs } from './api.ts'
import { TabMembers } from './tab-members.ts'
import type { WireError } from './wire-errors.ts'
import { fromWireError, toWireError } from './wire-errors.ts'

export interface OpenedBroker {
  service: BrokerService
  /** The sync loop, when the broker was opened with `sync`. */
  sync?: {
    control(c: SyncControl): Promise<BrowserSyncStatus>
    onStatus(fn: (s: BrowserSyncStatus) => void): () => void
    /** Records not yet uploaded, as last measured. */
    unsent(): number
    /** The id of the database the broker has open. */
    readonly store: string
  }
  /** Calls `fn` once if the browser takes the broker's storage away (see IdbStore's onBroken). */
  onBroken?(fn: (reason: string) => void): void
  /** Calls `fn` once when another worker has taken the database over (see IdbStore's fence). */
  onFenced?(fn: () => void): void
  /** True once another worker has taken the database over: nothing this broker did since counts. */
  fenced?(): boolean
  close(): Promise<void>
}

/** What a host serves: the broker's calls, and sync controls (answered by the leader's engine). */
type HostMethod = ServiceMethod | 'sync'

export interface HostDeps {
  openBroker(options: BrokerOptions): Promise<OpenedBroker>
  /** `shared`: this worker is the only broker for its name (SharedWorker). */
  kind: 'shared' | 'dedicated'
  locks?: LockManager
  createChannel?: (name: string) => BroadcastChannel
  /** Longest a forwarded call may go unanswered, beyond its intended wait (default 30 s). */
  requestTimeoutMs?: number
  /** How long one forwarded attempt waits before it is resent (default 2 s). */
  attemptTimeoutMs?: number
}

type Msg =
  | { t: 'req'; id: string; method: HostMethod; arg: unknown; tab?: string }
  | { t: 'res'; id: string; ok: true; value: unknown }
  | { t: 'res'; id: string; ok: false; error: WireError }
  | { t: 'leader'; node: string }
  /** A follower whose calls go unanswered asks whether the leader lives; the leader says so at once. */
  | { t: 'ping' }
  | { t: 'alive'; node: string }

interface Pending {
  id: string
  method: HostMethod
  arg: unknown
  tab: string | undefined
  deadline: number
  resolve(v: unknown): void
  reject(e: unknown): void
  timer?: ReturnType<typeof setTimeout>
}

/** Answers kept by a leader so that a resent request is answered, not executed twice. */
const SERVED_MEMORY = 4096
/** How often a follower with unanswered calls asks the leader whether it lives. */
const PING_MS = 1000
/** Default `BrokerOptions.leaderTimeoutMs`. */
const LEADER_TIMEOUT_MS = 10_000

/** A deposed leader's answer to a follower: none, so the follower's resend reaches the new leader. */
const DEPOSED = Symbol('deposed')

export class BrokerHost {
  private readonly deps: HostDeps
  private readonly node = randomId()
  private options: BrokerOptions | null = null
  private role: HelloResponse['role'] = 'follower'
  private broker: OpenedBroker | null = null
  private ready: Promise<void> | null = null
  private elected: Promise<void> | null = null
  private channel: BroadcastChannel | null = null
  private events: BroadcastChannel | null = null
  private tabs: TabMembers | null = null
  private seq = 0
  private readonly pending = new Map<string, Pending>()
  private readonly served = new Map<string, Promise<Msg | null>>()
  /** Bumped whenever this host starts or stops leading: work of an older term must not land. */
  private term = 0
  /** Ends this host's hold of the leader lock. */
  private release: (() => void) | undefined
  /** Withdraws this host's place in the lock's queue (before it steals the lock instead). */
  private queued: AbortController | undefined
  /** When a follower last heard the leader, and the timer that watches it while calls wait. */
  private heardAt = 0
  private closed = false
  private aliveAt = 0
  private watchdog: ReturnType<typeof setInterval> | undefined

  constructor(deps: HostDeps) {
    this.deps = deps
  }

  /** First hello fixes the broker's options and starts it (or the election); later ones join. */
  async hello(options: BrokerOptions): Promise<HelloResponse> {
    if (this.options && this.options.name !== options.name) {
      throw new BrookError('INVALID_REQUEST', `this worker serves broker "${this.options.name}"`)
    }
    const token = options.sync?.token
    let newToken = false
    if (!this.options) {
      this.options = options
      if (this.deps.kind === 'shared') {
        this.role = 'shared'
        this.ready = this.lead()
      } else {
        this.elected = this.startElection(options)
      }
    } else if (token !== undefined && this.options.sync && token !== this.options.sync.token) {
      this.options = { ...this.options, sync: { ...this.options.sync, token } }
      newToken = true
    }
    await this.elected
    if (this.role !== 'follower') await this.ready
    // The newest tab's token wins (the older ones' may have expired): the leader's sync takes it.
    if (token !== undefined && (newToken || this.role === 'follower'))
      void this.sync({ op: 'token', token }).catch(() => {})
    return { role: this.role, name: options.name }
  }

  /** A call from the page `tab` (its id, when the page holds its tab lock; see tab-members.ts). */
  call(method: ServiceMethod, arg: unknown, tab?: string): Promise<unknown> {
    if (!this.options) return Promise.reject(new BrookError('INVALID_REQUEST', 'hello() first'))
    if (this.role !== 'follower') return this.local(method, arg, tab)
    return this.forward(method, arg, tab)
  }

  /** Sync status and controls: the leader's sync engine answers; null when there is no sync. */
  sync(control: SyncControl): Promise<BrowserSyncStatus | null> {
    if (!this.options) return Promise.reject(new BrookError('INVALID_REQUEST', 'hello() first'))
    if (this.role !== 'follower')
      return this.local('sync', control, undefined) as Promise<BrowserSyncStatus | null>
    return this.forward('sync', control, undefined) as Promise<BrowserSyncStatus | null>
  }

  async close(): Promise<void> {
    this.closed = true
    this.stopWatch()
    this.queued?.abort()
    // Calls still waiting for a leader end now: their resend timers would post to a closed channel.
    for (const p of this.pending.values()) {
      clearTimeout(p.timer)
      p.reject(
        new BrookError('BROKER_NOT_AVAILABLE', `the broker host closed before ${p.method} was answered`),
      )
    }
    this.pending.clear()
    this.channel?.close()
    this.events?.close()
    await this.broker?.close()
  }

  /**
   * Runs a call on this host's broker. Should this host lose the lead before or while it runs, the
   * call goes to the new leader instead (`reroute`), or — for a follower's call — is not answered,
   * so that the follower's own resend reaches the new leader: what a fenced broker answered may
   * not have been stored.
   */
  private async local(
    method: HostMethod,
    arg: unknown,
    tab: string | undefined,
    reroute = true,
  ): Promise<unknown> {
    const deposed = () => {
      if (!reroute) throw DEPOSED
      return this.forward(method, arg, tab)
    }
    try {
      await this.ready
    } catch (e) {
      if (this.role === 'follower') return deposed()
      throw e
    }
    const broker = this.broker
    const tabs = this.tabs
    if (this.role === 'follower' || !broker || !tabs) return deposed()
    let result: unknown
    try {
      if (method === 'sync') result = broker.sync ? await broker.sync.control(arg as SyncControl) : null
      else {
        const service = broker.service as unknown as Record<string, (a: unknown) => Promise<unknown>>
        result = await service[method]!(arg)
      }
    } catch (e) {
      if (broker.fenced?.()) return deposed()
      throw e
    }
    if (broker.fenced?.()) return deposed()
    if (method !== 'sync') tabs.observe(tab, method, arg, result)
    return result
  }

  /** Resolves once this host knows whether it leads now (it may still become leader later). */
  private startElection(options: BrokerOptions): Promise<void> {
    this.channel = this.createChannel(`brook:${options.name}`)
    this.channel.onmessage = (e: MessageEvent<Msg>) => this.onMessage(e.data)
    return new Promise<void>((known) => this.requestLock('try', known))
  }

  /**
   * Asks for the leader lock: `try` it once (at hello), `queue` behind its holder, or `steal` it
   * from a holder that stopped answering. A lock stolen from this host while it held it ends its
   * lead (the browser rejects the request's promise then).
   */
  private requestLock(how: 'try' | 'queue' | 'steal', known?: () => void): void {
    const locks = this.deps.locks ?? navigator.locks
    this.queued?.abort()
    const withdraw = how === 'queue' ? new AbortController() : undefined
    this.queued = withdraw
    if (how === 'queue') this.watch()
    const options: LockOptions =
      how === 'try' ? { ifAvailable: true } : how === 'steal' ? { steal: true } : { signal: withdraw!.signal }
    let held = false
    locks
      .request(`brook-leader:${this.options!.name}`, options, (lock) => {
        known?.()
        if (!lock) {
          this.requestLock('queue')
          return undefined
        }
        if (this.queued === withdraw) this.queued = undefined
        held = true
        return this.takeLead()
      })
      .catch(() => {
        // A withdrawn place in the queue rejects too; only a lock that was held means deposed.
        if (held) this.stepDown()
      })
  }

  /** Leads until this worker dies or another takes the lock; the lock is held while this runs. */
  private takeLead(): Promise<void> {
    this.role = 'leader'
    this.stopWatch()
    const term = ++this.term
    this.ready = this.lead()
    return this.ready.then(
      () =>
        new Promise<void>((release) => {
          this.release = release
        }),
      () => {
        if (term !== this.term) return
        // This tab could not open the broker (storage refused?): let another tab lead, queue again.
        this.role = 'follower'
        this.broker = null
        setTimeout(() => this.requestLock('queue'), 1000)
      },
    )
  }

  /**
   * Another worker leads now (it stole the lock, or its writer token fenced this one's writes):
   * this one closes its broker, stops serving, and queues to lead again one day. Calls it was
   * running are sent to the new leader (see `local`).
   */
  private stepDown(): void {
    if (this.role !== 'leader') return
    this.term++
    this.role = 'follower'
    this.release?.()
    this.release = undefined
    const old = this.broker
    this.broker = null
    this.tabs = null
    this.events?.close()
    this.events = null
    void old?.close().catch(() => {})
    this.requestLock('queue')
  }

  /**
   * A follower asks the leader whether it lives whenever it has heard nothing from it for a
   * second. A leader silent for `leaderTimeoutMs` — its tab frozen, its worker hung — still holds
   * the lock, which would never pass on, and nobody would sync or answer: the follower steals it.
   * Each tab waits a little longer than the last could, at random, so that one takes over and the
   * others hear of it first.
   */
  private watch(): void {
    if (this.watchdog !== undefined) return
    this.heardAt = Date.now()
    const limit = this.options?.leaderTimeoutMs ?? LEADER_TIMEOUT_MS
    const patience = limit * (1 + Math.random() / 2)
    this.watchdog = setInterval(
      () => {
        if (this.role !== 'follower') return this.stopWatch()
        const silent = Date.now() - this.heardAt
        if (silent >= patience) {
          this.heardAt = Date.now()
          this.requestLock('steal')
        } else if (silent >= PING_MS) this.channel?.postMessage({ t: 'ping' } satisfies Msg)
      },
      Math.min(PING_MS, limit / 4),
    )
  }

  private stopWatch(): void {
    clearInterval(this.watchdog)
    this.watchdog = undefined
  }

  /**
   * The browser took the database away (storage cleared, the connection lost): the broker is
   * closed and opened again, on what is left of its data or on an empty store. Calls wait for it.
   */
  private reopen(): void {
    const old = this.broker
    if (!old) return
    const before = old.sync ? { store: old.sync.store, unsent: old.sync.unsent() } : undefined
    this.ready = (async () => {
      this.events?.close()
      await old.close().catch(() => {})
      // The browser may still be deleting it: opening fails ("the connection was closed") for a
      // moment. Bounded: after ~15 s the calls fail with the last error.
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.lead(before)
        } catch (e) {
          if (attempt >= 30) throw e
          await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)))
        }
      }
    })()
  }

  private async lead(before?: UnsentIn): Promise<void> {
    const options = this.options!
    const term = this.term
    const broker = await this.deps.openBroker({
      ...options,
      before,
      // A SharedWorker is the only one of its name: fencing is for the leaders of the election.
      writer: this.deps.kind === 'dedicated' ? `${this.node}:${term}` : undefined,
    })
    if (term !== this.term) {
      // Deposed while it opened: another leads already.
      await broker.close().catch(() => {})
      throw new BrookError('NOT_LEADER_OR_FOLLOWER', 'another worker leads the broker now')
    }
    this.broker = broker
    broker.onBroken?.(() => this.reopen())
    broker.onFenced?.(() => this.stepDown())
    const { service } = this.broker
    this.tabs = new TabMembers(options.name, this.deps.locks ?? globalThis.navigator?.locks, (groupId, ids) =>
      service.leaveGroup({ groupId, members: ids.map((memberId) => ({ memberId })) }),
    )
    const events = this.createChannel(eventsChannelName(options.name))
    this.events = events
    service.onGroupRebalance?.((groupId) =>
      events.postMessage({ t: 'rebalance', groupId } satisfies BrokerEvent),
    )
    this.broker.sync?.onStatus((status) => events.postMessage({ t: 'sync', status } satisfies BrokerEvent))
    // This broker knows no member: whoever was one of another broker's groups must rejoin now.
    events.postMessage({ t: 'rebalance', groupId: null } satisfies BrokerEvent)
    if (this.channel) this.channel.postMessage({ t: 'leader', node: this.node } satisfies Msg)
    // Calls this host had forwarded while it was a follower are now its own to answer.
    for (const p of [...this.pending.values()]) {
      this.pending.delete(p.id)
      clearTimeout(p.timer)
      this.local(p.method, p.arg, p.tab).then(p.resolve, p.reject)
    }
  }

  private createChannel(name: string): BroadcastChannel {
    return (this.deps.createChannel ?? ((n) => new BroadcastChannel(n)))(name)
  }

  private onMessage(msg: Msg): void {
    if (msg.t === 'req') {
      if (this.role === 'leader') void this.serve(msg)
    } else if (msg.t === 'ping') {
      // One answer serves every follower that asked at about the same time.
      if (this.role === 'leader' && Date.now() - this.aliveAt >= PING_MS / 4) {
        this.aliveAt = Date.now()
        this.channel?.postMessage({ t: 'alive', node: this.node } satisfies Msg)
      }
    } else if (msg.t === 'alive') {
      this.heardAt = Date.now()
    } else if (msg.t === 'res') {
      this.heardAt = Date.now()
      const p = this.pending.get(msg.id)
      if (!p) return
      this.pending.delete(msg.id)
      clearTimeout(p.timer)
      if (msg.ok) p.resolve(msg.value)
      else p.reject(fromWireError(msg.error))
    } else if (msg.t === 'leader' && msg.node !== this.node) {
      this.heardAt = Date.now()
      // A new leader knows nothing of requests sent to the old one: resend them all now.
      for (const p of this.pending.values()) this.send(p)
    }
  }

  private async serve(req: { id: string; method: HostMethod; arg: unknown; tab?: string }): Promise<void> {
    let answer = this.served.get(req.id)
    if (!answer) {
      answer = this.local(req.method, req.arg, req.tab, false).then(
        (value): Msg => ({ t: 'res', id: req.id, ok: true, value }),
        (e): Msg | null =>
          e === DEPOSED ? null : { t: 'res', id: req.id, ok: false, error: toWireError(e) },
      )
      this.served.set(req.id, answer)
      if (this.served.size > SERVED_MEMORY) this.served.delete(this.served.keys().next().value!)
    }
    const msg = await answer
    if (msg === null) {
      this.served.delete(req.id)
      return
    }
    this.channel?.postMessage(msg)
  }

  private forward(method: HostMethod, arg: unknown, tab: string | undefined): Promise<unknown> {
    if (this.closed)
      return Promise.reject(new BrookError('BROKER_NOT_AVAILABLE', `the broker host is closed (${method})`))
    const wait = intendedWaitMs(method, arg)
    return new Promise((resolve, reject) => {
      const p: Pending = {
        id: `${this.node}:${this.seq++}`,
        method,
        arg,
        tab,
        deadline: Date.now() + (this.deps.requestTimeoutMs ?? 30_000) + wait,
        resolve,
        reject,
      }
      this.pending.set(p.id, p)
      this.send(p)
    })
  }

  private send(p: Pending): void {
    clearTimeout(p.timer)
    if (this.closed) return
    const now = Date.now()
    if (now >= p.deadline) {
      this.pending.delete(p.id)
      p.reject(new BrookError('REQUEST_TIMED_OUT', `no broker answered ${p.method} (leader tab gone?)`))
      return
    }
    this.channel!.postMessage({ t: 'req', id: p.id, method: p.method, arg: p.arg, tab: p.tab } satisfies Msg)
    const attempt = (this.deps.attemptTimeoutMs ?? 2000) + intendedWaitMs(p.method, p.arg)
    p.timer = setTimeout(() => this.send(p), Math.min(attempt, p.deadline - now))
  }
}

function randomId(): string {
  const b = new Uint8Array(8)
  crypto.getRandomValues(b)
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}
