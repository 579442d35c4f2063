/**
 * @module One segment file of a partition: its name (20-digit base offset + `.log`, as Kafka names
 * them), its sparse offset index, the start-up scan that finds damage and torn tails, and
 * chunked reads of whole batches. The file holds nothing but RecordBatch v2 bytes back to back, like a Kafka `.log`.
 */

import type { FileHandle } from 'node:fs/promises'
import {
  BATCH_HEADER_SIZE,
  type BatchHeader,
  baseOffsetOf,
  batchSize,
  LOG_OVERHEAD,
  readBatchHeader,
  verifyBatch,
  wholeBatchSize,
} from '../../core/format/record-batch.ts'
import { readAt } from './fsutil.ts'

export interface Segment {
  base: number
  path: string
  /** Bytes of whole batches; appends write at this position. */
  size: number
  /** Base offset of the last batch, or -1 when empty. */
  lastBase: number
  /** Offset after the last record, or `base` when empty. */
  nextOffset: number
  /** Max timestamp of the first batch: Kafka measures `segment.ms` from it. -1 when empty. */
  firstTimestamp: number
  /** Clock time the segment was created or loaded: the fallback for time-based roll. */
  createdMs: number
  index: SparseIndex
  /** Set once the file is gone, so a flush racing with retention skips it. */
  deleted: boolean
}

/** File positions of some batches (one per `interval` bytes), to seek near an offset without scanning. */
export class SparseIndex {
  readonly offsets: number[] = []
  readonly positions: number[] = []
  private lastPos = Number.NEGATIVE_INFINITY

  constructor(private readonly interval: number) {}

  add(baseOffset: number, position: number): void {
    if (position - this.lastPos < this.interval) return
    this.offsets.push(baseOffset)
    this.positions.push(position)
    this.lastPos = position
  }

  /** Position of the last indexed batch whose base offset is <= `offset`; 0 when none is. */
  floor(offset: number): number {
    let lo = 0
    let hi = this.offsets.length - 1
    let found = 0
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if (this.offsets[mid]! <= offset) {
        found = this.positions[mid]!
        lo = mid + 1
      } else {
        hi = mid - 1
      }
    }
    return found
  }
}

const NAME = /^(\d{20})\.log$/

export function segmentFileName(base: number): string {
  return `${String(base).padStart(20, '0')}.log`
}

export function parseSegmentFileName(name: string): number | undefined {
  const m = NAME.exec(name)
  return m ? Number(m[1]) : undefined
}

export function newSegment(base: number, path: string, indexInterval: number, now: number): Segment {
  return {
    base,
    path,
    size: 0,
    lastBase: -1,
    nextOffset: base,
    firstTimestamp: -1,
    createdMs: now,
    index: new SparseIndex(indexInterval),
    deleted: false,
  }
}

export interface BatchInfo {
  baseOffset: number
  size: number
  lastOffset: number
  maxTimestamp: number
  recordCount: number
}

/**
 * Fields the store needs from the whole batch at `pos` (record-batch's header reader checks it:
 * CORRUPT_MESSAGE when the header cannot be right).
 */
export function batchInfo(buf: Uint8Array, pos = 0): BatchInfo {
  return infoOf(readBatchHeader(buf, pos))
}

function infoOf(h: BatchHeader): BatchInfo {
  return {
    baseOffset: h.baseOffset,
    size: h.batchLength + LOG_OVERHEAD,
    lastOffset: h.baseOffset + h.lastOffsetDelta,
    maxTimestamp: h.maxTimestamp,
    recordCount: h.recordCount,
  }
}

/** Records a batch written at `position` in the segment's in-memory state. */
export function noteBatch(seg: Segment, info: BatchInfo, position: number): void {
  seg.index.add(info.baseOffset, position)
  if (seg.lastBase < 0) seg.firstTimestamp = info.maxTimestamp
  seg.lastBase = info.baseOffset
  seg.nextOffset = info.lastOffset + 1
}

const LOAD_CHUNK = 4 << 20

/** A run of bytes that is not a trustworthy batch, with the offsets it leaves without data. */
export interface Damage {
  /** File positions [start, end). */
  start: number
  end: number
  problem: string
  /** First offset not served: after the last good batch before it, or the segment's base. */
  fromOffset: number
  /** Base offset of the next good batch in this segment; undefined when none follows. */
  toOffset: number | undefined
}

export interface SegmentScan {
  fileBytes: number
  /** End of the last good batch. */
  validBytes: number
  /** Damaged runs with good batches after them: bytes that must be moved aside, not cut off. */
  damaged: Damage[]
  /** Bad bytes at the end with no good batch after them: a torn write, or damage at the end. */
  tail: Damage | undefined
}

/** A moving window over a file, read `LOAD_CHUNK` bytes at a time. */
class FileWindow {
  buf: Uint8Array = new Uint8Array(0)
  private start = 0

  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
  ) {}

  /** Makes `need` bytes at `pos` available; returns their index in `buf`. */
  async at(pos: number, need: number): Promise<number> {
    if (pos < this.start || pos + need > this.start + this.buf.length) {
      this.buf = await readAt(this.fh, pos, Math.min(this.size - pos, Math.max(LOAD_CHUNK, need)))
      this.start = pos
    }
    return pos - this.start
  }
}

