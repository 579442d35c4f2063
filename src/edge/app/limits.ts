/** @module The relay's bounds on every input from the network, with their defaults. */

export interface EdgeLimits {
  /** Largest HTTP request body (produce, create topic). Default 8 MiB. */
  maxBodyBytes: number
  /** Records in one produce request. Default 10,000. */
  maxRecordsPerRequest: number
  /** Longest long-poll a fetch may ask for (`waitMs`). Default 30 s. */
  maxWaitMs: number
  /** Largest fetch answer (`maxBytes`). Default 8 MiB; the default asked is 1 MiB. */
  maxFetchBytes: number
  /** Records in one JSON fetch answer (`limit`). Default 10,000; the default asked is 1,000. */
  maxRecordsPerFetch: number
  /** Largest WebSocket message (one Kafka request). Default 8 MiB. */
  maxWebSocketMessageBytes: number
  /** Bytes queued to one WebSocket or SSE subscriber before it is paused (then dropped). Default 4 MiB. */
  maxBufferedBytes: number
  /** How long a subscriber may stay over `maxBufferedBytes` before it is dropped. Default 30 s. */
  slowConsumerMs: number
  /** Requests one WebSocket may have waiting for an answer; one more closes it (1008). Default 256. */
  maxQueuedRequests: number
}

export const DEFAULT_LIMITS: EdgeLimits = {
  maxBodyBytes: 8 << 20,
  maxRecordsPerRequest: 10_000,
  maxWaitMs: 30_000,
  maxFetchBytes: 8 << 20,
  maxRecordsPerFetch: 10_000,
  maxWebSocketMessageBytes: 8 << 20,
  maxBufferedBytes: 4 << 20,
  slowConsumerMs: 30_000,
  maxQueuedRequests: 256,
}

export function resolveLimits(given: Partial<EdgeLimits> = {}): EdgeLimits {
  const out = { ...DEFAULT_LIMITS }
  for (const [k, v] of Object.entries(given)) {
    if (v === undefined) continue
    if (!(k in DEFAULT_LIMITS)) throw new Error(`unknown limit ${k}`)
    if (typeof v !== 'number' || !(v > 0)) throw new Error(`limit ${k} must be a positive number`)
    ;(out as Record<string, number>)[k] = v
  }
  return out
}
