/** @module Partition directory names and the one-process-per-data-directory lock file. */

import { readFile, writeFile } from 'node:fs/promises'
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

/** One process per data directory: a second `brook serve` on the same files would corrupt them. */
export async function takeLock(dir: string): Promise<void> {
  const path = join(dir, '.lock')
  const text = await readFile(path, 'utf8').catch(() => '')
  const pid = Number(text.trim())
  if (pid > 0 && pid !== process.pid && isAlive(pid)) {
    throw new BrookError('KAFKA_STORAGE_ERROR', `data directory ${dir} is in use by process ${pid}`)
  }
  await writeFile(path, `${process.pid}\n`)
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}
