/** @module The IndexedDB schema of a brook broker, and its versioned upgrades. */

import type { DBSchema, IDBPDatabase } from 'idb'
import { openDB } from 'idb'
import type { Json } from '../core/store.ts'

/** Key of one stored record batch: topic id, partition, base offset. Arrays sort element-wise. */
export type BatchKey = [topicId: string, partition: number, baseOffset: number]

export interface BrookDB extends DBSchema {
  /** One value per Kafka RecordBatch v2, exactly the bytes a producer sent (base offset assigned). */
  batches: { key: BatchKey; value: Uint8Array }
  /** Topics and configs, committed offsets, producer state: small JSON values by string key. */
  meta: { key: string; value: Json }
}

export const DB_VERSION = 1

export interface OpenOptions {
  /** Another connection (a newer tab) needs an upgrade or deletion: this one must let go. */
  onBlocking?: () => void
  /** The browser closed the connection abnormally (storage cleared, disk failure). */
  onTerminated?: () => void
}

export function openBrookDB(name: string, opts: OpenOptions = {}): Promise<IDBPDatabase<BrookDB>> {
  return openDB<BrookDB>(name, DB_VERSION, {
    upgrade(db, oldVersion) {
      // Each case upgrades from that version to the next and falls through, so a database of any
      // age reaches DB_VERSION in one open.
      switch (oldVersion) {
        case 0:
          db.createObjectStore('batches')
          db.createObjectStore('meta')
      }
    },
    blocking: opts.onBlocking,
    terminated: opts.onTerminated,
  })
}
