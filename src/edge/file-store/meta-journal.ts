/**
 * @module The store's metadata map on disk. Committed offsets change all the time, so rewriting the
 * whole map per change would be O(all metadata); instead each change is one append to `meta.log`,
 * framed as [length u32][CRC-32C u32][JSON] so a torn last entry is recognised and dropped. When the
 * journal outgrows the map, the map is written to `meta.snapshot` atomically (temp, fsync, rename)
 * and the journal is emptied. Replaying a journal over a snapshot that already holds its changes
 * gives the same map, so a crash between those two steps is harmless.
 *
 * Damage costs only what is damaged: a bad entry in the middle of the journal is stepped over to
 * the next entry whose length and CRC hold, a copy of the damaged file is kept beside it, and the
 * good entries are written to a fresh snapshot. Only a cut-short last entry (a crash mid-write) is
 * simply dropped.
 */

import { copyFile, type FileHandle, open, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { BrookError } from '../../core/errors.ts'
import { crc32c } from '../../core/format/crc32c.ts'
import type { Log } from '../../core/log.ts'
import type { Json } from '../../core/store.ts'
import { readAt, writeAll, writeFileAtomic } from './fsutil.ts'
import { Mutex } from './locks.ts'

type Entry =
  | { k: string; v: Json }
  | { k: string; d: 1 }
  /** Log-start offset of a partition directory (`o: null` forgets it). */
  | { ls: string; o: number | null }
  /** Base offsets of a partition directory's segment files (`b: null` forgets them). */
  | { sg: string; b: number[] | null }

const utf8 = new TextEncoder()
const utf8d = new TextDecoder()
const MIN_COMPACT_BYTES = 1 << 20

export class MetaJournal {
  /** Values kept as JSON text: every `get` returns a fresh copy the caller may change. */
  private readonly values = new Map<string, string>()
  readonly logStarts = new Map<string, number>()
  /**
   * The segment files each partition directory should hold: a file gone from disk is then a loss
   * to report (offsets it held), not a gap nobody notices.
   */
  readonly segmentBases = new Map<string, number[]>()
  private readonly lock = new Mutex()
  private size = 0
  private snapshotBytes = 0
  dirty = false
  /** What loading had to repair, for the start-up summary. */
  readonly repairs: string[] = []

  private constructor(
    private readonly dir: string,
    private readonly fh: FileHandle,
  ) {}

  static async open(dir: string, log: Log): Promise<MetaJournal> {
    const path = join(dir, 'meta.log')
    // Created with 'a', used with 'r+': positional writes are ignored on an O_APPEND handle.
    await (await open(path, 'a')).close()
    const fh = await open(path, 'r+')
    const journal = new MetaJournal(dir, fh)
    try {
      await journal.load(log)
    } catch (e) {
      await fh.close()
      throw e
    }
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

  // Each change reaches memory only once its entry is written: a refused write (a full disk)
  // leaves the map as the disk has it.

  set(key: string, value: Json): Promise<void> {
    const text = JSON.stringify(value)
    if (text === undefined) throw new TypeError(`metadata ${key} is not JSON`)
    return this.write({ k: key, v: value }, () => this.values.set(key, text))
  }

  delete(key: string): Promise<void> {
    if (!this.values.has(key)) return Promise.resolve()
    return this.write({ k: key, d: 1 }, () => this.values.delete(key))
  }

  setLogStart(dirName: string, offset: number | null): Promise<void> {
    if (offset === null && !this.logStarts.has(dirName)) return Promise.resolve()
    return this.write({ ls: dirName, o: offset }, () => {
      if (offset === null) this.logStarts.delete(dirName)
      else this.logStarts.set(dirName, offset)
    })
  }

  setSegments(dirName: string, bases: number[] | null): Promise<void> {
    if (bases === null && !this.segmentBases.has(dirName)) return Promise.resolve()
    return this.write({ sg: dirName, b: bases }, () => {
      if (bases === null) this.segmentBases.delete(dirName)
      else this.segmentBases.set(dirName, bases)
    })
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

  private write(entry: Entry, apply: () => void): Promise<void> {
    const frame = encodeFrame(entry)
    return this.lock.run(async () => {
      // A refused write may leave part of the frame: the next one is written over it.
      await writeAll(this.fh, frame, this.size)
      apply()
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
        segments: Object.fromEntries(this.segmentBases),
      }),
    )
    await writeFileAtomic(join(this.dir, 'meta.snapshot'), snapshot)
    await this.fh.truncate(0)
    await this.fh.datasync()
    this.size = 0
    this.snapshotBytes = snapshot.length
    this.dirty = false
  }

  /** Reads the snapshot and replays the journal over it. */
  private async load(log: Log): Promise<void> {
    const snapshotPath = join(this.dir, 'meta.snapshot')
    const snapshot = await readFile(snapshotPath).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined
      throw e
    })
    if (snapshot) {
      this.snapshotBytes = snapshot.length
      let parsed: {
        values: Record<string, string>
        logStarts: Record<string, number>
        segments?: Record<string, number[]>
      }
      try {
        parsed = JSON.parse(utf8d.decode(snapshot))
        if (typeof parsed?.values !== 'object' || typeof parsed?.logStarts !== 'object')
          throw new Error('not a brook metadata snapshot')
      } catch (e) {
        throw new BrookError(
          'KAFKA_STORAGE_ERROR',
          `${snapshotPath} is damaged (${(e as Error).message}): the topic catalogue and committed ` +
            'offsets cannot be read. Restore it from a backup; brook will not start on a guess',
        )
      }
      for (const [k, v] of Object.entries(parsed.values)) this.values.set(k, v)
      for (const [k, v] of Object.entries(parsed.logStarts)) this.logStarts.set(k, v)
      // Snapshots written before segment lists were kept have none: those are learnt from disk.
      for (const [k, v] of Object.entries(parsed.segments ?? {})) this.segmentBases.set(k, v)
    }
    const path = join(this.dir, 'meta.log')
    const fileBytes = (await this.fh.stat()).size
    const bytes = await readAt(this.fh, 0, fileBytes)
    let pos = 0
    const skipped: string[] = []
    while (pos < bytes.length) {
      const entry = entryAt(bytes, pos)
      if (entry) {
        this.apply(entry.entry)
        pos = entry.end
        continue
      }
      // Damaged here: the next position where a whole entry holds is where the journal goes on.
      let next = pos + 1
      while (next < bytes.length && !entryAt(bytes, next)) next++
      if (next >= bytes.length) {
        // Nothing good after it: a last entry cut short by a crash, dropped as Kafka drops a torn tail.
        log(
          `brook: ${path}: last entry cut short at byte ${pos}; dropped ${bytes.length - pos} bytes`,
          'warn',
        )
        this.repairs.push('a torn metadata entry dropped')
        await this.fh.truncate(pos)
        await this.fh.datasync()
        break
      }
      skipped.push(`bytes ${pos}..${next - 1}`)
      pos = next
    }
    this.size = Math.min(pos, bytes.length)
    if (skipped.length > 0) {
      const copy = `${path}.damaged-${Date.now()}`
      await copyFile(path, copy)
      log(
        `brook: ${path}: damaged entries skipped (${skipped.join(', ')}); every other entry was read. ` +
          `A copy of the damaged file is ${copy}; the metadata is rewritten without the damage`,
        'error',
      )
      this.repairs.push(`${skipped.length} damaged metadata entries skipped`)
      // The good entries become the snapshot, and the damaged journal goes.
      await this.compact()
    }
  }

  private apply(entry: Entry): void {
    if ('sg' in entry) {
      if (entry.b === null) this.segmentBases.delete(entry.sg)
      else this.segmentBases.set(entry.sg, entry.b)
    } else if ('ls' in entry) {
      if (entry.o === null) this.logStarts.delete(entry.ls)
      else this.logStarts.set(entry.ls, entry.o)
    } else if ('d' in entry) {
      this.values.delete(entry.k)
    } else {
      this.values.set(entry.k, JSON.stringify(entry.v))
    }
  }
}

/** The entry framed at `pos` when its length, CRC and JSON all hold; else undefined. */
function entryAt(bytes: Uint8Array, pos: number): { entry: Entry; end: number } | undefined {
  if (bytes.length - pos < 8) return undefined
  const v = new DataView(bytes.buffer, bytes.byteOffset + pos)
  const length = v.getUint32(0)
  const end = pos + 8 + length
  if (length < 2 || end > bytes.length) return undefined
  if (crc32c(bytes, pos + 8, end) !== v.getUint32(4)) return undefined
  try {
    const entry = JSON.parse(utf8d.decode(bytes.subarray(pos + 8, end))) as Entry
    if (typeof entry !== 'object' || entry === null) return undefined
    return { entry, end }
  } catch {
    return undefined
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
