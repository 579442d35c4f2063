/** @module CRC-32C against the published check values and a bit-at-a-time reference. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { crc32c, crc32cJs } from './crc32c.ts'

/** The definition: reflected polynomial 0x82F63B78, one bit at a time. */
function reference(buf: Uint8Array): number {
  let crc = 0xffffffff
  for (const b of buf) {
    crc ^= b
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1
  }
  return (crc ^ 0xffffffff) >>> 0
}

describe('crc32c', () => {
  it('gives the check value for "123456789"', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283)
  })

  it('matches the iSCSI test vectors of RFC 3720 §B.4', () => {
    const ascending = Uint8Array.from({ length: 32 }, (_, i) => i)
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa)
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43)
    expect(crc32c(ascending)).toBe(0x46dd794e)
    expect(crc32c(ascending.reverse())).toBe(0x113fdb5c)
  })

  it('is 0 for no bytes', () => {
    expect(crc32c(new Uint8Array(0))).toBe(0)
  })

  it('matches the reference for any bytes, window and alignment', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.nat(7),
        fc.nat(600),
        fc.nat(600),
        (data, shift, a, b) => {
          // An offset into a larger buffer exercises the unaligned start of the word loop.
          const backing = new Uint8Array(data.length + shift)
          backing.set(data, shift)
          const view = backing.subarray(shift)
          const start = Math.min(a, b, data.length)
          const end = Math.min(Math.max(a, b), data.length)
          expect(crc32c(view, start, end)).toBe(reference(data.subarray(start, end)))
          expect(crc32c(view)).toBe(reference(data))
        },
      ),
      { numRuns: 500 },
    )
  })

  it('gives the same answer on the WebAssembly and plain-JS paths, for long runs too', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 500, maxLength: 5000 }), fc.nat(5000), (data, a) => {
        const start = Math.min(a, data.length)
        const want = reference(data.subarray(start))
        expect(crc32c(data, start)).toBe(want)
        expect(crc32cJs(data, start)).toBe(want)
      }),
      { numRuns: 100 },
    )
    // Longer than the kernel's 1 MiB window: the CRC carries across pieces.
    const big = Uint8Array.from({ length: (1 << 20) * 2 + 777 }, (_, i) => (i * 2654435761) >>> 24)
    expect(crc32c(big, 5)).toBe(crc32cJs(big, 5))
    expect(crc32c(big, 1 << 20, (1 << 20) + 600)).toBe(reference(big.subarray(1 << 20, (1 << 20) + 600)))
  })
})
