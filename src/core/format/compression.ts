/**
 * @module Record-batch compression codecs (attribute bits 0–2). gzip uses the web-standard
 * CompressionStream, present in Node 20, browsers and workerd; other codecs can be registered
 * (e.g. WebAssembly zstd) and anything else fails with UNSUPPORTED_COMPRESSION_TYPE.
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

const codecs = new Map<number, Codec>([[Compression.gzip, gzip]])

/** Adds or replaces a codec, e.g. `registerCodec(Compression.zstd, wasmZstd)`. */
export function registerCodec(code: CompressionCode, codec: Codec): void {
  codecs.set(code, codec)
}

export function codecFor(code: number): Codec {
  const codec = codecs.get(code)
  if (!codec) {
    const name = Object.entries(Compression).find(([, c]) => c === code)?.[0] ?? `code ${code}`
    throw new BrookError('UNSUPPORTED_COMPRESSION_TYPE', `no ${name} codec is available`)
  }
  return codec
}

export async function compress(code: number, data: Uint8Array): Promise<Uint8Array> {
  return codecFor(code).compress(data)
}

/** Inflates a records section; data that does not inflate, or inflates absurdly, is CORRUPT_MESSAGE. */
export async function decompress(
  code: number,
  data: Uint8Array,
  maxBytes = MAX_DECOMPRESSED_BYTES,
): Promise<Uint8Array> {
  const codec = codecFor(code)
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
