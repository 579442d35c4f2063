/** @module Helpers for the protocol client: split partition requests by leader, merge the answers. */

/** Groups `topics[].partitions[]` by the node that leads each partition, keeping the topic shape. */
export function byLeader<P extends { partition: number }>(
  topics: { name: string; partitions: P[] }[],
  leaderOf: (topic: string, partition: number) => number,
): Map<number, { name: string; partitions: P[] }[]> {
  const out = new Map<number, Map<string, P[]>>()
  for (const t of topics) {
    for (const p of t.partitions) {
      const node = leaderOf(t.name, p.partition)
      let byTopic = out.get(node)
      if (!byTopic) {
        byTopic = new Map()
        out.set(node, byTopic)
      }
      let ps = byTopic.get(t.name)
      if (!ps) {
        ps = []
        byTopic.set(t.name, ps)
      }
      ps.push(p)
    }
  }
  return new Map(
    [...out].map(([node, m]) => [node, [...m].map(([name, partitions]) => ({ name, partitions }))]),
  )
}

/** Joins per-node answers back into one entry per topic. */
export function mergeTopics<P>(
  topics: { name: string; partitions: P[] }[],
): { name: string; partitions: P[] }[] {
  const m = new Map<string, P[]>()
  for (const t of topics) m.set(t.name, [...(m.get(t.name) ?? []), ...t.partitions])
  return [...m].map(([name, partitions]) => ({ name, partitions }))
}

const EMPTY = new Uint8Array(0)

/**
 * The whole record batches at the front of `records`. A broker may cut the last batch of a Fetch answer
 * at the byte limit; callers of BrokerService are promised whole batches, so the cut tail is dropped
 * (the next fetch starts at it again). The view is kept: no copy.
 */
export function wholeBatches(records: Uint8Array | null): Uint8Array {
  if (!records || records.length === 0) return EMPTY
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength)
  let pos = 0
  // Batch: baseOffset (8), batchLength (4), then batchLength bytes.
  while (pos + 12 <= records.length) {
    const size = 12 + view.getInt32(pos + 8)
    if (size < 12 || pos + size > records.length) break
    pos += size
  }
  return pos === records.length ? records : records.subarray(0, pos)
}
