/**
 * @module `Stream-Cursor` for live reads (protocol section 8.1). A CDN may collapse identical
 * long-poll requests into one; the cursor — the number of 20-second intervals since 2024-10-09,
 * as the reference server counts — changes the URL a client polls next so that a cached answer is
 * never served forever. It only moves forward: a client that sends the current cursor (or one
 * from the future) gets it plus 1–3600 seconds of jitter, so no client cycles A → B → A.
 */

const EPOCH_MS = Date.UTC(2024, 9, 9)
const INTERVAL_SECONDS = 20
const MAX_JITTER_SECONDS = 3600

export function responseCursor(clientCursor: string | undefined, now = Date.now()): string {
  const current = Math.floor((now - EPOCH_MS) / (INTERVAL_SECONDS * 1000))
  const client = clientCursor ? Number.parseInt(clientCursor, 10) : Number.NaN
  if (Number.isNaN(client) || client < current) return String(current)
  const jitterSeconds = 1 + Math.floor(Math.random() * MAX_JITTER_SECONDS)
  return String(client + Math.max(1, Math.ceil(jitterSeconds / INTERVAL_SECONDS)))
}
