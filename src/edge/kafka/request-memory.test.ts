import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { RequestMemory } from './request-memory.ts'

describe('RequestMemory (queued.max.request.bytes)', () => {
  it('grants what fits, holds what does not until bytes are released, and lets small requests pass a large waiting one', () => {
    const m = new RequestMemory(100)
    const granted: string[] = []
    const a = m.reserve(60, () => granted.push('a'))
    const b = m.reserve(60, () => granted.push('b'))
    const c = m.reserve(30, () => granted.push('c'))
    expect(granted).toEqual(['a', 'c'])
    expect(m.inUse).toBe(90)
    a()
    expect(granted).toEqual(['a', 'c', 'b'])
    b()
    c()
    expect(m.inUse).toBe(0)
  })

  it('lets one request larger than the whole budget through only when nothing else holds any', () => {
    const m = new RequestMemory(100)
    const granted: string[] = []
    const small = m.reserve(10, () => granted.push('small'))
    const huge = m.reserve(500, () => granted.push('huge'))
    expect(granted).toEqual(['small'])
    small()
    expect(granted).toEqual(['small', 'huge'])
    expect(m.inUse).toBe(500)
    huge()
    expect(m.inUse).toBe(0)
  })

  it('a cancelled wait is never granted, and releasing twice releases once', () => {
    const m = new RequestMemory(100)
    const a = m.reserve(80, () => {})
    let got = false
    const cancel = m.reserve(50, () => {
      got = true
    })
    cancel()
    a()
    a()
    expect(got).toBe(false)
    expect(m.inUse).toBe(0)
    expect(m.waiters).toBe(0)
  })

  it('never holds more than its budget (or one oversized request alone), and ends empty, whatever the order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ size: fc.integer({ min: 1, max: 150 }), releaseAt: fc.nat(40) }), {
          maxLength: 40,
        }),
        (requests) => {
          const m = new RequestMemory(100)
          const held = new Set<number>()
          const releases: (() => void)[] = []
          requests.forEach((r, i) => {
            const release = m.reserve(r.size, () => {
              held.add(i)
              const live = [...held].map((k) => requests[k]!.size)
              if (live.length > 1) expect(live.reduce((x, y) => x + y, 0)).toBeLessThanOrEqual(100)
            })
            releases.push(() => {
              held.delete(i)
              release()
            })
          })
          // Release in the generated order; each release may grant waiting ones.
          const order = requests.map((r, i) => ({ at: r.releaseAt, i })).sort((x, y) => x.at - y.at)
          for (const { i } of order) releases[i]!()
          expect(m.inUse).toBe(0)
          expect(m.waiters).toBe(0)
        },
      ),
    )
  })
})
