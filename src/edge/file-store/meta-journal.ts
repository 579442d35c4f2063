/**
 * @module The store's metadata map on disk. Committed offsets change all the time, so rewriting the
 * whole map per change would be O(all metadata); instead each change is one append to `meta.log`,
 * framed as [length u32][CRC-32C u32][JSON] so a torn last entry is recognised and dropped. When the
 * journal outgrows the map, the map is written to `meta.snapshot` atomically (temp, fsync, rename)
 * and the journal is emptied. Replaying a journal over a snapshot that already holds its changes
 * gives the same map, so a crash between those two steps is harmless.
 */

import { type FileHandle, open, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { crc32c } from '../../core/crc32c.ts'
import type { Json } from '../../core/store.ts'
import { readAt, writeAll, writeFileAtomic } from './fsutil.ts'
import { Mutex } from './locks.ts'

type Entry =
  | { k: string; v: Json }
  | { k: string; d: 1 }
  /** Log-start offset of a partition directory (`o: null` forgets it). */
  | { ls: string; o: number | null }

const utf8 = new TextEncoder()
const utf8d = new TextDecoder()
const MIN_COMPACT_BYTES = 1 << 20

export class MetaJournal {
  /** Values kept as JSON text: every `get` returns a fresh copy the caller may change. */
  private readonly values = new Map<string, string>()
  readonly logStarts = new Map<string, number>()
  private readonly lock = new Mutex()
  private size = 0
  private snapshotBytes = 0
  dirty = false

  private constructor(
    private readonly dir: string,
    private readonly fh: FileHandle,
  ) {}

  static async open(dir: string, log: (line: string) => void): Promise<MetaJournal> {
    const path = join(dir, 'meta.log')
    // Created with 'a', used with 'r+': positional writes are ignored on an O_APPEND handle.
    await (await open(path, 'a')).close()
    const fh = await open(path, 'r+')
    const journal = new MetaJournal(dir, fh)
    await journal.load(log)
    return journal
  }

  get(key: string): Json | undefined {
    const text = this.values.get(key)
    return text === undefined ? undefined : (JSON.parse(text) as Json)
  }

  list(prefix: string): [string, Json][] {
    const keys = [...this.values.keys()].filter((k) => k.startsWith(prefix)).sort()
    return keys.map((k) => [k, JSON.parse(this.values.get(k)!) as Json])
  }

  set(key: string, value: Json): Promise<void> {
    const text = JSON.stringify(value)
    if (text === undefined) throw new TypeError(`metadata ${key} is not JSON`)
    this.values.set(key, text)
    return this.write({ k: key, v: value })
  }

  delete(key: string): Promise<void> {
    if (!this.values.delete(key)) return Promise.resolve()
    return this.write({ k: key, d: 1 })
  }

  setLogStart(dirName: string, offset: number | null): Promise<void> {
    if (offset === null) {
      if (!this.logStarts.delete(dirName)) return Promise.resolve()
    } else {
      this.logStarts.set(dirName, offset)
    }
    return this.write({ ls: dirName, o: offset })
  }

  /** fsyncs the journal: everything set before is durable. */
  sync(): Promise<void> {
    return this.lock.run(async () => {
      this.dirty = false
      await this.fh.datasync()
    })
  }

  close(): Promise<void> {
    return this.lock.run(() => this.fh.close())
  }

  private write(entry: Entry): Promise<void> {
    const frame = encodeFrame(entry)
    return this.lock.run(async () => {
      await writeAll(this.fh, frame, this.size)
      this.size += frame.length
      this.dirty = true
      if (this.size > Math.max(MIN_COMPACT_BYTES, 4 * this.snapshotBytes)) await this.compact()
    })
  }

  /** Writes the whole map as the new snapshot, then empties the journal. */
  private async compact(): Promise<void> {
    const snapshot = utf8.encode(
      JSON.stringify({
        values: Object.fromEntries(this.values),
        logStarts: Object.fromEntries(this.logStarts),
      }),
    )
    await writeFileAtomic(join(this.dir, 'meta.snapshot'), snapshot)
    await this.fh.truncate(0)
    await this.fh.datasync()
    this.size = 0
    this.snapshotBytes = snapshot.length
    this.dirty = false
  }

  private async load(log: (line: string) => void): Promise<void> {
    const snapshot = await readFile(join(this.dir, 'meta.snapshot')).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined
      throw e
    })
    if (snapshot) {
      this.snapshotBytes = snapshot.length
      const parsed = JSON.parse(utf8d.decode(snapshot)) as {
        values: Record<string, string>
        logStarts: Record<string, number>
      }
      for (const [k, v] of Object.entries(parsed.values)) this.values.set(k, v)
      for (const [k, v] of Object.entries(parsed.logStarts)) this.logStarts.set(k, v)
    }
    const fileBytes = (await this.fh.stat()).size
    const bytes = await readAt(this.fh, 0, fileBytes)
    let pos = 0
    let problem: string | undefined
    while (pos < bytes.length) {
      if (bytes.length - pos < 8) {
        problem = 'entry header cut short'
        break
      }
      const v = new DataView(bytes.buffer, bytes.byteOffset + pos)
      const length = v.getUint32(0)
      if (pos + 8 + length > bytes.length) {
        problem = 'entry cut short'
        break
      }
      if (crc32c(bytes, pos + 8, pos + 8 + length) !== v.getUint32(4)) {
        problem = 'entry CRC-32C does not match'
        break
      }
      this.apply(JSON.parse(utf8d.decode(bytes.subarray(pos + 8, pos + 8 + length))) as Entry)
      pos += 8 + length
    }
    if (problem) {
      log(
        `brook: ${join(this.dir, 'meta.log')}: ${problem} at byte ${pos}; dropped ${bytes.length - pos} bytes`,
      )
      await this.fh.truncate(pos)
      await this.fh.datasync()
    }
    this.size = pos
  }

  private apply(entry: Entry): void {
    if ('ls' in entry) {
      if (entry.o === null) this.logStarts.delete(entry.ls)
      else this.logStarts.set(entry.ls, entry.o)
    } else if ('d' in entry) {
      this.values.delete(entry.k)
    } else {
      this.values.set(entry.k, JSON.stringify(entry.v))
    }
  }
}

function encodeFrame(entry: Entry): Uint8Array {
  const payload = utf8.encode(JSON.stringify(entry))
  const frame = new Uint8Array(8 + payload.length)
  const v = new DataView(frame.buffer)
  v.setUint32(0, payload.length)
  v.setUint32(4, crc32c(payload))
  frame.set(payload, 8)
  return frame
}
