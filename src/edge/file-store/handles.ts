/**
 * @module A bounded, least-recently-used cache of open segment file handles, so that a store with
 * thousands of partitions does not run out of file descriptors. Handles in use are never closed.
 */

import { type FileHandle, open } from 'node:fs/promises'
import { sep } from 'node:path'

interface Entry {
  handle: Promise<FileHandle>
  users: number
}

export class HandleCache {
  private readonly entries = new Map<string, Entry>()

  constructor(private readonly max: number) {}

  get size(): number {
    return this.entries.size
  }

  /** Runs `fn` with a read/write handle on `path` (which must exist). */
  async use<T>(path: string, fn: (fh: FileHandle) => Promise<T>): Promise<T> {
    let entry = this.entries.get(path)
    if (entry) {
      // Map order is the LRU order: move to the most recent end.
      this.entries.delete(path)
    } else {
      const handle = open(path, 'r+')
      const created: Entry = { handle, users: 0 }
      entry = created
      handle.catch(() => {
        if (this.entries.get(path) === created) this.entries.delete(path)
      })
    }
    this.entries.set(path, entry)
    entry.users++
    this.evict()
    try {
      return await fn(await entry.handle)
    } finally {
      entry.users--
      this.evict()
    }
  }

  /** Closes the handle of a file about to be renamed over or deleted. Call with no user active. */
  async forget(path: string): Promise<void> {
    const entry = this.entries.get(path)
    if (!entry) return
    this.entries.delete(path)
    await closeQuietly(entry.handle)
  }

  async forgetUnder(dir: string): Promise<void> {
    const paths = [...this.entries.keys()].filter((p) => p.startsWith(dir + sep))
    await Promise.all(paths.map((p) => this.forget(p)))
  }

  async closeAll(): Promise<void> {
    const all = [...this.entries.values()]
    this.entries.clear()
    await Promise.all(all.map((e) => closeQuietly(e.handle)))
  }

  private evict(): void {
    if (this.entries.size <= this.max) return
    for (const [path, entry] of this.entries) {
      if (this.entries.size <= this.max) return
      if (entry.users > 0) continue
      this.entries.delete(path)
      void closeQuietly(entry.handle)
    }
  }
}

async function closeQuietly(handle: Promise<FileHandle>): Promise<void> {
  try {
    await (await handle).close()
  } catch {
    // Already failed to open or already closed: nothing to release.
  }
}
