/**
 * @module zstd for record batches (compression code 4). Read with fzstd (pure JS, streaming, so the
 * output is bounded as it grows; it runs everywhere brook does). Written with the reference C
 * library compiled to WebAssembly (zstd-wasm.ts), a module of its own loaded the first time a batch
 * is written with zstd: readers never load it. Where WebAssembly cannot be compiled at run time
 * (Cloudflare workerd), writing zstd is UNSUPPORTED_COMPRESSION_TYPE and reading works.
 */

import { Decompress } from 'fzstd'
import { concatBytes } from '../bytes.ts'
import type { Codec } from '../compression.ts'

export const zstd: Codec = {
  async compress(data) {
    return (await import('./zstd-wasm.ts')).zstdCompress(data)
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
