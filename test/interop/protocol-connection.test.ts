/**
 * @module The Node TCP client connection against hand-driven sockets: responses split into single bytes or
 * glued together in one write still come apart into frames; a silent broker times requests out; an
 * unreachable bootstrap broker gives way to the next one in the list.
 */
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { decodeRequest, encodeResponse } from '../../src/core/protocol/index.ts'
import { connectKafka, openKafkaConnection } from '../../src/edge/kafka/connection.ts'

type Answer = (apiKey: number, apiVersion: number, correlationId: number) => Uint8Array | null

const servers: net.Server[] = []
const sockets = new Set<net.Socket>()
afterEach(async () => {
  for (const s of servers.splice(0)) {
    const closed = new Promise((r) => s.close(r))
    for (const sock of sockets) sock.destroy()
    await closed
  }
})

/** A broker that answers each request with `answer`, writing through `write` (to split or glue bytes). */
async function fakeBroker(
  answer: Answer,
  write: (sock: net.Socket, frames: Uint8Array[]) => void,
): Promise<number> {
  const server = net.createServer((sock) => {
    sockets.add(sock)
    let buf = Buffer.alloc(0)
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d])
      const out: Uint8Array[] = []
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        const req = decodeRequest(new Uint8Array(buf.subarray(4, 4 + buf.readInt32BE(0))))
        buf = buf.subarray(4 + buf.readInt32BE(0))
        const res = answer(req.header.apiKey, req.header.apiVersion, req.header.correlationId)
        if (res) out.push(res)
      }
      if (out.length) write(sock, out)
    })
    sock.on('error', () => {})
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return (server.address() as net.AddressInfo).port
}

let brokerPort = 0
const heartbeats: Answer = (apiKey, apiVersion, correlationId) => {
  const framed = { framed: true }
  switch (apiKey) {
    case 18: {
      const apiKeys = [
        { apiKey: 10, minVersion: 0, maxVersion: 3 },
        { apiKey: 12, minVersion: 0, maxVersion: 4 },
      ]
      return encodeResponse(18, apiVersion, correlationId, { apiKeys }, framed)
    }
    case 10:
      return encodeResponse(
        10,
        apiVersion,
        correlationId,
        { nodeId: 1, host: '127.0.0.1', port: brokerPort },
        framed,
      )
    default:
      return encodeResponse(12, apiVersion, correlationId, { errorCode: correlationId % 3 }, framed)
  }
}

describe('Kafka TCP client connection', () => {
  it('reassembles responses that arrive one byte at a time', async () => {
    const port = await fakeBroker(heartbeats, (sock, frames) => {
      for (const f of frames) for (const b of f) sock.write(Uint8Array.of(b))
    })
    const conn = await openKafkaConnection('127.0.0.1', port)
    const res = await Promise.all([0, 1, 2].map((i) => conn.request(12, 0, { groupId: `g${i}` })))
    expect(res.map((r) => r.errorCode)).toEqual([0, 1, 2])
    await conn.close()
  })

  it('splits several responses written together, for pipelined requests', async () => {
    let held: Uint8Array[] = []
    const port = await fakeBroker(heartbeats, (sock, frames) => {
      held.push(...frames)
      if (held.length >= 5) {
        sock.write(Buffer.concat(held))
        held = []
      }
    })
    const conn = await openKafkaConnection('127.0.0.1', port)
    const res = await Promise.all([0, 1, 2, 3, 4].map((i) => conn.request(12, 0, { groupId: `g${i}` })))
    expect(res.map((r) => r.errorCode)).toEqual([0, 1, 2, 0, 1])
    await conn.close()
  })

  it('times out a request the broker never answers, and fails pending requests when it hangs up', async () => {
    const port = await fakeBroker(
      () => null,
      () => {},
    )
    const conn = await openKafkaConnection('127.0.0.1', port, { requestTimeoutMs: 50 })
    await expect(conn.request(12, 0, { groupId: 'g' })).rejects.toMatchObject({ type: 'REQUEST_TIMED_OUT' })
    const pending = conn.request(12, 0, { groupId: 'g' }, { timeoutMs: 10_000 })
    for (const s of servers) s.close()
    await conn.close()
    await expect(pending).rejects.toMatchObject({ type: 'NETWORK_EXCEPTION' })
  })

  it('connectKafka skips an unreachable bootstrap server and negotiates with the next', async () => {
    const port = await fakeBroker(heartbeats, (sock, frames) => sock.write(Buffer.concat(frames)))
    brokerPort = port
    const closed = net.createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const deadPort = (closed.address() as net.AddressInfo).port
    await new Promise((r) => closed.close(r))
    const svc = await connectKafka({ bootstrap: `127.0.0.1:${deadPort},127.0.0.1:${port}` })
    expect(svc.negotiatedVersion(12)).toBe(4)
    // FindCoordinator (correlation id 1) names this broker, so the heartbeat (id 2) stays on this connection.
    expect((await svc.heartbeat({ groupId: 'g', generationId: 1, memberId: 'm' })).errorCode).toBe(2)
    await svc.close()
    await expect(connectKafka({ bootstrap: `127.0.0.1:${deadPort}` })).rejects.toMatchObject({
      type: 'NETWORK_EXCEPTION',
    })
  })
})
