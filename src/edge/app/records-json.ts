/**
 * @module Records as JSON, for the REST and SSE doors. In: `{ key, value, headers, partition }`
 * where the value is `value` (any JSON, stored as its JSON text), `valueText` (a string stored as
 * its UTF-8 bytes) or `valueBase64` (bytes), and the key a string (UTF-8) or `keyBase64`. Out: the
 * record's offset, timestamp, key and headers, and its value in the first of `value` (bytes that
 * are JSON, with format=json), `valueText` (bytes that are UTF-8) and `valueBase64` that fits the
 * bytes and the format asked — never altered, never ambiguous.
 */

import type { Record, RecordHeader, RecordInput } from '../../core/format/record-batch.ts'
import { badRequest } from './http-errors.ts'

/** The media type of Kafka RecordBatch v2 bytes, in and out. */
export const RECORD_BATCH_TYPE = 'application/vnd.kafka.record-batch'

export type ValueFormat = 'json' | 'text' | 'base64'
export const VALUE_FORMATS: readonly ValueFormat[] = ['json', 'text', 'base64']

export interface JsonRecordIn {
  key?: string | null
  keyBase64?: string
  value?: unknown
  valueText?: string
  valueBase64?: string
  /** `{ name: value }` or `[{ key, value }]`; values are strings (UTF-8) or null. */
  headers?: { [name: string]: string | null } | { key: string; value: string | null }[]
  partition?: number
  timestamp?: number
}

export interface JsonRecordOut {
  partition: number
  offset: number
  timestamp: number
  key: string | null
  keyBase64?: string
  value?: unknown
  valueText?: string
  valueBase64?: string
  /** A header value that is not UTF-8 comes as `valueBase64`. */
  headers: { key: string; value?: string | null; valueBase64?: string }[]
}

const utf8 = new TextEncoder()
const strictText = new TextDecoder('utf-8', { fatal: true })

export function fromBase64(s: string, what: string): Uint8Array {
  if (typeof s !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 === 1)
    throw badRequest(`${what} is not base64`)
  const bin = atob(s.padEnd(Math.ceil(s.length / 4) * 4, '='))
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

export function toBase64(b: Uint8Array): string {
  let s = ''
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000))
  return btoa(s)
}

/** JSON texts start with one of these (after whitespace): most other text is ruled out without a throw. */
const JSON_START = /^[\s]*[{["\-0-9tfn]/

function mayBeJson(t: string): boolean {
  return JSON_START.test(t)
}

function text(b: Uint8Array): string | undefined {
  try {
    return strictText.decode(b)
  } catch {
    return undefined
  }
}

/** One JSON record as a RecordInput; `index` names it in errors. */
export function recordFromJson(r: unknown, index: number): RecordInput & { partition?: number } {
  const at = `records[${index}]`
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw badRequest(`${at} is not an object`)
  const rec = r as JsonRecordIn
  for (const name of Object.keys(rec))
    if (
      ![
        'key',
        'keyBase64',
        'value',
        'valueText',
        'valueBase64',
        'headers',
        'partition',
        'timestamp',
      ].includes(name)
    )
      throw badRequest(`${at} has an unknown field "${name}"`)
  if (rec.key !== undefined && rec.keyBase64 !== undefined)
    throw badRequest(`${at} has both key and keyBase64`)
  const given = ['value', 'valueText', 'valueBase64'].filter((k) => k in rec)
  if (given.length > 1) throw badRequest(`${at} has ${given.join(' and ')}: give one`)
  let key: Uint8Array | null = null
  if (rec.keyBase64 !== undefined) key = fromBase64(rec.keyBase64, `${at}.keyBase64`)
  else if (rec.key !== undefined && rec.key !== null) {
    if (typeof rec.key !== 'string') throw badRequest(`${at}.key must be a string (or use keyBase64)`)
    key = utf8.encode(rec.key)
  }
  let value: Uint8Array | null
  if (rec.valueBase64 !== undefined) value = fromBase64(rec.valueBase64, `${at}.valueBase64`)
  else if (rec.valueText !== undefined) {
    if (typeof rec.valueText !== 'string') throw badRequest(`${at}.valueText must be a string`)
    value = utf8.encode(rec.valueText)
  }
  // A tombstone is an explicit `"value": null`; a record with no value field is a mistake.
  else if (!('value' in rec))
    throw badRequest(`${at} needs value (any JSON, null for a tombstone), valueText or valueBase64`)
  else value = rec.value === null ? null : utf8.encode(JSON.stringify(rec.value))
  const headers: RecordHeader[] = []
  if (rec.headers !== undefined) {
    const list = Array.isArray(rec.headers)
      ? rec.headers
      : typeof rec.headers === 'object' && rec.headers !== null
        ? Object.entries(rec.headers).map(([k, v]) => ({ key: k, value: v }))
        : null
    if (!list) throw badRequest(`${at}.headers must be an object or an array of { key, value }`)
    for (const h of list) {
      if (typeof h?.key !== 'string' || (h.value !== null && typeof h.value !== 'string'))
        throw badRequest(`${at}.headers: each header has a string key and a string or null value`)
      headers.push({ key: h.key, value: h.value === null ? null : utf8.encode(h.value) })
    }
  }
  if (rec.partition !== undefined && (!Number.isInteger(rec.partition) || rec.partition < 0))
    throw badRequest(`${at}.partition must be a non-negative integer`)
  if (rec.timestamp !== undefined && (!Number.isSafeInteger(rec.timestamp) || rec.timestamp < 0))
    throw badRequest(`${at}.timestamp must be milliseconds since the epoch`)
  return { key, value, headers, timestamp: rec.timestamp, partition: rec.partition }
}

/** A stored record as JSON, its value in `format` where the bytes allow it. */
export function recordToJson(partition: number, r: Record, format: ValueFormat): JsonRecordOut {
  const out: JsonRecordOut = {
    partition,
    offset: r.offset,
    timestamp: r.timestamp,
    key: null,
    headers: r.headers.map((h) => {
      const t = h.value === null ? null : text(h.value)
      return t === undefined ? { key: h.key, valueBase64: toBase64(h.value!) } : { key: h.key, value: t }
    }),
  }
  if (r.key !== null) {
    const k = format === 'base64' ? undefined : text(r.key)
    if (k === undefined) out.keyBase64 = toBase64(r.key)
    else out.key = k
  }
  if (r.value === null) out.value = null
  else if (format === 'base64') out.valueBase64 = toBase64(r.value)
  else {
    const t = text(r.value)
    if (t === undefined) out.valueBase64 = toBase64(r.value)
    else if (format === 'text') out.valueText = t
    else if (!mayBeJson(t)) out.valueText = t
    else {
      try {
        out.value = JSON.parse(t)
      } catch {
        out.valueText = t
      }
    }
  }
  return out
}
