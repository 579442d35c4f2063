/**
 * @module Stored values: one or more whole RecordBatch v2 byte strings back to back, as in a Kafka
 * log segment. Splitting reads only each batch's length field (`wholeBatchSize`); records are never decoded here.
 */

import { BrookError } from '../core/errors.ts'
import { concatBytes, wholeBatchSize } from '../core/format/record-batch.ts'

export { baseOffsetOf } from '../core/format/record-batch.ts'

/**
 * Views of each batch in a stored value (no copies). A value that ends inside a batch was damaged
 * after it was written (brook stores whole batches only): CORRUPT_MESSAGE, never a silent stop.
 */
export function splitChunk(value: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let pos = 0; pos < value.length; ) {
    const size = wholeBatchSize(value, pos)
    if (size === undefined)
      throw new BrookError('CORRUPT_MESSAGE', `a stored value ends inside the batch at byte ${pos}`)
    out.push(value.subarray(pos, pos + size))
    pos += size
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
