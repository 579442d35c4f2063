/**
 * @module The page's note of what its broker has not uploaded yet, kept in localStorage: outside
 * the IndexedDB database it describes. A browser short of space evicts an origin's IndexedDB while
 * no tab runs, and keeps its localStorage; the next page then finds a database other than the one
 * noted, and can say how many records were lost. Nobody else can: the relay never saw them. Where
 * localStorage goes too (the user clears all site data, Safari's 7-day limit on script-written
 * storage) there is nothing left to compare, and nothing is said.
 */

import type { BrowserSyncStatus, UnsentIn } from './api.ts'
import type { WorkerService } from './transport.ts'

const keyOf = (name: string) => `brook:${name}:unsent`

function storageOf(): Storage | undefined {
  try {
    // Reading it throws where the page may not use it (some sandboxed frames, blocked cookies).
    return globalThis.localStorage ?? undefined
  } catch {
    return undefined
  }
}

function read(storage: Storage, key: string): UnsentIn | undefined {
  try {
    const v = JSON.parse(storage.getItem(key) ?? 'null') as Partial<UnsentIn> | null
    if (typeof v?.store === 'string' && typeof v.unsent === 'number')
      return { store: v.store, unsent: v.unsent }
  } catch {}
  return undefined
}

/**
 * Keeps the note of broker `name` current from every sync status this page hears, and first tells
 * the broker if the database noted is gone with records it had not uploaded. Returns the stop.
 */
export function noteUnsent(name: string, service: WorkerService): () => void {
  const storage = storageOf()
  if (!storage) return () => {}
  const key = keyOf(name)
  const noted = read(storage, key)
  let last = ''
  const write = (s: BrowserSyncStatus | null) => {
    if (!s?.store) return
    const unsent = Object.values(s.backlog).reduce((n, b) => n + b.records, 0)
    const text = JSON.stringify({ store: s.store, unsent } satisfies UnsentIn)
    if (text === last) return
    last = text
    try {
      storage.setItem(key, text)
    } catch {
      // Full or refused: the note is a courtesy, the broker's own data does not depend on it.
    }
  }
  // Read before any status of the new database can overwrite it.
  void (async () => {
    const now = await service.sync({ op: 'status' })
    if (noted && now && noted.store !== now.store && noted.unsent > 0)
      write(await service.sync({ op: 'gone', ...noted }))
    else write(now)
  })().catch(() => {})
  return service.onSyncStatus?.(write) ?? (() => {})
}
