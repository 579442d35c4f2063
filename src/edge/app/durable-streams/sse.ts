/**
 * @module Live reads over Server-Sent Events (protocol section 5.7). Every message is a `data`
 * event followed by a `control` event carrying the offset after it (and, for the last one, whether
 * the reader is up to date or the stream closed), so a client that stops after any control event
 * holds whole messages and knows where to resume. Text and JSON streams send their text; other
 * types send base64 (`Stream-SSE-Data-Encoding: base64`). A closed stream ends the response after
 * a final `streamClosed` control event.
 *
 * The body is a pull stream: the next read happens only when the client has taken the last one,
 * so a reader that stalls holds no more than one read's worth of memory.
 */

import { concatBytes } from '../../../core/format/bytes.ts'
import { responseCursor } from './cursor.ts'
import { respond } from './http.ts'
import { jsonArray } from './json-mode.ts'
import { formatOffset, H } from './protocol.ts'
import { type Chunk, readChunks } from './reads.ts'
import { type Live, type Streams, tailOf } from './streams.ts'

export interface SseOptions {
  json: boolean
  /** Send data as base64 (everything but text/* and application/json). */
  base64: boolean
  cursor: string | undefined
  /** How long one wait for new data lasts before a keep-alive control event. */
  waitMs: number
  readBytes: number
  /** Called once when the response ends, however it ends. */
  onEnd?: () => void
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * One `data:` line per line of the payload. Splitting on CR, LF and CRLF alike means a payload can
 * never end an event early or inject one of its own (no space after the colon: clients strip
 * exactly one, which would eat a payload's leading space).
 */
function dataLines(payload: string): string {
  return `${payload
    .split(/\r\n|\r|\n/)
    .map((line) => `data:${line}`)
    .join('\n')}\n\n`
}

function control(fields: Record<string, string | boolean>): string {
  return `event: control\n${dataLines(JSON.stringify(fields))}`
}

export function toBase64(bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}

export function sseResponse(streams: Streams, live: Live, from: number, opts: SseOptions): Response {
  let pos = Math.min(from, tailOf(live))
  let upToDateSent = false
  let finished = false
  let ended = false
  const end = () => {
    if (ended) return
    ended = true
    opts.onEnd?.()
  }
  const payload = (chunk: Chunk): string => {
    if (opts.json) return decoder.decode(jsonArray(chunk.values))
    const bytes = concatBytes(chunk.values)
    return opts.base64 ? toBase64(bytes) : decoder.decode(bytes)
  }
  const cursor = () => responseCursor(opts.cursor)

  /** Events for the chunks read, each paired with its control event. */
  const deliver = (chunks: Chunk[]): string => {
    let out = ''
    chunks.forEach((chunk, i) => {
      out += `event: data\n${dataLines(payload(chunk))}`
      const last = i === chunks.length - 1
      const tail = tailOf(live)
      if (last && live.closed && chunk.end >= tail) {
        // streamClosed implies up to date, and a closed stream needs no cursor.
        out += control({ streamNextOffset: formatOffset(chunk.end), streamClosed: true })
        finished = true
      } else {
        const upToDate = last && chunk.end >= tail
        out += control({
          streamNextOffset: formatOffset(chunk.end),
          streamCursor: cursor(),
          ...(upToDate ? { upToDate: true } : {}),
        })
        if (upToDate) upToDateSent = true
      }
    })
    return out
  }

  /** What to send next: what is there to read, else (once caught up) what arrives in one wait. */
  const next = async (): Promise<string> => {
    const tail = tailOf(live)
    if (pos < tail) {
      const got = await readChunks(streams, live, pos, { maxBytes: opts.readBytes, json: opts.json })
      pos = got.end
      return deliver(got.chunks)
    }
    pos = tail
    if (live.closed) {
      finished = true
      return control({ streamNextOffset: formatOffset(pos), streamClosed: true })
    }
    if (!upToDateSent) {
      upToDateSent = true
      return control({ streamNextOffset: formatOffset(pos), streamCursor: cursor(), upToDate: true })
    }
    const got = await readChunks(streams, live, pos, {
      maxBytes: opts.readBytes,
      json: opts.json,
      waitMs: opts.waitMs,
    })
    pos = got.end
    if (got.chunks.length > 0) return deliver(got.chunks)
    if (live.closed) {
      finished = true
      return control({ streamNextOffset: formatOffset(pos), streamClosed: true })
    }
    // Nothing came: a keep-alive, which also refreshes the cursor.
    return control({ streamNextOffset: formatOffset(pos), streamCursor: cursor(), upToDate: true })
  }

  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (finished) {
        controller.close()
        end()
        return
      }
      try {
        const text = await next()
        if (!ended) controller.enqueue(encoder.encode(text))
      } catch {
        // The stream was deleted, or the broker failed: end the response; the client reconnects.
        finished = true
      }
      if (finished && !ended) {
        controller.close()
        end()
      }
    },
    cancel() {
      finished = true
      end()
    },
  })
  return respond(
    200,
    {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      [H.sseEncoding]: opts.base64 ? 'base64' : undefined,
    },
    body,
  )
}
