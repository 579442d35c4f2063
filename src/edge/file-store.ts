/**
 * @module `FileStore`: brook's durable `Store` for Node. Each partition is a directory
 * `<dir>/<topicId>-<partition>/` of append-only segment files whose bytes are a Kafka log segment
 * (RecordBatch v2 back to back, baseOffset set), rolled by size and age. A sparse offset index is
 * rebuilt at start by walking the batches and checking their CRCs: a torn tail of the last segment
 * is cut off, damage anywhere else is moved aside (`damage.ts`) and reported, and a segment file
 * that the journal lists but the disk lacks is reported with the offsets it held. Metadata lives
 * in a CRC-framed journal (see `meta-journal.ts`).
 * Durability follows Kafka's `flush.messages` / `flush.ms`; `flush()` fsyncs everything before it.
 */

import { mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Clock } from '../core/clock.ts'
import { systemClock } from '../core/clock.ts'
import { BrookError } from '../core/errors.ts'
import { BATCH_HEADER_SIZE, concatBytes } from '../core/format/record-batch.ts'
import type { Log } from '../core/log.ts'
import type { Json, Store } from '../core/store.ts'
import { moveDamageAside } from './file-store/damage.ts'
import { fsyncDir, writeAll } from './file-store/fsutil.ts'
import { HandleCache } from './file-store/handles.ts'
import { Mutex, RwLock } from './file-store/locks.ts'
import { MetaJournal } from './file-store/meta-journal.ts'
import { dirName, parseDirName, takeLock } from './file-store/names.ts'
import {
  type BatchInfo,
  batchesIn,
  batchInfo,
  type Damage,
  newSegment,
  noteBatch,
  parseSegmentFileName,
  type Segment,
  scanSegment,
  segmentFileName,
} from './file-store/segment.ts'
import { completeSwap, finishInterruptedSwaps, writeSwapFile } from './file-store/swap.ts'

export { dirName, parseDirName } from './file-store/names.ts'

export interface FileStoreOptions {
  /** Data directory; created if missing. */
  dir: string
  /** Roll to a new segment before one grows past this (Kafka `segment.bytes`, default 1 GiB). */
  segmentBytes?: number
  /** Roll a segment this long after its first batch (Kafka `segment.ms`, default 7 days). */
  segmentMs?: number
  /** fsync after this many appended records (Kafka `flush.messages`; default: never by count). */
  flushMessages?: number
  /** fsync at most this long after a write (Kafka `flush.ms`; default 1000, Infinity = never). */
  flushMs?: number
  /** Bytes between sparse index entries (Kafka `index.interval.bytes`, default 4096). */
  indexIntervalBytes?: number
  /** Open segment files kept at most (least recently used are closed first). Default 256. */
  maxOpenFiles?: number
  /**
   * Check every segment's CRCs at start, not only the last one's. Default true: the start reads
   * every byte to rebuild the index anyway, and CRC-32C runs faster than a disk reads. Turn off
   * only for data directories so large that start-up time matters more than finding rot early.
   */
  verifyAllOnOpen?: boolean
  clock?: Clock
  /** Where start-up repairs (warn, error) and the start-up summary (info) go. Default: console.warn. */
  log?: Log
}

interface Partition {
  name: string
  dir: string
  /** Sorted by base offset; the last one takes appends. */
  segments: Segment[]
  /** Batches whose base offset is below this are deleted or hidden (retention). */
  logStart: number
  appends: Mutex
  rw: RwLock
  dropped: boolean
}

const READ_CHUNK_MIN = 64 << 10
const SCAN_BYTES = 1 << 20

