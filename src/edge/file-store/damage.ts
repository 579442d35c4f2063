/**
 * @module Damaged bytes in a segment moved aside, never destroyed: the file as it was stays beside
 * the log under `<segment>.damaged-<time>` (a hard link, so no copy of a large file), and the
 * segment is replaced atomically (temp, fsync, rename) by its good batches alone. Bytes whose CRC
 * holds are all in the new segment; every byte, damaged or not, is still in the kept file.
 */

import { copyFile, link, open, rename } from 'node:fs/promises'
import { dirname } from 'node:path'
import { fsyncDir, readAt, writeAll } from './fsutil.ts'

const CHUNK = 4 << 20

/** Keeps `path` as it is under a `.damaged-<time>` name and rewrites it without `cut`. Returns that name. */
export async function moveDamageAside(
  path: string,
  cut: { start: number; end: number }[],
  fileBytes: number,
  now: number,
): Promise<string> {
  const aside = `${path}.damaged-${now}`
  await link(path, aside).catch(() => copyFile(path, aside))
  const keep: [number, number][] = []
  let from = 0
  for (const c of cut) {
    if (c.start > from) keep.push([from, c.start])
    from = c.end
  }
  if (from < fileBytes) keep.push([from, fileBytes])
  const tmp = `${path}.repair`
  const src = await open(path, 'r')
  const out = await open(tmp, 'w')
  try {
    let written = 0
    for (const [a, b] of keep) {
      for (let p = a; p < b; p += CHUNK) {
        const bytes = await readAt(src, p, Math.min(CHUNK, b - p))
        await writeAll(out, bytes, written)
        written += bytes.length
      }
    }
    await out.datasync()
  } finally {
    await out.close()
    await src.close()
  }
  await rename(tmp, path)
  await fsyncDir(dirname(path))
  return aside
}
