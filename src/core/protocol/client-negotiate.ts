/**
 * @module Connection start for brook's Kafka client: ApiVersions (v3, falling back to what the broker
 * says it speaks, as librdkafka does), the highest version both sides speak per API, then SASL/PLAIN when
 * configured (SaslHandshake v1 + SaslAuthenticate, KIP-152).
 */
import { BrookError } from '../errors.ts'
import type { KafkaConnection } from './client-connection.ts'
import { API_NAMES } from './frames.ts'
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

export interface SaslPlain {
  mechanism: 'PLAIN'
  username: string
  password: string
}

export interface NegotiateOptions {
  clientSoftwareName?: string
  clientSoftwareVersion?: string
  sasl?: SaslPlain
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
  if (res.errorCode === 35) {
    const theirs = res.apiKeys.find((k) => k.apiKey === 18)
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

async function authenticate(conn: KafkaConnection, versions: Versions, sasl: SaslPlain): Promise<void> {
  const hs = await conn.request(17, versionOf(versions, 17), { mechanism: sasl.mechanism })
  if (hs.errorCode !== 0) {
    throw BrookError.fromCode(
      hs.errorCode,
      `SASL mechanism ${sasl.mechanism}; broker offers ${hs.mechanisms.join(', ')}`,
    )
  }
  const token = new TextEncoder().encode(`\u0000${sasl.username}\u0000${sasl.password}`)
  const auth = await conn.request(36, versionOf(versions, 36), { authBytes: token })
  if (auth.errorCode !== 0)
    throw BrookError.fromCode(auth.errorCode, auth.errorMessage ?? 'SASL authentication failed')
}
