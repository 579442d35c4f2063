/**
 * @module Whole Kafka frames: request and response headers plus bodies, for every API brook speaks.
 * Header versions follow Kafka: request header v2 (v1 + tagged fields) for flexible request versions,
 * otherwise v1; response header v1 (tagged fields) for flexible versions, otherwise v0 — except that
 * ApiVersions responses always use header v0, so a client can read the error of any version it tried.
 */
import { BrookError, type KafkaErrorName } from '../errors.ts'
import { API } from './api-keys.ts'
import { decodeWith, encodeWith, guard, planFor } from './codec.ts'
import { type ApiDesc, inRange } from './desc.ts'
import { WireReader, WireWriter } from './io.ts'
import { APIS } from './messages.generated.ts'
import type { ApiKey, RequestBody, RequestInput, ResponseBody, ResponseInput } from './types.generated.ts'

const byKey = new Map<number, ApiDesc>(APIS.map((a) => [a.apiKey, a]))

/** API name → key, for the APIs brook speaks (`API_KEYS.Produce === 0`). */
export const API_KEYS: Readonly<Record<string, ApiKey>> = Object.fromEntries(
  APIS.map((a) => [a.name, a.apiKey as ApiKey]),
)
/** API key → name. */
export const API_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  APIS.map((a) => [a.apiKey, a.name]),
)

export interface VersionRangeEntry {
  apiKey: ApiKey
  name: string
  minVersion: number
  maxVersion: number
  /** First flexible version, or null when none within the range. */
  firstFlexible: number | null
}

/** What the codec can encode and decode, per API. A broker may advertise less. */
export const supportedVersions: readonly VersionRangeEntry[] = APIS.map((a) => ({
  apiKey: a.apiKey as ApiKey,
  name: a.name,
  minVersion: a.request.versions[0],
  maxVersion: a.request.versions[1],
  firstFlexible: a.request.flexible ? a.request.flexible[0] : null,
}))

export function isSupported(apiKey: number, apiVersion: number): boolean {
  const api = byKey.get(apiKey)
  return api !== undefined && inRange(api.request.versions, apiVersion)
}

export function isFlexible(
  apiKey: number,
  apiVersion: number,
  side: 'request' | 'response' = 'request',
): boolean {
  const api = byKey.get(apiKey)
  return api !== undefined && inRange(api[side].flexible, apiVersion)
}

function apiFor(apiKey: number, apiVersion: number): ApiDesc {
  const api = byKey.get(apiKey)
  if (!api) throw new BrookError('UNSUPPORTED_VERSION', `unknown API key ${apiKey}`)
  if (!inRange(api.request.versions, apiVersion)) {
    throw new BrookError('UNSUPPORTED_VERSION', `${api.name} v${apiVersion} is not supported`)
  }
  return api
}

export interface RequestHeader {
  apiKey: number
  apiVersion: number
  correlationId: number
  clientId: string | null
}

export interface DecodedHeader extends RequestHeader {
  /** Where the body starts in the bytes given. */
  bodyOffset: number
}

/** Request header v1 or v2. */
function requestHeaderVersion(apiKey: number, apiVersion: number): number {
  return isFlexible(apiKey, apiVersion) ? 2 : 1
}

function responseHeaderFlexible(apiKey: number, apiVersion: number): boolean {
  return apiKey !== API.ApiVersions && isFlexible(apiKey, apiVersion, 'response')
}

export interface EncodeOptions {
  /** Prepend the int32 size, giving a frame ready for the socket (saves a copy over `frame()`). */
  framed?: boolean
}

export function encodeRequest<K extends ApiKey>(
  header: { apiKey: K; apiVersion: number; correlationId: number; clientId?: string | null },
  body: RequestInput<K>,
  options: EncodeOptions = {},
): Uint8Array {
  const api = apiFor(header.apiKey, header.apiVersion)
  const w = new WireWriter('INVALID_REQUEST')
  w.int16(header.apiKey)
  w.int16(header.apiVersion)
  w.int32(header.correlationId)
  const clientId = header.clientId === undefined ? null : header.clientId
  // The client id always has an int16 length, even in header v2, so any broker can read it.
  if (clientId === null) w.int16(-1)
  else w.string(clientId, false)
  if (requestHeaderVersion(header.apiKey, header.apiVersion) === 2) w.uvarint(0)
  encodeWith(planFor(api.request, header.apiVersion), body as Record<string, unknown>, w)
  return w.finish(options.framed)
}

/**
 * Reads only the header. Works for API keys and versions brook does not speak (it reads a v1 header),
 * so a broker can answer those with UNSUPPORTED_VERSION and the right correlation id.
 */
