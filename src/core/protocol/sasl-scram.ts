/**
 * @module SASL/SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677) as Kafka uses them (KIP-84): both
 * sides, on Web Crypto alone so that it runs in every runtime brook does.
 *
 * The server keeps no password, only what Kafka stores per user and mechanism: a salt, an iteration
 * count, StoredKey = H(ClientKey) and ServerKey. As in Kafka, there is no channel binding (the client
 * says `n` or `y`, never `p=`), no SASLprep (a password is its UTF-8 bytes, Kafka's
 * `ScramFormatter.normalize`), the authorization id may only repeat the username, and iteration
 * counts lie in [4096, 16384] (`ScramMechanism.minIterations/maxIterations`).
 *
 * Every message is parsed without trusting its shape: a bad one ends the exchange with a clean
 * failure (an RFC 5802 `e=` value), never an exception.
 */

import { BrookError } from '../errors.ts'

export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512'
export const SCRAM_MECHANISMS: readonly ScramMechanism[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512']

/** What a server stores per user and mechanism (Kafka's `ScramCredential`). */
export interface ScramCredential {
  salt: Uint8Array
  iterations: number
  storedKey: Uint8Array
  serverKey: Uint8Array
}

/** A user's credential for one mechanism; undefined when there is no such user. */
export type ScramLookup = (
  username: string,
  mechanism: ScramMechanism,
) => ScramCredential | undefined | Promise<ScramCredential | undefined>

/** Kafka's bounds on the iteration count; 4096 is also Kafka's default and RFC 7677's minimum. */
export const SCRAM_MIN_ITERATIONS = 4096
export const SCRAM_MAX_ITERATIONS = 16384
/** Bigger client or server messages are refused: real ones are about 100 bytes plus the username. */
export const SCRAM_MAX_MESSAGE_BYTES = 8192

const DIGESTS: Record<ScramMechanism, { hash: 'SHA-256' | 'SHA-512'; bytes: number }> = {
  'SCRAM-SHA-256': { hash: 'SHA-256', bytes: 32 },
  'SCRAM-SHA-512': { hash: 'SHA-512', bytes: 64 },
}

export function isScramMechanism(name: string): name is ScramMechanism {
  return name === 'SCRAM-SHA-256' || name === 'SCRAM-SHA-512'
}

// ---- primitives ----

const utf8 = new TextEncoder()
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/** A copy on a plain ArrayBuffer, the only kind Web Crypto's types accept. */
function own(b: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(b)
}

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle
  if (!s) throw new BrookError('SASL_AUTHENTICATION_FAILED', 'SCRAM needs Web Crypto (crypto.subtle)')
  return s
}

async function hmac(mechanism: ScramMechanism, key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await subtle().importKey(
    'raw',
    own(key),
    { name: 'HMAC', hash: DIGESTS[mechanism].hash },
    false,
    ['sign'],
  )
  return new Uint8Array(await subtle().sign('HMAC', k, own(data)))
}

async function digest(mechanism: ScramMechanism, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest(DIGESTS[mechanism].hash, own(data)))
}

/** Hi(password, salt, i) of RFC 5802 §2.2: PBKDF2 with HMAC of the mechanism's hash. */
async function saltedPassword(
  mechanism: ScramMechanism,
  password: string,
  salt: Uint8Array,
  iterations: number,
): Promise<Uint8Array> {
  const key = await subtle().importKey('raw', own(utf8.encode(password)), 'PBKDF2', false, ['deriveBits'])
  const bits = await subtle().deriveBits(
    { name: 'PBKDF2', hash: DIGESTS[mechanism].hash, salt: own(salt), iterations },
    key,
    DIGESTS[mechanism].bytes * 8,
  )
  return new Uint8Array(bits)
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length)
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!
  return out
}

