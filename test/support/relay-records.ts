/**
 * @module What a relay holds, read over its Kafka listener (not through the page): records per
 * topic and every value of a partition in order.
 */

import net from 'node:net'
import { decodeRecordsAsync, splitBatches } from '../../src/core/format/record-batch.ts'
import type { BrokerService } from '../../src/core/service.ts'

/** Records a topic holds, summed over partitions (0 when the topic does not exist). */
export async function relayCount(kafka: BrokerService, topic: string): Promise<number> {
  const md = await kafka.metadata({ topics: [topic], allowAutoTopicCreation: false })
  const t = md.topics.find((x) => x.name === topic)
  if (t?.errorCode !== 0) return 0
  const ends = await kafka.listOffsets({
    topics: [
      { name: topic, partitions: t.partitions.map((p) => ({ partition: p.partition, timestamp: -1 })) },
    ],
  })
  return ends.topics[0]!.partitions.reduce((n, p) => n + (p.errorCode === 0 ? p.offset : 0), 0)
}

/** Every value of each partition of a topic, from offset 0, in offset order. */
export async function relayValues(kafka: BrokerService, topic: string): Promise<string[][]> {
  const md = await kafka.metadata({ topics: [topic], allowAutoTopicCreation: false })
  const t = md.topics.find((x) => x.name === topic)
  if (t?.errorCode !== 0) return []
  const out: string[][] = []
  for (const { partition } of [...t.partitions].sort((a, b) => a.partition - b.partition))
    out.push(await relayPartitionValues(kafka, topic, partition))
  return out
}

/** Every value of one partition, from offset 0, in offset order. */
export async function relayPartitionValues(
  kafka: BrokerService,
  topic: string,
  partition: number,
): Promise<string[]> {
  const values: string[] = []
  let offset = 0
  for (let round = 0; round < 10_000; round++) {
    const res = await kafka.fetch({
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 8 << 20,
      topics: [{ name: topic, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: 8 << 20 }] }],
    })
    const records = (
      await Promise.all(splitBatches(res.topics[0]!.partitions[0]!.records).map((b) => decodeRecordsAsync(b)))
    )
      .flat()
      .filter((r) => r.offset >= offset)
    if (records.length === 0) break
    for (const r of records) values.push(new TextDecoder().decode(r.value!))
    offset = records.at(-1)!.offset + 1
  }
  return values
}

/** A port free a moment ago, for a relay that starts (or restarts) later on it. */
export async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  const { port } = server.address() as net.AddressInfo
  await new Promise((ok) => server.close(ok))
  return port
}

/** Whether each partition holds its values in the order they were written (`written`). */
export function inWrittenOrder(partitions: string[][], written: string[]): boolean {
  return partitions.every((values) => {
    const at = values.map((v) => written.indexOf(v))
    return at.every((i, k) => i >= 0 && (k === 0 || i > at[k - 1]!))
  })
}
