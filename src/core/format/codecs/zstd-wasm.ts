/**
 * @module The zstd compressor: the reference C library as WebAssembly (zstd-wasm.generated.ts),
 * instantiated the first time a batch is written with zstd, with the few imports its emscripten
 * build asks for answered here. Only compression runs in it: reading stays with fzstd (pure JS,
 * bounded as it inflates, and able to run where WebAssembly cannot be compiled).
 *
 * Where WebAssembly may not be compiled from bytes at run time (Cloudflare workerd), loading fails
 * and writing zstd is UNSUPPORTED_COMPRESSION_TYPE there; `registerCodec` can supply another.
 */

import { BrookError } from '../../errors.ts'
import {
  ZSTD_WASM_EXPORTS as E,
  ZSTD_WASM_IMPORTS as I,
  ZSTD_WASM_BASE64,
  ZSTD_WASM_IMPORT_MODULE,
} from './zstd-wasm.generated.ts'

/** Kafka's default (`compression.zstd.level`), and librdkafka's. */
export const ZSTD_LEVEL = 3
const PAGE = 65_536

interface ZstdExports {
  memory: WebAssembly.Memory
  isError(code: number): number
  compressBound(size: number): number
  compress(dst: number, dstCapacity: number, src: number, srcSize: number, level: number): number
  malloc(size: number): number
  free(ptr: number): void
}

function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

async function instantiate(): Promise<ZstdExports> {
  let memory: WebAssembly.Memory | undefined
  const fail = (what: string) => () => {
    throw new Error(`zstd: ${what}`)
  }
  const imports = {
    [I.abort_js]: fail('aborted'),
    [I.proc_exit]: fail('exited'),
    [I.emscripten_runtime_keepalive_clear]: () => {},
    // zstd sets no timers; the import exists because emscripten's runtime links it.
    [I.setitimer_js]: () => 0,
    // malloc asks for more memory: grow to at least what it needs (false when the engine refuses).
    [I.emscripten_resize_heap]: (requested: number) => {
      const have = memory!.buffer.byteLength
      const want = Math.max(requested >>> 0, Math.ceil(have * 1.25))
      try {
        memory!.grow(Math.ceil((want - have) / PAGE))
        return 1
      } catch {
        return 0
      }
    },
  }
  const { instance } = await WebAssembly.instantiate(decodeBase64(ZSTD_WASM_BASE64), {
    [ZSTD_WASM_IMPORT_MODULE]: imports,
  })
  const x = instance.exports as Record<string, unknown>
  memory = x[E.memory] as WebAssembly.Memory
  ;(x[E.init] as () => void)()
  return {
    memory,
    isError: x[E.ZSTD_isError] as ZstdExports['isError'],
    compressBound: x[E.ZSTD_compressBound] as ZstdExports['compressBound'],
    compress: x[E.ZSTD_compress] as ZstdExports['compress'],
    malloc: x[E.malloc] as ZstdExports['malloc'],
    free: x[E.free] as ZstdExports['free'],
  }
}

let loading: Promise<ZstdExports> | undefined

function load(): Promise<ZstdExports> {
  loading ??= instantiate().catch((e) => {
    loading = undefined
    throw new BrookError(
      'UNSUPPORTED_COMPRESSION_TYPE',
      `brook cannot write zstd here: its WebAssembly compressor does not load (${(e as Error).message}); ` +
        'choose gzip, snappy or lz4, or registerCodec(Compression.zstd, …) with a compressor of your own',
      { cause: e },
    )
  })
  return loading
}

/** One zstd frame (with its content size) holding `data`, at `level`. */
export async function zstdCompress(data: Uint8Array, level = ZSTD_LEVEL): Promise<Uint8Array> {
  const z = await load()
  const bound = z.compressBound(data.length)
  const src = z.malloc(Math.max(1, data.length))
  const dst = z.malloc(bound)
  try {
    if (src === 0 || dst === 0) throw new Error(`zstd: no memory for ${data.length} bytes`)
    // The buffer is read after each malloc: growing the memory replaces it.
    new Uint8Array(z.memory.buffer, src, data.length).set(data)
    const size = z.compress(dst, bound, src, data.length, level) >>> 0
    if (z.isError(size)) throw new Error(`zstd: compression failed (code ${size})`)
    return new Uint8Array(z.memory.buffer, dst, size).slice()
  } finally {
    if (src) z.free(src)
    if (dst) z.free(dst)
  }
}