/** Compares in time that depends on the length only, so a proof check leaks nothing through timing. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}

function randomBytes(n: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(n))
}

export function toBase64(b: Uint8Array): string {
  let s = ''
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000))
  return btoa(s)
}

/** Strict, padded base64 (RFC 5802 §7 uses RFC 4648 base64); null when it is not. */
export function fromBase64(s: string): Uint8Array | null {
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return null
  const bin = atob(s)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

/** A fresh nonce: printable, no comma (RFC 5802 §7 `c-nonce`/`s-nonce`). */
function newNonce(): string {
  return toBase64(randomBytes(18)).replace(/\+/g, '-').replace(/\//g, '_')
}

/** `saslname` of RFC 5802 §7: `,` and `=` escaped as `=2C` and `=3D`. */
export function escapeSaslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C')
}

/** The name behind a `saslname`; null when it has a `=` that is not `=2C`/`=3D`, or is empty. */
export function unescapeSaslName(name: string): string | null {
  if (!name || /=(?!2C|3D)/.test(name)) return null
  return name.replace(/=2C/g, ',').replace(/=3D/g, '=')
}

const NONCE = /^[\x21-\x2b\x2d-\x7e]{1,256}$/

/** The `x=value` attributes of one message, in order; null when one is not of that form. */
function attributes(text: string): { key: string; value: string }[] | null {
  const out: { key: string; value: string }[] = []
  for (const part of text.split(',')) {
    const eq = part.indexOf('=')
    // One letter as RFC 5802 has it, or a word as Kafka's extensions (`tokenauth=true`) have it.
    if (eq <= 0 || !/^[A-Za-z][A-Za-z0-9]*$/.test(part.slice(0, eq))) return null
    out.push({ key: part.slice(0, eq), value: part.slice(eq + 1) })
  }
  return out
}

function decodeMessage(bytes: Uint8Array): string | null {
  if (bytes.length === 0 || bytes.length > SCRAM_MAX_MESSAGE_BYTES) return null
  try {
    return strictUtf8.decode(bytes)
  } catch {
    return null
  }
}

// ---- credentials ----

/**
 * The credential a server stores for `password`: as Kafka's `kafka-configs --add-config
 * 'SCRAM-SHA-256=[password=…]'` derives it, with a random salt and 4096 iterations unless told.
 */
export async function scramCredential(
  mechanism: ScramMechanism,
  password: string,
  options: { salt?: Uint8Array; iterations?: number } = {},
): Promise<ScramCredential> {
  const iterations = options.iterations ?? SCRAM_MIN_ITERATIONS
  if (!Number.isInteger(iterations) || iterations < SCRAM_MIN_ITERATIONS || iterations > SCRAM_MAX_ITERATIONS)
    throw new RangeError(`SCRAM iterations must be ${SCRAM_MIN_ITERATIONS}..${SCRAM_MAX_ITERATIONS}`)
  const salt = options.salt ?? randomBytes(16)
  const salted = await saltedPassword(mechanism, password, salt, iterations)
  const clientKey = await hmac(mechanism, salted, utf8.encode('Client Key'))
  return {
    salt,
    iterations,
    storedKey: await digest(mechanism, clientKey),
    serverKey: await hmac(mechanism, salted, utf8.encode('Server Key')),
  }
}

/**
 * A lookup over users and passwords known at start: every credential is derived once, here (a few
 * milliseconds per user and mechanism), so that no password is kept or hashed per connection.
 */
export async function scramLookup(
  users: ReadonlyMap<string, string>,
  mechanisms: readonly ScramMechanism[] = SCRAM_MECHANISMS,
): Promise<ScramLookup> {
  const table = new Map<string, ScramCredential>()
  for (const mechanism of mechanisms) {
    for (const [user, password] of users) {
      table.set(`${mechanism}\0${user}`, await scramCredential(mechanism, password))
    }
  }
  return (username, mechanism) => table.get(`${mechanism}\0${username}`)
}

// ---- server ----

/** One step of a server exchange: a message to send and go on, success, or a failure. */
export type ScramServerStep =
  | { kind: 'continue'; response: Uint8Array }
  | { kind: 'done'; response: Uint8Array; username: string }
  | {
      kind: 'fail'
      /** RFC 5802 `server-error-value`: the `e=` a server-final message would carry. */
      error: string
      /** Why, for the broker's log (never for the client: it could tell users apart). */
      reason: string
    }

let mockSecret: Uint8Array | undefined

/**
 * A credential for a user that does not exist, so that the exchange fails at the proof as with a wrong
 * password instead of at the username: the salt is stable per name (from a secret of this process,
 * made on first use because some runtimes forbid randomness at load), and nothing can match the key.
 */
async function mockCredential(mechanism: ScramMechanism, username: string): Promise<ScramCredential> {
  mockSecret ??= randomBytes(32)
  const salt = (await hmac(mechanism, mockSecret, utf8.encode(username))).subarray(0, 16)
  const key = randomBytes(DIGESTS[mechanism].bytes)
  return { salt, iterations: SCRAM_MIN_ITERATIONS, storedKey: key, serverKey: key }
}

/**
 * The server side of one exchange: `step` takes the client-first message, answers server-first, then
 * takes client-final and answers server-final. Anything else, or anything after a failure, fails.
 */
export class ScramServer {
  private state: 'first' | 'final' | 'over' = 'first'
  private gs2Header = ''
  private clientFirstBare = ''
  private serverFirst = ''
  private nonce = ''
  private username = ''
  private credential: ScramCredential | undefined

  constructor(
    readonly mechanism: ScramMechanism,
    private readonly lookup: ScramLookup | undefined,
    /** The server's part of the nonce: fixed only by tests (RFC 7677's vector). */
    private readonly serverNonce: string = newNonce(),
  ) {}

  async step(message: Uint8Array): Promise<ScramServerStep> {
    const state = this.state
    // Whatever happens now, no message is accepted twice.
    this.state = 'over'
    try {
      if (state === 'first') return await this.first(message)
      if (state === 'final') return await this.final(message)
      return fail('other-error', 'SCRAM message after the exchange ended')
    } catch (e) {
      // Only Web Crypto can throw here (it never should); a failure is still a clean one.
      return fail('other-error', `SCRAM: ${e instanceof Error ? e.message : String(e)}`)
    }
  }

  private async first(bytes: Uint8Array): Promise<ScramServerStep> {
    const text = decodeMessage(bytes)
    if (text === null) return fail('invalid-encoding', 'client-first message is not UTF-8 of a sane size')
    // gs2-header: cbind-flag "," [ "a=" saslname ] ","
    const c1 = text.indexOf(',')
    const c2 = c1 < 0 ? -1 : text.indexOf(',', c1 + 1)
    if (c2 < 0) return fail('invalid-encoding', 'client-first message has no GS2 header')
    const flag = text.slice(0, c1)
    if (flag.startsWith('p=')) return fail('channel-binding-not-supported', 'client requires channel binding')
    if (flag !== 'n' && flag !== 'y')
      return fail('invalid-encoding', `bad GS2 channel-binding flag '${flag}'`)
    const authz = text.slice(c1 + 1, c2)
    let authzid: string | null = null
    if (authz) {
      if (!authz.startsWith('a=')) return fail('invalid-encoding', 'bad GS2 authorization id')
      authzid = unescapeSaslName(authz.slice(2))
      if (authzid === null) return fail('invalid-username-encoding', 'bad authorization id encoding')
    }
    const bare = text.slice(c2 + 1)
    const attrs = attributes(bare)
    if (!attrs) return fail('invalid-encoding', 'client-first message is not a list of attributes')
    if (attrs[0]?.key === 'm') return fail('extensions-not-supported', 'mandatory extension (m=)')
    if (attrs.length < 2 || attrs[0]!.key !== 'n' || attrs[1]!.key !== 'r')
      return fail('invalid-encoding', 'client-first message wants n=<user>,r=<nonce>')
    const username = unescapeSaslName(attrs[0]!.value)
    if (username === null) return fail('invalid-username-encoding', 'bad username encoding')
    const clientNonce = attrs[1]!.value
    if (!NONCE.test(clientNonce)) return fail('invalid-encoding', 'bad client nonce')
    // Kafka's one extension authenticates a delegation token, which brook does not issue.
    if (attrs.slice(2).some((a) => a.key === 'tokenauth' && a.value.toLowerCase() === 'true'))
      return fail('extensions-not-supported', 'delegation tokens are not supported')
    if (authzid !== null && authzid !== username)
      return fail('other-error', 'authorization id differs from the username')

    const credential =
      (await this.lookup?.(username, this.mechanism)) ?? (await mockCredential(this.mechanism, username))
    this.gs2Header = text.slice(0, c2 + 1)
    this.clientFirstBare = bare
    this.username = username
    this.credential = credential
    this.nonce = clientNonce + this.serverNonce
    this.serverFirst = `r=${this.nonce},s=${toBase64(credential.salt)},i=${credential.iterations}`
    this.state = 'final'
    return { kind: 'continue', response: utf8.encode(this.serverFirst) }
  }

  private async final(bytes: Uint8Array): Promise<ScramServerStep> {
    const credential = this.credential!
    const text = decodeMessage(bytes)
    if (text === null) return fail('invalid-encoding', 'client-final message is not UTF-8 of a sane size')
    // The proof comes last (RFC 5802 §7 client-final-message); AuthMessage has what precedes it.
    const at = text.lastIndexOf(',p=')
    if (at < 0) return fail('invalid-encoding', 'client-final message has no proof')
    const withoutProof = text.slice(0, at)
    const attrs = attributes(withoutProof)
    if (!attrs || attrs.length < 2 || attrs[0]!.key !== 'c' || attrs[1]!.key !== 'r')
      return fail('invalid-encoding', 'client-final message wants c=<binding>,r=<nonce>,…,p=<proof>')
    if (attrs[0]!.value !== toBase64(utf8.encode(this.gs2Header)))
      return fail('channel-bindings-dont-match', 'channel binding differs from the GS2 header')
    // librdkafka (2.0.2) sends its own nonce again in front of the server-first one; Kafka accepts that
    // by checking only that the nonce ends with its own (ScramSaslServer), and so must brook. The
    // proof covers the message as sent, so the server's fresh part still binds it to this exchange.
    if (!attrs[1]!.value.endsWith(this.nonce))
      return fail('other-error', 'nonce does not end with the server-first one')
    const proof = fromBase64(text.slice(at + 3))
    if (!proof || proof.length !== DIGESTS[this.mechanism].bytes)
      return fail('invalid-encoding', 'bad client proof encoding')

    const authMessage = utf8.encode(`${this.clientFirstBare},${this.serverFirst},${withoutProof}`)
    const clientSignature = await hmac(this.mechanism, credential.storedKey, authMessage)
    const clientKey = xor(proof, clientSignature)
    if (!sameBytes(await digest(this.mechanism, clientKey), credential.storedKey))
      return fail('invalid-proof', `invalid ${this.mechanism} proof for user ${this.username}`)
    const serverSignature = await hmac(this.mechanism, credential.serverKey, authMessage)
    return {
      kind: 'done',
      response: utf8.encode(`v=${toBase64(serverSignature)}`),
      username: this.username,
    }
  }
}

function fail(error: string, reason: string): ScramServerStep {
  return { kind: 'fail', error, reason }
}

// ---- client ----

function authFailed(detail: string): BrookError {
  return new BrookError('SASL_AUTHENTICATION_FAILED', detail)
}

/**
 * The client side: `first()` is the client-first message, `final(serverFirst)` the client-final one,
 * and `verify(serverFinal)` checks that the server knew the credential (its signature), as RFC 5802
 * requires. Failures throw SASL_AUTHENTICATION_FAILED.
 */
export class ScramClient {
  private clientFirstBare: string
  private serverSignature: Uint8Array | undefined

  constructor(
    readonly mechanism: ScramMechanism,
    username: string,
    private readonly password: string,
    /** Fixed only by tests (RFC 7677's vector). */
    private readonly clientNonce: string = newNonce(),
  ) {
    if (!NONCE.test(clientNonce)) throw new RangeError('a SCRAM nonce is printable ASCII without commas')
    this.clientFirstBare = `n=${escapeSaslName(username)},r=${clientNonce}`
  }

  first(): Uint8Array {
    return utf8.encode(`n,,${this.clientFirstBare}`)
  }

  async final(serverFirstBytes: Uint8Array): Promise<Uint8Array> {
    const serverFirst = decodeMessage(serverFirstBytes)
    const attrs = serverFirst === null ? null : attributes(serverFirst)
    if (!serverFirst || !attrs) throw authFailed(`${this.mechanism}: malformed server-first message`)
    if (attrs[0]?.key === 'e') throw authFailed(`${this.mechanism}: the server says ${attrs[0].value}`)
    if (attrs[0]?.key === 'm') throw authFailed(`${this.mechanism}: the server wants an unknown extension`)
    const get = (k: string) => attrs.find((a) => a.key === k)?.value
    const nonce = get('r')
    const salt = fromBase64(get('s') ?? '')
    const iterations = Number(get('i'))
    if (!nonce || !NONCE.test(nonce) || !nonce.startsWith(this.clientNonce) || nonce === this.clientNonce)
      throw authFailed(`${this.mechanism}: the server nonce does not extend the client nonce`)
    if (!salt || salt.length === 0) throw authFailed(`${this.mechanism}: bad salt in server-first message`)
    // A server must not make the client spin: Kafka's client enforces the same range.
    if (
      !Number.isInteger(iterations) ||
      iterations < SCRAM_MIN_ITERATIONS ||
      iterations > SCRAM_MAX_ITERATIONS
    )
      throw authFailed(
        `${this.mechanism}: iteration count ${get('i')} outside ${SCRAM_MIN_ITERATIONS}..${SCRAM_MAX_ITERATIONS}`,
      )
    const salted = await saltedPassword(this.mechanism, this.password, salt, iterations)
    const clientKey = await hmac(this.mechanism, salted, utf8.encode('Client Key'))
    const storedKey = await digest(this.mechanism, clientKey)
    const withoutProof = `c=${toBase64(utf8.encode('n,,'))},r=${nonce}`
    const authMessage = utf8.encode(`${this.clientFirstBare},${serverFirst},${withoutProof}`)
    const clientSignature = await hmac(this.mechanism, storedKey, authMessage)
    const serverKey = await hmac(this.mechanism, salted, utf8.encode('Server Key'))
    this.serverSignature = await hmac(this.mechanism, serverKey, authMessage)
    return utf8.encode(`${withoutProof},p=${toBase64(xor(clientKey, clientSignature))}`)
  }

  async verify(serverFinalBytes: Uint8Array): Promise<void> {
    const text = decodeMessage(serverFinalBytes)
    const attrs = text === null ? null : attributes(text)
    if (!attrs || !this.serverSignature) throw authFailed(`${this.mechanism}: malformed server-final message`)
    if (attrs[0]?.key === 'e') throw authFailed(`${this.mechanism}: the server says ${attrs[0].value}`)
    const signature = attrs[0]?.key === 'v' ? fromBase64(attrs[0].value) : null
    if (!signature || !sameBytes(signature, this.serverSignature))
      throw authFailed(`${this.mechanism}: the server's signature is wrong (it does not know the credential)`)
  }
}
