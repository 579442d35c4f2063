/**
 * @module The Kafka protocol over a WebSocket to brook's relay (`/v1/ws`): one request frame per
 * binary message, without the size prefix. Runtime-neutral: it takes the platform's WebSocket (the
 * browser's, a worker's, Node 22's global, or the `ws` package's on Node 20). The connection comes
 * back by itself: when the socket drops, requests in flight fail with NETWORK_EXCEPTION (retriable:
 * the client retries them), and the next request opens a new socket after a backoff with full
 * jitter, so a thousand pages that lost the relay together do not all come back in one instant.
 */

import { fullJitterDelay } from '../backoff.ts'
import { type Clock, systemClock } from '../clock.ts'
import { BrookError } from '../errors.ts'
import { FrameConnection, type KafkaConnection } from './client-connection.ts'
import { RelayReachability } from './relay-reachability.ts'

/** What brook needs of a WebSocket: the standard API, as browsers, workerd, Node 22 and `ws` have it. */
export interface WebSocketLike {
  binaryType: string
  readonly readyState: number
  send(data: Uint8Array): void
  close(code?: number, reason?: string): void
  addEventListener(type: 'open' | 'close' | 'error' | 'message', listener: (event: never) => void): void
}
export type WebSocketConstructor = new (url: string) => WebSocketLike

export interface ReconnectOptions {
  /** First wait after a drop. Default 100 ms. */
  initialDelayMs?: number
  /** Longest wait. Default 10 s. */
  maxDelayMs?: number
  /** Give up after this many failed attempts in a row (NETWORK_EXCEPTION until a new connect). Default: never. */
  maxAttempts?: number
}

export interface RelayConnectionOptions {
  /** The relay: `http(s)://host:port` (its `/v1/ws` is used) or a `ws(s)://…/v1/ws` URL. */
  url: string | URL
  /** A bearer token or JWT; sent as `?access_token=` because browsers cannot set WebSocket headers. */
  token?: string
  /** Default: `globalThis.WebSocket`. On Node 20, pass the `ws` package's (or use `brook/edge`). */
  WebSocket?: WebSocketConstructor
  clientId?: string
  requestTimeoutMs?: number
  /** How long opening the socket may take. Default 10 s. */
  connectTimeoutMs?: number
  /** false: no reconnecting (a drop is final). */
  reconnect?: ReconnectOptions | false
  clock?: Clock
  /** For tests of the jitter. Default Math.random. */
  random?: () => number
  /**
   * What the connections before this one found at the relay's address; pass the same one to each
   * connection of a loop that opens them one after another. Default: one of its own.
   */
  reachability?: RelayReachability
}

const OPEN = 1

/** `http://h:p` → `ws://h:p/v1/ws`; a URL already ending in /v1/ws is kept; the token is appended. */
export function relaySocketUrl(url: string | URL, token?: string): string {
  const u = new URL(String(url))
  if (u.protocol === 'http:') u.protocol = 'ws:'
  else if (u.protocol === 'https:') u.protocol = 'wss:'
  else if (u.protocol !== 'ws:' && u.protocol !== 'wss:')
    throw new BrookError('INVALID_REQUEST', `the relay URL must be http(s) or ws(s), not ${u.protocol}`)
  if (!u.pathname.endsWith('/v1/ws')) u.pathname = `${u.pathname.replace(/\/+$/, '')}/v1/ws`
  if (token) u.searchParams.set('access_token', token)
  return u.toString()
}

/** Opens one socket; resolves with its FrameConnection once open. */
function openSocket(
  Ctor: WebSocketConstructor,
  url: string,
  shown: string,
  opts: RelayConnectionOptions,
  reach: RelayReachability,
): Promise<FrameConnection> {
  return new Promise((resolve, reject) => {
    let ws: WebSocketLike
    try {
      ws = new Ctor(url)
    } catch (e) {
      reject(
        new BrookError('NETWORK_EXCEPTION', `cannot open ${shown}: ${(e as Error).message}`, { cause: e }),
      )
      return
    }
    ws.binaryType = 'arraybuffer'
    const conn = new FrameConnection(
      {
        // FrameConnection frames for a stream; the WebSocket frames by itself.
        send: (frame) => {
          if (ws.readyState === OPEN) ws.send(frame.subarray(4))
        },
        close: () => ws.close(1000, 'client closed'),
      },
      { clientId: opts.clientId, requestTimeoutMs: opts.requestTimeoutMs, clock: opts.clock },
    )
    let opened = false
    const clock = opts.clock ?? systemClock
    const cancel = clock.setTimeout(() => {
      if (opened) return
      reject(
        new BrookError(
          'NETWORK_EXCEPTION',
          `${shown}: no connection within ${opts.connectTimeoutMs ?? 10_000} ms`,
        ),
      )
      ws.close()
    }, opts.connectTimeoutMs ?? 10_000)
    ws.addEventListener('open', () => {
      opened = true
      cancel()
      reach.reached(url)
      resolve(conn)
    })
    ws.addEventListener('message', (e: { data: unknown }) => {
      if (e.data instanceof ArrayBuffer) conn.receive(new Uint8Array(e.data))
      else conn.fail(new BrookError('CORRUPT_MESSAGE', `${shown} sent a text message`))
    })
    // A handshake that fails fires error, then close: ask the relay why once, then reject.
    let failing = false
    const failOpen = (detail: string) => {
      if (opened || failing) return
      failing = true
      cancel()
      const unreachable = new BrookError(
        'NETWORK_EXCEPTION',
        `cannot reach the relay at ${shown} (${detail})`,
      )
      reach.whyRefused(url, shown).then(
        (why) => reject(why ?? unreachable),
        () => reject(unreachable),
      )
    }
    ws.addEventListener('error', () => failOpen('refused, unreachable or not authorised'))
    ws.addEventListener('close', (e: { code?: number; reason?: string }) => {
      cancel()
      const why = e.reason ? `: ${e.reason}` : ''
      conn.fail(
        new BrookError('NETWORK_EXCEPTION', `${shown} closed the connection (${e.code ?? 1006}${why})`),
      )
      failOpen(`${e.code ?? 1006}${why}`)
    })
  })
}

