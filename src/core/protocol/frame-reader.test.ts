import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FrameReader } from './frame-reader.ts'

/** `frames` size-prefixed, back to back. */
function stream(frames: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(frames.reduce((n, f) => n + 4 + f.length, 0))
  const v = new DataView(out.buffer)
  let at = 0
  for (const f of frames) {
    v.setInt32(at, f.length)
    out.set(f, at + 4)
    at += 4 + f.length
  }
  return out
}

/** `bytes` cut at the given points. */
function cut(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const at = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b)
  const out: Uint8Array[] = []
  let from = 0
  for (const p of [...at, bytes.length]) {
    out.push(bytes.slice(from, p))
    from = p
  }
  return out
}

const frameArb = fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 })

describe('FrameReader', () => {
  it('gives back every frame, whole and in order, however the stream is cut', () => {
    fc.assert(
      fc.property(frameArb, fc.array(fc.nat(), { maxLength: 20 }), (frames, points) => {
        const got: Uint8Array[] = []
        const errors: string[] = []
        const r = new FrameReader({
          what: 'request',
          maxBytes: () => 1000,
          onFrame: (f, release) => {
            got.push(f.slice())
            release()
          },
          onError: (e) => errors.push(e),
        })
        for (const chunk of cut(stream(frames), points)) r.push(chunk)
        expect(errors).toEqual([])
        expect(got).toEqual(frames)
        expect(r.buffered).toBe(0)
      }),
    )
  })

  it('with a budget, holds each frame until its bytes are granted, pauses meanwhile, and loses none', () => {
    fc.assert(
      fc.property(frameArb, fc.array(fc.nat(), { maxLength: 20 }), (frames, points) => {
        let budget = 400
        const waiting: { size: number; grant: () => void }[] = []
        const held: (() => void)[] = []
        const got: Uint8Array[] = []
        let paused = false
        const r = new FrameReader({
          what: 'request',
          maxBytes: () => 1000,
          onFrame: (f, release) => {
            got.push(f.slice())
            held.push(release)
          },
          onError: (e) => {
            throw new Error(e)
          },
          reserve: (size, grant) => {
            const release = () => {
              budget += size
            }
            if (size <= budget || held.length === 0) {
              budget -= size
              grant()
            } else {
              waiting.push({
                size,
                grant: () => {
                  budget -= size
                  grant()
                },
              })
            }
            return release
          },
          pause: () => {
            paused = true
          },
          resume: () => {
            paused = false
          },
        })
        const chunks = cut(stream(frames), points)
        // The source honours pause: it delivers the next chunk only while the reader reads.
        for (;;) {
          while (!paused && chunks.length > 0) r.push(chunks.shift()!)
          if (chunks.length === 0 && waiting.length === 0) break
          // The application answers what it holds, which frees the budget for the one waiting.
          for (const release of held.splice(0)) release()
          const next = waiting.shift()
          if (next) next.grant()
        }
        expect(got).toEqual(frames)
      }),
    )
  })

  it('refuses a negative or oversized size field and reads nothing after it', () => {
    for (const [size, reason] of [
      [-2, "the frame's size field is negative (-2): not a Kafka request"],
      [1001, 'request of 1001 bytes is over the 1000-byte limit'],
    ] as const) {
      const errors: string[] = []
      const got: Uint8Array[] = []
      const r = new FrameReader({
        what: 'request',
        maxBytes: () => 1000,
        onFrame: (f) => got.push(f),
        onError: (e) => errors.push(e),
      })
      const bad = new Uint8Array(4)
      new DataView(bad.buffer).setInt32(0, size)
      r.push(stream([new Uint8Array([1])]))
      r.push(bad)
      r.push(stream([new Uint8Array([2])]))
      expect(got).toEqual([new Uint8Array([1])])
      expect(errors).toEqual([reason])
    }
  })

  it('an empty frame is a frame (the session decides it is malformed)', () => {
    const got: Uint8Array[] = []
    const r = new FrameReader({
      what: 'request',
      maxBytes: () => 10,
      onFrame: (f) => got.push(f),
      onError: () => {},
    })
    r.push(new Uint8Array(4))
    expect(got).toEqual([new Uint8Array(0)])
  })
})
