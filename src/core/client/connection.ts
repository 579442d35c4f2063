/**
 * @module What producer, consumer and admin share: the service, the clock, the logger and one `call`
 * that puts a timeout on every remote request.
 */
import type { Clock } from '../clock.ts'
import type { BrokerService } from '../service.ts'
import { type RetryPolicy, withTimeout } from './retry.ts'
import type { Logger } from './types.ts'

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
}

export class Connection {
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
    return withTimeout(this.clock, p, this.requestTimeoutMs + extraMs, what)
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
