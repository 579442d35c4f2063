/**
 * @module Which brook topic holds a stream. A stream path may hold any character and be any
 * length; a Kafka topic name only `[a-zA-Z0-9._-]`, at most 249. The name is
 * `ds.<readable part of the path>.<hash of the path>.<incarnation>`: readable in `brook topics
 * --list`, unique per path by the hash, and fresh each time a path is (re)created, so a deleted
 * stream's leftovers can never show through a new one. The real path is kept in the catalog.
 */

/** The compacted topic where stream metadata lives (see catalog.ts). */
export const CATALOG_TOPIC = '__durable_streams'

const PREFIX = 'ds.'
const SLUG_MAX = 120

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')
}

function incarnation(): string {
  const random = crypto.getRandomValues(new Uint32Array(1))[0]!
  return `${Date.now().toString(36)}${random.toString(36).padStart(7, '0')}`
}

/**
 * A new topic name for `path`. Only letters, digits and '-' inside each part, so that no two names
 * collide under Kafka's rule that '.' and '_' count as the same character.
 */
export async function newTopicName(path: string): Promise<string> {
  return `${await streamResource(path)}.${incarnation()}`
}

/**
 * The part of a stream's topic name every incarnation shares, `ds.<slug>.<hash>`: what ACLs are
 * checked against, so that a PREFIXED ACL on `ds.orders-` covers the streams under `/orders/`.
 */
export async function streamResource(path: string): Promise<string> {
  const slug = path
    .replace(/[^a-zA-Z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, SLUG_MAX)
  const hash = (await sha256Hex(path)).slice(0, 16)
  return `${PREFIX}${slug || 'root'}.${hash}`
}
