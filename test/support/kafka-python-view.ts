/**
 * @module How kafka-python reports a RecordBatch (scripts/fixtures/kafka_python_batches.py prints it
 * as JSON: keys, values and header values as hex), and brook's decoded records put in the same shape,
 * so tests compare the two with one `toEqual`. Web-standard only: src/core tests use it too.
 */
import type { Record } from '../../src/core/format/record-batch.ts'

export interface KafkaPythonBatch {
  header: { [field: string]: number }
  compression: number
  timestampType: number
  transactional: boolean
  control: boolean
  crcValid: boolean
  records: {
    offset: number
    timestamp: number
    key: string | null
    value: string | null
    headers: [string, string | null][]
  }[]
}

export const hex = (b: Uint8Array | null): string | null =>
  b === null ? null : Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')

export const unhex = (s: string): Uint8Array =>
  Uint8Array.from(s.match(/../g) ?? [], (h) => Number.parseInt(h, 16))

export function asKafkaPythonSees(records: Record[]): KafkaPythonBatch['records'] {
  return records.map((r) => ({
    offset: r.offset,
    timestamp: r.timestamp,
    key: hex(r.key),
    value: hex(r.value),
    headers: r.headers.map((h) => [h.key, hex(h.value)] as [string, string | null]),
  }))
}
