/**
 * @module Reading a stream by position, across its fork chain. Positions are dense: the record
 * whose topic offset is `o` in a stream whose own records start at position `base` ends at
 * position `base + o + 1`; a fork below its `base` reads its source (and its source's source)
 * below that point. So one read walks down the chain to the oldest level it needs and back up,
 * never copying a source's records into a fork.
 *
 * Records come back as *chunks* — one per message: each record of a byte stream (one per append),
 * each batch of a JSON stream (the values of one append) — because SSE sends one data event per
 * message and a fork's sub-offset counts into one message.
 */

import type { StreamMeta } from './catalog.ts'
import { fetchOwn, isCloseMarker, producerOf, recordBytes } from './stream-log.ts'
import type { Live, Streams } from './streams.ts'

export interface Chunk {
  values: Uint8Array[]
  /** The position after the chunk's last record: the offset a reader resumes from. */
  end: number
}

export interface ReadResult {
  chunks: Chunk[]
  /** Where the next read starts: after the last chunk, or `from` when nothing was read. */
  end: number
}

export interface ReadOptions {
  /** Bytes to gather (at least one message is returned whatever its size). */
  maxBytes: number
  json: boolean
  /** At most this many chunks. */
  limit?: number
  /** Wait this long for the first record when `from` is the stream's own tail (long-poll, SSE). */
  waitMs?: number
}

interface Gathering extends ReadOptions {
  chunks: Chunk[]
  budget: number
  /** The stream asked for, whose own records may tell this relay something new (see observe). */
  top: Live
}

export async function readChunks(
  streams: Streams,
  live: Live,
  from: number,
  opts: ReadOptions,
): Promise<ReadResult> {
  const g: Gathering = { ...opts, chunks: [], budget: opts.maxBytes, top: live }
  const end = await readLevel(streams, live.meta, from, Number.POSITIVE_INFINITY, g)
  return { chunks: g.chunks, end }
}

function full(g: Gathering): boolean {
  return g.budget <= 0 || (g.limit !== undefined && g.chunks.length >= g.limit)
}

/** Reads `meta`'s positions [from, cap); returns the position reached. */
async function readLevel(
  streams: Streams,
  meta: StreamMeta,
  from: number,
  cap: number,
  g: Gathering,
): Promise<number> {
  let pos = from
  if (meta.forkedFrom !== undefined && pos < meta.base) {
    const inheritedCap = Math.min(cap, meta.base)
    const source = streams.catalog.get(meta.forkedFrom)
    // A source is never removed while a fork reads it; if one were, its part reads as nothing.
    pos = source ? await readLevel(streams, source, pos, inheritedCap, g) : inheritedCap
    if (pos < inheritedCap || full(g)) return pos
  }
  if (pos >= cap || full(g)) return pos
  const own = meta.topic === g.top.meta.topic
  const wait = own && g.waitMs ? g.waitMs : 0
  const read = await fetchOwn(streams.service, meta.topic, pos - meta.base, Math.max(1, g.budget), wait)
  for (const { records } of read.batches) {
    let chunk: Chunk | undefined
    for (const r of records) {
      if (isCloseMarker(r)) {
        if (own) streams.observe(g.top, r.offset, true, producerOf(r))
        continue
      }
      if (own) streams.observe(g.top, r.offset, false)
      const end = meta.base + r.offset + 1
      if (end > cap) return pos
      if (!chunk || !g.json) {
        if (g.limit !== undefined && g.chunks.length >= g.limit) return pos
        chunk = { values: [], end }
        g.chunks.push(chunk)
      }
      const value = recordBytes(r)
      chunk.values.push(value)
      chunk.end = end
      g.budget -= value.length
      pos = end
    }
  }
  return pos
}
