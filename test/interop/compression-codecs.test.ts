/**
 * snappy, lz4 and zstd (issue 13) against the reference implementations Kafka clients use:
 * kafka-python's kafka.codec over Debian's python-snappy, python-lz4 and zstandard. Whatever they
 * write — xerial-framed and raw snappy, LZ4 frames with and without linked blocks and checksums,
 * zstd with and without a content size — brook reads back byte for byte; what brook writes (zstd
 * with its WebAssembly build of the reference library), they read. Inputs are drawn by fast-check: empty, tiny, repetitive, random, and past the block sizes.
 */

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Compression, compress, decompress } from '../../src/core/format/compression.ts'
import { PYTHON, run } from './support.ts'

type Name = 'snappy' | 'lz4' | 'zstd'
const SCRIPT = new URL('./python/codecs.py', import.meta.url).pathname

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64')
/** Byte equality without a per-element deep compare (seconds on megabytes) or a megabyte diff. */
const same = (got: Uint8Array, want: Uint8Array) =>
  expect({ length: got.length, equal: Buffer.from(got).equals(want) }).toEqual({
    length: want.length,
    equal: true,
  })
const unb64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'))

async function reference(req: { encode: [Name, string][]; decode: [Name, string][] }) {
  const r = await run(PYTHON, [SCRIPT], { input: JSON.stringify(req), timeoutMs: 60_000 })
  if (r.code !== 0) throw new Error(`codecs.py failed: ${r.stderr}`)
  return JSON.parse(r.stdout) as { encoded: string[][]; decoded: string[] }
}

/** Bytes as records sections look: repeated field names, counters, some noise; any length. */
const payload = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.uint8Array({ minLength: 1, maxLength: 150_000 }),
  fc
    .tuple(fc.string({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 20_000 }))
    .map(([s, n]) => new TextEncoder().encode(Array.from({ length: n }, (_, i) => `${s}${i}`).join(','))),
)

describe.each(['snappy', 'lz4', 'zstd'] as const)('%s', (name) => {
  const code = Compression[name]

  it('reads what the reference writes, in each of its framings', async () => {
    const inputs = fc.sample(payload, 8)
    const { encoded } = await reference({ encode: inputs.map((d) => [name, b64(d)]), decode: [] })
    for (let i = 0; i < inputs.length; i++)
      for (const form of encoded[i]!) same(await decompress(code, unb64(form)), inputs[i]!)
  })

  it('writes what the reference reads', async () => {
    const inputs = fc.sample(payload, 8)
    const packed = await Promise.all(inputs.map((d) => compress(code, d)))
    const { decoded } = await reference({ encode: [], decode: packed.map((p) => [name, b64(p)]) })
    for (let i = 0; i < inputs.length; i++) {
      expect(decoded[i]).not.toMatch(/^error/)
      same(unb64(decoded[i]!), inputs[i]!)
    }
  })

  it('refuses what inflates past the limit, and garbage, as CORRUPT_MESSAGE', async () => {
    const big = new Uint8Array(2_000_000).fill(7)
    const { encoded } = await reference({ encode: [[name, b64(big)]], decode: [] })
    for (const form of encoded[0]!) {
      await expect(decompress(code, unb64(form), 1_000_000)).rejects.toThrow(
        /CORRUPT_MESSAGE.*inflates beyond/,
      )
      same(await decompress(code, unb64(form), 2_000_000), big)
    }
    await expect(decompress(code, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]))).rejects.toThrow(
      /CORRUPT_MESSAGE/,
    )
  })
})
