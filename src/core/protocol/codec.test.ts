import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BrookError } from '../errors.ts'
import type { Plan } from './codec.ts'
import { planFor } from './codec.ts'
import type { ApiKey } from './index.ts'
import {
  APIS,
  decodeRequest,
  decodeRequestHeader,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  frame,
  supportedVersions,
  uuidFromString,
  uuidToString,
} from './index.ts'

const bytes = (...parts: (number[] | Uint8Array)[]) => new Uint8Array(parts.flatMap((p) => [...p]))
const str16 = (s: string) => [0, s.length, ...new TextEncoder().encode(s)]
const compact = (s: string) => [s.length + 1, ...new TextEncoder().encode(s)]

describe('flexible versions, by hand from the Kafka specs', () => {
  // ApiVersionsResponse v3: header v0 (no tags), error_code, compact array of (api_key, min, max, tags),
  // throttle_time_ms, then tagged fields: tag 1 = FinalizedFeaturesEpoch (int64), tag 9 unknown.
  const apiVersionsV3 = bytes(
    [0, 0, 0, 42], // correlation id, and no header tags
    [0, 0], // error code
    [2, 0, 18, 0, 0, 0, 3, 0], // 1 api: key 18, 0..3, no tags
    [0, 0, 0, 5], // throttle
    [2], // two tagged fields
    [1, 8, 0, 0, 0, 0, 0, 0, 0, 7], // tag 1, 8 bytes: epoch 7
    [9, 2, 0xff, 0xff], // tag 9, unknown to brook: skipped
  )

  it('reads an ApiVersions v3 response with header v0 and skips unknown tagged fields', () => {
    const { correlationId, body } = decodeResponse(18, 3, apiVersionsV3)
    expect(correlationId).toBe(42)
    expect(body.apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 3 }])
    expect(body.throttleTimeMs).toBe(5)
    expect(body.finalizedFeaturesEpoch).toBe(7)
    // Tagged fields that were not sent take their spec defaults.
    expect(body.supportedFeatures).toEqual([])
    expect(body.zkMigrationReady).toBe(false)
  })

  it('writes known tagged fields only when they differ from the default', () => {
    const out = encodeResponse(18, 3, 42, {
      errorCode: 0,
      apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 3 }],
      throttleTimeMs: 5,
      finalizedFeaturesEpoch: 7,
    })
    expect([...out]).toEqual(
      [...apiVersionsV3.subarray(0, apiVersionsV3.length - 4)].map((b, i) => (i === 18 ? 1 : b)),
    )
  })

  it('uses response header v1 (tag byte) for other flexible responses', () => {
    // HeartbeatResponse v4: correlation id, header tags, throttle, error code, body tags.
    const out = encodeResponse(12, 4, 9, { throttleTimeMs: 0, errorCode: 27 })
    expect([...out]).toEqual([0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 27, 0])
    expect(decodeResponse(12, 4, out).body.errorCode).toBe(27)
  })

  it('writes request header v2 as an int16 client id plus a tag byte, and compact strings in the body', () => {
    const out = encodeRequest(
      { apiKey: 12, apiVersion: 4, correlationId: 3, clientId: 'c' },
      { groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null },
    )
    expect([...out]).toEqual([
      ...bytes(
        [0, 12, 0, 4, 0, 0, 0, 3],
        str16('c'),
        [0],
        compact('g'),
        [0, 0, 0, 1],
        compact('m'),
        [0],
        [0],
      ),
    ])
    const { header, body } = decodeRequest(out)
    expect(header).toEqual({ apiKey: 12, apiVersion: 4, correlationId: 3, clientId: 'c' })
    expect(body).toEqual({ groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null })
  })

  it('reads a null client id and fills defaults for fields a version lacks', () => {
    const out = bytes([0, 3, 0, 0, 0, 0, 0, 1, 0xff, 0xff], [0, 0, 0, 0])
    const req = decodeRequest(out)
    expect(req.header.clientId).toBeNull()
    if (req.apiKey !== 3) throw new Error('not metadata')
    // Metadata v0 has no AllowAutoTopicCreation; the spec default is true.
    expect(req.body).toMatchObject({ topics: [], allowAutoTopicCreation: true })
  })
})

