/**
 * @module The timeline's scripts: a seed gives a list of steps — keyed records sent (the topic is
 * compacted, and Kafka refuses a record without a key there), consumers joining, leaving and
 * crashing, commits, time passing, the cleaner running — the
 * same list for the same seed, everywhere (mulberry32, no Math.random). Plain data: the tests
 * import it in Node.
 */

export type Step =
  /**
   * `partition` for a record without a key: the sticky partitioner picks at random, so the script
   * picks (seeded) instead, to keep the run the same each time.
   */
  | { t: 'produce'; key: string | null; value: string; partition?: number }
  | { t: 'join'; member: string }
  | { t: 'leave'; member: string }
  | { t: 'crash'; member: string }
  | { t: 'commit'; member: string }
  | { t: 'wait'; ms: number }
  | { t: 'clean' }

/** mulberry32: a small, well-spread 32-bit generator; `next()` is in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const KEYS = ['alice', 'bob', 'carol', 'dave', 'erin']
const MEMBERS = ['A', 'B', 'C']

/** The script of `seed`: `length` steps, starting with one consumer so that the group exists. */
export function scriptFor(seed: number, length = 30): Step[] {
  const next = rng(seed)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!
  const steps: Step[] = [{ t: 'join', member: 'A' }]
  const live = new Set(['A'])
  let value = 0
  while (steps.length < length) {
    const r = next()
    const idle = MEMBERS.filter((m) => !live.has(m))
    if (r < 0.45) {
      steps.push({ t: 'produce', key: pick(KEYS), value: `v${value++}` })
    } else if (r < 0.58 && idle.length > 0) {
      const member = pick(idle)
      live.add(member)
      steps.push({ t: 'join', member })
    } else if (r < 0.73 && live.size > 0) {
      steps.push({ t: 'commit', member: pick([...live]) })
    } else if (r < 0.8 && live.size > 1) {
      const member = pick([...live])
      live.delete(member)
      steps.push({ t: 'leave', member })
    } else if (r < 0.86 && live.size > 1) {
      // A crash, then the session timeout that lets the group notice it.
      const member = pick([...live])
      live.delete(member)
      steps.push({ t: 'crash', member }, { t: 'wait', ms: 7000 })
    } else if (r < 0.93) {
      steps.push({ t: 'clean' })
    } else {
      steps.push({ t: 'wait', ms: 1000 + Math.floor(next() * 4) * 1000 })
    }
  }
  return steps.slice(0, length)
}
