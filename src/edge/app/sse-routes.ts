/**
 * @module SSE: tail one partition from an offset (or a timestamp, or the log end). Each record is
 * an event `record` whose id is its offset, so a reconnecting EventSource resumes after the last
 * one it saw (`Last-Event-ID`). A reader that stops reading is not buffered for: each write waits
 * for the one before, and one that cannot be written for `slowConsumerMs` ends the stream with an
 * `error` event naming why.
 */

import { Hono } from 'hono'
import { streamSSE } from 'hono/streaming'
import { type AppContext, scoped } from './context.ts'
import { badRequest, HttpError, toHttpError } from './http-errors.ts'
import { intParam, topicParam } from './params.ts'
import { VALUE_FORMATS, type ValueFormat } from './records-json.ts'
import { readRecords, startOffset } from './records-routes.ts'
import { partitionCount } from './topics-routes.ts'

/** How long one long-poll waits before a keep-alive comment goes out. */
const POLL_MS = 15_000

export function sseRoutes(base: AppContext): Hono {
  const app = new Hono()
  app.get('/:topic/partitions/:partition/events', async (c) => {
    const ctx = scoped(c, base)
    const topic = topicParam(c.req.param('topic'))
    const partition = intParam(c.req.param('partition'), 'partition', { max: 1_000_000 })
    const format = (c.req.query('format') ?? 'json') as ValueFormat
    if (!VALUE_FORMATS.includes(format)) throw badRequest(`format must be one of ${VALUE_FORMATS.join(', ')}`)
    const n = await partitionCount(ctx, topic)
    if (partition >= n)
      throw new HttpError(
        'UNKNOWN_TOPIC_OR_PARTITION',
        `partition ${partition} is not in [0, ${n - 1}] of ${topic}`,
      )
    const lastId = c.req.header('last-event-id')
    let offset =
      lastId !== undefined && lastId !== ''
        ? intParam(lastId, 'Last-Event-ID') + 1
        : await startOffset(ctx, topic, partition, c.req.query('offset'), c.req.query('timestamp'), 'latest')
    const slot = ctx.connections && ctx.principal ? ctx.connections.acquire(ctx.principal) : () => {}
    if (!slot)
      throw new HttpError('POLICY_VIOLATION', `too many open connections for ${ctx.principal}`, 429, {
        'retry-after': '5',
      })
    return streamSSE(c, async (stream) => {
      const closed = ctx.metrics.connection('sse')
      let aborted = false
      stream.onAbort(() => {
        aborted = true
      })
      const slow = () =>
        new Promise<'slow'>((resolve) => {
          const t = setTimeout(() => resolve('slow'), ctx.limits.slowConsumerMs)
          ;(t as { unref?: () => void }).unref?.()
          timers.push(t)
        })
      const timers: ReturnType<typeof setTimeout>[] = []
      // Each write is raced against the slow-consumer timer: a reader that does not take what was
      // sent within slowConsumerMs is dropped rather than buffered for.
      // One write per fetched batch of events, not per event: a timer per record would cost more
      // than the record.
      const send = async (text: string) => {
        const r = await Promise.race([stream.write(text).then(() => 'ok' as const), slow()])
        for (const t of timers.splice(0)) clearTimeout(t)
        if (r === 'slow') {
          aborted = true
          stream.abort()
        }
      }
      try {
        await stream.write(': brook\n\n')
        while (!aborted) {
          const got = await readRecords(ctx, {
            topic,
            partition,
            offset,
            maxBytes: 1 << 20,
            waitMs: Math.min(POLL_MS, ctx.limits.maxWaitMs),
            limit: 1000,
            format,
          })
          if (got.records.length === 0 && got.nextOffset === offset) {
            await send(event('ping', JSON.stringify({ highWatermark: got.highWatermark })))
            continue
          }
          let text = ''
          for (const r of got.records) text += event('record', JSON.stringify(r), String(r.offset))
          if (text) await send(text)
          offset = got.nextOffset
        }
      } catch (e) {
        const err = toHttpError(e)
        if (!aborted) await send(event('error', JSON.stringify({ error: err.error, message: err.message })))
      } finally {
        closed()
        slot()
      }
    })
  })
  return app
}

/** One SSE event; `data` is JSON, so it holds no line break. */
function event(name: string, data: string, id?: string): string {
  return `event: ${name}\n${id === undefined ? '' : `id: ${id}\n`}data: ${data}\n\n`
}
