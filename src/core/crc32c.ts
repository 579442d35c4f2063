/**
 * @module CRC-32C (Castagnoli), as RecordBatch v2 uses. Plain JS, slicing-by-16: sixteen table lookups
 * per 16 bytes, read as four aligned 32-bit words where the platform is little-endian (all current
 * ones), which roughly halves the loads of a byte-at-a-time loop.
 */

const POLY = 0x82f63b78
const T = new Int32Array(16 * 256)
for (let n = 0; n < 256; n++) {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1
  T[n] = c
}
for (let n = 0; n < 256; n++) {
  let c = T[n]!
  for (let k = 1; k < 16; k++) {
    c = T[c & 0xff]! ^ (c >>> 8)
    T[k * 256 + n] = c
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1
/** Below this many bytes the word view costs more than it saves. */
const WORDS_FROM = 64

/** CRC-32C of `buf[start, end)`, as an unsigned 32-bit number. */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  if (end > buf.length) end = buf.length
  if (!LITTLE_ENDIAN || end - start < WORDS_FROM) return ~bytes8(~0, buf, start, end) >>> 0
  // Bytes up to a 4-byte boundary of the underlying buffer, then whole 16-byte blocks as words.
  const head = (4 - ((buf.byteOffset + start) & 3)) & 3
  let crc = bytes1(~0, buf, start, start + head)
  const from = start + head
  const words = ((end - from) >>> 4) << 2
  crc = words16(crc, new Int32Array(buf.buffer, buf.byteOffset + from, words))
  return ~bytes8(crc, buf, from + words * 4, end) >>> 0
}

function bytes1(crc: number, buf: Uint8Array, i: number, end: number): number {
  const t = T
  for (; i < end; i++) crc = t[(crc ^ buf[i]!) & 0xff]! ^ (crc >>> 8)
  return crc
}

/** Slicing-by-8 over bytes (any alignment or endianness), then byte by byte. */
function bytes8(crc: number, buf: Uint8Array, i: number, end: number): number {
  const t = T
  for (; i + 8 <= end; i += 8) {
    const a = crc ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24))
    crc =
      t[1792 + (a & 0xff)]! ^
      t[1536 + ((a >>> 8) & 0xff)]! ^
      t[1280 + ((a >>> 16) & 0xff)]! ^
      t[1024 + (a >>> 24)]! ^
      t[768 + buf[i + 4]!]! ^
      t[512 + buf[i + 5]!]! ^
      t[256 + buf[i + 6]!]! ^
      t[buf[i + 7]!]!
  }
  return bytes1(crc, buf, i, end)
}

/** Slicing-by-16 over little-endian words; `w.length` is a multiple of 4. */
function words16(crc: number, w: Int32Array): number {
  const t = T
  const n = w.length
  for (let j = 0; j < n; j += 4) {
    const a = crc ^ w[j]!
    const b = w[j + 1]!
    const c = w[j + 2]!
    const d = w[j + 3]!
    crc =
      t[3840 + (a & 0xff)]! ^
      t[3584 + ((a >>> 8) & 0xff)]! ^
      t[3328 + ((a >>> 16) & 0xff)]! ^
      t[3072 + (a >>> 24)]! ^
      t[2816 + (b & 0xff)]! ^
      t[2560 + ((b >>> 8) & 0xff)]! ^
      t[2304 + ((b >>> 16) & 0xff)]! ^
      t[2048 + (b >>> 24)]! ^
      t[1792 + (c & 0xff)]! ^
      t[1536 + ((c >>> 8) & 0xff)]! ^
      t[1280 + ((c >>> 16) & 0xff)]! ^
      t[1024 + (c >>> 24)]! ^
      t[768 + (d & 0xff)]! ^
      t[512 + ((d >>> 8) & 0xff)]! ^
      t[256 + ((d >>> 16) & 0xff)]! ^
      t[d >>> 24]!
  }
  return crc
}
