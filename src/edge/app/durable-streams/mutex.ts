/**
 * @module One lock per key. A stream's checks (closed? producer epoch and sequence? Stream-Seq?)
 * and the append they allow must not interleave with another request's, or two retries of one
 * producer sequence could both be appended. Locks exist only while held or awaited, so idle
 * streams cost nothing.
 */

export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>()

  /** Runs `fn` once every earlier holder of `key` has finished. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve()
    let release!: () => void
    const mine = new Promise<void>((resolve) => {
      release = resolve
    })
    const tail = before.then(() => mine)
    this.tails.set(key, tail)
    await before
    try {
      return await fn()
    } finally {
      release()
      if (this.tails.get(key) === tail) this.tails.delete(key)
    }
  }
}
