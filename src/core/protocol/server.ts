/**
 * @module The server side of the Kafka wire protocol, runtime-neutral: one session per connection
 * turns request frames (without the 4-byte size prefix) into response frames. The TCP listener
 * and the WebSocket endpoint both drive it; neither knows any Kafka API.
 */

import { errorCode } from '../errors.ts'
import type { Log } from '../log.ts'
import type { BrokerInfo, BrokerService } from '../service.ts'
import { API } from './api-keys.ts'
import { decodeRequest, encodeResponse, encodeResponseFrameChunks } from './frames.ts'
import { APIS } from './messages.generated.ts'
import { parsePlainToken } from './sasl-plain.ts'
import {
  isScramMechanism,
  SCRAM_MECHANISMS,
  type ScramLookup,
  type ScramMechanism,
  ScramServer,
} from './sasl-scram.ts'
import { API_HANDLERS, type ApiContext, type Body, SUPPORTED_APIS } from './server-apis.ts'
import { TopicIds } from './topic-ids.ts'
import type { ApiKey } from './types.generated.ts'

export { SUPPORTED_APIS } from './server-apis.ts'

/**
 * SASL for the Kafka listener. When any mechanism is set, every connection must authenticate before
 * anything but ApiVersions; SaslHandshake offers exactly the mechanisms set here.
 */
export interface KafkaAuth {
  /** SASL/PLAIN check. */
  plain?: (username: string, password: string) => boolean | Promise<boolean>
  /** SASL/SCRAM: a user's stored credential for a mechanism (`scramLookup` derives them from passwords). */
  scram?: ScramLookup
  /** The SCRAM mechanisms offered when `scram` is set. Default: SCRAM-SHA-256 and SCRAM-SHA-512. */
  scramMechanisms?: readonly ScramMechanism[]
}

/** The mechanisms `auth` enables, in the order SaslHandshake lists them. */
export function saslMechanisms(auth: KafkaAuth | undefined): string[] {
  const out: string[] = []
  if (auth?.plain) out.push('PLAIN')
  if (auth?.scram) out.push(...(auth.scramMechanisms ?? SCRAM_MECHANISMS))
  return out
}

export interface KafkaHandlerOptions {
  service: BrokerService
  /** The address clients must use to reach this broker (Metadata, FindCoordinator). */
  advertised: BrokerInfo
  auth?: KafkaAuth
  /** The peer's address, reported as a group member's client host. */
  clientHost?: string
  /**
   * The service as a principal sees it (`User:alice` after SASL, `User:ANONYMOUS` before or
   * without): where ACLs are enforced. Default: `service` for everyone.
   */
  serviceFor?: (principal: string) => BrokerService
  /** The principal before any SASL (the relay's WebSocket passes the HTTP one). Default `User:ANONYMOUS`. */
  principal?: string
  /**
   * Caps connections per principal: taken once the principal is known (after SASL, or at the first
   * request without it); over the cap the connection is closed.
   */
  connections?: { acquire(principal: string): (() => void) | undefined }
  log?: Log
}

/**
 * One connection's protocol state. `handle` answers frames strictly in the order they were given,
 * even when called again before an earlier call resolved (pipelining). It resolves to null when
 * Kafka sends no response (acks=0) and rejects when the connection must be closed (unknown API
 * key, unsupported version, malformed frame, failed authentication); the rejection's message is
 * the log line.
 */
export interface KafkaSession {
  handle(frame: Uint8Array): Promise<Uint8Array | null>
  /**
   * As `handle` (and in the same order with it), but the response comes as a whole frame, int32
   * size first, in arrays to write one after another: fetched record bytes are not copied into a
   * frame, so a transport with writev saves a copy per Fetch. The arrays must not be changed.
   */
  handleFrame?(frame: Uint8Array): Promise<Uint8Array[] | null>
  /** False until SASL authentication succeeds when it is required: transports bound frames tighter then. */
  authenticated?(): boolean
  /**
   * True once authentication failed: the transport closes the connection after writing the response
   * that says so, as Kafka does, and reads nothing more from it.
   */
  failed?(): boolean
  /** Who is on the other end so far: the last request's client.id and the principal. */
  peer?(): { clientId: string; principal: string }
  close?(): void
}

