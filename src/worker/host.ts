/**
 * @module The broker host inside a worker. In a SharedWorker it simply owns the broker. In a
 * dedicated worker (one per tab, where SharedWorker is missing) every host queues for the Web Lock
 * `brook-leader:<name>`; the holder opens the broker and serves the others over BroadcastChannel.
 * The lock is released when the holder's worker dies with its tab, so the next host in the queue
 * takes over, rebuilds from IndexedDB, announces itself, and followers resend what is unanswered.
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
  }
  /** Calls `fn` once if the browser takes the broker's storage away (see IdbStore's onBroken). */
  onBroken?(fn: (reason: string) => void): void
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
  private readonly served = new Map<string, Promise<Msg>>()

  constructor(deps: HostDeps) {
    this.deps = deps
  }

  /** First hello fixes the broker's options and starts it (or the election); later ones join. */
  async hello(options: BrokerOptions): Promise<HelloResponse> {
    if (this.options && this.options.name !== options.name) {
      throw new BrookError('INVALID_REQUEST', `this worker serves broker "${this.options.name}"`)
    }
    if (!this.options) {
      this.options = options
      if (this.deps.kind === 'shared') {
        this.role = 'shared'
        this.ready = this.lead()
      } else {
        this.elected = this.startElection(options)
      }
    }
    await this.elected
    if (this.role !== 'follower') await this.ready
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
    this.channel?.close()
    this.events?.close()
    await this.broker?.close()
  }

  private async local(method: HostMethod, arg: unknown, tab: string | undefined): Promise<unknown> {
    await this.ready
    const { sync } = this.broker!
    if (method === 'sync') return sync ? sync.control(arg as SyncControl) : null
    const service = this.broker!.service as unknown as Record<string, (a: unknown) => Promise<unknown>>
    const result = await service[method]!(arg)
    this.tabs!.observe(tab, method, arg, result)
    return result
  }

  /** Resolves once this host knows whether it leads now (it may still become leader later). */
  private startElection(options: BrokerOptions): Promise<void> {
    const locks = this.deps.locks ?? navigator.locks
    const lockName = `brook-leader:${options.name}`
    this.channel = this.createChannel(`brook:${options.name}`)
    this.channel.onmessage = (e: MessageEvent<Msg>) => this.onMessage(e.data)
    const takeLead = (): Promise<void> => {
      this.role = 'leader'
      this.ready = this.lead()
      return this.ready.then(
        // Held until this worker dies: the lock manager then hands it to the next tab in line.
        () => new Promise<never>(() => {}),
        () => {
          // This tab could not open the broker (storage refused?): let another tab lead, queue again.
          this.role = 'follower'
          this.broker = null
          setTimeout(() => void locks.request(lockName, takeLead), 1000)
        },
      )
    }
    return new Promise<void>((known) => {
      void locks.request(lockName, { ifAvailable: true }, (lock) => {
        if (lock) {
          known()
          return takeLead()
        }
        known()
        void locks.request(lockName, takeLead)
        return undefined
      })
    })
  }

  /**
   * The browser took the database away (storage cleared, the connection lost): the broker is
   * closed and opened again, on what is left of its data or on an empty store. Calls wait for it.
   */
  private reopen(): void {
    const old = this.broker
    if (!old) return
    const unsentBefore = old.sync?.unsent()
    this.ready = (async () => {
      this.events?.close()
      await old.close().catch(() => {})
      // The browser may still be deleting it: opening fails ("the connection was closed") for a
      // moment. Bounded: after ~15 s the calls fail with the last error.
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.lead(unsentBefore)
        } catch (e) {
          if (attempt >= 30) throw e
          await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)))
        }
      }
    })()
  }

  private async lead(unsentBefore?: number): Promise<void> {
    const options = this.options!
    this.broker = await this.deps.openBroker(
      unsentBefore === undefined ? options : { ...options, unsentBefore },
    )
    this.broker.onBroken?.(() => this.reopen())
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
    } else if (msg.t === 'res') {
      const p = this.pending.get(msg.id)
      if (!p) return
      this.pending.delete(msg.id)
      clearTimeout(p.timer)
      if (msg.ok) p.resolve(msg.value)
      else p.reject(fromWireError(msg.error))
    } else if (msg.t === 'leader' && msg.node !== this.node) {
      // A new leader knows nothing of requests sent to the old one: resend them all now.
      for (const p of this.pending.values()) this.send(p)
    }
  }

  private async serve(req: { id: string; method: HostMethod; arg: unknown; tab?: string }): Promise<void> {
    let answer = this.served.get(req.id)
    if (!answer) {
      answer = this.local(req.method, req.arg, req.tab).then(
        (value): Msg => ({ t: 'res', id: req.id, ok: true, value }),
        (e): Msg => ({ t: 'res', id: req.id, ok: false, error: toWireError(e) }),
      )
      this.served.set(req.id, answer)
      if (this.served.size > SERVED_MEMORY) this.served.delete(this.served.keys().next().value!)
    }
    this.channel!.postMessage(await answer)
  }

  private forward(method: HostMethod, arg: unknown, tab: string | undefined): Promise<unknown> {
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
