/** @module Small durable-file helpers: full positional writes, directory fsync, atomic replace. */

import { type FileHandle, open, rename, rm } from 'node:fs/promises'
import { dirname } from 'node:path'

/** Writes all of `buf` at `position`; on failure, cuts the file back so no partial append remains. */
export async function writeAll(fh: FileHandle, buf: Uint8Array, position: number): Promise<void> {
  let done = 0
  try {
    while (done < buf.length) {
      const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done)
      if (bytesWritten <= 0) throw new Error(`short write at byte ${position + done}`)
      done += bytesWritten
    }
  } catch (e) {
    await fh.truncate(position).catch(() => undefined)
    throw e
  }
}

/** Reads exactly `length` bytes at `position` (fewer only if the file is shorter). */
export async function readAt(fh: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const buf = new Uint8Array(length)
  let done = 0
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done)
    if (bytesRead === 0) return buf.subarray(0, done)
    done += bytesRead
  }
  return buf
}

/** Makes creations, renames and deletions inside `dir` durable (Linux needs the directory fsynced). */
export async function fsyncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined
  try {
    fh = await open(dir, 'r')
    await fh.sync()
  } catch (e) {
    // Some platforms cannot fsync a directory (EISDIR/EPERM on Windows); the data files are synced.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return
    if (!['EISDIR', 'EPERM', 'EINVAL'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e
  } finally {
    await fh?.close()
  }
}

/** Replaces `path` with `bytes` atomically: temp file, fsync, rename, directory fsync. */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.tmp`
  const fh = await open(tmp, 'w')
  try {
    await writeAll(fh, bytes, 0)
    await fh.sync()
  } catch (e) {
    await fh.close()
    await rm(tmp, { force: true })
    throw e
  }
  await fh.close()
  await rename(tmp, path)
  await fsyncDir(dirname(path))
}
