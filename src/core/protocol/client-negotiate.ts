/**
 * @module Connection start for brook's Kafka client: ApiVersions (v3, falling back to what the broker
 * says it speaks, as librdkafka does), the highest version both sides speak per API, then SASL when
 * configured (SaslHandshake v1 + SaslAuthenticate, KIP-152): PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.
 */
import { BrookError, errorCode } from '../errors.ts'
import { API } from './api-keys.ts'
import type { KafkaConnection } from './client-connection.ts'
import { API_NAMES } from './frames.ts'
import { isScramMechanism, ScramClient } from './sasl-scram.ts'
import type { ApiKey } from './types.generated.ts'

/**
 * The versions brook's client maps, per API. Minimums skip versions whose semantics the mapping does not
 * cover (ListOffsets v0's offset arrays, OffsetFetch v0's ZooKeeper offsets); maximums stop before
 * versions that change shape (Fetch v13 topic ids, OffsetFetch v8 group batches, FindCoordinator v4).
 */
export const CLIENT_VERSIONS: Readonly<Record<ApiKey, readonly [number, number]>> = {
  0: [3, 9],
  1: [4, 12],
  2: [1, 7],
  3: [1, 12],
  8: [2, 8],
  9: [1, 7],
  10: [0, 3],
  11: [0, 9],
  12: [0, 4],
  13: [0, 5],
  14: [0, 5],
  15: [0, 5],
  16: [0, 5],
  17: [1, 1],
  18: [0, 3],
  19: [0, 7],
  20: [0, 6],
  21: [0, 2],
  22: [0, 4],
  29: [1, 3],
  30: [1, 3],
  31: [1, 3],
  32: [0, 4],
  33: [0, 2],
  36: [0, 2],
  37: [0, 3],
  42: [0, 2],
  44: [0, 1],
}

/** The SASL mechanisms brook's client speaks, in either case (kafkajs writes `'scram-sha-256'`). */
export type SaslMechanism =
  | 'PLAIN'
  | 'plain'
  | 'SCRAM-SHA-256'
  | 'scram-sha-256'
  | 'SCRAM-SHA-512'
  | 'scram-sha-512'

/** SASL credentials, in kafkajs's shape: `{ mechanism: 'scram-sha-256', username, password }`. */
export interface SaslOptions {
  mechanism: SaslMechanism
  username: string
  password: string
}

/** @deprecated The PLAIN-only name of `SaslOptions`. */
export type SaslPlain = SaslOptions

export interface NegotiateOptions {
  clientSoftwareName?: string
  clientSoftwareVersion?: string
  sasl?: SaslOptions
}

/** API key → the version to use with this broker. */
export type Versions = ReadonlyMap<number, number>

export async function negotiate(conn: KafkaConnection, options: NegotiateOptions = {}): Promise<Versions> {
  const body = {
    clientSoftwareName: options.clientSoftwareName ?? 'brook',
    clientSoftwareVersion: options.clientSoftwareVersion ?? '0.1.0',
  }
  let version = 3
  let res = await conn.request(18, version, body)
  if (res.errorCode === errorCode('UNSUPPORTED_VERSION')) {
    const theirs = res.apiKeys.find((k) => k.apiKey === API.ApiVersions)
    version = theirs ? Math.min(3, theirs.maxVersion) : 0
    res = await conn.request(18, version, body)
  }
  if (res.errorCode !== 0) throw BrookError.fromCode(res.errorCode, `ApiVersions v${version} failed`)
  const versions = new Map<number, number>()
  for (const k of res.apiKeys) {
    const ours = CLIENT_VERSIONS[k.apiKey as ApiKey]
    if (!ours) continue
    const v = Math.min(ours[1], k.maxVersion)
    if (v >= ours[0] && v >= k.minVersion) versions.set(k.apiKey, v)
  }
  if (options.sasl) await authenticate(conn, versions, options.sasl)
  return versions
}

export function versionOf(versions: Versions, apiKey: ApiKey): number {
  const v = versions.get(apiKey)
  if (v === undefined) {
    throw new BrookError(
      'UNSUPPORTED_VERSION',
      `the broker supports no version of ${API_NAMES[apiKey]} that brook's client speaks`,
    )
  }
  return v
}

async function authenticate(conn: KafkaConnection, versions: Versions, sasl: SaslOptions): Promise<void> {
  const mechanism = String(sasl.mechanism).toUpperCase()
  if (mechanism !== 'PLAIN' && !isScramMechanism(mechanism))
    throw new BrookError('UNSUPPORTED_SASL_MECHANISM', `brook's client does not speak SASL/${sasl.mechanism}`)
  const hs = await conn.request(17, versionOf(versions, 17), { mechanism })
  if (hs.errorCode !== 0) {
    throw BrookError.fromCode(
      hs.errorCode,
      `SASL mechanism ${mechanism}; broker offers ${hs.mechanisms.join(', ')}`,
    )
  }
  const round = async (authBytes: Uint8Array): Promise<Uint8Array> => {
    const auth = await conn.request(36, versionOf(versions, 36), { authBytes })
    if (auth.errorCode !== 0)
      throw BrookError.fromCode(auth.errorCode, auth.errorMessage ?? 'SASL authentication failed')
    return auth.authBytes
  }
  if (mechanism === 'PLAIN') {
    await round(new TextEncoder().encode(`\u0000${sasl.username}\u0000${sasl.password}`))
    return
  }
  // SCRAM (RFC 5802): client-first → server-first, client-final → server-final, whose signature proves
  // that the broker knows the credential.
  const scram = new ScramClient(mechanism, sasl.username, sasl.password)
  const serverFirst = await round(scram.first())
  const serverFinal = await round(await scram.final(serverFirst))
  await scram.verify(serverFinal)
}