export class FileStore implements Store {
  private readonly partitions = new Map<string, Partition>()
  private readonly creating = new Map<string, Promise<Partition>>()
  private readonly dirtySegments = new Map<Segment, Partition>()
  private readonly dirtyDirs = new Set<string>()
  private readonly handles: HandleCache
  private readonly clock: Clock
  private readonly log: Log
  /** What opening found and did, for the one-line summary at start. */
  private readonly recovery = { partitions: 0, segments: 0, bytes: 0, torn: 0, damaged: 0, missing: 0 }
  private readonly segmentBytes: number
  private readonly segmentMs: number
  private readonly flushMessages: number
  private readonly flushMs: number
  private readonly indexInterval: number
  private unflushedRecords = 0
  private cancelFlushTimer: (() => void) | undefined
  private flushing: Promise<void> | undefined
  private flushQueued: Promise<void> | undefined
  private closed = false
  private syncRounds = 0
  private releaseLock: () => Promise<void> = async () => {}

  private constructor(
    readonly dir: string,
    private readonly meta: MetaJournal,
    options: FileStoreOptions,
  ) {
    this.clock = options.clock ?? systemClock
    this.log = options.log ?? ((line) => console.warn(line))
    this.segmentBytes = options.segmentBytes ?? 1 << 30
    this.segmentMs = options.segmentMs ?? 7 * 24 * 3600 * 1000
    this.flushMessages = options.flushMessages ?? Number.POSITIVE_INFINITY
    this.flushMs = options.flushMs ?? 1000
    this.indexInterval = options.indexIntervalBytes ?? 4096
    this.handles = new HandleCache(options.maxOpenFiles ?? 256)
  }

  /**
   * Opens (or creates) the store in `options.dir`: torn tails left by a crash are cut, damage is
   * moved aside, missing segments are reported, and one summary line says what was done.
   */
  static async open(options: FileStoreOptions): Promise<FileStore> {
    await mkdir(options.dir, { recursive: true })
    const log: Log = options.log ?? ((line: string) => console.warn(line))
    const started = performance.now()
    const verifyAll = options.verifyAllOnOpen ?? true
    const releaseLock = await takeLock(options.dir)
    let meta: MetaJournal | undefined
    try {
      const entries = await readdir(options.dir, { withFileTypes: true })
      const partitions = entries.filter((e) => e.isDirectory() && parseDirName(e.name)).map((e) => e.name)
      await checkCatalogue(options.dir, new Set(entries.map((e) => e.name)), partitions.length, log)
      meta = await MetaJournal.open(options.dir, log)
      const store = new FileStore(options.dir, meta, options)
      store.releaseLock = releaseLock
      for (const name of partitions) await store.loadPartition(name, verifyAll)
      store.reportMissingPartitions(new Set(partitions))
      store.logRecovery(meta.repairs, verifyAll, performance.now() - started)
      return store
    } catch (e) {
      // A store that did not open holds nothing: the next attempt must not find it locked.
      await meta?.close().catch(() => {})
      await releaseLock()
      throw e
    }
  }

  append(topicId: string, partition: number, batches: Uint8Array[]): Promise<void> {
    return this.io('append', this.appendNow(topicId, partition, batches))
  }

  private async appendNow(topicId: string, partition: number, batches: Uint8Array[]): Promise<void> {
    this.checkOpen()
    if (batches.length === 0) return
    const infos = batches.map(checkedInfo)
    for (let i = 1; i < infos.length; i++) {
      if (infos[i]!.baseOffset <= infos[i - 1]!.lastOffset)
        throw outOfOrder(infos[i]!, infos[i - 1]!.lastOffset)
    }
    const total = infos.reduce((n, i) => n + i.size, 0)
    for (;;) {
      const p = await this.partition(topicId, partition, true)
      const done = await p.appends.run(() =>
        p.rw.shared(async () => {
          if (p.dropped) return false
          let seg = p.segments.at(-1)
          if (seg && seg.lastBase >= 0 && infos[0]!.baseOffset < seg.nextOffset) {
            throw outOfOrder(infos[0]!, seg.nextOffset - 1)
          }
          if (infos[0]!.baseOffset < p.logStart) {
            // Retention moved the start past the end; new batches below it start the log again.
            p.logStart = infos[0]!.baseOffset
            await this.meta.setLogStart(p.name, p.logStart)
          }
          if (!seg || this.shouldRoll(seg, total)) seg = await this.roll(p, infos[0]!.baseOffset)
          const position = seg.size
          const target = seg
          await this.handles.use(target.path, (fh) => writeAll(fh, concatBytes(batches), position))
          let pos = position
          for (const info of infos) {
            noteBatch(target, info, pos)
            pos += info.size
          }
          target.size = pos
          this.dirtySegments.set(target, p)
          return true
        }),
      )
      if (done) break
    }
    await this.afterWrite(infos.reduce((n, i) => n + i.recordCount, 0))
  }

