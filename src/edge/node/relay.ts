/**
 * @module The edge app on Node: `@hono/node-server` for HTTP and SSE, `@hono/node-ws` (the `ws`
 * package) for `/v1/ws`, and optionally a folder served at `/` (the teaching demo). What `brook
 * serve` runs on port 8080 beside the Kafka listener. Bounded: WebSocket messages by `ws`'s
 * maxPayload, headers and requests by timeouts.
 */

import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAdaptorServer } from '@hono/node-server'
import { createNodeWebSocket } from '@hono/node-ws'
import { Hono } from 'hono'
import type { WebSocket } from 'ws'
import { concatBytes } from '../../core/format/bytes.ts'
import type { EdgeAppOptions } from '../app/app.ts'
import { BODY_READER, type BodyReader } from '../app/body.ts'
import { buildEdgeApp } from '../app/build-app.ts'
import type { SendChunks } from '../app/kafka-ws.ts'
import { DEFAULT_LIMITS } from '../app/limits.ts'
import { readNodeBody } from './request-body.ts'
import { staticSite } from './static-site.ts'

export interface RelayOptions extends Omit<EdgeAppOptions, 'webSocket'> {
  host?: string
  /** 0 picks a free port. Default 8080. */
  port?: number
  /** A folder to serve at `/` (read-only), e.g. the built demo. */
  site?: string
}

export interface Relay {
  host: string
  port: number
  url: string
  close(): Promise<void>
}

/** One message in fragments (RFC 6455 §5.4): the record bytes of a Fetch answer are not copied. */
const sendFragments: SendChunks = (ws, chunks) => {
  const raw = ws.raw as WebSocket | undefined
  const parts = coalesce(chunks)
  if (!raw || parts.length === 1) return ws.send(concatBytes(parts) as Uint8Array<ArrayBuffer>)
  parts.forEach((part, i) => {
    raw.send(part, { binary: true, fin: i === parts.length - 1 })
  })
}

/** Below this, copying is cheaper than a frame and a write of its own. */
const SMALL = 16 * 1024

/** Joins runs of small arrays, so that only large ones (record bytes) travel as frames of their own. */
function coalesce(chunks: Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = []
  let run: Uint8Array[] = []
  const flush = () => {
    if (run.length > 0) out.push(concatBytes(run))
    run = []
  }
  for (const c of chunks) {
    if (c.byteLength >= SMALL) {
      flush()
      out.push(c)
    } else run.push(c)
  }
  flush()
  return out
}

export async function startRelay(opts: RelayOptions): Promise<Relay> {
  const root = new Hono()
  // The upgrade handler asks the app whether a request may upgrade; it exists only after.
  const ws = createNodeWebSocket({
    app: { request: (...a: Parameters<Hono['request']>) => root.request(...a) } as Hono,
  })
  // `ws` would accept 100 MiB messages before the app can refuse one: bound it where it reads.
  ws.wss.options.maxPayload =
    (opts.limits?.maxWebSocketMessageBytes ?? DEFAULT_LIMITS.maxWebSocketMessageBytes) + 1
  const app = buildEdgeApp({ ...opts, upgradeWebSocket: ws.upgradeWebSocket, sendChunks: sendFragments })
  const maxBody = opts.limits?.maxBodyBytes ?? DEFAULT_LIMITS.maxBodyBytes
  const readBody: BodyReader = (c) => readNodeBody(c, maxBody)
  root.use('*', async (c, next) => {
    c.set(BODY_READER as never, readBody as never)
    await next()
  })
  root.route('/', app)
  if (opts.site) {
    const site = staticSite(opts.site)
    root.all('*', (c) => (c.req.path.startsWith('/v1/') ? c.notFound() : site(c)))
  }
  root.notFound((c) =>
    c.json({ error: 'NOT_FOUND', message: `no route for ${c.req.method} ${c.req.path}` }, 404),
  )
  const server = createAdaptorServer({ fetch: root.fetch }) as Server
  server.headersTimeout = 10_000
  server.requestTimeout = 60_000
  ws.injectWebSocket(server)
  const host = opts.host ?? '127.0.0.1'
  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(opts.port ?? 8080, host, () => {
      server.off('error', fail)
      ok()
    })
  })
  const { port } = server.address() as AddressInfo
  const shown = host.includes(':') ? `[${host}]` : host
  return {
    host,
    port,
    url: `http://${shown}:${port}/`,
    async close() {
      for (const client of ws.wss.clients) client.terminate()
      server.closeAllConnections()
      await new Promise((ok) => server.close(ok))
    },
  }
}
