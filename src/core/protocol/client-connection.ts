/**
 * @module The client end of one Kafka connection, independent of the byte transport (TCP in Node, a
 * WebSocket in a browser): correlation ids, many requests in flight, responses matched by id, a timeout
 * per request, and requests that expect no response (Produce with acks=0). The transport only moves
 * whole frames; `receive` is fed each response frame without its size prefix.
 */
import { type Clock, systemClock } from '../clock.ts'
import { BrookError } from '../errors.ts'
import { decodeResponse, encodeRequest, responseCorrelationId } from './frames.ts'
import type { ApiKey, RequestInput, ResponseBody } from './types.generated.ts'

export interface RequestOptions {
  /** false for requests the broker does not answer (Produce with acks=0): resolves once sent. */
  expectResponse?: boolean
  /** Overrides the connection's request timeout (long-polling Fetch and JoinGroup need more). */
  timeoutMs?: number
}

/**
 * The seam KafkaProtocolService is built on: one broker, request in, decoded response out. The
 * overloads of `request` are declared once, on FrameConnection.
 */
export type KafkaConnection = Pick<FrameConnection, 'request' | 'close'>

/** Moves whole frames. `send` gets a frame with its int32 size prefix, ready for a stream. */
export interface FrameTransport {
  send(frame: Uint8Array): void
  close(): void
}

interface Pending {
  apiKey: ApiKey
  apiVersion: number
  resolve(body: unknown): void
  reject(e: Error): void
  cancelTimer(): void
}

export interface FrameConnectionOptions {
  clientId?: string
  requestTimeoutMs?: number
  clock?: Clock
}

export class FrameConnection {
  private nextId = 0
  private readonly pending = new Map<number, Pending>()
  private closedWith: Error | null = null
  private readonly clientId: string
  private readonly timeoutMs: number
  private readonly clock: Clock

  constructor(
    private readonly transport: FrameTransport,
    options: FrameConnectionOptions = {},
  ) {
    this.clientId = options.clientId ?? 'brook'
    this.timeoutMs = options.requestTimeoutMs ?? 30_000
    this.clock = options.clock ?? systemClock
  }

  request<K extends ApiKey>(
    apiKey: K,
    apiVersion: number,
    body: RequestInput<K>,
    options?: RequestOptions & { expectResponse?: true },
  ): Promise<ResponseBody<K>>
  request<K extends ApiKey>(
    apiKey: K,
    apiVersion: number,
    body: RequestInput<K>,
    options: RequestOptions & { expectResponse: false },
  ): Promise<null>
  request<K extends ApiKey>(
    apiKey: K,
    apiVersion: number,
    body: RequestInput<K>,
    options: RequestOptions = {},
  ): Promise<ResponseBody<K> | null> {
    if (this.closedWith) return Promise.reject(this.closedWith)
    const correlationId = this.nextId
    this.nextId = (this.nextId + 1) & 0x7fffffff
    let frame: Uint8Array
    try {
      frame = encodeRequest({ apiKey, apiVersion, correlationId, clientId: this.clientId }, body, {
        framed: true,
      })
    } catch (e) {
      return Promise.reject(e)
    }
    if (options.expectResponse === false) {
      this.transport.send(frame)
      return Promise.resolve(null)
    }
    return new Promise<ResponseBody<K>>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.timeoutMs
      const cancelTimer = this.clock.setTimeout(() => {
        if (!this.pending.delete(correlationId)) return
        reject(
          new BrookError(
            'REQUEST_TIMED_OUT',
            `no response to API ${apiKey} v${apiVersion} in ${timeoutMs} ms`,
          ),
        )
      }, timeoutMs)
      this.pending.set(correlationId, {
        apiKey,
        apiVersion,
        resolve: resolve as (b: unknown) => void,
        reject,
        cancelTimer,
      })
      this.transport.send(frame)
    })
  }

  /** One response frame (no size prefix) from the transport. A frame nobody waits for is dropped. */
  receive(frame: Uint8Array): void {
    let id: number
    try {
      id = responseCorrelationId(frame)
    } catch (e) {
      this.fail(e as Error)
      return
    }
    const p = this.pending.get(id)
    if (!p) return
    this.pending.delete(id)
    p.cancelTimer()
    try {
      p.resolve(decodeResponse(p.apiKey, p.apiVersion, frame).body)
    } catch (e) {
      p.reject(e as Error)
    }
  }

  /** The transport closed or failed: every waiting request fails, and so does every later one. */
  fail(cause?: Error): void {
    if (this.closedWith) return
    this.closedWith =
      cause instanceof BrookError
        ? cause
        : new BrookError('NETWORK_EXCEPTION', cause?.message ?? 'connection closed', { cause })
    for (const p of this.pending.values()) {
      p.cancelTimer()
      p.reject(this.closedWith)
    }
    this.pending.clear()
  }

  get isClosed(): boolean {
    return this.closedWith !== null
  }

  get inFlight(): number {
    return this.pending.size
  }

  async close(): Promise<void> {
    this.fail(new BrookError('NETWORK_EXCEPTION', 'connection closed by the client'))
    this.transport.close()
  }
}
