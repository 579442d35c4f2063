import { describe, expect, it } from 'vitest'
import { ManualClock } from '../clock.ts'
import {
  RelayConnection,
  relaySocketUrl,
  type WebSocketConstructor,
  type WebSocketLike,
} from './client-websocket.ts'
import { RelayReachability, SOCKET_AT_LEAST_EVERY_MS } from './relay-reachability.ts'

type Listener = (e: never) => void

/** A WebSocket the test drives: it opens or fails when told, and records when it was made. */
function fakeSockets(clock: ManualClock) {
  const made: { at: number; url: string; ws: FakeSocket }[] = []
  class FakeSocket implements WebSocketLike {
    binaryType = 'blob'
    readyState = 0
    sent: Uint8Array[] = []
    private listeners = new Map<string, Listener[]>()
    constructor(url: string) {
      made.push({ at: clock.now(), url, ws: this })
    }
    addEventListener(type: string, fn: Listener) {
      this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn])
    }
    emit(type: string, e: unknown = {}) {
      for (const fn of this.listeners.get(type) ?? []) fn(e as never)
    }
    open() {
      this.readyState = 1
      this.emit('open')
    }
    fail() {
      this.readyState = 3
      this.emit('error')
      this.emit('close', { code: 1006 })
    }
    send(d: Uint8Array) {
      this.sent.push(d)
    }
    close() {
      this.readyState = 3
      this.emit('close', { code: 1000 })
    }
  }
  return { made, Ctor: FakeSocket as unknown as WebSocketConstructor }
}

// Microtasks only: the manual clock drives every timer.
const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve()
}

