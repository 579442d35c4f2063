/**
 * @module A TCP forwarder on 127.0.0.1 that a test can cut and reopen: the network between a
 * browser and a relay going away for every context of the browser at once. DevTools' offline
 * emulation (`context.setOffline`) reaches pages and service workers but not a SharedWorker that a
 * reload starts anew, so a test that needs the relay unreachable from the broker's worker too cuts
 * the gate as well.
 */

import type { AddressInfo } from 'node:net'
import { connect, createServer, type Socket } from 'node:net'

export interface TcpGate {
  /** `http://127.0.0.1:<port>` of the forwarder. */
  url: string
  /** Resets every open connection and every new one until {@link open}. */
  cut(): void
  open(): void
  close(): Promise<void>
}

export async function tcpGate(targetPort: number): Promise<TcpGate> {
  let isOpen = true
  const sockets = new Set<Socket>()
  const track = (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => {})
  }
  const server = createServer((client) => {
    track(client)
    if (!isOpen) {
      client.resetAndDestroy()
      return
    }
    const upstream = connect(targetPort, '127.0.0.1')
    track(upstream)
    client.pipe(upstream)
    upstream.pipe(client)
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    cut() {
      isOpen = false
      for (const s of sockets) s.resetAndDestroy()
    },
    open() {
      isOpen = true
    },
    close() {
      for (const s of sockets) s.destroy()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}