export function decodeRequestHeader(bytes: Uint8Array): DecodedHeader {
  return guard('INVALID_REQUEST', () => {
    const r = new WireReader(bytes, 'INVALID_REQUEST')
    const apiKey = r.int16('api key')
    const apiVersion = r.int16('api version')
    const correlationId = r.int32('correlation id')
    const n = r.int16('client id length')
    let clientId: string | null = null
    if (n >= 0) clientId = r.utf8(n, 'client id')
    else if (n !== -1) r.fail(`client id length ${n}`)
    if (isSupported(apiKey, apiVersion) && requestHeaderVersion(apiKey, apiVersion) === 2) {
      const tags = r.uvarint('header tag count')
      for (let i = 0; i < tags; i++) {
        r.uvarint('header tag')
        const size = r.uvarint('header tag size')
        r.bytes(size, 'header tag')
      }
    }
    return { apiKey, apiVersion, correlationId, clientId, bodyOffset: r.pos }
  })
}

/** Discriminated on the top-level `apiKey`: `if (req.apiKey === 3) req.body.topics` is typed. */
export type DecodedRequest = {
  [K in ApiKey]: { apiKey: K; header: RequestHeader & { apiKey: K }; body: RequestBody<K> }
}[ApiKey]

/** Header and body of a request (without the size prefix). Unknown API/version → UNSUPPORTED_VERSION. */
export function decodeRequest(bytes: Uint8Array): DecodedRequest {
  const h = decodeRequestHeader(bytes)
  const api = apiFor(h.apiKey, h.apiVersion)
  const body = guard('INVALID_REQUEST', () =>
    decodeWith(planFor(api.request, h.apiVersion), new WireReader(bytes, 'INVALID_REQUEST', h.bodyOffset)),
  )
  const { bodyOffset: _, ...header } = h
  return { apiKey: h.apiKey, header, body } as unknown as DecodedRequest
}

function responseWriter<K extends ApiKey>(
  apiKey: K,
  apiVersion: number,
  correlationId: number,
  body: ResponseInput<K>,
): WireWriter {
  const api = apiFor(apiKey, apiVersion)
  const w = new WireWriter('UNKNOWN_SERVER_ERROR', 256)
  w.int32(correlationId)
  if (responseHeaderFlexible(apiKey, apiVersion)) w.uvarint(0)
  encodeWith(planFor(api.response, apiVersion), body as Record<string, unknown>, w)
  return w
}

export function encodeResponse<K extends ApiKey>(
  apiKey: K,
  apiVersion: number,
  correlationId: number,
  body: ResponseInput<K>,
  options: EncodeOptions = {},
): Uint8Array {
  return responseWriter(apiKey, apiVersion, correlationId, body).finish(options.framed)
}

/**
 * A whole response frame (int32 size first) as a list of arrays to write in order: record bytes
 * in the body are the caller's own arrays, not copied (see `WireWriter.finishChunks`).
 */
export function encodeResponseFrameChunks<K extends ApiKey>(
  apiKey: K,
  apiVersion: number,
  correlationId: number,
  body: ResponseInput<K>,
): Uint8Array[] {
  return responseWriter(apiKey, apiVersion, correlationId, body).finishChunks(true)
}

export function decodeResponse<K extends ApiKey>(
  apiKey: K,
  apiVersion: number,
  bytes: Uint8Array,
): { correlationId: number; body: ResponseBody<K> } {
  const api = apiFor(apiKey, apiVersion)
  const type: KafkaErrorName = 'CORRUPT_MESSAGE'
  return guard(type, () => {
    const r = new WireReader(bytes, type)
    const correlationId = r.int32('correlation id')
    if (responseHeaderFlexible(apiKey, apiVersion)) {
      const tags = r.uvarint('header tag count')
      for (let i = 0; i < tags; i++) {
        r.uvarint('header tag')
        r.bytes(r.uvarint('header tag size'), 'header tag')
      }
    }
    const plan = planFor(api.response, apiVersion)
    if (apiKey !== API.ApiVersions || apiVersion === 0) {
      return { correlationId, body: decodeWith(plan, r) as unknown as ResponseBody<K> }
    }
    // A broker answers an ApiVersions version it does not know with error 35 in a v0 body (KIP-511).
    // Like Kafka's ApiVersionsResponse.parse: read the version asked for, and if that fails, v0.
    const start = r.pos
    let body: ResponseBody<K>
    try {
      body = decodeWith(plan, r) as unknown as ResponseBody<K>
    } catch (e) {
      r.pos = start
      try {
        body = decodeWith(planFor(api.response, 0), r) as unknown as ResponseBody<K>
      } catch {
        throw e
      }
    }
    return { correlationId, body }
  })
}

/** Reads only the correlation id of a response (the first 4 bytes). */
export function responseCorrelationId(bytes: Uint8Array): number {
  if (bytes.length < 4) throw new BrookError('CORRUPT_MESSAGE', 'response shorter than its header')
  return new DataView(bytes.buffer, bytes.byteOffset, 4).getInt32(0)
}

/** Prepends the int32 size that frames a request or response on a stream. */
export function frame(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + 4)
  new DataView(out.buffer).setInt32(0, bytes.length)
  out.set(bytes, 4)
  return out
}
