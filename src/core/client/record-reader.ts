/**
 * @module The consumer's shape of records: straight into the messages handed to the application
 * (one object per record, no intermediate `Record` and header arrays), records below the fetch
 * offset skipped undecoded. The bytes are walked and checked by record-batch's `readRecords`.
 */
import { type RecordShape, readRecords, type SectionInfo } from '../format/record-batch.ts'
import type { KafkaMessage, MessageHeaders } from './types.ts'

/** Records without headers share one frozen empty object instead of allocating one each. */
export const NO_HEADERS: MessageHeaders = Object.freeze({}) as MessageHeaders

/**
 * Adds one header: defined, never assigned, so a key such as `__proto__` is a header like any
 * other instead of replacing the object's prototype; a repeated key keeps every value.
 */
export function addHeader(headers: MessageHeaders, key: string, value: Uint8Array | null): void {
  const had = Object.hasOwn(headers, key)
  const prev = headers[key]
  const next = !had ? value : Array.isArray(prev) ? [...prev, value] : [prev as Uint8Array | null, value]
  Object.defineProperty(headers, key, { value: next, enumerable: true, writable: true, configurable: true })
}

/** Messages as kafkajs hands them over: headers in a map, a repeated key keeping every value. */
const MESSAGES: RecordShape<KafkaMessage, MessageHeaders> = {
  noHeaders: () => NO_HEADERS,
  newHeaders: () => ({}),
  addHeader: (headers, _index, key, value) => addHeader(headers, key, value),
  make: (offset, timestamp, key, value, headers, attributes) => ({
    key,
    value,
    headers,
    timestamp,
    offset,
    attributes,
  }),
}

/** Appends the records of `buf[start, end)` with offset >= `fromOffset` to `out`, as messages. */
export function readMessages(
  buf: Uint8Array,
  start: number,
  end: number,
  h: SectionInfo,
  fromOffset: number,
  out: KafkaMessage[],
): void {
  readRecords(buf, start, end, h, fromOffset, MESSAGES, out)
}