/**
 * A KafkaConnection that survives the socket: a request waits for the current socket (opening a
 * new one after a backoff when the last one dropped) and fails only with the socket it was sent on.
 */
export class RelayConnection implements KafkaConnection {
  private current: Promise<FrameConnection> | null = null
  /** The socket `current` resolved to: a closed one is replaced at once, not a microtask later. */
  private live: FrameConnection | null = null
  private failures = 0
  private closed = false
  private readonly url: string
  private readonly shown: string
  private readonly Ctor: WebSocketConstructor
  private readonly reach: RelayReachability

  private constructor(private readonly opts: RelayConnectionOptions) {
    const Ctor = opts.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket
    if (!Ctor)
      throw new BrookError(
        'INVALID_REQUEST',
        "this runtime has no WebSocket (Node 20): pass { WebSocket } of the 'ws' package, or use connect() of the brook/edge entry",
      )
    this.Ctor = Ctor
    this.url = relaySocketUrl(opts.url, opts.token)
    this.shown = relaySocketUrl(opts.url)
    this.reach = opts.reachability ?? new RelayReachability({ clock: opts.clock })
  }

  /** Opens the first socket now: a relay that cannot be reached fails here, not on a later call. */
  static async open(opts: RelayConnectionOptions): Promise<RelayConnection> {
    const c = new RelayConnection(opts)
    c.current = c.connect(0)
    await c.current.catch((e) => {
      c.current = null
      throw e
    })
    return c
  }

  private connect(delayMs: number): Promise<FrameConnection> {
    const clock = this.opts.clock ?? systemClock
    const wait = delayMs > 0 ? new Promise<void>((r) => clock.setTimeout(r, delayMs)) : Promise.resolve()
    return wait.then(async () => {
      if (this.closed) throw new BrookError('NETWORK_EXCEPTION', 'connection closed by the client')
      try {
        const timeoutMs = this.opts.connectTimeoutMs ?? 10_000
        if (!(await this.reach.worthTrying(this.url, timeoutMs)))
          throw new BrookError(
            'NETWORK_EXCEPTION',
            `cannot reach the relay at ${this.shown} (nothing answers there)`,
          )
        const conn = await openSocket(this.Ctor, this.url, this.shown, this.opts, this.reach)
        this.failures = 0
        this.live = conn
        return conn
      } catch (e) {
        this.failures++
        throw e
      }
    })
  }

  private backoff(): number {
    const r = this.opts.reconnect
    if (r === false) return -1
    if (r?.maxAttempts !== undefined && this.failures >= r.maxAttempts) return -1
    return fullJitterDelay(this.failures, r || {}, this.opts.random)
  }

  private socket(): Promise<FrameConnection> {
    if (this.live?.isClosed) {
      this.live = null
      this.current = null
    }
    if (this.current) return this.current
    const delay = this.backoff()
    if (delay < 0)
      return Promise.reject(
        new BrookError('NETWORK_EXCEPTION', `${this.shown}: connection lost, not reconnecting`),
      )
    const next = this.connect(delay)
    this.current = next
    next.catch(() => {
      if (this.current === next) this.current = null
    })
    return next
  }

  request: KafkaConnection['request'] = (async (
    apiKey: never,
    apiVersion: number,
    body: never,
    options?: never,
  ) => {
    const conn = await this.socket()
    return conn.request(apiKey, apiVersion, body, options)
  }) as unknown as KafkaConnection['request']

  async close(): Promise<void> {
    this.closed = true
    const c = this.current
    this.current = null
    await (await c?.catch(() => null))?.close()
  }
}
