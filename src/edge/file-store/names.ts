/** @module Partition directory names and the one-process-per-data-directory lock file. */

import { createHash } from 'node:crypto'
import { readFile, realpath, rm, writeFile } from 'node:fs/promises'
import net from 'node:net'
import { join } from 'node:path'
import { BrookError } from '../../core/errors.ts'

/** `<topicId>-<partition>`, with the topic id escaped so any string makes a safe file name. */
export function dirName(topicId: string, partition: number): string {
  const safe = encodeURIComponent(topicId).replace(
    /[!'()*~]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
  return `${safe}-${partition}`
}

export function parseDirName(name: string): { topicId: string; partition: number } | undefined {
  const m = /^(.+)-(\d+)$/.exec(name)
  if (!m) return undefined
  try {
    return { topicId: decodeURIComponent(m[1]!), partition: Number(m[2]) }
  } catch {
    return undefined
  }
}

/**
 * One process per data directory: a second `brook serve` on the same files would corrupt them.
 * The lock is held by the operating system, so it goes with the process however it ends (`kill -9`,
 * a reboot), and a PID that happens to be reused by another process means nothing: on Linux it is a
 * listening socket in the abstract namespace named after the directory's real path, which exists
 * exactly as long as its process. (Abstract sockets belong to a network namespace: containers with
 * their own network sharing one volume do not see each other's lock.) Elsewhere it is a PID file,
 * stale once that process is gone. `.lock` holds the owner's PID, for people.
 * Resolves to the release.
 */
export async function takeLock(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, '.lock')
  const owner = async () => Number((await readFile(path, 'utf8').catch(() => '')).trim()) || undefined
  if (process.platform === 'linux') {
    const name = `\0brook-data-dir:${createHash('sha256')
      .update(await realpath(dir))
      .digest('hex')}`
    const server = net.createServer()
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(name, () => resolve())
      })
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e
      const pid = await owner()
      throw new BrookError(
        'KAFKA_STORAGE_ERROR',
        `data directory ${dir} is in use by another brook process${pid ? ` (pid ${pid})` : ''}`,
      )
    }
    // Held for the process's life, but it must not keep the process alive by itself.
    server.unref()
    await writeFile(path, `${process.pid}\n`)
    return async () => {
      await rm(path, { force: true })
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
  const pid = await owner()
  if (pid && pid !== process.pid && isAlive(pid)) {
    throw new BrookError('KAFKA_STORAGE_ERROR', `data directory ${dir} is in use by process ${pid}`)
  }
  await writeFile(path, `${process.pid}\n`)
  return () => rm(path, { force: true })
}
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}
