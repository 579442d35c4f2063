/**
 * @module A live view of one topic, built only from what the broker answers through its public
 * API: Metadata for the partitions, long-polling Fetch for the records (decoded from the very
 * RecordBatch bytes the broker stores), and each partition's log-start offset and high watermark
 * from the same Fetch answers. At most `KEEP` records per partition are kept for drawing.
 */

import { signal } from '@preact/signals'
import type { BatchHeader } from 'brook'
import { decodeRecordsAsync, readBatchHeader, splitBatches } from 'brook'
import { client } from './broker.ts'

export interface Cell {
  partition: number
  offset: number
  key: string | null
  value: string | null
  headers: [string, string | null][]
  timestamp: number
  batch: { baseOffset: number; lastOffset: number; count: number; producerId: number }
}

export interface Lane {
  partition: number
  logStart: number
  highWatermark: number
  cells: Cell[]
}

/** How many of a partition's newest records the view holds. */
export const KEEP = 200
const lastOffsetOf = (h: BatchHeader) => h.baseOffset + h.lastOffsetDelta
const REREAD_MS = 2000
/** How often the partitions are looked up again (a topic may grow). */
const METADATA_MS = 500
const OFFSET_OUT_OF_RANGE = 1
const text = new TextDecoder()
const str = (b: Uint8Array | null) => (b === null ? null : text.decode(b))

/** topic → its lanes (null while the topic does not exist), for every topic being watched. */
export const topicViews = signal<Record<string, Lane[] | null>>({})

const watches = new Map<string, { refs: number; stop: () => void }>()

/**
 * Watches `topic` while anyone needs it (several lessons may show several topics); returns the
 * function that ends this use of it.
 */
export function watchTopic(topic: string): () => void {
  let w = watches.get(topic)
  if (!w) {
    let stopped = false
    w = { refs: 0, stop: () => (stopped = true) }
    watches.set(topic, w)
    void loop(topic, () => stopped)
  }
  w.refs++
  const mine = w
  return () => {
    if (--mine.refs > 0) return
    mine.stop()
    watches.delete(topic)
    const { [topic]: _gone, ...rest } = topicViews.value
    topicViews.value = rest
  }
}

async function loop(topic: string, stopped: () => boolean): Promise<void> {
  const lanes = new Map<number, Lane>()
  const next = new Map<number, number>()
  const service = client().service
  let lastMetadata = 0
  let lastReread = Date.now()
  while (!stopped()) {
    try {
      // Compaction removes records from the middle of a log: read the kept window again now and
      // then, so that what is drawn is what the log holds.
      const reread = new Map<number, number>()
      if (Date.now() - lastReread > REREAD_MS) {
        lastReread = Date.now()
        for (const lane of lanes.values())
          if (lane.cells.length > 0) reread.set(lane.partition, lane.cells[0]!.offset)
      }
      if (Date.now() - lastMetadata > METADATA_MS || lanes.size === 0) {
        lastMetadata = Date.now()
        const md = await service.metadata({ topics: [topic], allowAutoTopicCreation: false })
        const t = md.topics.find((x) => x.name === topic)
        if (t?.errorCode !== 0) {
          lanes.clear()
          next.clear()
          publish(topic, null, stopped)
          await sleep(400)
          continue
        }
        for (const p of t.partitions) {
          if (!lanes.has(p.partition)) {
            lanes.set(p.partition, { partition: p.partition, logStart: 0, highWatermark: 0, cells: [] })
            next.set(p.partition, 0)
          }
        }
      }
      const res = await service.fetch({
        maxWaitMs: 400,
        minBytes: 1,
        maxBytes: 4 << 20,
        topics: [
          {
            name: topic,
            partitions: [...lanes.keys()].map((partition) => ({
              partition,
              fetchOffset: reread.get(partition) ?? next.get(partition)!,
              partitionMaxBytes: 1 << 20,
            })),
          },
        ],
      })
      for (const p of res.topics[0]?.partitions ?? []) {
        const lane = lanes.get(p.partition)
        if (!lane) continue
        if (p.errorCode === OFFSET_OUT_OF_RANGE) {
          next.set(p.partition, p.logStartOffset)
        } else if (p.errorCode !== 0) continue
        const from = reread.get(p.partition)
        const cells =
          from === undefined ? lane.cells.filter((c) => c.offset >= p.logStartOffset) : ([] as Cell[])
        const after = from ?? next.get(p.partition)!
        const batches = splitBatches(p.records, { partialTail: true })
        // Only the newest KEEP records are kept: batches wholly older are never decoded, which
        // bounds the work whatever the rate records arrive at.
        const lastOffset = batches.length ? lastOffsetOf(readBatchHeader(batches.at(-1)!)) : -1
        for (const batch of batches) {
          const h = readBatchHeader(batch)
          if (lastOffsetOf(h) < lastOffset - KEEP) {
            next.set(p.partition, Math.max(next.get(p.partition)!, lastOffsetOf(h) + 1))
            continue
          }
          const info = {
            baseOffset: h.baseOffset,
            lastOffset: h.baseOffset + h.lastOffsetDelta,
            count: h.recordCount,
            producerId: h.producerId,
          }
          for (const r of await decodeRecordsAsync(batch)) {
            if (r.offset < after) continue
            cells.push({
              partition: p.partition,
              offset: r.offset,
              key: str(r.key),
              value: str(r.value),
              headers: r.headers.map((x) => [x.key, str(x.value)]),
              timestamp: r.timestamp,
              batch: info,
            })
            next.set(p.partition, Math.max(next.get(p.partition)!, r.offset + 1))
          }
        }
        if (next.get(p.partition)! < p.logStartOffset) next.set(p.partition, p.logStartOffset)
        lanes.set(p.partition, {
          partition: p.partition,
          logStart: p.logStartOffset,
          highWatermark: p.highWatermark,
          cells: cells.length > KEEP ? cells.slice(-KEEP) : cells,
        })
      }
      publish(
        topic,
        [...lanes.values()].sort((a, b) => a.partition - b.partition),
        stopped,
      )
    } catch {
      // The topic was deleted, or the broker is busy: look again shortly.
      await sleep(400)
    }
  }
}

function publish(topic: string, lanes: Lane[] | null, stopped: () => boolean): void {
  if (!stopped()) topicViews.value = { ...topicViews.value, [topic]: lanes }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
