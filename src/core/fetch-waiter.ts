/**
 * @module Long-poll waiters for Fetch: a fetch that has too little data registers for the
 * partitions it reads and is woken by the next append to any of them, by its timeout (on the
 * injected clock) or by shutdown — never by polling.
 */

import type { Clock } from './clock.ts'

export type WakeReason = 'append' | 'timeout' | 'close'

interface Waiter {
  keys: string[]
  done: boolean
  resolve: (why: WakeReason) => void
  cancelTimer: () => void
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`
}

export class FetchWaiters {
  private readonly byKey = new Map<string, Set<Waiter>>()
  private readonly all = new Set<Waiter>()

  constructor(private readonly clock: Clock) {}

  /** Resolves on the first append to one of `keys`, after `timeoutMs`, or on `closeAll`. */
  wait(keys: string[], timeoutMs: number): { promise: Promise<WakeReason>; cancel: () => void } {
    let waiter!: Waiter
    const promise = new Promise<WakeReason>((resolve) => {
      waiter = { keys, done: false, resolve, cancelTimer: () => {} }
    })
    for (const k of keys) {
      let set = this.byKey.get(k)
      if (!set) {
        set = new Set()
        this.byKey.set(k, set)
      }
      set.add(waiter)
    }
    this.all.add(waiter)
    waiter.cancelTimer = this.clock.setTimeout(() => this.finish(waiter, 'timeout'), timeoutMs)
    return { promise, cancel: () => this.finish(waiter, 'close') }
  }

  private finish(w: Waiter, why: WakeReason): void {
    if (w.done) return
    w.done = true
    w.cancelTimer()
    this.all.delete(w)
    for (const k of w.keys) {
      const set = this.byKey.get(k)
      if (!set) continue
      set.delete(w)
      if (set.size === 0) this.byKey.delete(k)
    }
    w.resolve(why)
  }

  notify(key: string): void {
    const set = this.byKey.get(key)
    if (!set) return
    for (const w of [...set]) this.finish(w, 'append')
  }

  closeAll(): void {
    for (const w of [...this.all]) this.finish(w, 'close')
  }

  get size(): number {
    return this.all.size
  }
}