/**
 * The batch at `pos` when record-batch's reader accepts it (header and, with `verify`, CRC) and its
 * offsets do not go below `minOffset`; else why not. Only what is particular to a file is decided
 * here: a batch that runs past the end of it, offsets out of order.
 */
async function batchAtPos(
  w: FileWindow,
  pos: number,
  minOffset: number,
  verify: boolean,
): Promise<{ info: BatchInfo } | { problem: string }> {
  if (w.size - pos < BATCH_HEADER_SIZE) return { problem: `${w.size - pos} bytes too few for a batch header` }
  let h: BatchHeader
  try {
    // Each read of w.buf after the await: w.at may replace it.
    const head = await w.at(pos, BATCH_HEADER_SIZE)
    const size = batchSize(w.buf, head)
    if (size < BATCH_HEADER_SIZE) return { problem: `batch length ${size - LOG_OVERHEAD} is invalid` }
    if (pos + size > w.size) return { problem: `batch of ${size} bytes runs past the end of the file` }
    const at = await w.at(pos, size)
    const whole = w.buf.subarray(at, at + size)
    h = verify ? verifyBatch(whole) : readBatchHeader(whole)
  } catch (e) {
    return { problem: (e as Error).message }
  }
  if (h.baseOffset < minOffset) return { problem: `batch offset ${h.baseOffset} goes backwards` }
  return { info: infoOf(h) }
}

/** The next position after `from` where a whole batch with a matching CRC starts, if any. */
async function resync(w: FileWindow, from: number, minOffset: number): Promise<number | undefined> {
  for (let q = from; q + BATCH_HEADER_SIZE <= w.size; q++) {
    const at = await w.at(q, BATCH_HEADER_SIZE)
    if (w.buf[at + 16] !== 2) continue
    if ('info' in (await batchAtPos(w, q, minOffset, true))) return q
  }
  return undefined
}

/**
 * Walks every batch of the file to rebuild the segment's index (`noteBatch` for each good one).
 * A batch that fails its checks does not end the walk: the scan steps forward to the next position
 * where a batch with a matching CRC starts, so damage in the middle costs only the damaged bytes
 * (`damaged`), and only bad bytes with nothing good after them are a `tail`. With `verify` every
 * batch's CRC is checked, otherwise only the headers.
 */
export async function scanSegment(
  fh: FileHandle,
  seg: Segment,
  opts: { verify: boolean; minOffset: number },
): Promise<SegmentScan> {
  const fileBytes = (await fh.stat()).size
  const w = new FileWindow(fh, fileBytes)
  const damaged: Damage[] = []
  let pos = 0
  let validBytes = 0
  let minOffset = opts.minOffset
  while (pos < fileBytes) {
    const found = await batchAtPos(w, pos, minOffset, opts.verify)
    if ('info' in found) {
      noteBatch(seg, found.info, pos)
      minOffset = found.info.lastOffset + 1
      pos += found.info.size
      validBytes = pos
      continue
    }
    const next = await resync(w, pos + 1, minOffset)
    const fromOffset = seg.lastBase >= 0 ? seg.nextOffset : seg.base
    if (next === undefined) {
      const tail = { start: pos, end: fileBytes, problem: found.problem, fromOffset, toOffset: undefined }
      return { fileBytes, validBytes, damaged, tail }
    }
    const nextAt = await w.at(next, BATCH_HEADER_SIZE)
    const toOffset = baseOffsetOf(w.buf.subarray(nextAt))
    damaged.push({ start: pos, end: next, problem: found.problem, fromOffset, toOffset })
    pos = next
  }
  return { fileBytes, validBytes, damaged, tail: undefined }
}

/**
 * Whole batches between file positions `start` and `end`, read `chunk` bytes at a time (more when a
 * single batch is larger). The file's bytes up to `end` are whole batches already checked.
 */
export async function* batchesIn(
  fh: FileHandle,
  start: number,
  end: number,
  chunk: number,
): AsyncGenerator<{ bytes: Uint8Array; info: BatchInfo }> {
  let pos = start
  while (pos < end) {
    let buf = await readAt(fh, pos, Math.min(end - pos, chunk))
    let at = 0
    if (buf.length < BATCH_HEADER_SIZE) throw new Error(`segment ${pos} ends inside a batch header`)
    const first = batchSize(buf, 0)
    if (first > buf.length) {
      buf = await readAt(fh, pos, first)
      if (buf.length < first) throw new Error(`segment ends inside the batch at byte ${pos}`)
    }
    for (let size = wholeBatchSize(buf, at); size !== undefined; size = wholeBatchSize(buf, at)) {
      yield { bytes: buf.subarray(at, at + size), info: batchInfo(buf, at) }
      at += size
    }
    pos += at
  }
}
