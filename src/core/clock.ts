/** @module Time, injected so that session timeouts and retention are testable without waiting. */

export interface Clock {
  now(): number
  /** Calls `fn` after `ms`; the returned function cancels it. */
  setTimeout(fn: () => void, ms: number): () => void
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms)
    return () => clearTimeout(t)
  },
}

/** A clock that moves only when told: for tests of timeouts and retention. */
export class ManualClock implements Clock {
  private time: number
  private timers: { at: number; fn: () => void; id: number }[] = []
  private nextId = 0

  constructor(start = 1_700_000_000_000) {
    this.time = start
  }

  now(): number {
    return this.time
  }

  setTimeout(fn: () => void, ms: number): () => void {
    const id = this.nextId++
    this.timers.push({ at: this.time + Math.max(0, ms), fn, id })
    return () => {
      this.timers = this.timers.filter((t) => t.id !== id)
    }
  }

  /** Moves time forward, firing due timers in time order. */
  advance(ms: number): void {
    const target = this.time + ms
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id)
      const next = this.timers[0]
      if (!next || next.at > target) break
      this.timers.shift()
      this.time = next.at
      next.fn()
    }
    this.time = target
  }
}