  async read(
    topicId: string,
    partition: number,
    fromBaseOffset: number,
    maxBytes: number,
  ): Promise<Uint8Array[]> {
    this.checkOpen()
    const p = this.partitions.get(dirName(topicId, partition))
    if (!p) return []
    return p.rw.shared(async () => {
      const out: Uint8Array[] = []
      if (p.dropped) return out
      const from = Math.max(fromBaseOffset, p.logStart)
      let total = 0
      let i = 0
      while (i + 1 < p.segments.length && p.segments[i + 1]!.base <= from) i++
      for (; i < p.segments.length; i++) {
        const seg = p.segments[i]!
        if (seg.size === 0 || seg.lastBase < from) continue
        const start = seg.index.floor(from)
        const end = seg.size
        const chunk = Math.min(
          end - start,
          Math.max(READ_CHUNK_MIN, maxBytes - total + 2 * this.indexInterval),
        )
        const full = await this.handles.use(seg.path, async (fh) => {
          for await (const { bytes, info } of batchesIn(fh, start, end, chunk)) {
            if (info.baseOffset < from) continue
            if (out.length > 0 && total + bytes.length > maxBytes) return true
            out.push(bytes)
            total += bytes.length
            if (total >= maxBytes) return true
          }
          return false
        })
        if (full) break
      }
      return out
    })
  }

  async *scan(topicId: string, partition: number): AsyncIterable<Uint8Array> {
    let from = 0
    for (;;) {
      const batches = await this.read(topicId, partition, from, SCAN_BYTES)
      if (batches.length === 0) return
      yield* batches
      from = batchInfo(batches.at(-1)!).baseOffset + 1
    }
  }

  deleteBefore(topicId: string, partition: number, beforeBaseOffset: number): Promise<void> {
    return this.io('delete', this.deleteBeforeNow(topicId, partition, beforeBaseOffset))
  }

  private async deleteBeforeNow(topicId: string, partition: number, beforeBaseOffset: number): Promise<void> {
    this.checkOpen()
    const p = await this.partition(topicId, partition, false)
    if (!p) {
      // Nothing stored yet: remember the start for when the partition is first written.
      const name = dirName(topicId, partition)
      if (beforeBaseOffset > (this.meta.logStarts.get(name) ?? 0))
        await this.meta.setLogStart(name, beforeBaseOffset)
      return
    }
    await this.exclusive(p, async () => {
      if (beforeBaseOffset <= p.logStart) return
      // The new start is durable before any file goes, so a crash never brings hidden batches back.
      p.logStart = beforeBaseOffset
      await this.meta.setLogStart(p.name, beforeBaseOffset)
      await this.meta.sync()
      const last = p.segments.at(-1)
      if (last && last.lastBase >= 0 && last.lastBase < beforeBaseOffset) await this.roll(p, last.nextOffset)
      const doomed: Segment[] = []
      while (p.segments.length > 1 && p.segments[0]!.lastBase < beforeBaseOffset)
        doomed.push(p.segments.shift()!)
      if (doomed.length > 0) await this.noteSegments(p)
      for (const seg of doomed) await this.removeSegmentFile(seg)
      if (doomed.length > 0) await fsyncDir(p.dir)
    })
  }

