/**
 * @module The Kafka TCP listener (Node): size-prefixed frames in, one protocol session per
 * connection, responses written in request order. Everything Kafka-specific lives in the
 * runtime-neutral handler (`src/core/protocol/server.ts`); this file only moves bytes, over TCP or
 * TLS (Kafka's SSL and SASL_SSL listeners).
 */
import net from 'node:net'
import tls from 'node:tls'
import type { Authorizer } from '../../core/authorizer.ts'
import type { Log } from '../../core/log.ts'
import { FrameReader } from '../../core/protocol/frame-reader.ts'
import {
  answerFrame,
  createKafkaHandler,
  type KafkaAuth,
  KafkaConnectionError,
  type KafkaSession,
} from '../../core/protocol/server.ts'
import { type ConnectionLimiter, type ProduceQuota, principalService } from '../../core/quotas.ts'
import type { BrokerService } from '../../core/service.ts'
import { RequestMemory } from './request-memory.ts'

export interface KafkaServerOptions {
  /** The broker to serve (`service` is accepted as an alias). */
  broker?: BrokerService
  service?: BrokerService
  host?: string
  /** 0 picks a free port; the bound port is in the result. */
  port?: number
  /** Host and port written into Metadata/FindCoordinator; defaults to the bound address. */
  advertisedHost?: string
  advertisedPort?: number
  nodeId?: number
  /** Kafka's `socket.request.max.bytes`: a bigger frame closes the connection. */
  maxRequestBytes?: number
  /**
   * Kafka's `queued.max.request.bytes`: bytes of requests being received or awaiting their answer,
   * over all connections. A connection whose next request does not fit stops being read until
   * earlier ones are answered. Default 128 MiB (Kafka's default is unbounded).
   */
  queuedMaxRequestBytes?: number
  /** Kafka's `connections.max.idle.ms`. */
  idleTimeoutMs?: number
  /**
   * Kafka's `connection.failed.authentication.delay.ms`: a failed SASL authentication is answered
   * (and its connection closed) this much later, so that guessing passwords is slow. Default 100.
   */
  failedAuthenticationDelayMs?: number
  auth?: KafkaAuth
  /**
   * TLS: the listener speaks SSL (with `auth`, SASL_SSL). `cert` and `key` are PEM (a chain may follow
   * the certificate); any other `tls.createServer` option may be added. TLS alone is encryption, not
   * authentication: clients still authenticate with SASL when `auth` is set.
   */
  tls?: KafkaTlsOptions
  /** Enforces ACLs for each connection's principal (`User:<SASL user>`, else `User:ANONYMOUS`). */
  authorizer?: Authorizer
  /** Produce byte rate per principal (shared with the relay: one budget for both doors). */
  produceQuota?: ProduceQuota
  /** Open connections per principal (shared with the relay). */
  connections?: ConnectionLimiter
  /** Counts open connections (door `kafka`) beside the relay's. */
  metrics?: { connection(door: string): () => void }
  log?: Log
}

export type KafkaTlsOptions = tls.TlsOptions & {
  cert: string | Uint8Array | (string | Uint8Array)[]
  key: string | Uint8Array | (string | Uint8Array)[]
}

export interface KafkaServer {
  port: number
  host: string
  /** Whether the listener speaks TLS. */
  tls: boolean
  close(): Promise<void>
}

const DEFAULT_MAX_REQUEST_BYTES = 100 * 1024 * 1024
const DEFAULT_QUEUED_MAX_REQUEST_BYTES = 128 * 1024 * 1024
/** Kafka's `sasl.server.max.receive.size` default. */
const PRE_AUTH_MAX_BYTES = 512 * 1024
/** Stop reading from a client that pipelines faster than the broker answers (Kafka mutes instead). */
const MAX_QUEUED_REQUESTS = 256
const MAX_QUEUED_BYTES = 64 * 1024 * 1024
const MAX_UNSENT_BYTES = 8 * 1024 * 1024
/** A TLS handshake not finished by then is dropped (Node's own default is two minutes). */
const TLS_HANDSHAKE_TIMEOUT_MS = 10_000

