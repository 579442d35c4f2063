/**
 * @module Record-batch compression codecs (attribute bits 0–2). gzip uses the web-standard
 * CompressionStream, present in Node 20, browsers and workerd; other codecs can be registered
 * (e.g. WebAssembly zstd) and anything else fails with UNSUPPORTED_COMPRESSION_TYPE.
 */
import { BrookError } from './errors.ts'

export const Compression = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const
export type CompressionCode = (typeof Compression)[keyof typeof Compression]
export type CompressionName = keyof typeof Compression

export interface Codec {
  compress(data: Uint8Array): Promise<Uint8Array>
  decompress(data: Uint8Array): Promise<Uint8Array>
}

async function pipe(data: Uint8Array, stream: GenericTransformStream): Promise<Uint8Array> {
  const out = new Response(new Blob([data as BlobPart]).stream().pipeThrough(stream as TransformStream))
  return new Uint8Array(await out.arrayBuffer())
}

const gzip: Codec = {
  compress: (data) => pipe(data, new CompressionStream('gzip')),
  decompress: (data) => pipe(data, new DecompressionStream('gzip')),
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

export async function decompress(code: number, data: Uint8Array): Promise<Uint8Array> {
  try {
    return await codecFor(code).decompress(data)
  } catch (e) {
    if (e instanceof BrookError) throw e
    throw new BrookError('CORRUPT_MESSAGE', `compressed records do not decompress: ${(e as Error).message}`, {
      cause: e,
    })
  }
}
