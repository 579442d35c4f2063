/**
 * @module The Hono app behind `createEdgeApp` (app.ts): every route, the limits, authentication
 * and the error answers. Node's relay also passes its WebSocket upgrade here.
 */

import { type Context, Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { cors } from 'hono/cors'
import type { UpgradeWebSocket } from 'hono/ws'
import { AclOperations } from '../../core/acl.ts'
import { BrookError } from '../../core/errors.ts'
import { principalService } from '../../core/quotas.ts'
import type { EdgeAppOptions } from './app.ts'
import { requireAuth } from './auth-middleware.ts'
import { type AppContext, newPartitioner, scope, scoped } from './context.ts'
import { DS_REQUEST_HEADERS, DS_RESPONSE_HEADERS } from './durable-streams/http.ts'
import { durableStreamsRoutes } from './durable-streams/routes.ts'
import { errorResponse } from './error-response.ts'
import { groupLag, groupsRoutes } from './groups-routes.ts'
import { HttpError } from './http-errors.ts'
import { kafkaWebSocket, type SendChunks } from './kafka-ws.ts'
import { resolveLimits } from './limits.ts'
import { type GroupLagSample, Metrics } from './metrics.ts'
import { recordsRoutes } from './records-routes.ts'
import { sseRoutes } from './sse-routes.ts'
import { topicsRoutes } from './topics-routes.ts'

/** An oversized body up to this many times the limit is read (and dropped) before the 413. */
const DRAIN_FACTOR = 4

async function drain(body: ReadableStream<Uint8Array> | null): Promise<void> {
  if (!body) return
  try {
    const reader = body.getReader()
    while (!(await reader.read()).done) {}
  } catch {}
}

/** Groups whose lag one /metrics scrape reads, at most. */
const MAX_LAG_GROUPS = 100

export function buildEdgeApp(
  opts: EdgeAppOptions & { upgradeWebSocket?: UpgradeWebSocket; sendChunks?: SendChunks },
): Hono {
  const metrics = opts.metrics ?? new Metrics()
  const ctx: AppContext = {
    service: metrics.wrap(opts.broker),
    limits: resolveLimits(opts.limits),
    metrics,
    partitioner: newPartitioner(),
    advertised: opts.advertised ?? { nodeId: 1, host: 'localhost', port: 9092 },
    log: opts.log ?? (() => {}),
    authorizer: opts.authorizer,
    connections: opts.connections,
    produceQuota: opts.produceQuota,
  }
  // Per principal: ACLs, then the produce quota, over the metered broker.
  const policy = { authorizer: opts.authorizer, produceQuota: opts.produceQuota }
  const perPrincipal = principalService(ctx.service, policy, 'reject')
  const perKafkaPrincipal = principalService(ctx.service, policy, 'throttle')
  if (perPrincipal) ctx.serviceFor = (p) => perPrincipal(p)
  if (perKafkaPrincipal) ctx.kafkaServiceFor = (p) => perKafkaPrincipal(p)
  const scopes = new Map<string, AppContext>()
  const app = new Hono()

  app.onError((e, c) => {
    if (!(e instanceof HttpError) && !(e instanceof BrookError))
      ctx.log(`request failed: ${e instanceof Error ? e.stack : String(e)}`, 'error')
    return errorResponse(c, e)
  })
  app.notFound((c) =>
    c.json({ error: 'NOT_FOUND', message: `no route for ${c.req.method} ${c.req.path}` }, 404),
  )

  // The connection cannot carry another request. A body of up to a few times the limit is read and
  // dropped first, so that a client still sending it gets the 413 rather than a reset connection
  // (workerd resets one whose body is left unread); a larger one is cut off.
  const tooLarge = async (c: Context) => {
    const declared = Number(c.req.header('content-length') ?? Number.POSITIVE_INFINITY)
    if (declared <= DRAIN_FACTOR * ctx.limits.maxBodyBytes) await drain(c.req.raw.body)
    return c.json(
      { error: 'MESSAGE_TOO_LARGE', message: `the body is over the ${ctx.limits.maxBodyBytes}-byte limit` },
      413,
      { connection: 'close' },
    )
  }
  const chunkedLimit = bodyLimit({ maxSize: ctx.limits.maxBodyBytes, onError: tooLarge })
  app.use('/v1/*', async (c, next) => {
    // A declared length is checked from the header alone (a longer body is cut off where it is
    // read); only a chunked body is counted as it streams in.
    if (c.req.header('transfer-encoding') === undefined) {
      const length = c.req.header('content-length')
      if (length === undefined) return next()
      return Number(length) > ctx.limits.maxBodyBytes ? tooLarge(c) : next()
    }
    return chunkedLimit(c, next)
  })

  const origins = new Set((opts.origins ?? []).map((o) => new URL(o).origin))
  if (origins.size > 0)
    app.use(
      '*',
      cors({
        origin: (origin) => (origins.has(origin) ? origin : null),
        allowHeaders: [...new Set(['authorization', 'content-type', 'last-event-id', ...DS_REQUEST_HEADERS])],
        exposeHeaders: [
          ...new Set([
            'brook-high-watermark',
            'brook-log-start-offset',
            'retry-after',
            ...DS_RESPONSE_HEADERS,
          ]),
        ],
        maxAge: 600,
      }),
    )
  // CORS does not cover WebSockets: a page on any site may open one to 127.0.0.1. Only this
  // relay's own pages and the listed origins may.
  app.use('/v1/ws', async (c, next) => {
    const origin = c.req.header('origin')
    // Same origin: the page came from this host (the request URL may not show it behind an upgrade).
    const same = origin !== undefined && URL.canParse(origin) && new URL(origin).host === c.req.header('host')
    if (origin !== undefined && !same && !origins.has(origin)) {
      // Readable by the refused page (a CORS header on this answer only): its client then reports
      // why instead of a network outage. It tells that page nothing but its own refusal.
      return c.json(
        { error: 'CLUSTER_AUTHORIZATION_FAILED', message: `WebSocket from origin ${origin} is not allowed` },
        403,
        { 'access-control-allow-origin': origin, vary: 'Origin' },
      )
    }
    await next()
  })

  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  // Everything but /healthz names topics and groups: it needs a principal.
  app.use('/v1/*', requireAuth(opts.auth))
  app.use('/metrics', requireAuth(opts.auth))
  // From here on each request sees the broker as its principal may (ACLs, when enforced).
  app.use('*', async (c, next) => {
    const who = c.get('principal' as never) as string | undefined
    if (who !== undefined) scope(c, ctx, `User:${who}`, scopes)
    await next()
  })
  app.use('/metrics', async (c, next) => {
    // Metrics name every topic and group: with ACLs, only who may describe the cluster reads them.
    const own = scoped(c, ctx)
    if (opts.authorizer && own.principal) {
      const check = await opts.authorizer.check(own.principal, '')
      if (!check.cluster(AclOperations.DESCRIBE))
        throw new HttpError(
          'CLUSTER_AUTHORIZATION_FAILED',
          `${own.principal} may not describe the cluster`,
          403,
        )
    }
    await next()
  })
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
  app.route('/v1/streams', durableStreamsRoutes(ctx))
  const webSocket = opts.webSocket
  if (webSocket) app.get('/v1/ws', (c) => webSocket(c.req.raw, scoped(c, ctx).principal))
  else if (opts.upgradeWebSocket)
    app.get('/v1/ws', kafkaWebSocket(ctx, opts.upgradeWebSocket, opts.sendChunks))
  return app
}
