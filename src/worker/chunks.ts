/**
 * @module Stored values: one or more whole RecordBatch v2 byte strings back to back, as in a Kafka
 * log segment. Splitting reads only each batch's length field; records are never decoded here.
 */

import { concatBytes, LOG_OVERHEAD } from '../core/record-batch.ts'

export { baseOffsetOf } from '../core/record-batch.ts'

/** Views of each batch in a stored value (no copies). */
export function splitChunk(value: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = []
  const v = new DataView(value.buffer, value.byteOffset, value.byteLength)
  let pos = 0
  while (pos + LOG_OVERHEAD <= value.byteLength) {
    const end = pos + LOG_OVERHEAD + v.getInt32(pos + 8)
    if (end > value.byteLength || end <= pos) break
    out.push(value.subarray(pos, end))
    pos = end
  }
  return out
}

/**
 * Joins batches into one value. With `copy`, a single batch is copied too (callers may reuse theirs);
 * the result always owns its whole buffer, so storing it never clones unrelated bytes.
 */
export function concat(parts: Uint8Array[], copy = false): Uint8Array {
  if (parts.length === 1 && !copy) {
    const only = parts[0]!
    if (only.byteOffset === 0 && only.byteLength === only.buffer.byteLength) return only
  }
  return concatBytes(parts, true)
}
