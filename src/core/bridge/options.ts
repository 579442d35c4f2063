/**
 * @module What a mirror is given and what it tells: its two ends, its options, its status (the
 * engine is mirror.ts).
 */

import type { Clock } from '../clock.ts'
import type { Log } from '../log.ts'
import type { BrokerService } from '../service.ts'

export interface MirrorConnection {
  service: BrokerService
  close(): Promise<void>
}

export interface MirrorEndpoint {
  /** What log lines call it: `local`, `kafka.example:9092`. */
  name: string
  /** Opens a connection; called again after a failure (a Kafka TCP connection does not reconnect). */
  open(): Promise<MirrorConnection>
}

export interface MirrorOptions {
  source: MirrorEndpoint
  destination: MirrorEndpoint
  /** Regular expressions, each matched against whole topic names (pattern.ts). */
  topics: readonly (string | RegExp)[]
  /** Topics never copied even when they match: the other direction's, so that nothing loops. */
  exclude?: (topic: string) => boolean
  /** Consumer group on the source for the acknowledged positions (monitoring only); null: none. */
  group?: string | null
  clock?: Clock
  log?: Log
  /** How often the source's topic list is read for new topics and partitions (default 5 s). */
  refreshMs?: number
  /** Largest destination batch, estimated uncompressed (default 1,000,000: under Kafka's 1 MiB limit). */
  batchBytes?: number
  /** Produce requests in flight at once (default 5). */
  maxInFlight?: number
  /** A call to either side failing with REQUEST_TIMED_OUT after this long (default 30 s). */
  requestTimeoutMs?: number
  /** Back-off after failures: first and largest wait (default 200 ms and 10 s, doubling). */
  retryMinMs?: number
  retryMaxMs?: number
  /** How long one fetch waits for new source records (default 500 ms). */
  fetchMaxWaitMs?: number
}

export interface MirrorPartitionStatus {
  topic: string
  partition: number
  state: 'resuming' | 'copying'
  /** The next source offset to fetch. */
  position: number
  /** The source offset after the last record the destination acknowledged (-1 before the first). */
  acked: number
  lastError: string | null
}

export interface MirrorStatus {
  /** Records the destination acknowledged since start. */
  forwarded: number
  partitions: MirrorPartitionStatus[]
}
