/**
 * @module What every door of the relay shares: the broker, the limits, the metrics, the
 * partitioner — and, per request, the broker as the request's principal sees it (ACLs).
 */

import type { Context } from 'hono'
import type { Authorizer } from '../../core/authorizer.ts'
import type { Log } from '../../core/log.ts'
import { StickyPartitioner } from '../../core/partitioner.ts'
import type { ConnectionLimiter, ProduceQuota } from '../../core/quotas.ts'
import type { BrokerInfo, BrokerService } from '../../core/service.ts'
import type { EdgeLimits } from './limits.ts'
import type { Metrics } from './metrics.ts'

export interface AppContext {
  service: BrokerService
  limits: EdgeLimits
  metrics: Metrics
  partitioner: StickyPartitioner
  /** What Metadata answers on the Kafka-over-WebSocket door. */
  advertised: BrokerInfo
  log: Log
  /** When ACLs are enforced: the broker as each principal may use it. */
  authorizer?: Authorizer
  /**
   * The broker as a principal may use it over HTTP (ACLs; produce over quota rejected); absent when
   * neither applies.
   */
  serviceFor?: (principal: string) => BrokerService
  /** The same for the Kafka protocol over WebSocket (produce over quota throttled, as Kafka does). */
  kafkaServiceFor?: (principal: string) => BrokerService
  /** Open WebSockets and SSE streams per principal. */
  connections?: ConnectionLimiter
  /** Produce byte rate per principal, for doors that charge it themselves (Durable Streams). */
  produceQuota?: ProduceQuota
  /** The principal of this request (`User:alice`), on a request's context. */
  principal?: string
}

export function newPartitioner(): StickyPartitioner {
  return new StickyPartitioner()
}

const KEY = 'brookCtx'

/** The context of this request (its principal's view of the broker), or `base` outside one. */
export function scoped(c: Context, base: AppContext): AppContext {
  return (c.get(KEY as never) as AppContext | undefined) ?? base
}

/** Remembers the request's context (per principal, cached: wrapping is cheap but not free). */
export function scope(c: Context, base: AppContext, principal: string, cache: Map<string, AppContext>): void {
  let ctx = cache.get(principal)
  if (!ctx) {
    ctx = {
      ...base,
      principal,
      service: base.serviceFor ? base.serviceFor(principal) : base.service,
    }
    if (cache.size > 1000) cache.clear()
    cache.set(principal, ctx)
  }
  c.set(KEY as never, ctx as never)
}
