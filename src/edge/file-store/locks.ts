/** @module Promise locks for one partition: appends queue behind each other; structural changes (retention, compaction, drop) exclude everyone. */

/** Runs tasks one at a time, in call order. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve()

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn)
    this.tail = result.then(
      () => undefined,
      () => undefined,
    )
    return result
  }
}

interface Waiter {
  exclusive: boolean
  resolve: () => void
}

/**
 * Readers/writer lock, first come first served: reads and appends share it; file deletion and
 * replacement take it alone so that no read is using a file handle that is about to close.
 */
export class RwLock {
  private readers = 0
  private writer = false
  private readonly queue: Waiter[] = []

  async shared<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire(false)
    try {
      return await fn()
    } finally {
      this.readers--
      this.drain()
    }
  }

  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire(true)
    try {
      return await fn()
    } finally {
      this.writer = false
      this.drain()
    }
  }

  private acquire(exclusive: boolean): Promise<void> {
    return new Promise((resolve) => {
      this.queue.push({ exclusive, resolve })
      this.drain()
    })
  }

  private drain(): void {
    while (this.queue.length > 0 && !this.writer) {
      const next = this.queue[0]!
      if (next.exclusive) {
        if (this.readers > 0) return
        this.writer = true
      } else {
        this.readers++
      }
      this.queue.shift()
      next.resolve()
    }
  }
}
