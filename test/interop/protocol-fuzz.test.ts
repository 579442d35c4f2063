/**
 * @module Fuzz: 10,000 random and mutated request frames through decodeRequest. Whatever the bytes, the
 * codec either decodes them or throws a BrookError (which the listener turns into a closed connection) —
 * never a RangeError, TypeError or an allocation sized by a hostile length.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { isBrookError } from '../../src/core/errors.ts'
import { decodeRequest, decodeRequestHeader, supportedVersions } from '../../src/core/protocol/index.ts'

const seeds: Uint8Array[] = [
  ...JSON.parse(
    readFileSync(new URL('../fixtures/kafka-python/protocol-requests.json', import.meta.url), 'utf8'),
  ).frames,
  ...['kcat', 'confluent-kafka', 'kafkajs'].flatMap(
    (c) =>
      JSON.parse(readFileSync(new URL(`../fixtures/captures/${c}.json`, import.meta.url), 'utf8')).frames,
  ),
].map((f: { hex: string }) => new Uint8Array(Buffer.from(f.hex, 'hex')))

function rng(seed: number) {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff
    return s / 0x80000000
  }
}

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe]

function mutate(src: Uint8Array, r: () => number): Uint8Array {
  const pick = (n: number) => Math.floor(r() * n)
  let b = new Uint8Array(src)
  const rounds = 1 + pick(4)
  for (let i = 0; i < rounds; i++) {
    switch (pick(7)) {
      case 0: // flip a bit
        if (b.length) b[pick(b.length)]! ^= 1 << pick(8)
        break
      case 1: // an interesting byte
        if (b.length) b[pick(b.length)] = INTERESTING[pick(INTERESTING.length)]!
        break
      case 2: // truncate
        b = b.subarray(0, pick(b.length + 1))
        break
      case 3: {
        // a huge or negative length somewhere
        if (b.length >= 4) {
          const at = pick(b.length - 3)
          new DataView(b.buffer, b.byteOffset).setInt32(at, [0x7fffffff, -2, 0x10000000, -1][pick(4)]!)
        }
        break
      }
      case 4: {
        // insert random bytes
        const at = pick(b.length + 1)
        const extra = new Uint8Array(1 + pick(8)).map(() => pick(256))
        const out = new Uint8Array(b.length + extra.length)
        out.set(b.subarray(0, at))
        out.set(extra, at)
        out.set(b.subarray(at), at + extra.length)
        b = out
        break
      }
      case 5: {
        // another supported API and version with this body
        const s = supportedVersions[pick(supportedVersions.length)]!
        if (b.length >= 4) {
          b[0] = s.apiKey >> 8
          b[1] = s.apiKey & 0xff
          b[3] = s.minVersion + pick(s.maxVersion - s.minVersion + 1)
        }
        break
      }
      default: // varint continuation bytes (compact lengths, tag counts)
        if (b.length) b.fill(0xff, pick(b.length), pick(b.length + 1))
    }
  }
  return b
}

describe('fuzzing decodeRequest', () => {
  it('10,000 random and mutated frames yield decoded requests or BrookErrors only', () => {
    const r = rng(5)
    let decoded = 0
    const errorTypes = new Set<string>()
    for (let i = 0; i < 10_000; i++) {
      const frame =
        i % 10 === 0
          ? new Uint8Array(Math.floor(r() * 64)).map(() => Math.floor(r() * 256))
          : mutate(seeds[Math.floor(r() * seeds.length)]!, r)
      try {
        decodeRequest(frame)
        decoded++
      } catch (e) {
        if (!isBrookError(e)) throw new Error(`frame ${Buffer.from(frame).toString('hex')}: ${e}`)
        errorTypes.add(e.type)
      }
      try {
        decodeRequestHeader(frame)
      } catch (e) {
        expect(isBrookError(e)).toBe(true)
      }
    }
    // Both outcomes happen: the mutations are not all fatal, and not all harmless.
    expect(decoded).toBeGreaterThan(100)
    expect(decoded).toBeLessThan(10_000)
    expect([...errorTypes].sort()).toEqual(['INVALID_REQUEST', 'UNSUPPORTED_VERSION'])
  })
})
