/**
 * @module LZ4 for record batches (compression code 3). Frames are written as Kafka's own client
 * writes them (KafkaLZ4BlockOutputStream): frame format version 1, independent 64 KiB blocks, no
 * checksums, no content size. Any valid frame is read, with lz4js (pure JS).
 *
 * The block compressor is brook's own: lz4js's ignores the format's end-of-block rules (the last
 * match must start 12 bytes and end 5 bytes before the block's end), so the reference decoder —
 * librdkafka's, python-lz4's, Java's — refused about one 64 KiB block of compressible text in
 * three. This one is the format's plain greedy single-probe search.
 */

import { compressBound, decompress, decompressBound } from 'lz4js'
import { hash as xxh32 } from 'lz4js/xxh32.js'
import type { Codec } from '../compression.ts'

const MAGIC = 0x184d2204
/** Version 01, independent blocks; no block checksum, content size, content checksum or dictionary. */
const FLG = 0x60
const BLOCK_BYTES = 64 * 1024
/** Block maximum size 64 KiB (code 4). */
const BD = 4 << 4
const UNCOMPRESSED = 0x80000000
const MIN_MATCH = 4
/** The last 5 bytes of a block are literals, and no match starts in its last 12. */
const LAST_LITERALS = 5
const MF_LIMIT = 12
const HASH_LOG = 16
const MAX_OFFSET = 0xffff

const read32 = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)

/** A length past a 4-bit token field: 255s, then the rest. */
function writeLength(dst: Uint8Array, op: number, n: number): number {
  for (; n >= 255; n -= 255) dst[op++] = 255
  dst[op++] = n
  return op
}

/** One sequence: `literals` bytes from `from`, then (with `matchLength` ≥ 4) a match `offset` back. */
function writeSequence(
  dst: Uint8Array,
  op: number,
  src: Uint8Array,
  from: number,
  literals: number,
  offset: number,
  matchLength: number,
): number {
  const ml = matchLength - MIN_MATCH
  const token = op++
  dst[token] = (Math.min(literals, 15) << 4) | (matchLength > 0 ? Math.min(ml, 15) : 0)
  if (literals >= 15) op = writeLength(dst, op, literals - 15)
  dst.set(src.subarray(from, from + literals), op)
  op += literals
  if (matchLength === 0) return op
  dst[op++] = offset & 0xff
  dst[op++] = offset >>> 8
  if (ml >= 15) op = writeLength(dst, op, ml - 15)
  return op
}

/** `src` as one LZ4 block in `dst`; its size, or 0 when it does not get smaller. */
function compressBlock(src: Uint8Array, dst: Uint8Array, table: Int32Array): number {
  const n = src.length
  if (n <= MF_LIMIT) return 0
  table.fill(-1)
  const matchEnd = n - LAST_LITERALS
  const startEnd = n - MF_LIMIT
  let anchor = 0
  let ip = 0
  let op = 0
  while (ip < startEnd) {
    const seq = read32(src, ip)
    const h = Math.imul(seq, 2654435761) >>> (32 - HASH_LOG)
    const ref = table[h]!
    table[h] = ip
    if (ref < 0 || ip - ref > MAX_OFFSET || read32(src, ref) !== seq) {
      // Further apart the longer nothing matched: incompressible input costs little.
      ip += 1 + ((ip - anchor) >>> 6)
      continue
    }
    let len = MIN_MATCH
    while (ip + len < matchEnd && src[ip + len] === src[ref + len]) len++
    op = writeSequence(dst, op, src, anchor, ip - anchor, ip - ref, len)
    if (op >= n) return 0
    ip += len
    anchor = ip
  }
  op = writeSequence(dst, op, src, anchor, n - anchor, 0, 0)
  return op < n ? op : 0
}

/** Block maximum sizes by the BD byte's code (4–7). */
const BLOCK_MAX: Record<number, number> = { 4: 64 << 10, 5: 256 << 10, 6: 1 << 20, 7: 4 << 20 }

/**
 * Walks the frame's block headers before lz4js sees it: lz4js trusts every size it reads, and a
 * damaged block size (up to 2 GiB) has it loop over bytes that are not there — an 84-byte batch
 * kept it busy for 18 s. Here each block must fit in the bytes given and in the frame's block size,
 * so lz4js's work stays proportional to the input.
 */
function checkFrame(data: Uint8Array): void {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  if (data.length < 7 || view.getUint32(0, true) !== MAGIC) throw new Error('not an LZ4 frame (bad magic)')
  const flg = data[4]!
  if ((flg & 0xc0) !== 0x40) throw new Error(`LZ4 frame version ${(flg & 0xc0) >> 6} is not 1`)
  const blockMax = BLOCK_MAX[(data[5]! >> 4) & 7]
  if (blockMax === undefined) throw new Error(`LZ4 block size code ${(data[5]! >> 4) & 7} is invalid`)
  const blockChecksums = (flg & 0x10) !== 0
  let at = 7 + ((flg & 0x08) !== 0 ? 8 : 0)
  for (;;) {
    if (at + 4 > data.length) throw new Error(`LZ4 frame ends inside a block header at byte ${at}`)
    const word = view.getUint32(at, true)
    at += 4
    if (word === 0) return
    const size = word & 0x7fffffff
    if (size > blockMax) throw new Error(`LZ4 block of ${size} bytes exceeds the frame's ${blockMax}`)
    at += size + (blockChecksums ? 4 : 0)
    if (at > data.length) throw new Error(`LZ4 block of ${size} bytes runs past the frame's end`)
  }
}

export const lz4: Codec = {
  async compress(data) {
    const blocks = Math.max(1, Math.ceil(data.length / BLOCK_BYTES))
    const out = new Uint8Array(7 + blocks * (4 + compressBound(BLOCK_BYTES)) + 4)
    const view = new DataView(out.buffer)
    view.setUint32(0, MAGIC, true)
    out[4] = FLG
    out[5] = BD
    out[6] = (xxh32(0, out, 4, 2) >>> 8) & 0xff
    let at = 7
    const table = new Int32Array(1 << HASH_LOG)
    const scratch = new Uint8Array(compressBound(BLOCK_BYTES))
    for (let from = 0; from < data.length; from += BLOCK_BYTES) {
      const size = Math.min(BLOCK_BYTES, data.length - from)
      const packed = compressBlock(data.subarray(from, from + size), scratch, table)
      if (packed > 0 && packed < size) {
        view.setUint32(at, packed, true)
        out.set(scratch.subarray(0, packed), at + 4)
        at += 4 + packed
      } else {
        view.setUint32(at, (UNCOMPRESSED | size) >>> 0, true)
        out.set(data.subarray(from, from + size), at + 4)
        at += 4 + size
      }
    }
    view.setUint32(at, 0, true)
    return out.slice(0, at + 4)
  },

  async decompress(data, maxBytes = Number.POSITIVE_INFINITY) {
    checkFrame(data)
    // The most the frame can hold (its blocks times their maximum size), and no more than one
    // byte past the limit: lz4js stops writing where its buffer ends, so a longer output shows.
    const out = decompress(data, Math.min(decompressBound(data), maxBytes + 1))
    if (out.length > maxBytes) throw new Error(`inflates beyond ${maxBytes} bytes`)
    return out
  },
}
