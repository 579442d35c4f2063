/** @module Small helpers shared by the broker tests (not part of the public API). */

import type { Broker } from './broker.ts'
import type { BatchInput } from './format/record-batch.ts'
import { decodeRecords, encodeBatch, splitBatches } from './format/record-batch.ts'
import type { Acks, ProducePartitionResult } from './service.ts'

const enc = new TextEncoder()
const dec = new TextDecoder()

export function records(values: string[], extra: Partial<BatchInput> = {}, timestamp?: number): Uint8Array {
  return encodeBatch({
    records: values.map((v) => ({ key: enc.encode(v.split('=')[0]!), value: enc.encode(v), timestamp })),
    ...extra,
  })
}

export async function produce(
  broker: Broker,
  topic: string,
  partition: number,
  bytes: Uint8Array,
  acks: Acks = -1,
): Promise<ProducePartitionResult> {
  const r = await broker.produce({
    acks,
    timeoutMs: 1000,
    topics: [{ name: topic, partitions: [{ partition, records: bytes }] }],
  })
  return r.topics[0]!.partitions[0]!
}

/** Every record of a partition from `offset`, as [offset, value]. */
export async function consume(
  broker: Broker,
  topic: string,
  partition: number,
  offset = 0,
): Promise<[number, string][]> {
  const out: [number, string][] = []
  for (;;) {
    const r = await broker.fetch({
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1 << 20,
      topics: [{ name: topic, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: 1 << 20 }] }],
    })
    const p = r.topics[0]!.partitions[0]!
    if (p.errorCode !== 0) throw new Error(`fetch error ${p.errorCode}`)
    if (p.records.length === 0) return out
    for (const b of splitBatches(p.records))
      for (const rec of decodeRecords(b))
        if (rec.offset >= offset) out.push([rec.offset, rec.value ? dec.decode(rec.value) : ''])
    offset = out.length ? out[out.length - 1]![0] + 1 : offset
    if (offset >= p.highWatermark) return out
  }
}
