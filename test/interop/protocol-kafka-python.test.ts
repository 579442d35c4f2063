/**
 * @module Golden frames from kafka-python 2.0.2 (scripts/fixtures/kafka_python_protocol.py): brook decodes
 * every request and response kafka-python encodes to the same values, and re-encodes them to the same bytes.
 * kafka-python names fields differently, so values are matched by position, in wire order.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { ApiKey, Plan } from '../../src/core/protocol/index.ts'
import {
  APIS,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  planFor,
} from '../../src/core/protocol/index.ts'

interface Fixture {
  api: string
  apiKey: ApiKey
  version: number
  sample: number
  correlationId: number
  clientId?: string
  hex: string
  value: Json
}
type Json = null | boolean | number | string | Json[] | { [k: string]: Json }

const load = (name: string): Fixture[] =>
  JSON.parse(readFileSync(new URL(`../fixtures/kafka-python/${name}`, import.meta.url), 'utf8')).frames

const requests = load('protocol-requests.json')
const responses = load('protocol-responses.json')

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
const unhex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'))

function isBytes(v: Json): v is { $bytes: string } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && '$bytes' in v
}

/** kafka-python's value (names of its own) as a brook body: same fields, by position. */
function toBrook(plan: Plan, value: { [k: string]: Json }): Record<string, unknown> {
  // kafka-python nests some fields in a plain struct where Kafka's spec lists them flat (CreatePartitions'
  // new_partitions); the bytes are the same, so flatten them.
  const kp = Object.values(value).flatMap((v) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) && !isBytes(v) ? Object.values(v) : [v],
  )
  expect(kp.length, `field count of ${Object.keys(value).join(',')}`).toBe(plan.fields.length)
  const out: Record<string, unknown> = {}
  plan.fields.forEach((f, i) => {
    const v = kp[i]!
    // kafka-python's DescribeConfigs v1+ reads ConfigSource (int8) as its old is_default boolean.
    out[f.name] = f.desc.type === 'int8' && typeof v === 'boolean' ? Number(v) : convert(f.sub, v)
  })
  return out
}

function convert(sub: Plan | null, v: Json): unknown {
  if (v === null) return null
  if (isBytes(v)) return unhex(v.$bytes)
  if (Array.isArray(v)) return v.map((e) => element(sub, e))
  return v
}

function element(sub: Plan | null, e: Json): unknown {
  if (!sub) return convert(null, e)
  if (typeof e === 'object' && e !== null && !Array.isArray(e) && !isBytes(e)) return toBrook(sub, e)
  // kafka-python writes a one-field struct (Metadata's topics, for one) as the bare value: same bytes.
  expect(sub.fields.length).toBe(1)
  return { [sub.fields[0]!.name]: convert(sub.fields[0]!.sub, e) }
}

const planOf = (f: Fixture, side: 'request' | 'response') =>
  planFor(APIS.find((a) => a.apiKey === f.apiKey)![side], f.version)

/** Keeps only the fields the version carries, so spec defaults for other versions do not interfere. */
function present(plan: Plan, body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const f of plan.fields) {
    const v = body[f.name]
    out[f.name] =
      f.sub && Array.isArray(v)
        ? v.map((e) => present(f.sub!, e))
        : f.sub && v
          ? present(f.sub, v as Record<string, unknown>)
          : v
  }
  return out
}

describe('kafka-python 2.0.2 requests', () => {
  it('covers every API brook shares with kafka-python', () => {
    const keys = new Set(requests.map((r) => r.apiKey))
    expect([...keys].sort((a, b) => a - b)).toEqual([
      0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 32, 36, 37, 42,
    ])
  })

  for (const f of requests) {
    it(`${f.api} v${f.version} #${f.sample}`, () => {
      const plan = planOf(f, 'request')
      const bytes = unhex(f.hex)
      const { header, body } = decodeRequest(bytes)
      expect(header).toEqual({
        apiKey: f.apiKey,
        apiVersion: f.version,
        correlationId: f.correlationId,
        clientId: f.clientId,
      })
      const expected = toBrook(plan, f.value as { [k: string]: Json })
      expect(present(plan, body as unknown as Record<string, unknown>)).toEqual(expected)
      const again = encodeRequest(
        { apiKey: f.apiKey, apiVersion: f.version, correlationId: f.correlationId, clientId: f.clientId },
        expected as never,
      )
      expect(hex(again)).toBe(f.hex)
    })
  }
})

describe('kafka-python 2.0.2 responses', () => {
  for (const f of responses) {
    it(`${f.api} v${f.version} #${f.sample}`, () => {
      const plan = planOf(f, 'response')
      const { correlationId, body } = decodeResponse(f.apiKey, f.version, unhex(f.hex))
      expect(correlationId).toBe(f.correlationId)
      const expected = toBrook(plan, f.value as { [k: string]: Json })
      expect(present(plan, body as unknown as Record<string, unknown>)).toEqual(expected)
      expect(hex(encodeResponse(f.apiKey, f.version, f.correlationId, expected as never))).toBe(f.hex)
    })
  }
})
