/**
 * @module Kafka's `queued.max.request.bytes`: one budget, shared by every connection of a
 * listener, for the bytes of requests being received or waiting for their answer. A connection
 * whose next request does not fit stops reading (TCP pushes back on the client) until earlier
 * requests are answered, so many clients sending large requests at once cannot take the broker's
 * memory. As in Kafka's non-strict pool, a request larger than the whole budget still goes through
 * when nothing else holds any: it is bounded by `socket.request.max.bytes` instead.
 */

export class RequestMemory {
  private used = 0
  private readonly waiting: { size: number; grant: () => void }[] = []

  constructor(readonly capacity: number) {
    if (!(capacity > 0)) throw new RangeError(`queued.max.request.bytes must be above 0, got ${capacity}`)
  }

  /** Bytes held by requests right now. */
  get inUse(): number {
    return this.used
  }

  /** Connections waiting for room. */
  get waiters(): number {
    return this.waiting.length
  }

  /**
   * Holds `size` bytes: `grant` runs at once when they fit, else once enough is released. A small
   * request that fits is not held behind a large one waiting for room (as in Kafka's pool): clients
   * stuck sending huge requests must not stop everyone else. Returns a function that cancels the
   * wait or releases the bytes.
   */
  reserve(size: number, grant: () => void): () => void {
    let state: 'waiting' | 'held' | 'done' = 'waiting'
    const entry = {
      size,
      grant: () => {
        state = 'held'
        this.used += size
        grant()
      },
    }
    if (this.fits(size)) entry.grant()
    else this.waiting.push(entry)
    return () => {
      if (state === 'waiting') {
        const i = this.waiting.indexOf(entry)
        if (i >= 0) this.waiting.splice(i, 1)
        this.grantWaiting()
      } else if (state === 'held') {
        this.used -= size
        this.grantWaiting()
      }
      state = 'done'
    }
  }

  private fits(size: number): boolean {
    return this.used === 0 || this.used + size <= this.capacity
  }

  private grantWaiting(): void {
    for (let i = 0; i < this.waiting.length; ) {
      const next = this.waiting[i]!
      if (!this.fits(next.size)) {
        i++
        continue
      }
      this.waiting.splice(i, 1)
      next.grant()
    }
  }
}
