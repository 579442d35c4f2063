/**
 * @module The Cloudflare Worker: brook's edge app (REST, SSE, /metrics) on the sharded cluster of
 * Durable Objects. `/v1/ws` is handed to a BrookGateway object, which keeps the socket with the
 * Hibernation API; `/v1/streams` (Durable Streams) to the one BrookStreams object, which keeps
 * the protocol's per-stream state (appends in order, producers, forks) in one place.
 */

import type { BrookEnv } from './cluster.ts'
import { appFor } from './edge-app.ts'

/** Durable Streams' path prefix (the edge app's, too). */
const STREAMS = '/v1/streams'

export default {
  fetch(request: Request, env: BrookEnv, ctx: unknown): Response | Promise<Response> {
    const path = new URL(request.url).pathname
    if (env.BROOK_STREAMS && (path === STREAMS || path.startsWith(`${STREAMS}/`)))
      return env.BROOK_STREAMS.get(env.BROOK_STREAMS.idFromName('streams')).fetch(request)
    return appFor(env).fetch(request, env, ctx)
  },
}
