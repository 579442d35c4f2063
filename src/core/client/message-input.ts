/**
 * @module A producer's input, made ready to batch: keys, values and headers as bytes (strings UTF-8
 * encoded), timestamps as numbers, and each record placed on its partition — explicit, murmur2 of the
 * key, or the sticky partition for keyless records.
 */
import { BrookError } from '../errors.ts'
import type { RecordHeader, RecordInput } from '../format/record-batch.ts'
import { keyPartition, type Sticky } from './deps.ts'
import { toNumber } from './retry.ts'
import type { BytesInput, HeadersInput, Message } from './types.ts'

const utf8 = new TextEncoder()
/** Per-record framing beyond key and value, for batch-size estimates. */
const RECORD_OVERHEAD = 20

export interface Bucket {
  records: RecordInput[]
  sizes: number[]
}

export function toBytes(v: BytesInput, what: string): Uint8Array | null {
  if (v === null || v === undefined) return null
  if (typeof v === 'string') return utf8.encode(v)
  if (v instanceof Uint8Array) return v
  throw new BrookError('INVALID_RECORD', `${what} must be a string, a Uint8Array or null`)
}

export function toHeaders(h: HeadersInput | undefined): RecordHeader[] | undefined {
  if (!h) return undefined
  const out: RecordHeader[] = []
  for (const key in h) {
    const v = h[key]
    if (v === undefined) continue
    if (Array.isArray(v)) for (const x of v) out.push({ key, value: toBytes(x, `header ${key}`) })
    else out.push({ key, value: toBytes(v, `header ${key}`) })
  }
  return out
}

/**
 * Converts and places one topic's messages, so that a bad message rejects the whole send before
 * anything is queued. Returns a bucket per partition (sparse).
 */
export function placeMessages(
  topic: string,
  messages: Message[],
  count: number,
  now: number,
  sticky: Sticky,
): (Bucket | undefined)[] {
  const buckets: (Bucket | undefined)[] = new Array(count)
  let stickyPartition = -1
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as Message
    const key = m.key === null || m.key === undefined ? null : toBytes(m.key, 'key')
    const value = toBytes(m.value, 'value')
    const headers = m.headers ? toHeaders(m.headers) : undefined
    const timestamp = m.timestamp === undefined ? now : toNumber(m.timestamp, 'timestamp')
    let partition: number
    if (m.partition !== undefined && m.partition !== null) {
      partition = m.partition
      if (!Number.isInteger(partition) || partition < 0 || partition >= count) {
        throw new BrookError(
          'UNKNOWN_TOPIC_OR_PARTITION',
          `${topic} has ${count} partitions; ${partition} is not one of them`,
        )
      }
    } else if (key !== null) partition = keyPartition(key, count)
    else {
      if (stickyPartition < 0) stickyPartition = sticky.partition(topic, count)
      partition = stickyPartition
    }
    let size = RECORD_OVERHEAD + (key ? key.length : 0) + (value ? value.length : 0)
    if (headers) for (const h of headers) size += h.key.length + (h.value ? h.value.length : 0) + 4
    let bucket = buckets[partition]
    if (!bucket) {
      bucket = { records: [], sizes: [] }
      buckets[partition] = bucket
    }
    bucket.records.push({ key, value, headers, timestamp })
    bucket.sizes.push(size)
  }
  return buckets
}
