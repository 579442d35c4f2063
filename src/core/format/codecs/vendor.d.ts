// Types of the pure-JS codec packages brook loads on demand (they ship none).

declare module 'snappyjs' {
  export function compress(data: Uint8Array): Uint8Array
  /** Throws when the stream claims more than `maxLength` bytes. */
  export function uncompress(data: Uint8Array, maxLength?: number): Uint8Array
}

declare module 'lz4js' {
  export function compressBound(n: number): number
  /** The most a frame can inflate to, from its block size and block count. */
  export function decompressBound(src: Uint8Array): number
  export function decompress(src: Uint8Array, maxSize?: number): Uint8Array
}

declare module 'lz4js/xxh32.js' {
  export function hash(seed: number, src: Uint8Array, index: number, length: number): number
}
