/**
 * @module The Durable Streams HTTP protocol (https://github.com/durable-streams/durable-streams)
 * on brook: mounted at a prefix (the relay uses `/v1/streams`), everything after it is a stream
 * path. PUT creates (or forks), POST appends or closes, GET reads (catch-up, long-poll, SSE), HEAD
 * describes, DELETE deletes; OPTIONS answers CORS preflights. Each stream is one brook topic
 * partition, reached only through `BrokerService`, so the same routes run on Node and in Workers.
 * Header syntax is checked here, in the reference server's order; the rules live in the modules
 * each handler calls.
 */

import { type Context, Hono } from 'hono'
import { AclOperations } from '../../../core/acl.ts'
import { requestBytes } from '../body.ts'
import { type AppContext, scoped } from '../context.ts'
import { append } from './appends.ts'
import { badRequest, DsError, errorResponse, notFound, preflight, respond } from './http.ts'
import type { ProducerClaim } from './producers.ts'
import {
  formatOffset,
  H,
  parseOffset,
  parseProducerNumber,
  parseSubOffset,
  parseTtl,
  usableContentType,
  validExpiresAt,
} from './protocol.ts'
import { etag, read } from './reading.ts'
import { type CreateRequest, Streams, tailOf } from './streams.ts'
import { streamResource } from './topic-names.ts'

/** Bytes one read gathers at most (a single larger message still goes whole). */
const READ_BYTES = 1 << 20

export function durableStreamsRoutes(ctx: AppContext): Hono {
  const streams = new Streams(
    ctx.service,
    {
      // A JSON append of many small values takes more room as records than as its body.
      maxMessageBytes: 2 * ctx.limits.maxBodyBytes + (1 << 20),
      readBytes: Math.min(READ_BYTES, ctx.limits.maxFetchBytes),
    },
    ctx.log,
  )
  const app = new Hono()
  app.all('/*', async (c) => {
    const prefix = c.req.routePath.replace(/\/\*$/, '')
    const path = c.req.path.slice(prefix.length)
    try {
      if (c.req.method === 'OPTIONS') return preflight()
      if (path === '' || path === '/') throw notFound('No stream path')
      await guard(c, ctx, path, prefix)
      switch (c.req.method) {
        case 'PUT':
          return await create(c, streams, path, prefix)
        case 'POST':
          return await post(c, streams, path)
        case 'GET':
          return await read({
            streams,
            path,
            query: new URL(c.req.url).searchParams,
            ifNoneMatch: c.req.header('if-none-match'),
            waitMs: ctx.limits.maxWaitMs,
            readBytes: streams.options.readBytes,
            sseOpened: () => ctx.metrics.connection('sse'),
          })
        case 'HEAD':
          return await head(streams, path)
        case 'DELETE':
          return await remove(streams, path)
        default:
          return respond(405, { allow: 'GET, POST, PUT, DELETE, HEAD, OPTIONS' }, 'Method not allowed')
      }
    } catch (e) {
      const res = errorResponse(e, ctx.log)
      return c.req.method === 'HEAD' ? new Response(null, { status: res.status, headers: res.headers }) : res
    }
  })
  return app
}

const OPERATION: Record<string, number> = {
  PUT: AclOperations.CREATE,
  POST: AclOperations.WRITE,
  GET: AclOperations.READ,
  HEAD: AclOperations.DESCRIBE,
  DELETE: AclOperations.DELETE,
}

/**
 * The request's principal against the ACLs (on the stream's topic name, `ds.<slug>.<hash>`) and,
 * for an append, its produce quota — the same rules as every other door.
 */
async function guard(c: Context, base: AppContext, path: string, prefix: string): Promise<void> {
  const own = scoped(c, base)
  if (!own.principal) return
  const operation = OPERATION[c.req.method]
  if (base.authorizer && operation !== undefined) {
    const check = await base.authorizer.check(own.principal, '')
    const require = async (op: number, streamPath: string) => {
      const resource = await streamResource(streamPath)
      if (!check.topic(op, resource))
        throw new DsError(403, `${own.principal} may not do this to ${resource}`)
    }
    await require(operation, path)
    if (c.req.method === 'PUT') {
      // Creating with data writes it; a fork reads its source's records: each needs its own right.
      if (Number(c.req.header('content-length') ?? 0) > 0) await require(AclOperations.WRITE, path)
      const source = c.req.header(H.forkedFrom)
      if (source !== undefined) await require(AclOperations.READ, sourcePath(source, prefix))
    }
  }
  if (base.produceQuota && c.req.method === 'POST') {
    const bytes = Number(c.req.header('content-length') ?? 0)
    const waitMs = base.produceQuota.charge(own.principal, bytes)
    if (waitMs > 0)
      throw new DsError(429, 'Over the produce quota', {
        'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))),
      })
  }
}

async function body(c: Context): Promise<Uint8Array> {
  return requestBytes(c)
}

/**
 * Stream-Forked-From names a stream path on this server: as the protocol has it (relative to the
 * mount point), or as the URL path or full URL a client sees.
 */