  replaceRange(
    topicId: string,
    partition: number,
    fromBaseOffset: number,
    toBaseOffset: number,
    batches: Uint8Array[],
  ): Promise<void> {
    return this.io('rewrite', this.replaceRangeNow(topicId, partition, fromBaseOffset, toBaseOffset, batches))
  }

  private async replaceRangeNow(
    topicId: string,
    partition: number,
    fromBaseOffset: number,
    toBaseOffset: number,
    batches: Uint8Array[],
  ): Promise<void> {
    this.checkOpen()
    const infos = batches.map(checkedInfo)
    let prev = fromBaseOffset - 1
    for (const info of infos) {
      if (info.baseOffset <= prev || info.baseOffset >= toBaseOffset) {
        throw new BrookError(
          'INVALID_REQUEST',
          `replaceRange batch ${info.baseOffset} is outside [${fromBaseOffset}, ${toBaseOffset}) or out of order`,
        )
      }
      prev = info.lastOffset
    }
    const p = await this.partition(topicId, partition, batches.length > 0)
    if (!p) return
    await this.exclusive(p, () => this.rewrite(p, fromBaseOffset, toBaseOffset, batches, infos))
  }

  async dropPartition(topicId: string, partition: number): Promise<void> {
    this.checkOpen()
    const name = dirName(topicId, partition)
    const p = this.partitions.get(name)
    const drop = async () => {
      await this.handles.forgetUnder(join(this.dir, name))
      await rm(join(this.dir, name), { recursive: true, force: true })
      await this.meta.setLogStart(name, null)
      await this.meta.setSegments(name, null)
      await fsyncDir(this.dir)
    }
    if (!p) return drop()
    await this.exclusive(p, async () => {
      p.dropped = true
      for (const seg of p.segments) {
        seg.deleted = true
        this.dirtySegments.delete(seg)
      }
      this.partitions.delete(name)
      await drop()
    })
  }

  async getMeta(key: string): Promise<Json | undefined> {
    this.checkOpen()
    return this.meta.get(key)
  }

  setMeta(key: string, value: Json): Promise<void> {
    return this.io(
      'metadata write',
      (async () => {
        this.checkOpen()
        await this.meta.set(key, value)
        await this.afterWrite(0)
      })(),
    )
  }

  deleteMeta(key: string): Promise<void> {
    return this.io(
      'metadata write',
      (async () => {
        this.checkOpen()
        await this.meta.delete(key)
        await this.afterWrite(0)
      })(),
    )
  }

  async listMeta(prefix: string): Promise<[string, Json][]> {
    this.checkOpen()
    return this.meta.list(prefix)
  }

  /**
   * fsyncs every segment written, every directory changed and the metadata journal. Calls that
   * arrive while one runs share the next run (group commit), which starts after it.
   */
  flush(): Promise<void> {
    if (!this.flushing) {
      const run = this.syncAll().finally(() => {
        this.flushing = undefined
      })
      this.flushing = run
      return run
    }
    if (!this.flushQueued) {
      const after = this.flushing.then(
        () => undefined,
        () => undefined,
      )
      this.flushQueued = after.then(() => {
        this.flushQueued = undefined
        return this.flush()
      })
    }
    return this.flushQueued
  }

  async close(): Promise<void> {
    if (this.closed) return
    try {
      for (const p of this.partitions.values()) await this.exclusive(p, async () => undefined)
      await this.flush()
    } finally {
      // Whatever the last flush did, the files are let go: another store may open them now.
      this.closed = true
      this.cancelFlushTimer?.()
      await this.handles.closeAll().catch(() => {})
      await this.meta.close().catch(() => {})
      await this.releaseLock()
    }
  }

  /** Completed fsync rounds (each covers every file written before it): for tests and benchmarks. */
  get syncs(): number {
    return this.syncRounds
  }

