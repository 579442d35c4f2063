/**
 * @module One segment file of a partition: its name (20-digit base offset + `.log`, as Kafka names
 * them), its sparse offset index, the start-up scan that finds a torn tail, and chunked reads of
 * whole batches. The file holds nothing but RecordBatch v2 bytes back to back, like a Kafka `.log`.
 */

import type { FileHandle } from 'node:fs/promises'
import { crc32c } from '../../core/crc32c.ts'
import { BATCH_HEADER_SIZE, LOG_OVERHEAD } from '../../core/record-batch.ts'
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

function int64(v: DataView, pos: number): number {
  return v.getInt32(pos) * 2 ** 32 + v.getUint32(pos + 4)
}

/** Fields the store needs from a batch header (the caller made sure 61 bytes are there). */
export function batchInfo(buf: Uint8Array, pos = 0): BatchInfo {
  const v = new DataView(buf.buffer, buf.byteOffset + pos, BATCH_HEADER_SIZE)
  const baseOffset = int64(v, 0)
  return {
    baseOffset,
    size: v.getInt32(8) + LOG_OVERHEAD,
    lastOffset: baseOffset + v.getInt32(23),
    maxTimestamp: int64(v, 35),
    recordCount: v.getInt32(57),
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

/**
 * Walks every batch of the file to rebuild the segment's index. Stops at the first batch that does
 * not fit the file, has a bad header or offset order, or (with `verify`) a bad CRC, and returns why:
 * everything from `validBytes` on is a torn or corrupt tail the caller truncates.
 */
export async function loadSegment(
  fh: FileHandle,
  seg: Segment,
  opts: { verify: boolean; minOffset: number },
): Promise<{ validBytes: number; fileBytes: number; problem?: string }> {
  const fileBytes = (await fh.stat()).size
  let buf: Uint8Array = new Uint8Array(0)
  let bufStart = 0
  let pos = 0
  let minOffset = opts.minOffset
  const ensure = async (need: number) => {
    if (pos + need <= bufStart + buf.length) return
    buf = await readAt(fh, pos, Math.min(fileBytes - pos, Math.max(LOAD_CHUNK, need)))
    bufStart = pos
  }
  const stop = (problem: string) => ({ validBytes: pos, fileBytes, problem })
  while (pos < fileBytes) {
    if (fileBytes - pos < BATCH_HEADER_SIZE)
      return stop(`${fileBytes - pos} bytes too few for a batch header`)
    await ensure(BATCH_HEADER_SIZE)
    const at = pos - bufStart
    const v = new DataView(buf.buffer, buf.byteOffset + at, BATCH_HEADER_SIZE)
    const length = v.getInt32(8)
    if (length < BATCH_HEADER_SIZE - LOG_OVERHEAD) return stop(`batch length ${length} is invalid`)
    if (pos + length + LOG_OVERHEAD > fileBytes) {
      return stop(`batch of ${length + LOG_OVERHEAD} bytes runs past the end of the file`)
    }
    if (v.getInt8(16) !== 2) return stop(`batch magic ${v.getInt8(16)} is not 2`)
    const info = batchInfo(buf, at)
    if (info.lastOffset < info.baseOffset || info.recordCount < 0) return stop('batch header is inconsistent')
    if (info.baseOffset < minOffset) return stop(`batch offset ${info.baseOffset} goes backwards`)
    if (opts.verify) {
      await ensure(info.size)
      const a = pos - bufStart
      const stored = new DataView(buf.buffer, buf.byteOffset + a + 17, 4).getUint32(0)
      if (crc32c(buf, a + 21, a + info.size) !== stored) return stop('batch CRC-32C does not match')
    }
    noteBatch(seg, info, pos)
    minOffset = info.lastOffset + 1
    pos += info.size
  }
  return { validBytes: pos, fileBytes }
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
    const first = batchInfo(buf, 0)
    if (first.size > buf.length) {
      buf = await readAt(fh, pos, first.size)
      if (buf.length < first.size) throw new Error(`segment ends inside the batch at byte ${pos}`)
    }
    while (buf.length - at >= BATCH_HEADER_SIZE) {
      const info = batchInfo(buf, at)
      if (at + info.size > buf.length) break
      yield { bytes: buf.subarray(at, at + info.size), info }
      at += info.size
    }
    pos += at
  }
}
