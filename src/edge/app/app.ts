/**
 * @module `createEdgeApp`: brook's HTTP doors as one Hono app, the same on Node and on Cloudflare
 * Workers — REST under `/v1/topics` and `/v1/groups`, SSE tails, the Kafka protocol over WebSocket
 * at `/v1/ws`, `/healthz` and `/metrics`. The runtime supplies only how WebSockets are upgraded.
 */

import { type Context, Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { UpgradeWebSocket } from 'hono/ws'
import { BrookError } from '../../core/errors.ts'
import type { BrokerInfo, BrokerService } from '../../core/service.ts'
import { type EdgeAuth, requireAuth } from './auth.ts'
import { type AppContext, newPartitioner } from './context.ts'
import { groupLag, groupsRoutes } from './groups-routes.ts'
import { errorResponse, HttpError } from './http-errors.ts'
import { kafkaWebSocket } from './kafka-ws.ts'
import { type EdgeLimits, resolveLimits } from './limits.ts'
import { type GroupLagSample, Metrics } from './metrics.ts'
import { recordsRoutes } from './records-routes.ts'
import { sseRoutes } from './sse-routes.ts'
import { topicsRoutes } from './topics-routes.ts'

export interface EdgeAppOptions {
  broker: BrokerService
  /** The runtime's WebSocket upgrade (`@hono/node-ws`); no `/v1/ws` without it or `webSocket`. */
  upgradeWebSocket?: UpgradeWebSocket
  /**
   * Serves `/v1/ws` (after authentication) where the runtime hands sockets elsewhere — Cloudflare:
   * to a Durable Object that keeps them with the Hibernation API.
   */
  webSocket?: (c: Context) => Response | Promise<Response>
  /** Who may connect; with none, everyone is ANONYMOUS (bind to loopback only). */
  auth?: EdgeAuth
  limits?: Partial<EdgeLimits>
  /** Share one with the Kafka listener so that /metrics counts both; one of its own otherwise. */
  metrics?: Metrics
  /** What Metadata answers over `/v1/ws` (clients there never dial it). */
  advertised?: BrokerInfo
  log?: (line: string) => void
}

/** Groups whose lag one /metrics scrape reads, at most. */
const MAX_LAG_GROUPS = 100

export function createEdgeApp(opts: EdgeAppOptions): Hono {
  const metrics = opts.metrics ?? new Metrics()
  const ctx: AppContext = {
    service: metrics.wrap(opts.broker),
    limits: resolveLimits(opts.limits),
    metrics,
    partitioner: newPartitioner(),
    advertised: opts.advertised ?? { nodeId: 1, host: 'localhost', port: 9092 },
    log: opts.log ?? (() => {}),
  }
  const app = new Hono()

  app.onError((e, c) => {
    if (!(e instanceof HttpError) && !(e instanceof BrookError))
      ctx.log(`request failed: ${e instanceof Error ? e.stack : String(e)}`)
    return errorResponse(c, e)
  })
  app.notFound((c) =>
    c.json({ error: 'NOT_FOUND', message: `no route for ${c.req.method} ${c.req.path}` }, 404),
  )

  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: ctx.limits.maxBodyBytes,
      // The rest of the body is never read: the connection cannot carry another request.
      onError: (c) =>
        c.json(
          {
            error: 'MESSAGE_TOO_LARGE',
            message: `the body is over the ${ctx.limits.maxBodyBytes}-byte limit`,
          },
          413,
          { connection: 'close' },
        ),
    }),
  )

  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  // Everything but /healthz names topics and groups: it needs a principal.
  app.use('/v1/*', requireAuth(opts.auth))
  app.use('/metrics', requireAuth(opts.auth))
  app.get('/metrics', async (c) => {
    const lag: GroupLagSample[] = []
    const groups = await opts.broker.listGroups()
    for (const g of groups.groups.slice(0, MAX_LAG_GROUPS)) {
      // The scrape reads through the unmetered broker: it must not count as traffic.
      const raw = { ...ctx, service: opts.broker }
      for (const p of await groupLag(raw, g.groupId).catch(() => []))
        lag.push({ group: g.groupId, topic: p.topic, partition: p.partition, lag: p.lag })
    }
    return c.text(metrics.render(lag), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' })
  })

  app.route('/v1/topics', topicsRoutes(ctx))
  app.route('/v1/topics', recordsRoutes(ctx))
  app.route('/v1/topics', sseRoutes(ctx))
  app.route('/v1/groups', groupsRoutes(ctx))
  if (opts.webSocket) app.get('/v1/ws', opts.webSocket)
  else if (opts.upgradeWebSocket) app.get('/v1/ws', kafkaWebSocket(ctx, opts.upgradeWebSocket))
  return app
}