  /** Open segment file handles right now (bounded by `maxOpenFiles` plus those in use). */
  get openFiles(): number {
    return this.handles.size
  }

  // ---- internals ----

  /**
   * The Store's promise: a storage failure is KAFKA_STORAGE_ERROR (a full disk, an I/O error), with
   * the directory and the system's reason, never a bare system error that would reach a Kafka
   * client as UNKNOWN_SERVER_ERROR.
   */
  private async io<T>(what: string, work: Promise<T>): Promise<T> {
    try {
      return await work
    } catch (e) {
      if (e instanceof BrookError) throw e
      const reason = e instanceof Error ? e.message : String(e)
      throw new BrookError('KAFKA_STORAGE_ERROR', `${what} failed in ${this.dir}: ${reason}`, { cause: e })
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new BrookError('KAFKA_STORAGE_ERROR', `the file store in ${this.dir} is closed`)
  }

  private exclusive<T>(p: Partition, fn: () => Promise<T>): Promise<T> {
    return p.appends.run(() => p.rw.exclusive(fn))
  }

  private async partition(topicId: string, partition: number, create: true): Promise<Partition>
  private async partition(topicId: string, partition: number, create: boolean): Promise<Partition | undefined>
  private async partition(
    topicId: string,
    partition: number,
    create: boolean,
  ): Promise<Partition | undefined> {
    const name = dirName(topicId, partition)
    const existing = this.partitions.get(name)
    if (existing || !create) return existing
    let pending = this.creating.get(name)
    if (!pending) {
      pending = (async () => {
        const dir = join(this.dir, name)
        await mkdir(dir, { recursive: true })
        this.dirtyDirs.add(this.dir)
        const p = newPartition(name, dir, this.meta.logStarts.get(name) ?? 0)
        this.partitions.set(name, p)
        return p
      })().finally(() => this.creating.delete(name))
      this.creating.set(name, pending)
    }
    return pending
  }

  private shouldRoll(seg: Segment, incoming: number): boolean {
    if (seg.size === 0) return false
    return seg.size + incoming > this.segmentBytes || this.clock.now() - seg.createdMs >= this.segmentMs
  }

  /** Starts a new segment at `base`. The old one is fsynced first, so only the last can be torn. */
  private async roll(p: Partition, base: number): Promise<Segment> {
    const prev = p.segments.at(-1)
    if (prev && this.dirtySegments.has(prev)) {
      this.dirtySegments.delete(prev)
      await this.handles.use(prev.path, (fh) => fh.datasync())
    }
    const path = join(p.dir, segmentFileName(base))
    await writeFile(path, new Uint8Array(0), { flag: 'a' })
    const seg = newSegment(base, path, this.indexInterval, this.clock.now())
    p.segments.push(seg)
    this.dirtyDirs.add(p.dir)
    await this.noteSegments(p)
    return seg
  }

  /** Journals which segment files the partition holds, so one that goes missing is noticed. */
  private noteSegments(p: Partition): Promise<void> {
    return this.meta.setSegments(
      p.name,
      p.segments.map((s) => s.base),
    )
  }

  private async removeSegmentFile(seg: Segment): Promise<void> {
    seg.deleted = true
    this.dirtySegments.delete(seg)
    await this.handles.forget(seg.path)
    await rm(seg.path, { force: true })
  }

  /**
   * Compaction's replace: the segments overlapping [from, to) are rewritten into one new file
   * (`.cleaned`), fsynced, renamed to a `.swap` name that records which segments it replaces (the
   * commit point), and then swapped in. Start-up finishes a swap that a crash interrupted.
   */
  private async rewrite(p: Partition, from: number, to: number, batches: Uint8Array[], infos: BatchInfo[]) {
    const segs = p.segments
    let first = -1
    let last = -1
    for (let i = 0; i < segs.length; i++) {
      const end = segs[i + 1]?.base ?? Number.POSITIVE_INFINITY
      if (end > from && segs[i]!.base < to) {
        if (first < 0) first = i
        last = i
      }
    }
    if (first < 0) {
      if (batches.length === 0) return
      if (segs.length === 0) await this.roll(p, infos[0]!.baseOffset)
      first = 0
      last = 0
    }
    const affected = segs.slice(first, last + 1)
    const endBase = segs[last + 1]?.base
    const base = Math.min(affected[0]!.base, infos[0]?.baseOffset ?? Number.POSITIVE_INFINITY)
    const swap = await writeSwapFile(p.dir, base, endBase, affected, from, to, batches, this.handles)
    // The new list is durable before a replaced file goes: a crash in between is then no "loss".
    await this.meta.setSegments(p.name, [
      ...segs.slice(0, first).map((s) => s.base),
      base,
      ...segs.slice(last + 1).map((s) => s.base),
    ])
    await this.meta.sync()
    for (const seg of affected) {
      seg.deleted = true
      this.dirtySegments.delete(seg)
      await this.handles.forget(seg.path)
    }
    const finalPath = await completeSwap(p.dir, swap, base, endBase ?? Number.POSITIVE_INFINITY)
    const seg = newSegment(base, finalPath, this.indexInterval, this.clock.now())
    const loaded = await this.handles.use(finalPath, (fh) =>
      scanSegment(fh, seg, { verify: false, minOffset: 0 }),
    )
    seg.size = loaded.validBytes
    seg.createdMs = affected.at(-1)!.createdMs
    segs.splice(first, affected.length, seg)
  }

  private async loadPartition(name: string, verifyAll: boolean): Promise<void> {
    const dir = join(this.dir, name)
    const swapped = await finishInterruptedSwaps(dir, this.log)
    const bases = (await readdir(dir))
      .map(parseSegmentFileName)
      .filter((b): b is number => b !== undefined)
      .sort((a, b) => a - b)
    const p = newPartition(name, dir, this.meta.logStarts.get(name) ?? 0)
    this.reportMissingSegments(p, bases, swapped)
    let minOffset = 0
    for (let i = 0; i < bases.length; i++) {
      const last = i === bases.length - 1
      const seg = await this.loadSegmentFile(p, bases[i]!, bases[i + 1], verifyAll || last, minOffset)
      const now = this.clock.now()
      if (seg.firstTimestamp > 0 && seg.firstTimestamp <= now) seg.createdMs = seg.firstTimestamp
      if (seg.lastBase >= 0) minOffset = seg.nextOffset
      p.segments.push(seg)
      this.recovery.segments++
      this.recovery.bytes += seg.size
    }
    this.recovery.partitions++
    const listed = this.meta.segmentBases.get(name)
    if (!listed || listed.join() !== bases.join()) await this.meta.setSegments(name, bases)
    this.partitions.set(name, p)
  }

  /**
   * Loads one segment file. Bad bytes at the end of the last segment are a write torn by a crash
   * (earlier segments were fsynced before the next began) and are cut off, as Kafka does. Anything
   * else bad — in an earlier segment, or with good batches after it — is damage: the file as it was
   * is kept aside, the segment keeps every batch whose CRC holds, and each damaged run is logged
   * with its file, byte and the offsets no longer served.
   */
  private async loadSegmentFile(
    p: Partition,
    base: number,
    nextBase: number | undefined,
    verify: boolean,
    minOffset: number,
  ): Promise<Segment> {
    const path = join(p.dir, segmentFileName(base))
    const last = nextBase === undefined
    const load = async () => {
      const seg = newSegment(base, path, this.indexInterval, this.clock.now())
      const scan = await this.handles.use(path, (fh) => scanSegment(fh, seg, { verify, minOffset }))
      return { seg, scan }
    }
    let { seg, scan } = await load()
    const torn = last && scan.tail !== undefined && scan.damaged.length === 0
    if (torn) {
      await this.handles.use(path, async (fh) => {
        await fh.truncate(scan.validBytes)
        await fh.datasync()
      })
      this.log(
        `brook: ${path}: ${scan.tail!.problem} at byte ${scan.validBytes}; ` +
          `truncated ${scan.fileBytes - scan.validBytes} bytes to the last good batch`,
        'warn',
      )
      this.recovery.torn++
      seg.size = scan.validBytes
      return seg
    }
    if (scan.damaged.length === 0 && !scan.tail) {
      seg.size = scan.validBytes
      return seg
    }
    const cut = scan.tail ? [...scan.damaged, scan.tail] : scan.damaged
    await this.handles.forget(path)
    const aside = await moveDamageAside(path, cut, scan.fileBytes, this.clock.now())
    for (const d of cut) {
      this.log(
        `brook: ${path}: ${d.problem} at byte ${d.start}; ${d.end - d.start} damaged bytes ` +
          `(${lostOffsets(d, nextBase)}) are not served; the file as it was is kept as ${aside}`,
        'error',
      )
    }
    this.recovery.damaged += cut.length
    ;({ seg, scan } = await load())
    seg.size = scan.validBytes
    return seg
  }

  /** One line at start: what was read and checked, how long it took, what had to be repaired. */
  private logRecovery(metaRepairs: string[], verifiedAll: boolean, ms: number): void {
    const r = this.recovery
    const repairs = [...metaRepairs]
    if (r.torn > 0) repairs.push(`${r.torn} torn tail${r.torn > 1 ? 's' : ''} cut`)
    if (r.damaged > 0)
      repairs.push(`${r.damaged} damaged run${r.damaged > 1 ? 's' : ''} of bytes moved aside`)
    if (r.missing > 0)
      repairs.push(
        `${r.missing} missing segment file${r.missing > 1 ? 's' : ''} or partition directories reported`,
      )
    const mb = (r.bytes / 1e6).toFixed(1)
    this.log(
      `brook: opened ${this.dir}: ${r.partitions} partitions, ${r.segments} segments, ${mb} MB, ` +
        `${verifiedAll ? 'every' : "the last segments'"} CRC checked, in ${Math.round(ms)} ms; ` +
        (repairs.length > 0 ? `repaired: ${repairs.join(', ')}` : 'nothing to repair'),
      repairs.length > 0 ? 'warn' : 'info',
    )
  }

  /** Logs each journaled segment file that is gone, with the offsets it held. */
  private reportMissingSegments(p: Partition, onDisk: number[], swapped: { base: number; end: number }[]) {
    const listed = this.meta.segmentBases.get(p.name)
    if (!listed) return
    const present = new Set(onDisk)
    const all = [...new Set([...listed, ...onDisk])].sort((a, b) => a - b)
    for (const base of listed) {
      if (present.has(base) || swapped.some((s) => base > s.base && base < s.end)) continue
      const end = all.find((b) => b > base)
      if (end !== undefined && end <= p.logStart) continue
      const offsets = end === undefined ? `offsets from ${base} on` : `offsets ${base}..${end - 1}`
      this.log(
        `brook: ${join(p.dir, segmentFileName(base))} is missing: ${offsets} are lost and not served`,
        'error',
      )
      this.recovery.missing++
    }
  }

  /** Logs each partition directory the journal knows of that is gone from the data directory. */
  private reportMissingPartitions(onDisk: Set<string>): void {
    for (const [name, bases] of this.meta.segmentBases) {
      if (onDisk.has(name) || bases.length === 0) continue
      this.log(
        `brook: ${join(this.dir, name)} is missing: its ${bases.length} segment files ` +
          `(offsets from ${bases[0]} on) are lost and not served`,
        'error',
      )
      this.recovery.missing++
    }
  }

  private async afterWrite(records: number): Promise<void> {
    this.unflushedRecords += records
    if (this.unflushedRecords >= this.flushMessages) {
      await this.flush()
    } else if (!this.cancelFlushTimer && Number.isFinite(this.flushMs)) {
      this.cancelFlushTimer = this.clock.setTimeout(() => {
        this.cancelFlushTimer = undefined
        if (!this.closed) this.flush().catch((e) => this.log(`brook: background flush failed: ${e}`, 'error'))
      }, this.flushMs)
    }
  }

  private async syncAll(): Promise<void> {
    this.cancelFlushTimer?.()
    this.cancelFlushTimer = undefined
    this.unflushedRecords = 0
    const segs = [...this.dirtySegments]
    this.dirtySegments.clear()
    const dirs = [...this.dirtyDirs]
    this.dirtyDirs.clear()
    try {
      await Promise.all(
        segs.map(([seg, p]) =>
          p.rw.shared(async () => {
            if (!seg.deleted) await this.handles.use(seg.path, (fh) => fh.datasync())
          }),
        ),
      )
      await Promise.all(dirs.map(fsyncDir))
      if (this.meta.dirty) await this.meta.sync()
      this.syncRounds++
    } catch (e) {
      for (const [seg, p] of segs) if (!seg.deleted) this.dirtySegments.set(seg, p)
      for (const d of dirs) this.dirtyDirs.add(d)
      throw new BrookError('KAFKA_STORAGE_ERROR', `fsync failed in ${this.dir}: ${e}`, { cause: e })
    }
  }
}

/**
 * Partition data without its catalogue (meta.log gone) must not pass for an empty broker: the
 * topics' names, committed offsets and producer state are only there. Checked before anything is
 * created, so a refused start leaves the directory as it found it.
 */
async function checkCatalogue(dir: string, names: Set<string>, partitions: number, log: Log): Promise<void> {
  if (names.has('meta.log') || partitions === 0) return
  if (!names.has('meta.snapshot'))
    throw new BrookError(
      'KAFKA_STORAGE_ERROR',
      `${join(dir, 'meta.log')} is missing while ${partitions} partition directories hold data: the ` +
        'topic catalogue, committed offsets and producer state are gone, and starting empty would ' +
        'hide that data. Restore meta.log (and meta.snapshot) from a backup, or move the partition ' +
        'directories away to start a new broker here',
    )
  log(
    `brook: ${join(dir, 'meta.log')} was missing: metadata changes since the last snapshot ` +
      '(meta.snapshot) are lost; committed offsets may go back',
    'error',
  )
}

/** The offsets a damaged run of bytes leaves without data, in words. */
function lostOffsets(d: Damage, nextBase: number | undefined): string {
  const to = d.toOffset ?? nextBase
  if (to === undefined) return `offsets from ${d.fromOffset} on`
  if (to <= d.fromOffset) return 'no offsets'
  return `offsets ${d.fromOffset}..${to - 1}`
}

function newPartition(name: string, dir: string, logStart: number): Partition {
  return { name, dir, segments: [], logStart, appends: new Mutex(), rw: new RwLock(), dropped: false }
}

function checkedInfo(batch: Uint8Array): BatchInfo {
  if (batch.length < BATCH_HEADER_SIZE) {
    throw new BrookError(
      'CORRUPT_MESSAGE',
      `a record batch needs ${BATCH_HEADER_SIZE} bytes, got ${batch.length}`,
    )
  }
  const info = batchInfo(batch)
  if (info.size !== batch.length) {
    throw new BrookError('CORRUPT_MESSAGE', `batch length field says ${info.size} bytes, got ${batch.length}`)
  }
  return info
}

function outOfOrder(info: BatchInfo, lastStored: number): BrookError {
  return new BrookError(
    'INVALID_RECORD',
    `batch base offset ${info.baseOffset} is not above the last stored offset ${lastStored}`,
  )
}
