/**
 * @module `createEdgeApp`: brook's HTTP doors as one fetch handler, the same on Node and on
 * Cloudflare Workers — REST under `/v1/topics` and `/v1/groups`, SSE tails, the Kafka protocol over
 * WebSocket at `/v1/ws`, Durable Streams under `/v1/streams`, `/healthz` and `/metrics`. Built with Hono; what it hands out is the
 * standard `fetch(request)` shape, so it mounts anywhere (`honoApp.mount('/brook', app.fetch)`,
 * a Worker's default export, Deno.serve) without tying the caller to a Hono version.
 */

import type { Authorizer } from '../../core/authorizer.ts'
import type { Log } from '../../core/log.ts'
import type { ConnectionLimiter, ProduceQuota } from '../../core/quotas.ts'
import type { BrokerInfo, BrokerService } from '../../core/service.ts'
import type { EdgeAuth } from './auth.ts'
import { buildEdgeApp } from './build-app.ts'
import type { EdgeLimits } from './limits.ts'
import type { Metrics } from './metrics.ts'

export interface EdgeAppOptions {
  broker: BrokerService
  /**
   * Serves `/v1/ws` (after authentication) where the runtime hands sockets elsewhere — Cloudflare:
   * to a Durable Object that keeps them with the Hibernation API. On Node, `startRelay` serves it.
   */
  webSocket?: (request: Request, principal: string | undefined) => Response | Promise<Response>
  /** Who may connect; with none, everyone is ANONYMOUS (bind to loopback only). */
  auth?: EdgeAuth
  /**
   * Enforces ACLs on every route for the request's principal (`User:<name>`); share one with the
   * Kafka listener so both doors decide alike. Default: none (every principal may do everything).
   */
  authorizer?: Authorizer
  /** Produce byte rate per principal: over it, 429 with Retry-After (share with the Kafka listener). */
  produceQuota?: ProduceQuota
  /** Open WebSockets and SSE streams per principal: one more is 429 (share with the Kafka listener). */
  connections?: ConnectionLimiter
  /**
   * Origins of pages on other sites allowed to call the relay (CORS) and to open its WebSocket
   * (checked against the Origin header, which CORS does not cover). Same-origin pages and clients
   * that send no Origin (curl, Node, Kafka tools) are always allowed. Default: none.
   */
  origins?: string[]
  limits?: Partial<EdgeLimits>
  /** Share one with the Kafka listener so that /metrics counts both; one of its own otherwise. */
  metrics?: Metrics
  /** What Metadata answers over `/v1/ws` (clients there never dial it). */
  advertised?: BrokerInfo
  log?: Log
}

/** A fetch handler: what Workers, Deno, Bun and Hono's `mount()` take. */
export interface EdgeApp {
  fetch(request: Request, env?: unknown, executionContext?: unknown): Response | Promise<Response>
}

export function createEdgeApp(opts: EdgeAppOptions): EdgeApp {
  const app = buildEdgeApp(opts)
  return { fetch: (request, env, executionContext) => app.fetch(request, env, executionContext as never) }
}
