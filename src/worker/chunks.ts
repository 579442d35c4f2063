/**
 * @module Stored values: one or more whole RecordBatch v2 byte strings back to back, as in a Kafka
 * log segment. Splitting reads only each batch's length field; records are never decoded here.
 */

/** Bytes before a batch's `batchLength` field ends: baseOffset (8) + batchLength (4). */
const LOG_OVERHEAD = 12

/** The base offset from the first 8 bytes (big-endian int64) without decoding the batch. */
export function baseOffsetOf(b: Uint8Array): number {
  const v = new DataView(b.buffer, b.byteOffset, 8)
  return v.getInt32(0) * 2 ** 32 + v.getUint32(4)
}

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
  if (parts.length === 1) {
    const only = parts[0]!
    const owns = only.byteOffset === 0 && only.byteLength === only.buffer.byteLength
    return copy || !owns ? only.slice() : only
  }
  let n = 0
  for (const p of parts) n += p.byteLength
  const out = new Uint8Array(n)
  let pos = 0
  for (const p of parts) {
    out.set(p, pos)
    pos += p.byteLength
  }
  return out
}
