/**
 * @module The Durable Streams protocol's vocabulary: header and query names, the offset format,
 * content-type rules and the header values a client may send, each checked as strictly as the
 * reference server (`@durable-streams/server`) checks it. Nothing here touches the broker.
 */

export const H = {
  offset: 'Stream-Next-Offset',
  upToDate: 'Stream-Up-To-Date',
  cursor: 'Stream-Cursor',
  closed: 'Stream-Closed',
  seq: 'Stream-Seq',
  ttl: 'Stream-TTL',
  expiresAt: 'Stream-Expires-At',
  sseEncoding: 'Stream-SSE-Data-Encoding',
  forkedFrom: 'Stream-Forked-From',
  forkOffset: 'Stream-Fork-Offset',
  forkSubOffset: 'Stream-Fork-Sub-Offset',
  producerId: 'Producer-Id',
  producerEpoch: 'Producer-Epoch',
  producerSeq: 'Producer-Seq',
  expectedSeq: 'Producer-Expected-Seq',
  receivedSeq: 'Producer-Received-Seq',
} as const

/**
 * Offsets are `<16 digits>_<16 digits>`, the reference server's shape, so that clients and the
 * conformance suite (which sends `0000000000000000_0000000000000000` as "the start") see what they
 * expect. The first half is always zero here; the second is the stream *position*: how many
 * records precede the offset, counting inherited records of a fork. Zero-padding makes the
 * strings sort as the positions do.
 */
const ZEROS = '0000000000000000'
const OFFSET = /^(\d+)_(\d+)$/

export function formatOffset(position: number): string {
  return `${ZEROS}_${String(position).padStart(16, '0')}`
}

/**
 * The position an offset names; `Infinity` for a well-formed offset past anything this server
 * hands out (a non-zero first half, or a second half beyond 2^53), `undefined` when malformed.
 */
export function parseOffset(raw: string): number | undefined {
  const m = OFFSET.exec(raw)
  if (!m) return undefined
  if (/[^0]/.test(m[1]!)) return Number.POSITIVE_INFINITY
  const n = Number(m[2])
  return Number.isSafeInteger(n) ? n : Number.POSITIVE_INFINITY
}

/** What a read's `offset` query asks for. */
export type ReadFrom = { kind: 'start' } | { kind: 'now' } | { kind: 'position'; position: number }

/** The `offset` query, or a reason it is refused (the reference accepts `-1`, `now`, `\d+_\d+`). */
export function readFrom(values: string[]): ReadFrom | string {
  if (values.length === 0) return { kind: 'start' }
  if (values.length > 1) return 'Multiple offset parameters not allowed'
  const raw = values[0]!
  if (raw === '') return 'Empty offset parameter'
  if (raw === '-1') return { kind: 'start' }
  if (raw === 'now') return { kind: 'now' }
  const position = parseOffset(raw)
  return position === undefined ? 'Invalid offset format' : { kind: 'position', position }
}

/** The media type alone, lower-cased: `application/json; charset=utf-8` → `application/json`. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase()
}

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream'

/** JSON mode: each append is one value or an array of values, and reads answer one JSON array. */
export function isJsonType(contentType: string | undefined): boolean {
  return mediaType(contentType) === 'application/json'
}

/** SSE sends text as it is and everything else as base64 (protocol section 5.7). */
export function isTextType(contentType: string | undefined): boolean {
  const t = mediaType(contentType)
  return t.startsWith('text/') || t === 'application/json'
}

/** A content type worth keeping on create; anything else becomes the default, as in the reference. */
export function usableContentType(raw: string | undefined): string | undefined {
  if (!raw || raw.trim() === '' || !/^[\w-]+\/[\w-]+/.test(raw)) return undefined
  return raw
}

const NON_NEGATIVE = /^(0|[1-9]\d*)$/
const DIGITS = /^\d+$/

/** Stream-TTL: a non-negative integer without sign, leading zeros, decimals or exponent. */
export function parseTtl(raw: string): number | undefined {
  if (!NON_NEGATIVE.test(raw)) return undefined
  const n = Number(raw)
  return Number.isSafeInteger(n) ? n : undefined
}

/** Stream-Fork-Sub-Offset: same rule as the TTL. */
export const parseSubOffset = parseTtl

/** Producer-Epoch and Producer-Seq: digits only ("1abc", "1e3", "-1" are refused). */
export function parseProducerNumber(raw: string): number | undefined {
  if (!DIGITS.test(raw)) return undefined
  const n = Number(raw)
  return Number.isSafeInteger(n) ? n : undefined
}

/** Stream-Expires-At: any timestamp `Date` understands (ISO 8601 in practice). */
export function validExpiresAt(raw: string): boolean {
  return !Number.isNaN(new Date(raw).getTime())
}