/** A request the transport must answer by closing the connection, as Kafka does. */
export class KafkaConnectionError extends Error {
  /**
   * @param repeatKey Names the complaint and who made it (a client retrying an unsupported version
   *   makes the same one on every new connection): the transport logs it once, later ones quietly.
   */
  constructor(
    message: string,
    readonly repeatKey?: string,
  ) {
    super(message)
    this.name = 'KafkaConnectionError'
  }
}

/** The client.id in a request header (v1+: int16 length, then UTF-8), without decoding the rest. */
function headerClientId(view: DataView): string {
  if (view.byteLength < 10) return ''
  const n = view.getInt16(8)
  if (n < 0 || 10 + n > view.byteLength) return ''
  return new TextDecoder().decode(new Uint8Array(view.buffer, view.byteOffset + 10, n))
}

/** The longest a quota mutes a connection, as Kafka's `quota.window.size.seconds` bounds it. */
const MAX_THROTTLE_MS = 30_000

type SaslState = 'open' | 'handshake' | 'rawToken' | 'authenticate' | 'done' | 'failed'

const EMPTY = new Uint8Array(0)

/** How a response leaves: one array without the size prefix, or size-prefixed chunks. */
type Out<R> = {
  /** A bare SASL token (after SaslHandshake v0), not a Kafka response. */
  raw: (token: Uint8Array) => R
  encode: (apiKey: ApiKey, apiVersion: number, correlationId: number, body: Body) => R
}
const WHOLE: Out<Uint8Array> = {
  raw: (token) => token,
  encode: (k, v, c, b) => encodeResponse(k, v, c, b as never),
}
const CHUNKS: Out<Uint8Array[]> = {
  raw: (token) => {
    const size = new Uint8Array(4)
    new DataView(size.buffer).setInt32(0, token.byteLength)
    return token.byteLength === 0 ? [size] : [size, token]
  },
  encode: (k, v, c, b) => encodeResponseFrameChunks(k, v, c, b as never),
}

/**
 * A session's answer to `frame` as a whole frame (int32 size first) in arrays to write in turn:
 * `handleFrame` where the session has it, else `handle`'s answer behind its size.
 */
export async function answerFrame(session: KafkaSession, frame: Uint8Array): Promise<Uint8Array[] | null> {
  if (session.handleFrame) return session.handleFrame(frame)
  const whole = await session.handle(frame)
  if (whole === null) return null
  const size = new Uint8Array(4)
  new DataView(size.buffer).setInt32(0, whole.byteLength)
  return [size, whole]
}

/** What one client token led to: the server's token and whether the exchange is complete; null on failure. */
type SaslStep = { token: Uint8Array; done: boolean } | null