describe('int64 and uuid', () => {
  it('rejects int64 values a JS number cannot hold exactly', () => {
    const body = {
      replicaId: -1,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, timestamp: 2 ** 53 }] }],
    }
    expect(() => encodeRequest({ apiKey: 2, apiVersion: 1, correlationId: 0 }, body)).toThrow(
      /not a safe integer/,
    )
    const ok = encodeRequest(
      { apiKey: 2, apiVersion: 1, correlationId: 0, clientId: null },
      { ...body, topics: [{ name: 't', partitions: [{ partitionIndex: 0, timestamp: -(2 ** 53) + 1 }] }] },
    )
    const decoded = decodeRequest(ok)
    if (decoded.apiKey !== 2) throw new Error('not list offsets')
    expect(decoded.body.topics[0]!.partitions[0]!.timestamp).toBe(-(2 ** 53) + 1)
    // 2^53 on the wire: a clear error rather than a rounded number.
    const big = new Uint8Array(ok)
    big.set([0, 0x20, 0, 0, 0, 0, 0, 0], big.length - 8)
    expect(() => decodeRequest(big)).toThrow(BrookError)
  })

  it('prints uuids as Kafka does (URL-safe base64, no padding)', () => {
    // Kafka's Uuid.METADATA_TOPIC_ID is new Uuid(0, 1) → "AAAAAAAAAAAAAAAAAAAAAQ".
    const one = new Uint8Array(16)
    one[15] = 1
    expect(uuidToString(one)).toBe('AAAAAAAAAAAAAAAAAAAAAQ')
    expect([...uuidFromString('AAAAAAAAAAAAAAAAAAAAAQ')]).toEqual([...one])
    expect(uuidToString(uuidFromString('00112233-4455-6677-8899-aabbccddeeff'))).toBe(
      'ABEiM0RVZneImaq7zN3u_w',
    )
  })
})

describe('encode errors', () => {
  it('names the field when a value has the wrong type or range', () => {
    expect(() =>
      encodeRequest({ apiKey: 12, apiVersion: 0, correlationId: 0 }, { groupId: 'g', generationId: 2 ** 31 }),
    ).toThrow(/generationId/)
    expect(() =>
      encodeRequest({ apiKey: 12, apiVersion: 0, correlationId: 0 }, { groupId: null as unknown as string }),
    ).toThrow(/groupId: null/)
  })

  it('refuses an API version the codec does not know', () => {
    expect(() => encodeRequest({ apiKey: 0, apiVersion: 99, correlationId: 0 }, {})).toThrow(BrookError)
    const unknown = bytes([0, 99, 0, 0, 0, 0, 0, 5], str16('x'))
    expect(decodeRequestHeader(unknown)).toMatchObject({ apiKey: 99, correlationId: 5, clientId: 'x' })
    expect(() => decodeRequest(unknown)).toThrow(/UNSUPPORTED_VERSION/)
  })
})

describe('frames', () => {
  it('prefixes the int32 size, and framed encodes equal frame(encode)', () => {
    const h = { apiKey: 18 as const, apiVersion: 0, correlationId: 1, clientId: 'x' }
    const plain = encodeRequest(h, {})
    expect([...frame(plain)]).toEqual([0, 0, 0, plain.length, ...plain])
    expect([...encodeRequest(h, {}, { framed: true })]).toEqual([...frame(plain)])
  })

  it('decodes records as a view into the frame (no copy) and encodes big records intact', () => {
    const records = new Uint8Array(1 << 20).map((_, i) => i * 7)
    const body = {
      acks: 1,
      timeoutMs: 100,
      topicData: [{ name: 't', partitionData: [{ index: 0, records }] }],
    }
    const out = encodeRequest({ apiKey: 0, apiVersion: 7, correlationId: 1 }, body)
    const req = decodeRequest(out)
    if (req.apiKey !== 0) throw new Error('not produce')
    const got = req.body.topicData[0]!.partitionData[0]!.records!
    expect(got.buffer).toBe(out.buffer)
    expect(Buffer.from(got).equals(Buffer.from(records))).toBe(true)
  })
})

