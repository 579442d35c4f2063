/**
 * @module Compaction's atomic replace of segment files, after Kafka's `.cleaned` → `.swap` scheme.
 * The new content goes to `<base>.cleaned` and is fsynced; renaming it to `<base>.<end>.swap` is the
 * commit point, and the name records which segments it replaces (base offsets in [base, end),
 * `end` = to the last one). Then the replaced files are deleted and the swap file becomes
 * `<base>.log`. Start-up deletes `.cleaned` leftovers and finishes any `.swap` a crash interrupted.
 */

import { type FileHandle, open, readdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { concatBytes } from '../../core/format/record-batch.ts'
import type { Log } from '../../core/log.ts'
import { fsyncDir, writeAll } from './fsutil.ts'
import type { HandleCache } from './handles.ts'
import { batchesIn, parseSegmentFileName, type Segment, segmentFileName } from './segment.ts'

const SWAP = /^(\d{20})\.(\d{20}|end)\.swap$/
const CHUNK = 1 << 20
const pad = (n: number) => String(n).padStart(20, '0')

/**
 * Writes the segments' batches below `from` and from `to` on, with `batches` in between, into a new
 * file, fsyncs it and renames it to its `.swap` name. Returns that path.
 */
export async function writeSwapFile(
  dir: string,
  base: number,
  endBase: number | undefined,
  sources: Segment[],
  from: number,
  to: number,
  batches: Uint8Array[],
  handles: HandleCache,
): Promise<string> {
  const cleaned = join(dir, `${pad(base)}.cleaned`)
  const swap = join(dir, `${pad(base)}.${endBase === undefined ? 'end' : pad(endBase)}.swap`)
  const out = await open(cleaned, 'w')
  try {
    const writer = new BufferedWriter(out)
    let inserted = false
    const insert = async () => {
      if (inserted) return
      inserted = true
      for (const b of batches) await writer.write(b)
    }
    for (const seg of sources) {
      if (seg.size === 0) continue
      await handles.use(seg.path, async (fh) => {
        for await (const { bytes, info } of batchesIn(fh, 0, seg.size, CHUNK)) {
          if (info.baseOffset < from) {
            await writer.write(bytes)
          } else if (info.baseOffset >= to) {
            await insert()
            await writer.write(bytes)
          }
        }
      })
    }
    await insert()
    await writer.end()
    await out.datasync()
  } finally {
    await out.close()
  }
  await rename(cleaned, swap)
  await fsyncDir(dir)
  return swap
}

/** Deletes the segments a `.swap` file replaces ([base, end)) and renames it into place. */
export async function completeSwap(
  dir: string,
  swapPath: string,
  base: number,
  end: number,
): Promise<string> {
  const finalName = segmentFileName(base)
  for (const f of await readdir(dir)) {
    const b = parseSegmentFileName(f)
    if (b !== undefined && b >= base && b < end && f !== finalName) await rm(join(dir, f), { force: true })
  }
  const finalPath = join(dir, finalName)
  await rename(swapPath, finalPath)
  await fsyncDir(dir)
  return finalPath
}

/**
 * Start-up: drops unfinished `.cleaned`, `.repair` and `.tmp` files, completes committed `.swap` files.
 * Returns the ranges of base offsets whose segments the completed swaps replaced.
 */
export async function finishInterruptedSwaps(
  dir: string,
  log: Log,
): Promise<{ base: number; end: number }[]> {
  const done: { base: number; end: number }[] = []
  const files = (await readdir(dir)).sort()
  for (const f of files) {
    if (f.endsWith('.cleaned') || f.endsWith('.tmp') || f.endsWith('.repair'))
      await rm(join(dir, f), { force: true })
  }
  for (const f of files) {
    const m = SWAP.exec(f)
    if (!m) continue
    const end = m[2] === 'end' ? Number.POSITIVE_INFINITY : Number(m[2])
    await completeSwap(dir, join(dir, f), Number(m[1]), end)
    done.push({ base: Number(m[1]), end })
    log(`brook: ${dir}: finished an interrupted compaction swap (${f})`, 'info')
  }
  return done
}

/** Collects small writes into large ones. */
class BufferedWriter {
  private parts: Uint8Array[] = []
  private pending = 0
  private position = 0

  constructor(private readonly fh: FileHandle) {}

  async write(bytes: Uint8Array): Promise<void> {
    this.parts.push(bytes)
    this.pending += bytes.length
    if (this.pending >= CHUNK) await this.end()
  }

  async end(): Promise<void> {
    if (this.pending === 0) return
    const buf = concatBytes(this.parts)
    this.parts = []
    this.pending = 0
    await writeAll(this.fh, buf, this.position)
    this.position += buf.length
  }
}
