/** @module Byte-string helpers shared by the codecs, the log and the stores. */

/**
 * Joins byte strings. With `fresh`, the result is always a new buffer that owns all its bytes (so it
 * can be kept, transferred or stored without holding or cloning anything else); otherwise a single
 * part is returned as it is.
 */
export function concatBytes(parts: Uint8Array[], fresh = false): Uint8Array {
  if (parts.length === 1 && !fresh) return parts[0]!
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  let pos = 0
  for (const p of parts) {
    out.set(p, pos)
    pos += p.length
  }
  return out
}
