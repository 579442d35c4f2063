/**
 * @module The Kafka client over TCP (node:net) or TLS (node:tls): a socket carrying size-prefixed frames for one
 * FrameConnection (correlation ids, pipelining and timeouts live there, in core), and `connectKafka`,
 * which opens the bootstrap broker and returns a KafkaProtocolService — the BrokerService the `brook` CLI
 * uses against brook or any Kafka cluster.
 */
import net from 'node:net'
import tls from 'node:tls'
import type { Clock } from '../../core/clock.ts'
import { BrookError } from '../../core/errors.ts'
import { FrameConnection } from '../../core/protocol/client-connection.ts'
import type { SaslOptions } from '../../core/protocol/client-negotiate.ts'
import { KafkaProtocolService } from '../../core/protocol/client-service.ts'
import { FrameReader } from '../../core/protocol/frame-reader.ts'

export interface KafkaConnectionOptions {
  clientId?: string
  /** Per request, unless the call asks for more (long-polling Fetch, JoinGroup). Default 30 s. */
  requestTimeoutMs?: number
  /** Default 10 s. */
  connectTimeoutMs?: number
  /** Largest response frame accepted; a larger size closes the connection. Default 1 GiB. */
  maxFrameBytes?: number
  clock?: Clock
  /**
   * TLS, in kafkajs's shape: `true` verifies the broker against the system's CAs, an object is passed to
   * `tls.connect` (`{ ca }` for a private CA, `{ rejectUnauthorized: false }` to skip verification).
   */
  ssl?: boolean | tls.ConnectionOptions
}

export interface ConnectKafkaOptions extends KafkaConnectionOptions {
  /** `host:port`, a comma-separated list, or an array; the first that answers is used. */
  bootstrap: string | string[]
  /** `{ mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512', username, password }` (kafkajs's shape). */
  sasl?: SaslOptions
}

export function parseHostPort(s: string, defaultPort = 9092): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(s.trim()) ?? /^([^:]+)(?::(\d+))?$/.exec(s.trim())
  if (!m) throw new BrookError('INVALID_REQUEST', `not a host:port: ${JSON.stringify(s)}`)
  const port = m[2] === undefined ? defaultPort : Number(m[2])
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new BrookError('INVALID_REQUEST', `bad port in ${s}`)
  return { host: m[1]!, port }
}

/** One TCP connection to one broker. Versions are not negotiated here (KafkaProtocolService does it). */
export function openKafkaConnection(
  host: string,
  port: number,
  options: KafkaConnectionOptions = {},
): Promise<FrameConnection> {
  return new Promise((resolve, reject) => {
    const ssl = options.ssl
    const socket = ssl
      ? tls.connect({
          host,
          port,
          // SNI takes a name, never an address (RFC 6066 §3).
          servername: net.isIP(host) ? undefined : host,
          ...(ssl === true ? {} : ssl),
        })
      : net.connect({ host, port })
    socket.setNoDelay(true)
    const conn = new FrameConnection(
      {
        send: (frame) => {
          socket.write(frame)
        },
        close: () => {
          socket.end()
          socket.destroy()
        },
      },
      { clientId: options.clientId, requestTimeoutMs: options.requestTimeoutMs, clock: options.clock },
    )
    const maxFrameBytes = options.maxFrameBytes ?? 1 << 30
    const frames = new FrameReader({
      what: 'response',
      maxBytes: () => maxFrameBytes,
      onFrame: (frame) => conn.receive(frame),
      onError: (reason) => {
        conn.fail(new BrookError('CORRUPT_MESSAGE', `${host}:${port}: ${reason}`))
        socket.destroy()
      },
    })
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new BrookError('NETWORK_EXCEPTION', `connecting to ${host}:${port} timed out`))
    }, options.connectTimeoutMs ?? 10_000)
    // Over TLS the connection is usable once the handshake (and the certificate check) is done.
    socket.once(ssl ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer)
      resolve(conn)
    })
    socket.on('data', (chunk: Buffer) => {
      frames.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
    })
    socket.on('error', (e) => {
      clearTimeout(timer)
      const err = new BrookError('NETWORK_EXCEPTION', `${host}:${port}: ${e.message}`, { cause: e })
      conn.fail(err)
      reject(err)
    })
    socket.on('close', () => {
      frames.close()
      conn.fail(new BrookError('NETWORK_EXCEPTION', `${host}:${port} closed the connection`))
    })
  })
}

/** Connects to the first bootstrap broker that answers and negotiates API versions with it. */
export async function connectKafka(options: ConnectKafkaOptions): Promise<KafkaProtocolService> {
  const list = (Array.isArray(options.bootstrap) ? options.bootstrap : [options.bootstrap])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean)
  if (list.length === 0) throw new BrookError('INVALID_REQUEST', 'no bootstrap server given')
  let last: unknown
  for (const address of list) {
    const { host, port } = parseHostPort(address)
    let conn: FrameConnection | undefined
    try {
      conn = await openKafkaConnection(host, port, options)
      return await KafkaProtocolService.start(conn, {
        sasl: options.sasl,
        bootstrapAddress: `${host}:${port}`,
        connect: (h, p) => openKafkaConnection(h, p, options),
      })
    } catch (e) {
      last = e
      await conn?.close()
      // Authentication and version failures are answers, not unreachable brokers: stop there.
      if (e instanceof BrookError && e.type !== 'NETWORK_EXCEPTION' && e.type !== 'REQUEST_TIMED_OUT') throw e
    }
  }
  throw last instanceof Error
    ? last
    : new BrookError('NETWORK_EXCEPTION', `no broker reachable in ${list.join(',')}`)
}
