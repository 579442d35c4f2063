/**
 * Codec round trips and hostile input, codec by codec (the record-batch tests cover them inside
 * batches; test/interop/compression-codecs.test.ts against the reference implementations).
 */
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { isBrookError } from '../errors.ts'
import { Compression, codecFor, compress, decompress, registerCodec } from './compression.ts'

const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const

/** Bytes as records sections look: repeated field names, counters, some noise; any length. */
const payload = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.uint8Array({ minLength: 1, maxLength: 100_000 }),
  fc
    .tuple(fc.string({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 10_000 }))
    .map(([s, n]) => new TextEncoder().encode(Array.from({ length: n }, (_, i) => `${s}${i}`).join(','))),
)

const equalBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i])

describe.each(CODECS)('%s', (name) => {
  const code = Compression[name]

  it('decompress(compress(x)) is x, for any bytes', async () => {
    await fc.assert(
      fc.asyncProperty(payload, async (data) => {
        const packed = await compress(code, data)
        expect(equalBytes(await decompress(code, packed), data)).toBe(true)
      }),
      { numRuns: 40 },
    )
  })

  it('shrinks what repeats', async () => {
    const text = new TextEncoder().encode(
      Array.from({ length: 2000 }, (_, i) => `{"user":"u${i % 50}","type":"click","n":${i}}`).join('\n'),
    )
    expect((await compress(code, text)).length).toBeLessThan(text.length / 4)
  })

  it('answers garbage and damaged frames with CORRUPT_MESSAGE, never another error', async () => {
    const seed = await compress(code, new TextEncoder().encode('hello compressed world '.repeat(400)))
    const cases = fc.sample(
      fc.oneof(
        fc.uint8Array({ maxLength: 300 }),
        // Damage a real frame: flipped bytes, a cut tail, or both.
        fc
          .tuple(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 6 }), fc.nat())
          .map(([flips, cut]) => {
            const b = seed.slice(0, seed.length - (cut % 8))
            for (const [at, x] of flips) b[at % b.length]! ^= x
            return b
          }),
      ),
      { numRuns: 400, seed: 13 },
    )
    for (const bytes of cases) {
      try {
        await decompress(code, bytes, 1 << 20)
      } catch (e) {
        expect(isBrookError(e) ? e.type : String(e)).toBe('CORRUPT_MESSAGE')
      }
    }
  })
})

describe('registerCodec', () => {
  afterEach(() => {
    // Back to brook's own zstd.
    registerCodec(Compression.zstd, {
      compress: async (d) => (await import('./codecs/zstd.ts')).zstd.compress(d),
      decompress: async (d, m) => (await import('./codecs/zstd.ts')).zstd.decompress(d, m),
    })
  })

  it('given only a compressor, keeps brook’s bounded decompressor', async () => {
    const calls: number[] = []
    const own = await import('./codecs/zstd.ts')
    registerCodec(Compression.zstd, {
      compress: async (d) => {
        calls.push(d.length)
        return own.zstd.compress(d)
      },
    })
    const data = new Uint8Array(100_000).fill(1)
    const packed = await compress(Compression.zstd, data)
    expect(calls).toEqual([100_000])
    expect(equalBytes(await decompress(Compression.zstd, packed), data)).toBe(true)
    await expect(decompress(Compression.zstd, packed, 1000)).rejects.toThrow(
      /CORRUPT_MESSAGE.*inflates beyond/,
    )
    expect(typeof (await codecFor(Compression.zstd)).decompress).toBe('function')
  })
})
