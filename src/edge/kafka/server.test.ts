import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { decodeResponse, encodeRequest } from '../../core/protocol/frames.ts'
import type { BrokerService } from '../../core/service.ts'
import { connectKafka } from './connection.ts'
import { type KafkaServer, startKafkaServer } from './server.ts'

const service = new Proxy({} as BrokerService, {
  get: (_t, prop) => () => Promise.reject(new Error(`stub: ${String(prop)}`)),
})

function apiVersions(correlationId: number): Buffer {
  const body = encodeRequest({ apiKey: 18, apiVersion: 0, correlationId, clientId: 'c' }, {})
  const out = Buffer.alloc(4 + body.length)
  out.writeInt32BE(body.length, 0)
  out.set(body, 4)
  return out
}

/** A raw client that collects response frames and notices the server closing. */
class RawClient {
  readonly socket: net.Socket
  readonly frames: Buffer[] = []
  closed = false
  private buf = Buffer.alloc(0)

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1')
    this.socket.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d])
      while (this.buf.length >= 4 && this.buf.length >= 4 + this.buf.readInt32BE(0)) {
        const n = this.buf.readInt32BE(0)
        this.frames.push(this.buf.subarray(4, 4 + n))
        this.buf = this.buf.subarray(4 + n)
      }
    })
    this.socket.on('close', () => {
      this.closed = true
    })
    this.socket.on('error', () => {})
  }

  async until(pred: () => boolean, ms = 3000): Promise<void> {
    const end = Date.now() + ms
    while (!pred()) {
      if (Date.now() > end) throw new Error('timed out')
      await new Promise((r) => setTimeout(r, 5))
    }
  }

  correlationIds(): number[] {
    return this.frames.map((f) => decodeResponse(18, 0, f).correlationId)
  }
}

describe('Kafka TCP listener', () => {
  let server: KafkaServer
  const logs: string[] = []
  afterEach(async () => {
    await server?.close()
    logs.length = 0
  })

  it('reassembles frames split across packets and answers pipelined requests in order', async () => {
    server = await startKafkaServer({ broker: service, port: 0, log: (l) => logs.push(l) })
    const c = new RawClient(server.port)
    const all = Buffer.concat([1, 2, 3, 4, 5].map(apiVersions))
    // One byte at a time for the first frame, then the rest in one write.
    for (let i = 0; i < 20; i++) c.socket.write(all.subarray(i, i + 1))
    c.socket.write(all.subarray(20))
    await c.until(() => c.frames.length === 5)
    expect(c.correlationIds()).toEqual([1, 2, 3, 4, 5])
    expect(decodeResponse(18, 0, c.frames[0]!).body.errorCode).toBe(0)
    c.socket.destroy()
  })

  it('closes a connection over the request-size limit and leaves other connections alone', async () => {
    server = await startKafkaServer({
      broker: service,
      port: 0,
      maxRequestBytes: 1000,
      log: (l) => logs.push(l),
    })
    const good = new RawClient(server.port)
    const bad = new RawClient(server.port)
    const big = Buffer.alloc(4)
    big.writeInt32BE(5000, 0)
    bad.socket.write(big)
    await bad.until(() => bad.closed)
    expect(logs.join('\n')).toMatch(/over the 1000-byte limit/)
    good.socket.write(apiVersions(42))
    await good.until(() => good.frames.length === 1)
    expect(good.correlationIds()).toEqual([42])
    good.socket.destroy()
  })

  it('accepts only small frames before SASL authentication when it is required', async () => {
    server = await startKafkaServer({
      broker: service,
      port: 0,
      auth: { plain: () => true },
      log: (l) => logs.push(l),
    })
    const bad = new RawClient(server.port)
    const big = Buffer.alloc(4)
    big.writeInt32BE(600 * 1024, 0)
    bad.socket.write(big)
    await bad.until(() => bad.closed)
    expect(logs.join('\n')).toMatch(/over the 524288-byte limit/)
    // ApiVersions is still answered before authentication.
    const good = new RawClient(server.port)
    good.socket.write(apiVersions(7))
    await good.until(() => good.frames.length === 1)
    expect(good.correlationIds()).toEqual([7])
    good.socket.destroy()
  })

  it("answers a failed SASL authentication only after Kafka's delay, then closes; a negative frame size is logged as such", async () => {
    server = await startKafkaServer({
      broker: service,
      port: 0,
      auth: { plain: (u, p) => u === 'alice' && p === 's3cret' },
      failedAuthenticationDelayMs: 300,
      log: (l) => logs.push(l),
    })
    const started = performance.now()
    await expect(
      connectKafka({
        bootstrap: `127.0.0.1:${server.port}`,
        sasl: { mechanism: 'plain', username: 'alice', password: 'guess' },
      }),
    ).rejects.toMatchObject({ type: 'SASL_AUTHENTICATION_FAILED' })
    // A lower bound, which any scheduling delay only lengthens: no guess is answered sooner.
    expect(performance.now() - started).toBeGreaterThanOrEqual(290)
    await expect.poll(() => logs.some((l) => /SASL authentication failed/.test(l))).toBe(true)

    const raw = new RawClient(server.port)
    raw.socket.write(Buffer.from([0xff, 0xff, 0xff, 0xfe]))
    await raw.until(() => raw.closed)
    expect(logs.join('\n')).toMatch(/size field is negative \(-2\): not a Kafka request/)
  })

  it('closes on an unknown API key or a malformed frame, with a log line', async () => {
    server = await startKafkaServer({ broker: service, port: 0, log: (l) => logs.push(l) })
    const a = new RawClient(server.port)
    const unknown = apiVersions(1)
    unknown.writeInt16BE(1234, 4)
    a.socket.write(unknown)
    await a.until(() => a.closed)
    const b = new RawClient(server.port)
    b.socket.write(Buffer.from([0, 0, 0, 3, 0, 18, 0]))
    await b.until(() => b.closed)
    expect(logs.some((l) => /unknown API key 1234/.test(l))).toBe(true)
    expect(logs.some((l) => /malformed/.test(l))).toBe(true)
  })

  it('closes idle connections after idleTimeoutMs', async () => {
    server = await startKafkaServer({
      broker: service,
      port: 0,
      idleTimeoutMs: 100,
      log: (l) => logs.push(l),
    })
    const c = new RawClient(server.port)
    c.socket.write(apiVersions(1))
    await c.until(() => c.closed, 3000)
    expect(c.frames).toHaveLength(1)
    expect(logs.join('\n')).toMatch(/idle/)
  })
})
