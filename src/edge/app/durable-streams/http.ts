/**
 * @module How Durable Streams answers: plain-text errors with the status the protocol names (not
 * the relay's `{ error, message }` JSON: Durable Streams clients read the status and headers), and
 * on every answer the browser headers of protocol section 10.7.
 *
 * CORS is the relay's decision, not this module's: the reference server answers every origin
 * (`Access-Control-Allow-Origin: *`), which on a relay that is open on loopback would let any web
 * page a user visits read their streams. Here a cross-origin page gets in only through the relay's
 * origin allowlist, whose CORS settings should list `DS_REQUEST_HEADERS` and `DS_RESPONSE_HEADERS`.
 */

import { errorName, isBrookError } from '../../../core/errors.ts'
import type { Log } from '../../../core/log.ts'
import { H } from './protocol.ts'

/** Request headers a cross-origin page sends to Durable Streams (what a preflight must allow). */
export const DS_REQUEST_HEADERS = [
  'content-type',
  'authorization',
  'if-none-match',
  H.seq,
  H.ttl,
  H.expiresAt,
  H.closed,
  H.producerId,
  H.producerEpoch,
  H.producerSeq,
  H.forkedFrom,
  H.forkOffset,
  H.forkSubOffset,
]

/** Response headers a cross-origin page's script must be able to read. */
export const DS_RESPONSE_HEADERS = [
  H.offset,
  H.cursor,
  H.upToDate,
  H.closed,
  H.ttl,
  H.expiresAt,
  H.sseEncoding,
  H.producerEpoch,
  H.producerSeq,
  H.expectedSeq,
  H.receivedSeq,
  'etag',
  'location',
  'content-type',
  'brook-topic',
]

/**
 * On every answer, errors and SSE included. (Which headers a cross-origin page may read is the
 * relay's CORS middleware's to say, and it says so only to the origins it allows.)
 */
const BASE: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  // Only no-cors loads (<img>, <script>) are concerned: no other site may embed a stream.
  'cross-origin-resource-policy': 'same-origin',
}

/**
 * A preflight that reached these routes (the relay has no origin allowlist): the methods and
 * headers the protocol uses, and no Access-Control-Allow-Origin, so browsers still refuse.
 */
export function preflight(): Response {
  const headers = {
    ...BASE,
    'access-control-allow-methods': 'GET, POST, PUT, DELETE, HEAD, OPTIONS',
    'access-control-allow-headers': DS_REQUEST_HEADERS.join(', '),
    'access-control-max-age': '86400',
  }
  return new Response(null, { status: 204, headers })
}

/** An answer; `headers` as a plain record (a `Headers` object per answer costs more than the append). */
export function respond(
  status: number,
  headers: Record<string, string | undefined> = {},
  body: BodyInit | null = null,
): Response {
  const h: Record<string, string> = { ...BASE }
  for (const k in headers) {
    const v = headers[k]
    if (v !== undefined) h[k.toLowerCase()] = v
  }
  return new Response(body, { status, headers: h })
}

/** A refusal: the status, a text for people and the headers the protocol asks for. */
export class DsError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string | undefined> = {},
  ) {
    super(message)
    this.name = 'DsError'
  }
}

export const notFound = (what = 'Stream not found') => new DsError(404, what)
export const gone = () => new DsError(410, 'Stream is gone')
export const badRequest = (why: string) => new DsError(400, why)
export const conflict = (why: string, headers: Record<string, string | undefined> = {}) =>
  new DsError(409, why, headers)

/** A broker error code met on a stream's topic, as the status a Durable Streams client expects. */
export function brokerError(code: number, topic: string): DsError {
  const name = errorName(code)
  switch (name) {
    case 'UNKNOWN_TOPIC_OR_PARTITION':
      return notFound()
    case 'MESSAGE_TOO_LARGE':
    case 'RECORD_LIST_TOO_LARGE':
      return new DsError(413, 'The append is larger than the stream accepts')
    case 'TOPIC_AUTHORIZATION_FAILED':
      return new DsError(403, `Not allowed on ${topic}`)
    case 'THROTTLING_QUOTA_EXCEEDED':
      return new DsError(429, 'Too many requests')
    default:
      return new DsError(503, `The broker answered ${name}`)
  }
}

export function errorResponse(e: unknown, log: Log): Response {
  if (e instanceof DsError)
    return respond(e.status, { 'content-type': 'text/plain; charset=utf-8', ...e.headers }, e.message)
  if (isBrookError(e)) {
    const err = brokerError((e as { code: number }).code, '')
    return respond(err.status, { 'content-type': 'text/plain; charset=utf-8' }, err.message)
  }
  log(`durable streams: request failed: ${e instanceof Error ? e.stack : String(e)}`, 'error')
  return respond(500, { 'content-type': 'text/plain; charset=utf-8' }, 'Internal server error')
}
