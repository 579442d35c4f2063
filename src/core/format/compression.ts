/**
 * @module Record-batch compression codecs (attribute bits 0–2). gzip uses the web-standard
 * CompressionStream, present in Node 20, browsers and workerd. snappy, lz4 and zstd live in codecs/,
 * each loaded the first time a batch needs it, so a worker that never sees one does not load it:
 * pure JS, but for the zstd compressor (WebAssembly, loaded only to write zstd). Any codec, or only
 * its compressor, can be replaced with `registerCodec` (a native one on Node, say).
 */

import { BrookError } from '../errors.ts'
import { concatBytes } from './bytes.ts'

export const Compression = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const
export type CompressionCode = (typeof Compression)[keyof typeof Compression]
export type CompressionName = keyof typeof Compression

export interface Codec {
  compress(data: Uint8Array): Promise<Uint8Array>
  /** Should fail once the output would exceed `maxBytes` (default `MAX_DECOMPRESSED_BYTES`). */
  decompress(data: Uint8Array, maxBytes?: number): Promise<Uint8Array>
}

/**
 * The most a batch may inflate to. A few KiB of gzip can claim gigabytes (a "zip bomb"); records this
 * large are far beyond any `max.message.bytes`, so stopping here costs real users nothing.
 */
export const MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024

/**
 * Feeds `data` through a transform stream and gathers its output. The write is not awaited: a
 * stream applies backpressure until its output is read, so awaiting first would deadlock on
 * large inputs. Errors reach us through the reading side.
 */
async function pipe(data: Uint8Array, stream: GenericTransformStream, limit: number): Promise<Uint8Array> {
  const writer = (stream.writable as WritableStream<BufferSource>).getWriter()
  writer.write(data as BufferSource).catch(() => {})
  writer.close().catch(() => {})
  const reader = (stream.readable as ReadableStream<Uint8Array>).getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.length
    if (total > limit) {
      reader.cancel().catch(() => {})
      throw new Error(`inflates beyond ${limit} bytes`)
    }
    chunks.push(value)
  }
  return concatBytes(chunks)
}

const gzip: Codec = {
  compress: (data) => pipe(data, new CompressionStream('gzip'), Number.POSITIVE_INFINITY),
  decompress: (data, maxBytes = MAX_DECOMPRESSED_BYTES) =>
    pipe(data, new DecompressionStream('gzip'), maxBytes),
}

const codecs = new Map<number, Codec | Promise<Codec>>([[Compression.gzip, gzip]])

/** The codecs brook brings, as modules of their own: loaded the first time a batch needs one. */
const bundled: Record<number, () => Promise<Codec>> = {
  [Compression.snappy]: async () => (await import('./codecs/snappy.ts')).snappy,
  [Compression.lz4]: async () => (await import('./codecs/lz4.ts')).lz4,
  [Compression.zstd]: async () => (await import('./codecs/zstd.ts')).zstd,
}

/** brook's own codec for `code`, bypassing any registered one. */
async function builtin(code: number): Promise<Codec> {
  if (code === Compression.gzip) return gzip
  const load = bundled[code]
  if (!load) throw new BrookError('UNSUPPORTED_COMPRESSION_TYPE', `no codec for compression code ${code}`)
  return load()
}

/**
 * Adds or replaces a codec, e.g. a native zstd: `registerCodec(Compression.zstd, nativeZstd)`. Given
 * only `compress`, brook keeps its own decompressor (bounded by `MAX_DECOMPRESSED_BYTES`): on Node
 * ≥ 22.15, `registerCodec(Compression.zstd, { compress: async (d) => zlib.zstdCompressSync(d) })`.
 */
export function registerCodec(code: CompressionCode, codec: Codec | Pick<Codec, 'compress'>): void {
  if ('decompress' in codec && typeof codec.decompress === 'function') {
    codecs.set(code, codec as Codec)
    return
  }
  codecs.set(code, {
    compress: (data) => codec.compress(data),
    decompress: async (data, maxBytes) => (await builtin(code)).decompress(data, maxBytes),
  })
}

export async function codecFor(code: number): Promise<Codec> {
  let codec = codecs.get(code)
  if (!codec && bundled[code]) {
    codec = bundled[code]()
    codecs.set(code, codec)
    // A module that failed to load (a page gone offline before it came) is tried again next time.
    codec.catch(() => {
      if (codecs.get(code) === codec) codecs.delete(code)
    })
  }
  if (!codec) {
    const name = Object.entries(Compression).find(([, c]) => c === code)?.[0] ?? `code ${code}`
    throw new BrookError('UNSUPPORTED_COMPRESSION_TYPE', `no ${name} codec is available`)
  }
  return codec
}

export async function compress(code: number, data: Uint8Array): Promise<Uint8Array> {
  return (await codecFor(code)).compress(data)
}

/** Inflates a records section; data that does not inflate, or inflates absurdly, is CORRUPT_MESSAGE. */
export async function decompress(
  code: number,
  data: Uint8Array,
  maxBytes = MAX_DECOMPRESSED_BYTES,
): Promise<Uint8Array> {
  const codec = await codecFor(code)
  try {
    const out = await codec.decompress(data, maxBytes)
    if (out.length > maxBytes) throw new Error(`inflates beyond ${maxBytes} bytes`)
    return out
  } catch (e) {
    if (e instanceof BrookError) throw e
    throw new BrookError('CORRUPT_MESSAGE', `compressed records do not decompress: ${(e as Error).message}`, {
      cause: e,
    })
  }
}
