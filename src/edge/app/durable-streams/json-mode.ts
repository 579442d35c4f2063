/**
 * @module JSON mode (`application/json` streams). An append is one JSON value or an array of
 * values; each value becomes one Kafka record holding its compact JSON text, so a Kafka consumer
 * of the stream's topic reads one value per record. A read answers the values as one JSON array.
 */

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export class JsonBodyError extends Error {}

/**
 * The values of a JSON append, each re-serialised compactly. An empty array is refused on append
 * (a no-op that is likely a bug) and allowed on create (an empty stream), as the reference does.
 */
export function jsonValues(body: Uint8Array, onCreate: boolean): Uint8Array[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(decoder.decode(body))
  } catch {
    throw new JsonBodyError('Invalid JSON')
  }
  if (!Array.isArray(parsed)) return [encoder.encode(JSON.stringify(parsed))]
  if (parsed.length === 0 && !onCreate) throw new JsonBodyError('Empty arrays are not allowed')
  // JSON.stringify of an array element that is `undefined` cannot happen: JSON has none.
  return parsed.map((v) => encoder.encode(JSON.stringify(v)))
}

/** `[v1,v2,…]` from stored value texts. */
export function jsonArray(values: readonly Uint8Array[]): Uint8Array {
  let size = 2 + Math.max(0, values.length - 1)
  for (const v of values) size += v.length
  const out = new Uint8Array(size)
  out[0] = 0x5b // [
  let p = 1
  values.forEach((v, i) => {
    if (i > 0) out[p++] = 0x2c // ,
    out.set(v, p)
    p += v.length
  })
  out[p] = 0x5d // ]
  return out
}
