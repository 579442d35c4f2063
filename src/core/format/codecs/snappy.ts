/**
 * @module Snappy for record batches (compression code 2), with snappyjs (pure JS: the same code in
 * Node, browsers and workerd). Written in xerial's framing, as the Java client and kafka-python
 * write it; read in that framing or as one raw Snappy stream, as librdkafka writes it.
 */

import { compress as snappyCompress, uncompress as snappyUncompress } from 'snappyjs'
import { concatBytes } from '../bytes.ts'
import type { Codec } from '../compression.ts'

/** xerial's stream header: a magic, then version 1 and minimum compatible version 1. */
const XERIAL_MAGIC = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]
const HEADER_BYTES = 16
/** xerial's default block: what the Java client and kafka-python compress at a time. */
const BLOCK_BYTES = 32 * 1024

function isXerial(data: Uint8Array): boolean {
  return data.length >= HEADER_BYTES && XERIAL_MAGIC.every((b, i) => data[i] === b)
}

/** One raw Snappy stream, refused before it is inflated when it says it holds more than `room`. */
function bounded(data: Uint8Array, room: number, maxBytes: number): Uint8Array {
  try {
    return snappyUncompress(data, room)
  } catch (e) {
    if (e instanceof Error && /too big/.test(e.message)) throw new Error(`inflates beyond ${maxBytes} bytes`)
    throw e
  }
}

export const snappy: Codec = {
  async compress(data) {
    const parts: Uint8Array[] = []
    const header = new Uint8Array(HEADER_BYTES)
    header.set(XERIAL_MAGIC)
    const view = new DataView(header.buffer)
    view.setInt32(8, 1)
    view.setInt32(12, 1)
    parts.push(header)
    // At least one block: a stream of the header alone is not recognised as xerial by kafka-python.
    for (let at = 0; at === 0 || at < data.length; at += BLOCK_BYTES) {
      const block = snappyCompress(data.subarray(at, Math.min(data.length, at + BLOCK_BYTES)))
      const size = new Uint8Array(4)
      new DataView(size.buffer).setInt32(0, block.length)
      parts.push(size, block)
    }
    return concatBytes(parts)
  },

  async decompress(data, maxBytes = Number.POSITIVE_INFINITY) {
    if (!isXerial(data)) return bounded(data, maxBytes, maxBytes)
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
    const out: Uint8Array[] = []
    let total = 0
    for (let at = HEADER_BYTES; at < data.length; ) {
      if (at + 4 > data.length) throw new Error(`xerial block size cut off at byte ${at}`)
      const size = view.getInt32(at)
      if (size < 0 || at + 4 + size > data.length)
        throw new Error(`xerial block of ${size} bytes at byte ${at} runs past the end`)
      const block = bounded(data.subarray(at + 4, at + 4 + size), maxBytes - total, maxBytes)
      total += block.length
      out.push(block)
      at += 4 + size
    }
    return concatBytes(out)
  },
}