describe('RelayConnection', () => {
  it('derives the socket URL from the relay URL and puts the token in the query', () => {
    expect(relaySocketUrl('http://127.0.0.1:8080')).toBe('ws://127.0.0.1:8080/v1/ws')
    expect(relaySocketUrl('https://relay.example/brook/', 't k')).toBe(
      'wss://relay.example/brook/v1/ws?access_token=t+k',
    )
    expect(relaySocketUrl('ws://h/v1/ws')).toBe('ws://h/v1/ws')
    expect(() => relaySocketUrl('ftp://h')).toThrow(/INVALID_REQUEST/)
  })

  it('reconnects after a drop with exponential backoff and full jitter, capped; gives up after maxAttempts', async () => {
    const clock = new ManualClock()
    const { made, Ctor } = fakeSockets(clock)
    const opening = RelayConnection.open({
      url: 'http://relay:8080',
      WebSocket: Ctor,
      clock,
      random: () => 0.999,
      reconnect: { initialDelayMs: 100, maxDelayMs: 1000, maxAttempts: 6 },
      requestTimeoutMs: 60_000,
      // Something answers HTTP there (a relay refusing sockets): every attempt is a socket.
      reachability: new RelayReachability({ clock, fetch: async () => new Response(null, { status: 503 }) }),
    })
    await settle()
    made[0]!.ws.open()
    const conn = await opening
    const t0 = clock.now()
    made[0]!.ws.fail()
    const waits: number[] = []
    for (let attempt = 0; attempt < 6; attempt++) {
      const before = made.length
      const req = conn.request(18, 0, {} as never).catch((e: Error) => e)
      await settle()
      // Nothing is dialled before the backoff has passed.
      expect(made.length).toBe(before)
      const start = clock.now()
      while (made.length === before) {
        clock.advance(1)
        await settle()
      }
      waits.push(clock.now() - start)
      made.at(-1)!.ws.fail()
      expect(String(await req)).toMatch(
        /NETWORK_EXCEPTION: cannot reach the relay at ws:\/\/relay:8080\/v1\/ws/,
      )
    }
    expect(waits).toEqual([99, 199, 399, 799, 999, 999])
    expect(clock.now() - t0).toBe(waits.reduce((a, b) => a + b))
    const given = made.length
    expect(String(await conn.request(18, 0, {} as never).catch((e) => e))).toMatch(/not reconnecting/)
    expect(made.length).toBe(given)
  })

  it('spreads reconnects: with a random draw near 0 it comes back at once; a success resets the backoff', async () => {
    const clock = new ManualClock()
    const { made, Ctor } = fakeSockets(clock)
    let draw = 0
    const opening = RelayConnection.open({ url: 'ws://r/v1/ws', WebSocket: Ctor, clock, random: () => draw })
    await settle()
    made[0]!.ws.open()
    const conn = await opening
    made[0]!.ws.fail()
    void conn.request(18, 0, {} as never).catch(() => {})
    await settle()
    clock.advance(1)
    await settle()
    expect(made).toHaveLength(2)
    made[1]!.ws.open()
    await settle()
    expect(made[1]!.ws.sent).toHaveLength(1)
    // After a success the next drop waits the initial delay again, not a grown one.
    draw = 0.999
    made[1]!.ws.fail()
    void conn.request(18, 0, {} as never).catch(() => {})
    await settle()
    clock.advance(98)
    await settle()
    expect(made).toHaveLength(2)
    clock.advance(1)
    await settle()
    expect(made).toHaveLength(3)
  })

  it('while nothing answers at the relay, asks over HTTP and opens no socket, at most 30 s long', async () => {
    const clock = new ManualClock()
    const { made, Ctor } = fakeSockets(clock)
    let up = true
    const asked: string[] = []
    const reachability = new RelayReachability({
      clock,
      fetch: async (url) => {
        asked.push(String(url))
        if (!up) throw new TypeError('fetch failed')
        return new Response(null, { status: 426 })
      },
    })
    const opening = RelayConnection.open({
      url: 'http://relay:8080',
      token: 'secret',
      WebSocket: Ctor,
      clock,
      random: () => 0,
      reachability,
      requestTimeoutMs: 60_000,
    })
    await settle()
    made[0]!.ws.open()
    const conn = await opening
    // The relay goes away. The first attempt after the drop is a socket: nothing is known yet.
    up = false
    made[0]!.ws.fail()
    // A request, and time past its backoff (1 ms with a draw of 0); its outcome comes later.
    const attempt = async () => {
      const req = conn.request(18, 0, {} as never).catch((e: Error) => e)
      for (let i = 0; i < 3; i++) {
        clock.advance(1)
        await settle()
      }
      return { req }
    }
    let { req } = await attempt()
    expect(made).toHaveLength(2)
    made[1]!.ws.fail()
    expect(String(await req)).toMatch(/cannot reach the relay/)
    // That socket's failure was asked about over HTTP and nothing answered: no more sockets.
    const sockets = made.length
    for (let i = 0; i < 5; i++) {
      const before = asked.length
      const { req } = await attempt()
      expect(String(await req)).toMatch(/NETWORK_EXCEPTION: cannot reach the relay at .*nothing answers/)
      expect(asked.length).toBe(before + 1)
    }
    expect(made).toHaveLength(sockets)
    // The probe carries no token: the socket's URL, as HTTP, without its credentials.
    expect(asked.at(-1)).toBe('http://relay:8080/v1/ws')
    // A probe that keeps failing delays a socket by at most SOCKET_AT_LEAST_EVERY_MS.
    clock.advance(SOCKET_AT_LEAST_EVERY_MS)
    ;({ req } = await attempt())
    expect(made).toHaveLength(sockets + 1)
    made.at(-1)!.ws.fail()
    await req
    await (await attempt()).req
    expect(made).toHaveLength(sockets + 1)
    // Back: the next probe answers, the socket goes out and the request is sent on it.
    up = true
    ;({ req } = await attempt())
    expect(made).toHaveLength(sockets + 2)
    made.at(-1)!.ws.open()
    await settle()
    expect(made.at(-1)!.ws.sent).toHaveLength(1)
    // Once a socket opened, the next drop reconnects without asking first.
    const before = asked.length
    made.at(-1)!.ws.fail()
    await attempt()
    expect(made).toHaveLength(sockets + 3)
    expect(asked.length).toBe(before)
  })

  it('fails open() at once when the relay cannot be reached, and says how to get a WebSocket on Node 20', async () => {
    const clock = new ManualClock()
    const { made, Ctor } = fakeSockets(clock)
    const opening = RelayConnection.open({ url: 'http://down:1', WebSocket: Ctor, clock })
    await settle()
    made[0]!.ws.fail()
    await expect(opening).rejects.toThrow(
      /NETWORK_EXCEPTION: cannot reach the relay at ws:\/\/down:1\/v1\/ws/,
    )
    const g = globalThis as { WebSocket?: unknown }
    const saved = g.WebSocket
    g.WebSocket = undefined
    try {
      await expect(RelayConnection.open({ url: 'http://x' })).rejects.toThrow(
        /pass \{ WebSocket \} of the 'ws' package/,
      )
    } finally {
      g.WebSocket = saved
    }
  })
})