function sourcePath(raw: string, prefix: string): string {
  let p = raw
  if (/^https?:\/\//i.test(p)) p = new URL(p).pathname
  try {
    p = decodeURIComponent(p)
  } catch {
    // Not percent-encoded after all: use it as it is.
  }
  return prefix && p.startsWith(`${prefix}/`) ? p.slice(prefix.length) : p
}

async function create(c: Context, streams: Streams, path: string, prefix: string): Promise<Response> {
  const ttl = c.req.header(H.ttl)
  const expiresAt = c.req.header(H.expiresAt)
  const forkedFrom = c.req.header(H.forkedFrom)
  const forkOffset = c.req.header(H.forkOffset)
  const subOffset = c.req.header(H.forkSubOffset)
  if (ttl !== undefined && expiresAt !== undefined)
    throw badRequest('Cannot specify both Stream-TTL and Stream-Expires-At')
  const ttlSeconds = ttl === undefined ? undefined : parseTtl(ttl)
  if (ttl !== undefined && ttlSeconds === undefined) throw badRequest('Invalid Stream-TTL value')
  if (expiresAt !== undefined && !validExpiresAt(expiresAt))
    throw badRequest('Invalid Stream-Expires-At timestamp')
  if (forkOffset !== undefined && parseOffset(forkOffset) === undefined)
    throw badRequest('Invalid Stream-Fork-Offset format')
  let forkSubOffset: number | undefined
  if (subOffset !== undefined) {
    if (forkedFrom === undefined) throw badRequest('Stream-Fork-Sub-Offset requires Stream-Forked-From')
    forkSubOffset = parseSubOffset(subOffset)
    if (forkSubOffset === undefined) throw badRequest('Invalid Stream-Fork-Sub-Offset format')
  }
  const req: CreateRequest = {
    contentType: usableContentType(c.req.header('content-type')),
    ttlSeconds,
    expiresAt,
    closed: c.req.header(H.closed) === 'true',
    forkedFrom: forkedFrom === undefined ? undefined : sourcePath(forkedFrom, prefix),
    forkOffset,
    forkSubOffset,
    body: await body(c),
  }
  const { live, created } = await streams.create(path, req)
  const url = new URL(c.req.url)
  return respond(created ? 201 : 200, {
    'content-type': live.meta.contentType,
    [H.offset]: formatOffset(tailOf(live)),
    location: created ? `${url.origin}${url.pathname}` : undefined,
    [H.closed]: live.closed ? 'true' : undefined,
  })
}

async function post(c: Context, streams: Streams, path: string): Promise<Response> {
  const id = c.req.header(H.producerId)
  const epoch = c.req.header(H.producerEpoch)
  const seq = c.req.header(H.producerSeq)
  let producer: ProducerClaim | undefined
  if (id !== undefined || epoch !== undefined || seq !== undefined) {
    if (id === undefined || epoch === undefined || seq === undefined)
      throw badRequest(
        'All producer headers (Producer-Id, Producer-Epoch, Producer-Seq) must be provided together',
      )
    if (id === '') throw badRequest('Invalid Producer-Id: must not be empty')
    const e = parseProducerNumber(epoch)
    if (e === undefined) throw badRequest('Invalid Producer-Epoch: must be a non-negative integer')
    const s = parseProducerNumber(seq)
    if (s === undefined) throw badRequest('Invalid Producer-Seq: must be a non-negative integer')
    producer = { id, epoch: e, seq: s }
  }
  const data = await body(c)
  const close = c.req.header(H.closed) === 'true'
  const contentType = c.req.header('content-type')
  if (data.length === 0 && !close) throw badRequest('Empty body')
  if (data.length > 0 && !contentType) throw badRequest('Content-Type header is required')
  const answer = await append(streams, path, {
    contentType,
    body: data,
    close,
    producer,
    streamSeq: c.req.header(H.seq),
  })
  return respond(answer.status, answer.headers)
}

async function head(streams: Streams, path: string): Promise<Response> {
  const live = await streams.find(path)
  if (!live) return respond(404)
  if (live.meta.softDeleted) return respond(410)
  const offset = formatOffset(tailOf(live))
  return respond(200, {
    'content-type': live.meta.contentType,
    [H.offset]: offset,
    [H.closed]: live.closed ? 'true' : undefined,
    [H.ttl]: live.meta.ttlSeconds === undefined ? undefined : String(live.meta.ttlSeconds),
    [H.expiresAt]: live.meta.expiresAt,
    // The tail moves with every append (section 5.4).
    'cache-control': 'no-store',
    etag: etag(path, '-1', offset, live.closed),
    // Where the stream's own records are, for Kafka tools (kcat -t …).
    'brook-topic': live.meta.topic,
  })
}

async function remove(streams: Streams, path: string): Promise<Response> {
  switch (await streams.delete(path)) {
    case 'missing':
      throw notFound()
    case 'gone':
      return respond(410, { 'content-type': 'text/plain; charset=utf-8' }, 'Stream is gone')
    default:
      return respond(204)
  }
}
