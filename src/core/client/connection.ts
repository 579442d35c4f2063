/**
 * @module What producer, consumer and admin share: the service, the clock, the logger and one `call`
 * that puts a timeout on every remote request.
 */
import type { Clock } from '../clock.ts'
import { BrookError } from '../errors.ts'
import type { BrokerService } from '../service.ts'
import { type RetryPolicy, toBrookError } from './retry.ts'
import type { Logger } from './types.ts'

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
}

interface Deadline {
  at: number
  expire(): void
}

export class Connection {
  /**
   * Calls waiting for an answer, with one timer for all of them at the earliest deadline: a timer
   * set and cleared per call was a tenth of the page's work with 64 producers sending at once.
   */
  private readonly waiting = new Set<Deadline>()
  private timerAt = Number.POSITIVE_INFINITY
  private cancelTimer: (() => void) | null = null

  constructor(
    readonly service: BrokerService,
    readonly clock: Clock,
    readonly clientId: string,
    readonly logger: Logger,
    readonly requestTimeoutMs: number,
    readonly retry: RetryPolicy,
  ) {}

  /** Calls the service with a timeout: `extraMs` widens it for calls the broker may hold (long-polls). */
  call<T>(what: string, fn: (s: BrokerService) => Promise<T>, extraMs = 0): Promise<T> {
    let p: Promise<T>
    try {
      p = fn(this.service)
    } catch (e) {
      p = Promise.reject(e)
    }
    const ms = this.requestTimeoutMs + extraMs
    if (!Number.isFinite(ms) || ms <= 0) return p
    return new Promise<T>((resolve, reject) => {
      const d: Deadline = {
        at: this.clock.now() + ms,
        expire: () => reject(new BrookError('REQUEST_TIMED_OUT', `${what} got no answer within ${ms} ms`)),
      }
      this.waiting.add(d)
      this.arm(d.at)
      p.then(
        (v) => {
          this.settled(d)
          resolve(v)
        },
        (e) => {
          this.settled(d)
          reject(toBrookError(e))
        },
      )
    })
  }

  private settled(d: Deadline): void {
    this.waiting.delete(d)
    // Nothing left to watch: no timer may outlive the calls (it would keep a Node process alive).
    if (this.waiting.size === 0 && this.cancelTimer) {
      this.cancelTimer()
      this.cancelTimer = null
      this.timerAt = Number.POSITIVE_INFINITY
    }
  }

  private arm(at: number): void {
    if (at >= this.timerAt) return
    this.cancelTimer?.()
    this.timerAt = at
    this.cancelTimer = this.clock.setTimeout(() => this.sweep(), Math.max(0, at - this.clock.now()))
  }

  private sweep(): void {
    this.cancelTimer = null
    this.timerAt = Number.POSITIVE_INFINITY
    const now = this.clock.now()
    let next = Number.POSITIVE_INFINITY
    for (const d of this.waiting) {
      if (d.at <= now) {
        this.waiting.delete(d)
        d.expire()
      } else if (d.at < next) next = d.at
    }
    if (next < Number.POSITIVE_INFINITY) this.arm(next)
  }
}

export type Listener = (event: { id: number; type: string; timestamp: number; payload: unknown }) => void

/** A tiny event emitter with kafkajs's `on(type, listener) → remove` shape. */
export class Events {
  private listeners = new Map<string, Set<Listener>>()
  private nextId = 0

  constructor(private readonly clock: Clock) {}

  on(type: string, listener: Listener): () => void {
    let set = this.listeners.get(type)
    if (!set) {
      set = new Set()
      this.listeners.set(type, set)
    }
    set.add(listener)
    return () => set.delete(listener)
  }

  emit(type: string, payload: unknown): void {
    const set = this.listeners.get(type)
    if (!set || set.size === 0) return
    const event = { id: this.nextId++, type, timestamp: this.clock.now(), payload }
    for (const l of set) {
      try {
        l(event)
      } catch {
        // A listener's bug must not break the client loop that emitted the event.
      }
    }
  }
}