export function createKafkaHandler(opts: KafkaHandlerOptions): KafkaSession {
  const log = opts.log ?? (() => {})
  const plain = opts.auth?.plain
  const mechanisms = saslMechanisms(opts.auth)
  let sasl: SaslState = mechanisms.length > 0 ? 'handshake' : 'open'
  /** The mechanism SaslHandshake chose, and its SCRAM exchange when it is SCRAM. */
  let mechanism = ''
  let scram: ScramServer | undefined
  let chain: Promise<unknown> = Promise.resolve()
  let clientId = ''
  let principal = opts.principal ?? 'User:ANONYMOUS'
  let service = opts.serviceFor ? opts.serviceFor(principal) : opts.service
  // Per connection and principal: ids are learnt only from what this principal may see.
  let topicIds = new TopicIds()
  let release: (() => void) | undefined
  let mutedMs = 0
  const holdSlot = () => {
    if (release || !opts.connections) return
    release = opts.connections.acquire(principal)
    if (!release) throw new KafkaConnectionError(`too many connections for ${principal}`)
  }
  const ctx = (): ApiContext => ({
    service,
    advertised: opts.advertised,
    clientId,
    clientHost: opts.clientHost ?? '',
    log,
    topicIds,
    throttle: (ms) => {
      mutedMs = Math.max(mutedMs, Math.min(ms, MAX_THROTTLE_MS))
    },
  })

  const setPrincipal = (username: string) => {
    principal = `User:${username}`
    if (opts.serviceFor) service = opts.serviceFor(principal)
    topicIds = new TopicIds()
  }

  const authenticatePlain = async (token: Uint8Array): Promise<boolean> => {
    const creds = parsePlainToken(token)
    if (!creds || !plain) return false
    try {
      if ((await plain(creds.username, creds.password)) !== true) return false
    } catch {
      return false
    }
    setPrincipal(creds.username)
    return true
  }

  /** One client token of the chosen mechanism: PLAIN takes one, SCRAM two (client-first, client-final). */
  const step = async (token: Uint8Array): Promise<SaslStep> => {
    if (!scram) return (await authenticatePlain(token)) ? { token: EMPTY, done: true } : null
    const r = await scram.step(token)
    if (r.kind === 'fail') {
      log(`SASL/${mechanism} authentication failed: ${r.reason}`, 'info')
      return null
    }
    if (r.kind === 'done') setPrincipal(r.username)
    return { token: r.response, done: r.kind === 'done' }
  }

  const handleOne = async <R>(frame: Uint8Array, out: Out<R>): Promise<R | null> => {
    // Kafka closes a connection whose authentication failed; the failure response went out first.
    if (sasl === 'failed') throw new KafkaConnectionError('request after failed SASL authentication')
    // SaslHandshake v0 (kafka-python) is followed by bare SASL tokens, not Kafka requests (KIP-43):
    // PLAIN's one token is answered by an empty frame, SCRAM's two by server-first and server-final.
    // A failure can only be told by closing the connection, which is what Kafka does.
    if (sasl === 'rawToken') {
      const r = await step(frame)
      if (!r) {
        sasl = 'failed'
        throw new KafkaConnectionError(`SASL/${mechanism} authentication failed`)
      }
      if (r.done) sasl = 'done'
      return out.raw(r.token)
    }
    if (frame.byteLength < 8) throw new KafkaConnectionError(`malformed frame of ${frame.byteLength} bytes`)
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength)
    const apiKey = view.getInt16(0)
    const apiVersion = view.getInt16(2)
    const correlationId = view.getInt32(4)
    const range = SUPPORTED_APIS.get(apiKey)
    if (!range) throw new KafkaConnectionError(`unknown API key ${apiKey}`)
    if (apiKey === API.ApiVersions && apiVersion > range[1]) {
      // KIP-511: a newer client learns our range from a v0 body carrying UNSUPPORTED_VERSION.
      return out.encode(API.ApiVersions, 0, correlationId, apiVersionsBody(errorCode('UNSUPPORTED_VERSION')))
    }
    if (apiVersion < range[0] || apiVersion > range[1]) {
      const client = headerClientId(view)
      const name = APIS.find((a) => a.apiKey === apiKey)?.name ?? `API key ${apiKey}`
      throw new KafkaConnectionError(
        `unsupported version ${apiVersion} of API key ${apiKey}: client '${client}' asked for ${name} v${apiVersion}; brook supports v${range[0]}–${range[1]}`,
        `version:${client}@${opts.clientHost ?? ''}:${apiKey}:${apiVersion}`,
      )
    }
    if (sasl !== 'open' && sasl !== 'done' && !saslAllowed(apiKey, sasl))
      throw new KafkaConnectionError(`API key ${apiKey} before SASL authentication`)

    let header: { clientId?: string | null }
    let body: Body
    try {
      const decoded = decodeRequest(frame)
      header = decoded.header
      body = decoded.body as Body
    } catch (e) {
      throw new KafkaConnectionError(
        `malformed request (API key ${apiKey} v${apiVersion}): ${e instanceof Error ? e.message : String(e)}`,
      )
    }
    clientId = header.clientId ?? ''

    let response: Body | null
    switch (apiKey) {
      case API.ApiVersions:
        response = apiVersionsBody(0)
        break
      case API.SaslHandshake:
        response = saslHandshake(apiVersion, body)
        break
      case API.SaslAuthenticate:
        response = await saslAuthenticate(body)
        break
      default: {
        const handler = API_HANDLERS.get(apiKey)
        if (!handler) throw new KafkaConnectionError(`unknown API key ${apiKey}`)
        // Past authentication: the connection now counts against its principal.
        holdSlot()
        response = await handler(ctx(), apiVersion, body)
      }
    }
    if (response === null) return null
    try {
      return out.encode(apiKey as ApiKey, apiVersion, correlationId, response)
    } catch (e) {
      // A broker answer the wire cannot carry is a bug; the client gets a closed connection, not garbage.
      throw new KafkaConnectionError(
        `could not encode the response to API key ${apiKey} v${apiVersion}: ${e instanceof Error ? e.message : String(e)}`,
      )
    }
  }

  const saslHandshake = (version: number, body: Body): Body => {
    if (mechanisms.length === 0 || sasl === 'done')
      return { errorCode: errorCode('ILLEGAL_SASL_STATE'), mechanisms }
    const chosen = String(body.mechanism ?? '')
    if (!mechanisms.includes(chosen))
      return { errorCode: errorCode('UNSUPPORTED_SASL_MECHANISM'), mechanisms }
    mechanism = chosen
    scram = isScramMechanism(chosen) ? new ScramServer(chosen, opts.auth?.scram) : undefined
    sasl = version === 0 ? 'rawToken' : 'authenticate'
    return { errorCode: 0, mechanisms }
  }

  const saslAuthenticate = async (body: Body): Promise<Body> => {
    const fail = (errorCode: number, errorMessage: string) => ({
      errorCode,
      errorMessage,
      authBytes: EMPTY,
      sessionLifetimeMs: 0,
    })
    if (sasl !== 'authenticate')
      return fail(errorCode('ILLEGAL_SASL_STATE'), 'SaslAuthenticate without a SaslHandshake')
    const r = await step(body.authBytes ?? EMPTY)
    if (!r) {
      sasl = 'failed'
      if (!scram) {
        log('SASL/PLAIN authentication failed', 'info')
        return fail(
          errorCode('SASL_AUTHENTICATION_FAILED'),
          'Authentication failed: Invalid username or password',
        )
      }
      // Kafka's words (SaslServerAuthenticator), which say nothing of why: a wrong password and an
      // unknown user read the same.
      return fail(
        58,
        `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`,
      )
    }
    if (r.done) sasl = 'done'
    return { errorCode: 0, errorMessage: null, authBytes: r.token, sessionLifetimeMs: 0 }
  }

  // A throttled response goes out at once; the requests after it wait out the throttle time.
  const mute = async () => {
    const ms = mutedMs
    mutedMs = 0
    if (ms > 0) await new Promise((r) => setTimeout(r, ms))
  }
  return {
    handle(frame) {
      const result = chain.then(() => handleOne(frame, WHOLE))
      chain = result.catch(() => {}).then(mute)
      return result
    },
    handleFrame(frame) {
      const result = chain.then(() => handleOne(frame, CHUNKS))
      chain = result.catch(() => {}).then(mute)
      return result
    },
    authenticated: () => sasl === 'open' || sasl === 'done',
    failed: () => sasl === 'failed',
    peer: () => ({ clientId, principal }),
    close() {
      release?.()
    },
  }
}

function saslAllowed(apiKey: number, state: SaslState): boolean {
  if (apiKey === API.ApiVersions) return true
  if (apiKey === API.SaslHandshake) return state === 'handshake'
  if (apiKey === API.SaslAuthenticate) return state === 'authenticate'
  return false
}

function apiVersionsBody(errorCode: number): Body {
  return {
    errorCode,
    apiKeys: [...SUPPORTED_APIS].map(([apiKey, [minVersion, maxVersion]]) => ({
      apiKey,
      minVersion,
      maxVersion,
    })),
    throttleTimeMs: 0,
  }
}
