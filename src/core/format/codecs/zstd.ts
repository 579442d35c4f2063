/**
 * @module zstd for record batches (compression code 4): read with fzstd (pure JS, streaming, so
 * the output is bounded as it grows). Writing zstd is not available yet: no pure-JS compressor
 * exists, and the WebAssembly ones need their .wasm file served beside the worker, or cannot
 * compile at run time at all (workerd).
 */

import { Decompress } from 'fzstd'
import { BrookError } from '../../errors.ts'
import { concatBytes } from '../bytes.ts'
import type { Codec } from '../compression.ts'

export const zstd: Codec = {
  async compress() {
    throw new BrookError(
      'UNSUPPORTED_COMPRESSION_TYPE',
      'brook reads zstd but cannot write it yet: use gzip, snappy or lz4',
    )
  },

  async decompress(data, maxBytes = Number.POSITIVE_INFINITY) {
    const out: Uint8Array[] = []
    let total = 0
    const stream = new Decompress((chunk) => {
      total += chunk.length
      if (total > maxBytes) throw new Error(`inflates beyond ${maxBytes} bytes`)
      out.push(chunk)
    })
    stream.push(data, true)
    return concatBytes(out)
  },
}
