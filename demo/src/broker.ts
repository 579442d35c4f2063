/**
 * @module The page's broker: one `connect()` from `brook/worker`, exactly as an app would write it.
 * Every tab of the demo joins the same broker, so a second tab shares topics and groups. When the
 * page comes from a relay (`brook serve --demo` serves the demo and the relay on one origin), the
 * broker syncs with it: it uploads `notes` and downloads `news` (lesson 8, offline).
 */

import { signal } from '@preact/signals'
import type { BrowserSyncStatus, WorkerBrook } from 'brook/worker'
import { connect } from 'brook/worker'

export type BrokerStatus =
  | { state: 'connecting' }
  | { state: 'ready'; role: string }
  | { state: 'failed'; error: string }

export const status = signal<BrokerStatus>({ state: 'connecting' })

/** The local topic the broker uploads to the relay, and the relay topic it downloads. */
export const UPLOADED = 'notes'
export const DOWNLOADED = 'news'

/** The relay the broker syncs with; null when the page did not come from one. */
export const relay = signal<string | null>(null)
/** The sync as the broker's worker reports it; null without sync (or before the first answer). */
export const syncStatus = signal<BrowserSyncStatus | null>(null)

let brook: WorkerBrook | undefined

/** The client; only called once `status` is `ready` (the lessons render after that). */
export function client(): WorkerBrook {
  if (!brook) throw new Error('the broker is not started')
  return brook
}

/**
 * The relay to sync with: `?relay=<url>` (a relay elsewhere, started with `--allow-origin` for this
 * page's origin), else this page's own origin when it answers `/healthz` as a relay does.
 */
async function findRelay(): Promise<string | null> {
  const asked = new URLSearchParams(location.search).get('relay')
  if (asked) return asked.replace(/\/+$/, '')
  try {
    const res = await fetch(new URL('/healthz', location.href), { signal: AbortSignal.timeout(2000) })
    const body: unknown = res.ok ? await res.json() : null
    return (body as { status?: unknown } | null)?.status === 'ok' ? location.origin : null
  } catch {
    return null
  }
}

export async function startBroker(): Promise<void> {
  try {
    const url = await findRelay()
    // Retention and the cleaner look every second (not every minute): lesson 6 shows them at work.
    brook = await connect({
      name: 'brook-demo',
      clientId: 'brook-demo',
      numPartitions: 3,
      retentionCheckIntervalMs: 1000,
      sync: url ? { url, upload: [UPLOADED], download: [DOWNLOADED] } : undefined,
    })
    relay.value = url
    if (url) {
      let heard = false
      brook.sync.onStatus((s) => {
        heard = true
        syncStatus.value = s
      })
      // An event heard meanwhile is newer than this answer.
      const now = await brook.sync.status()
      if (!heard) syncStatus.value = now
    }
    status.value = { state: 'ready', role: brook.role }
  } catch (e) {
    status.value = { state: 'failed', error: e instanceof Error ? e.message : String(e) }
  }
}
