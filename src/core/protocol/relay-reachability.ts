/**
 * @module What a client learns of a relay's address between WebSockets: why a handshake failed
 * (asked over HTTP, since a browser's WebSocket reports every failure as the same bare error), and
 * whether anything answers there at all before the next socket goes out. Browsers throttle
 * WebSocket attempts after failures (RFC 6455 §7.2.3): Chromium holds each new one back by up to
 * 1–5 s once about a dozen failed in the last minutes, even after the relay is back, so a client
 * retrying a relay that was down came back seconds late. A fetch that finds nothing fails in a few
 * milliseconds and counts towards no throttle, so while nothing answers, the client asks with
 * fetch and opens no socket.
 */

import { type Clock, systemClock } from '../clock.ts'
import { BrookError } from '../errors.ts'

/**
 * A socket goes out at least this often, whatever the HTTP probe says: a probe that fails where a
 * socket would not (an odd proxy, a service worker answering fetches) delays the connection,
 * never prevents it.
 */
export const SOCKET_AT_LEAST_EVERY_MS = 30_000

export interface RelayReachabilityOptions {
  /** Default `globalThis.fetch`; without one, every attempt opens a socket. */
  fetch?: typeof fetch
  clock?: Clock
}

/**
 * Shared by the connections that follow one another to a relay (RelayConnection's reconnects, a
 * sync loop's connections), so that each knows what the last one found.
 */
export class RelayReachability {
  /** Per host: when a socket there last found nothing answering. */
  private readonly silent = new Map<string, number>()
  private readonly fetch: typeof fetch | undefined
  private readonly clock: Clock

  constructor(opts: RelayReachabilityOptions = {}) {
    // Wrapped: a browser's fetch called as a method of another object throws "Illegal invocation".
    this.fetch = opts.fetch ?? (typeof fetch === 'function' ? (url, init) => fetch(url, init) : undefined)
    this.clock = opts.clock ?? systemClock
  }

  /** A socket to `socketUrl` opened: the next goes out without asking. */
  reached(socketUrl: string): void {
    this.silent.delete(new URL(socketUrl).host)
  }

  /**
   * Whether a socket to `socketUrl` is worth opening now: yes, unless the last one found nothing
   * there and a plain HTTP request finds nothing either.
   */
  async worthTrying(socketUrl: string, timeoutMs: number): Promise<boolean> {
    const since = this.silent.get(new URL(socketUrl).host)
    if (since === undefined || this.clock.now() - since >= SOCKET_AT_LEAST_EVERY_MS) return true
    return this.answers(socketUrl, timeoutMs)
  }

  /**
   * Why the relay refused a socket to `socketUrl`, where it says: the same URL as a plain GET goes
   * through the relay's same checks (origin, then credentials) and answers 401 or 403 with a
   * reason; any other answer leaves it a network error (undefined). Nothing answering at all is
   * written down for `worthTrying`, and rejects.
   */
  async whyRefused(socketUrl: string, shown: string): Promise<BrookError | undefined> {
    if (!this.fetch) return undefined
    let res: Response
    try {
      res = await this.fetch(httpUrl(socketUrl), { signal: AbortSignal.timeout(5_000) })
    } catch (e) {
      if (!isTimeout(e)) this.silent.set(new URL(socketUrl).host, this.clock.now())
      throw e
    }
    if (res.status !== 401 && res.status !== 403) {
      await res.body?.cancel().catch(() => {})
      return undefined
    }
    const body = (await res.json().catch(() => ({}))) as { error?: string; message?: string }
    const reason = body.message ?? res.statusText
    if (res.status === 401)
      return new BrookError(
        'SASL_AUTHENTICATION_FAILED',
        `the relay at ${shown} refused the credentials: ${reason}`,
      )
    return new BrookError(
      'CLUSTER_AUTHORIZATION_FAILED',
      `the relay at ${shown} refused the connection: ${reason}`,
    )
  }

  /** Whether anything answers HTTP at the socket's URL (any status: the answer is not read). */
  private async answers(socketUrl: string, timeoutMs: number): Promise<boolean> {
    if (!this.fetch) return true
    const url = httpUrl(socketUrl)
    // Without the token: any answer, 401 included, says the relay is there. `no-cors`, so that a
    // page's origin the relay does not list for CORS still learns that much.
    url.searchParams.delete('access_token')
    const init: RequestInit = {
      mode: 'no-cors',
      cache: 'no-store',
      credentials: 'omit',
      signal: AbortSignal.timeout(timeoutMs),
    }
    try {
      new Request(url, init)
    } catch {
      // A runtime without these request modes (workerd): no probe, the socket goes out.
      return true
    }
    try {
      const res = await this.fetch(url, init)
      await res.body?.cancel().catch(() => {})
      return true
    } catch {
      return false
    }
  }
}

function httpUrl(socketUrl: string): URL {
  const u = new URL(socketUrl)
  u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:'
  return u
}

function isTimeout(e: unknown): boolean {
  return e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')
}