// ---- property: every API and version round-trips random bodies ----

function rng(seed: number) {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) / 2 ** 32
  }
}

function randomBody(plan: Plan, r: () => number, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const f of [...plan.fields, ...plan.tagged]) {
    const one = (nullable: boolean): unknown => {
      if (nullable && r() < 0.2) return null
      const t = f.desc.type.replace('[]', '')
      const int = (bits: number) => Math.floor(r() * 2 ** bits) - 2 ** (bits - 1)
      switch (t) {
        case 'bool':
          return r() < 0.5
        case 'int8':
          return int(8)
        case 'int16':
          return int(16)
        case 'uint16':
          return Math.floor(r() * 65536)
        case 'int32':
          return int(32)
        case 'int64':
          return r() < 0.5 ? int(20) : Math.floor((r() - 0.5) * 2 * Number.MAX_SAFE_INTEGER)
        case 'float64':
          return (r() - 0.5) * 1e6
        case 'string':
          return ['', 'topic', 'ünï✓', 'x'.repeat(Math.floor(r() * 100))][Math.floor(r() * 4)]
        case 'uuid':
          return uuidToString(new Uint8Array(16).map(() => r() * 256))
        case 'bytes':
        case 'records':
          return new Uint8Array(Math.floor(r() * 40)).map(() => r() * 256)
        default:
          return randomBody(f.sub!, r, depth + 1)
      }
    }
    if (f.array) {
      out[f.name] =
        f.nullable && r() < 0.2
          ? null
          : Array.from({ length: depth > 3 ? 0 : Math.floor(r() * 3) }, () => one(false))
    } else out[f.name] = one(f.nullable)
  }
  return out
}

/** Drops fields the version does not carry, so a decoded body (with defaults) compares to the input. */
function project(plan: Plan, v: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const f of [...plan.fields, ...plan.tagged]) {
    const x = v[f.name]
    out[f.name] =
      f.sub && Array.isArray(x)
        ? x.map((e) => project(f.sub!, e))
        : f.sub && x
          ? project(f.sub, x as Record<string, unknown>)
          : x
  }
  return out
}

describe('round trip of random bodies for every API and version', () => {
  it('covers the supported versions table', () => {
    expect(supportedVersions.find((s) => s.name === 'ApiVersions')).toMatchObject({
      apiKey: 18,
      minVersion: 0,
      maxVersion: 4,
      firstFlexible: 3,
    })
    expect(supportedVersions).toHaveLength(28)
  })

  for (const api of APIS) {
    it(`${api.name} v${api.request.versions[0]}–v${api.request.versions[1]}`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: api.request.versions[1] }), fc.integer(), (version, seed) => {
          const r = rng(seed)
          const key = api.apiKey as ApiKey
          const reqPlan = planFor(api.request, version)
          const req = randomBody(reqPlan, r)
          const reqBytes = encodeRequest(
            { apiKey: key, apiVersion: version, correlationId: seed, clientId: 'p' },
            req as never,
          )
          expect(
            project(reqPlan, decodeRequest(reqBytes).body as unknown as Record<string, unknown>),
          ).toEqual(req)
          const resPlan = planFor(api.response, version)
          const res = randomBody(resPlan, r)
          const resBytes = encodeResponse(key, version, seed, res as never)
          const decoded = decodeResponse(key, version, resBytes)
          expect(decoded.correlationId).toBe(seed)
          expect(project(resPlan, decoded.body as unknown as Record<string, unknown>)).toEqual(res)
        }),
        { numRuns: 60 },
      )
    })
  }
})
