/**
 * @module `/v1/ws`: the Kafka protocol over WebSocket. Each binary message is one request frame
 * (without Kafka's 4-byte size prefix: the WebSocket frames it), each answer one binary message,
 * in request order — the same runtime-neutral session the TCP listener drives, so every client and
 * group behaviour is the same on both. Bounded: a message over `maxWebSocketMessageBytes` or a text
 * message closes the socket (1009, 1003); a client that stops reading its answers is paused (its
 * requests wait) and, after `slowConsumerMs` over `maxBufferedBytes`, closed with 1008.
 */

import type { UpgradeWebSocket, WSContext } from 'hono/ws'
import { concatBytes } from '../../core/format/bytes.ts'
import { answerFrame, createKafkaHandler } from '../../core/protocol/server.ts'
import { type AppContext, scoped } from './context.ts'

/** Close codes (RFC 6455 §7.4.1). */
export const WS_CLOSE = {
  UNSUPPORTED_DATA: 1003,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  INTERNAL_ERROR: 1011,
} as const

const DRAIN_POLL_MS = 20

function buffered(ws: WSContext): number {
  const raw = ws.raw as { bufferedAmount?: number } | undefined
  return typeof raw?.bufferedAmount === 'number' ? raw.bufferedAmount : 0
}

/**
 * Sends one message made of several arrays. A runtime whose WebSocket can send a message in
 * fragments (Node's `ws`) passes its own, so fetched record bytes go out without being copied into
 * one array; the default copies.
 */
export type SendChunks = (ws: WSContext, chunks: Uint8Array[]) => void

const sendWhole: SendChunks = (ws, chunks) => ws.send(concatBytes(chunks) as Uint8Array<ArrayBuffer>)

export function kafkaWebSocket(
  ctx: AppContext,
  upgrade: UpgradeWebSocket,
  sendChunks: SendChunks = sendWhole,
) {
  return upgrade((c) => {
    const own = scoped(c, ctx)
    const session = createKafkaHandler({
      service: own.service,
      // The HTTP principal carries over; a SASL exchange on the socket may change it, as on TCP.
      principal: own.principal,
      serviceFor: ctx.kafkaServiceFor,
      connections: ctx.connections,
      advertised: ctx.advertised,
      clientHost: `/${c.req.header('x-forwarded-for') ?? 'websocket'}`,
      log: ctx.log,
    })
    let chain: Promise<void> = Promise.resolve()
    let queued = 0
    let open = true
    let closeMetric: (() => void) | undefined
    const close = (ws: WSContext, code: number, reason: string) => {
      if (!open) return
      open = false
      ctx.log(`closing WebSocket: ${reason}`, 'warn')
      try {
        ws.close(code, reason)
      } catch {}
    }
    /** Waits while the peer has more than maxBufferedBytes unread; false if it stayed so too long. */
    const drained = async (ws: WSContext): Promise<boolean> => {
      const since = Date.now()
      while (open && buffered(ws) > ctx.limits.maxBufferedBytes) {
        if (Date.now() - since > ctx.limits.slowConsumerMs) return false
        await new Promise((r) => setTimeout(r, DRAIN_POLL_MS))
      }
      return true
    }
    return {
      onOpen() {
        closeMetric = ctx.metrics.connection('websocket')
      },
      onMessage(evt, ws) {
        if (!open) return
        const data = evt.data
        if (typeof data === 'string') return close(ws, WS_CLOSE.UNSUPPORTED_DATA, 'binary Kafka frames only')
        if (!(data instanceof ArrayBuffer))
          return close(ws, WS_CLOSE.UNSUPPORTED_DATA, 'binary Kafka frames only')
        if (data.byteLength > ctx.limits.maxWebSocketMessageBytes)
          return close(
            ws,
            WS_CLOSE.MESSAGE_TOO_BIG,
            `a message of ${data.byteLength} bytes is over the ${ctx.limits.maxWebSocketMessageBytes}-byte limit`,
          )
        // A client that pipelines without reading its answers must not queue without bound.
        if (++queued > ctx.limits.maxQueuedRequests)
          return close(
            ws,
            WS_CLOSE.POLICY_VIOLATION,
            `more than ${ctx.limits.maxQueuedRequests} requests waiting for answers`,
          )
        const frame = new Uint8Array(data)
        chain = chain
          .then(async () => {
            if (!open) return
            if (!(await drained(ws))) {
              close(
                ws,
                WS_CLOSE.POLICY_VIOLATION,
                `slow consumer: answers unread for ${ctx.limits.slowConsumerMs} ms`,
              )
              // A peer that reads nothing never completes the close handshake: free its buffers.
              const raw = ws.raw as { terminate?: () => void } | undefined
              setTimeout(() => raw?.terminate?.(), 1000)
              return
            }
            try {
              const chunks = await answerFrame(session, frame)
              if (chunks === null || !open) return
              // The WebSocket frames the message: Kafka's 4-byte size prefix is left off.
              const body = [chunks[0]!.subarray(4), ...chunks.slice(1)].filter((c) => c.byteLength > 0)
              sendChunks(ws, body.length > 0 ? body : [new Uint8Array(0)])
            } catch (e) {
              close(
                ws,
                WS_CLOSE.POLICY_VIOLATION,
                e instanceof Error ? e.message.slice(0, 120) : 'bad request',
              )
            }
          })
          .finally(() => {
            queued--
          })
      },
      onClose() {
        open = false
        session.close?.()
        closeMetric?.()
      },
      onError() {
        open = false
      },
    }
  })
}
