/**
 * @module GET: catch-up reads (`?offset=`), long-poll (`&live=long-poll`) and SSE (`&live=sse`).
 * A catch-up read answers what there is from the offset, up to `readBytes`, with the offset to
 * resume from; `Stream-Up-To-Date` once it reached the tail and `Stream-Closed` when the tail is
 * final. A long-poll at the tail waits — in the broker's own fetch, woken by the append — up to
 * the relay's `maxWaitMs`, then answers 204.
 */

import { concatBytes } from '../../../core/format/bytes.ts'
import { responseCursor } from './cursor.ts'
import { badRequest, gone, notFound, respond } from './http.ts'
import { jsonArray } from './json-mode.ts'
import { formatOffset, H, isJsonType, isTextType, readFrom } from './protocol.ts'
import { readChunks } from './reads.ts'
import { sseResponse, toBase64 } from './sse.ts'
import { type Live, type Streams, tailOf } from './streams.ts'

export interface ReadContext {
  streams: Streams
  path: string
  query: URLSearchParams
  ifNoneMatch: string | undefined
  /** Longest wait of a long-poll, and between SSE keep-alives. */
  waitMs: number
  readBytes: number
  /** The SSE connection gauge: called when one opens, returns the call for when it ends. */
  sseOpened?: () => () => void
}

/** An ETag naming what a read covered, so a CDN or browser can revalidate it (section 8.1). */
export function etag(path: string, from: string, end: string, closed: boolean): string {
  return `"${toBase64(new TextEncoder().encode(path))}:${from}:${end}${closed ? ':c' : ''}"`
}

export async function read(r: ReadContext): Promise<Response> {
  const { streams } = r
  const live = await streams.find(r.path)
  if (!live) throw notFound()
  if (live.meta.softDeleted) throw gone()
  const offsets = r.query.getAll('offset')
  const from = readFrom(offsets)
  if (typeof from === 'string') throw badRequest(from)
  const mode = r.query.get('live')
  if ((mode === 'long-poll' || mode === 'sse') && offsets.length === 0)
    throw badRequest(`${mode === 'sse' ? 'SSE' : 'Long-poll'} requires offset parameter`)
  const cursor = r.query.get('cursor') ?? undefined
  // Every read renews a sliding TTL, `offset=now` included.
  streams.touch(live)
  const json = isJsonType(live.meta.contentType)
  const start = from.kind === 'start' ? 0 : from.kind === 'now' ? tailOf(live) : from.position

  if (mode === 'sse') {
    const ended = r.sseOpened?.()
    return sseResponse(streams, live, start, {
      json,
      base64: !isTextType(live.meta.contentType),
      cursor,
      waitMs: r.waitMs,
      readBytes: r.readBytes,
      onEnd: ended,
    })
  }
  const longPoll = mode === 'long-poll'
  const tail = tailOf(live)
  if (from.kind === 'now' && !longPoll) {
    return respond(
      200,
      {
        'content-type': live.meta.contentType,
        [H.offset]: formatOffset(tail),
        [H.upToDate]: 'true',
        [H.closed]: live.closed ? 'true' : undefined,
        // The tail moves with every append: never cache it.
        'cache-control': 'no-store',
      },
      json ? '[]' : '',
    )
  }

  let got = { chunks: [] as { values: Uint8Array[]; end: number }[], end: Math.min(start, tail) }
  if (start < tail) {
    got = await readChunks(streams, live, start, { maxBytes: r.readBytes, json })
  } else if (longPoll && start === tail) {
    const liveCursor = responseCursor(cursor)
    const waited = live.closed
      ? got
      : await readChunks(streams, live, start, { maxBytes: r.readBytes, json, waitMs: r.waitMs })
    if (waited.chunks.length === 0) {
      return respond(204, {
        [H.offset]: formatOffset(start),
        [H.upToDate]: 'true',
        [H.cursor]: liveCursor,
        [H.closed]: live.closed ? 'true' : undefined,
      })
    }
    got = waited
  }
  return answer(r, live, got.chunks, got.end, json, longPoll ? responseCursor(cursor) : undefined)
}

function answer(
  r: ReadContext,
  live: Live,
  chunks: { values: Uint8Array[]; end: number }[],
  end: number,
  json: boolean,
  cursor: string | undefined,
): Response {
  const upToDate = end >= tailOf(live)
  const closedAtEnd = live.closed && upToDate
  const next = formatOffset(end)
  const tag = etag(r.path, r.query.get('offset') ?? '-1', next, closedAtEnd)
  if (r.ifNoneMatch === tag) return respond(304, { etag: tag })
  const values = chunks.flatMap((c) => c.values)
  const body = json ? jsonArray(values) : concatBytes(values, true)
  return respond(
    200,
    {
      'content-type': live.meta.contentType,
      [H.offset]: next,
      [H.upToDate]: upToDate ? 'true' : undefined,
      [H.closed]: closedAtEnd ? 'true' : undefined,
      [H.cursor]: cursor,
      etag: tag,
    },
    body as Uint8Array<ArrayBuffer>,
  )
}
