/**
 * @module Per-principal quotas, the same on every door: a produce byte rate (a token bucket that
 * may go into debt by one request, as Kafka's quota measures after the fact) and a cap on open
 * connections. Two ways to hold a principal to its rate:
 * - `throttle` (the Kafka protocol, as Kafka does since KIP-219): the produce is stored and answered
 *   with `throttle_time_ms`, and the connection is muted for that long, so every Kafka client slows
 *   down without seeing an error;
 * - `reject` (HTTP): a produce over quota stores nothing and answers THROTTLING_QUOTA_EXCEEDED with
 *   the time to wait, which the relay turns into 429 and Retry-After.
 */

import { type Clock, systemClock } from './clock.ts'
import { errorCode } from './errors.ts'
import type { BrokerService, ProduceResponse } from './service.ts'

const THROTTLED = errorCode('THROTTLING_QUOTA_EXCEEDED')
/** Principals remembered at most; the oldest idle ones are forgotten first. */
const MAX_PRINCIPALS = 10_000

/** How a door holds a principal to its rate: see the module comment. */
export type QuotaMode = 'throttle' | 'reject'

export interface QuotaOptions {
  /** Produce bytes per second per principal (record batch bytes). */
  produceBytesPerSecond: number
  /** How much a principal may send at once after being idle. Default one second's worth. */
  burstBytes?: number
  clock?: Clock
}

export class ProduceQuota {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()
  private readonly rate: number
  private readonly burst: number
  private readonly clock: Clock

  constructor(opts: QuotaOptions) {
    if (!(opts.produceBytesPerSecond > 0)) throw new Error('produceBytesPerSecond must be positive')
    this.rate = opts.produceBytesPerSecond
    this.burst = opts.burstBytes ?? opts.produceBytesPerSecond
    this.clock = opts.clock ?? systemClock
  }

  /** Charges `bytes` to `principal`: 0 when it may produce now, else the milliseconds to wait. */
  charge(principal: string, bytes: number): number {
    const now = this.clock.now()
    let b = this.buckets.get(principal)
    if (b) this.buckets.delete(principal)
    else b = { tokens: this.burst, at: now }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) * this.rate) / 1000)
    b.at = now
    this.buckets.set(principal, b)
    if (this.buckets.size > MAX_PRINCIPALS) this.buckets.delete(this.buckets.keys().next().value!)
    if (b.tokens <= 0) return Math.max(1, Math.ceil((-b.tokens * 1000) / this.rate))
    b.tokens -= bytes
    return 0
  }

  /** Milliseconds until `principal` is back within its rate (0 when it is). */
  debtMs(principal: string): number {
    const b = this.buckets.get(principal)
    if (!b) return 0
    const tokens = b.tokens + ((this.clock.now() - b.at) * this.rate) / 1000
    return tokens >= 0 ? 0 : Math.ceil((-tokens * 1000) / this.rate)
  }

  /** `service` with `principal`'s produce requests charged, throttled or rejected over the rate. */
  wrap(service: BrokerService, principal: string, mode: QuotaMode = 'reject'): BrokerService {
    const quota = this
    return new Proxy(service, {
      get(target, prop, receiver) {
        if (prop !== 'produce') return Reflect.get(target, prop, receiver)
        return async (req: Parameters<BrokerService['produce']>[0]): Promise<ProduceResponse> => {
          let bytes = 0
          for (const t of req.topics ?? [])
            for (const p of t.partitions ?? []) bytes += p.records?.byteLength ?? 0
          if (mode === 'throttle') {
            quota.charge(principal, bytes)
            const res = await target.produce(req)
            const throttleTimeMs = quota.debtMs(principal)
            return throttleTimeMs > 0 ? { ...res, throttleTimeMs } : res
          }
          const waitMs = quota.charge(principal, bytes)
          if (waitMs === 0) return target.produce(req)
          return {
            throttleTimeMs: waitMs,
            topics: req.topics.map((t) => ({
              name: t.name,
              partitions: t.partitions.map((p) => ({
                partition: p.partition,
                errorCode: THROTTLED,
                errorMessage: `${principal} is over its produce quota: retry in ${waitMs} ms`,
                baseOffset: -1,
                logAppendTimeMs: -1,
                logStartOffset: -1,
              })),
            })),
          }
        }
      },
    })
  }
}

/** Open connections per principal, capped. */
export class ConnectionLimiter {
  private readonly open = new Map<string, number>()

  constructor(readonly maxPerPrincipal: number) {}

  /** Takes a slot for `principal`; undefined when it has `maxPerPrincipal` already. */
  acquire(principal: string): (() => void) | undefined {
    const n = this.open.get(principal) ?? 0
    if (n >= this.maxPerPrincipal) return undefined
    this.open.set(principal, n + 1)
    let held = true
    return () => {
      if (!held) return
      held = false
      const left = (this.open.get(principal) ?? 1) - 1
      if (left <= 0) this.open.delete(principal)
      else this.open.set(principal, left)
    }
  }

  count(principal: string): number {
    return this.open.get(principal) ?? 0
  }
}

export interface PrincipalPolicy {
  /** ACLs (see authorizer.ts). */
  authorizer?: { forPrincipal(principal: string, host?: string): BrokerService }
  /** Produce byte rate per principal. */
  produceQuota?: ProduceQuota
  /** Open connections per principal (Kafka listener, relay WebSockets and SSE streams together). */
  connections?: ConnectionLimiter
}

/** The broker as `principal` may use it: ACLs, then its produce quota. */
export function principalService(
  service: BrokerService,
  policy: PrincipalPolicy,
  mode: QuotaMode = 'reject',
): ((principal: string, host?: string) => BrokerService) | undefined {
  const { authorizer, produceQuota } = policy
  if (!authorizer && !produceQuota) return undefined
  return (principal, host) => {
    const allowed = authorizer ? authorizer.forPrincipal(principal, host) : service
    return produceQuota ? produceQuota.wrap(allowed, principal, mode) : allowed
  }
}