export async function startKafkaServer(opts: KafkaServerOptions): Promise<KafkaServer> {
  const service = opts.broker ?? opts.service
  if (!service) throw new Error('startKafkaServer needs a broker')
  const host = opts.host ?? '127.0.0.1'
  const maxRequestBytes = opts.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES
  /** Complaints logged once per listener (a client retrying an unsupported version). */
  const said = new Set<string>()
  const memory = new RequestMemory(opts.queuedMaxRequestBytes ?? DEFAULT_QUEUED_MAX_REQUEST_BYTES)
  const idleTimeoutMs = opts.idleTimeoutMs ?? 600_000
  const log: Log = opts.log ?? ((line: string) => console.error(`brook kafka: ${line}`))
  const sockets = new Set<net.Socket>()
  const advertised = {
    nodeId: opts.nodeId ?? 1,
    host: opts.advertisedHost ?? host,
    port: opts.advertisedPort ?? 0,
  }
  const wildcard = !opts.advertisedHost && (host === '0.0.0.0' || host === '::')

  const serviceFor = principalService(
    service,
    {
      authorizer: opts.authorizer,
      produceQuota: opts.produceQuota,
    },
    'throttle',
  )
  const onConnection = (socket: net.Socket) => {
    const closed = opts.metrics?.connection('kafka')
    socket.on('close', () => closed?.())
    const clientHost = `/${socket.remoteAddress ?? ''}`
    // Bound to every interface: tell each client the address it reached us on, which it can reach again.
    const local = socket.localAddress?.replace(/^::ffff:/, '')
    const here = wildcard && local ? { ...advertised, host: local } : advertised
    const peerHost = socket.remoteAddress?.replace(/^::ffff:/, '') ?? ''
    const session = createKafkaHandler({
      service,
      advertised: here,
      auth: opts.auth,
      clientHost,
      log,
      serviceFor: serviceFor ? (principal) => serviceFor(principal, peerHost) : undefined,
      connections: opts.connections,
    })
    serveConnection(socket, session, {
      maxRequestBytes,
      idleTimeoutMs,
      failedAuthenticationDelayMs: opts.failedAuthenticationDelayMs ?? 100,
      memory,
      log,
      said,
    })
  }
  const server = opts.tls
    ? tls.createServer(
        { handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS, ...opts.tls, noDelay: true } as tls.TlsOptions,
        onConnection,
      )
    : net.createServer({ noDelay: true }, onConnection)
  // Every accepted socket, TLS handshake done or not, so that close() ends them all at once.
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  if (opts.tls) {
    // A plaintext client on a TLS port (or a bad handshake) ends here: its socket is already closed.
    server.on('tlsClientError', (e: Error & { code?: string }, socket: tls.TLSSocket) => {
      const why =
        e.code === 'ERR_SSL_WRONG_VERSION_NUMBER'
          ? 'not TLS (a plaintext client?)'
          : (e.code ?? e.message.split('\n')[0])
      log(`TLS handshake with ${socket.remoteAddress}:${socket.remotePort} failed: ${why}`, 'warn')
    })
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 9092, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  server.on('error', (e) => log(`listener error: ${e.message}`, 'error'))
  const address = server.address() as net.AddressInfo
  if (!opts.advertisedPort) advertised.port = address.port
  return {
    port: address.port,
    host: address.address,
    tls: opts.tls !== undefined,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const s of sockets) s.destroy()
      }),
  }
}

interface ConnectionLimits {
  maxRequestBytes: number
  idleTimeoutMs: number
  /** See KafkaServerOptions. Default 0. */
  failedAuthenticationDelayMs?: number
  /** The listener's budget for requests in flight (`queued.max.request.bytes`); none: unbounded. */
  memory?: RequestMemory
  log: Log
  /** The listener's complaints logged so far (KafkaConnectionError's `repeatKey`): later ones go to debug. */
  said?: Set<string>
}

/** Complaints a listener remembers having logged; past this it forgets the oldest. */
const MAX_SAID = 10_000

