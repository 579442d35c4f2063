/**
 * @module The page's broker: one `connect()` from `brook/worker`, exactly as an app would write it.
 * Every tab of the demo joins the same broker, so a second tab shares topics and groups.
 */

import { signal } from '@preact/signals'
import type { WorkerBrook } from 'brook/worker'
import { connect } from 'brook/worker'

export type BrokerStatus =
  | { state: 'connecting' }
  | { state: 'ready'; role: string }
  | { state: 'failed'; error: string }

export const status = signal<BrokerStatus>({ state: 'connecting' })

let brook: WorkerBrook | undefined

/** The client; only called once `status` is `ready` (the lessons render after that). */
export function client(): WorkerBrook {
  if (!brook) throw new Error('the broker is not started')
  return brook
}

export async function startBroker(): Promise<void> {
  try {
    // Retention and the cleaner look every second (not every minute): lesson 6 shows them at work.
    brook = await connect({
      name: 'brook-demo',
      clientId: 'brook-demo',
      numPartitions: 3,
      retentionCheckIntervalMs: 1000,
    })
    status.value = { state: 'ready', role: brook.role }
  } catch (e) {
    status.value = { state: 'failed', error: e instanceof Error ? e.message : String(e) }
  }
}