/** Frames a byte stream and feeds one session; public so other Node transports can reuse it. */
export function serveConnection(socket: net.Socket, session: KafkaSession, limits: ConnectionLimits): void {
  const peer = `${socket.remoteAddress}:${socket.remotePort}`
  let queued = 0
  let queuedBytes = 0
  let requests = 0
  /** The peer went away: finish what it sent (an acks=0 producer closes right after writing). */
  let closed = false
  /** We closed the connection over a protocol error: nothing more from it is processed. */
  let failed = false
  // Responses must leave in request order; chaining every request on the previous one's write
  // also matches Kafka, which handles one request per connection at a time.
  let tail: Promise<void> = Promise.resolve()
  /** Why reading is paused: too many queued requests, or no budget for the next one. */
  const pauses = new Set<'queue' | 'memory'>()
  const pause = (why: 'queue' | 'memory') => {
    pauses.add(why)
    socket.pause()
  }
  const unpause = (why: 'queue' | 'memory') => {
    pauses.delete(why)
    if (pauses.size === 0 && !closed && socket.isPaused()) socket.resume()
  }

  const fail = (reason: string, repeatKey?: string) => {
    if (failed) return
    failed = true
    closed = true
    const said = limits.said
    const again = repeatKey !== undefined && said?.has(repeatKey) === true
    if (repeatKey !== undefined && said && !again) {
      if (said.size >= MAX_SAID) said.delete(said.values().next().value!)
      said.add(repeatKey)
    }
    limits.log(
      `closing connection from ${peer}: ${reason}${repeatKey && !again ? ' (said once per client; repeats are logged at debug)' : ''}`,
      again ? 'debug' : 'warn',
    )
    socket.destroy()
  }

  const enqueue = (request: Uint8Array, release: () => void) => {
    requests++
    queued++
    queuedBytes += request.byteLength
    if (queued >= MAX_QUEUED_REQUESTS || queuedBytes >= MAX_QUEUED_BYTES) pause('queue')
    const finished = () => {
      queued--
      queuedBytes -= request.byteLength
      release()
      if (queued < MAX_QUEUED_REQUESTS / 2 && queuedBytes < MAX_QUEUED_BYTES / 2) unpause('queue')
    }
    tail = tail.then(async () => {
      if (failed) {
        finished()
        return
      }
      let response: Uint8Array[] | null
      try {
        response = await answerFrame(session, request)
      } catch (e) {
        fail(
          e instanceof Error ? e.message : String(e),
          e instanceof KafkaConnectionError ? e.repeatKey : undefined,
        )
        return
      } finally {
        finished()
      }
      if (response === null || closed) return
      const refused = session.failed?.() === true
      if (refused) {
        // Nothing more is read from a peer that failed to authenticate, and it hears so only later.
        failed = true
        const delay = limits.failedAuthenticationDelayMs ?? 0
        if (delay > 0) await new Promise((r) => setTimeout(r, delay))
        if (socket.destroyed) return
      }
      // Corked, the chunks leave in one writev: fetched record bytes go out without a copy.
      socket.cork()
      for (const chunk of response) socket.write(chunk)
      if (refused) {
        // Authentication failed: the response says so, then the connection closes, as in Kafka.
        closed = true
        limits.log(`closing connection from ${peer}: SASL authentication failed`, 'info')
        socket.end()
        return
      }
      process.nextTick(() => socket.uncork())
      // A client that stops reading must not make us buffer without bound: hold its next request.
      if (socket.writableLength > MAX_UNSENT_BYTES) {
        await new Promise<void>((resolve) => {
          const done = () => {
            socket.off('drain', done)
            socket.off('close', done)
            resolve()
          }
          socket.on('drain', done)
          socket.on('close', done)
        })
      }
    })
  }

  const reader = new FrameReader({
    what: 'request',
    // Before SASL succeeds only small frames are accepted, as Kafka's sasl.server.max.receive.size:
    // an unauthenticated peer must not make the broker buffer 100 MiB.
    maxBytes: () =>
      session.authenticated?.() === false
        ? Math.min(PRE_AUTH_MAX_BYTES, limits.maxRequestBytes)
        : limits.maxRequestBytes,
    onFrame: enqueue,
    onError: fail,
    reserve: limits.memory && ((size, grant) => limits.memory!.reserve(size, grant)),
    pause: () => pause('memory'),
    resume: () => unpause('memory'),
  })

  limits.log(`connection from ${peer} opened`, 'debug')
  if (limits.idleTimeoutMs > 0) socket.setTimeout(limits.idleTimeoutMs)
  socket.on('timeout', () => {
    limits.log(`closing idle connection from ${peer}`, 'debug')
    socket.destroy()
  })
  socket.on('error', () => {})
  socket.on('close', () => {
    closed = true
    // A half-received request holds nothing once its connection is gone.
    reader.close()
    const who = session.peer?.()
    const named = who ? `client.id '${who.clientId}', ${who.principal}, ` : ''
    limits.log(`connection from ${peer} closed (${named}${requests} requests)`, 'debug')
    session.close?.()
  })
  socket.on('data', (data: Buffer) => {
    // A plain Uint8Array view: core code must not rely on Buffer semantics (Buffer#slice is a view).
    if (!failed) reader.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
  })
}
