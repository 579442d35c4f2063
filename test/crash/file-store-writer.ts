/**
 * @module Child process for the FileStore crash test: appends batches to two partitions as fast as
 * it can and prints `ack <partition> <baseOffset> <count>` once each append is flushed (acks=all).
 * The parent kills it with SIGKILL at a random moment. Bounded: stops after 20 s or 20,000 batches.
 */

import { encodeBatch, readBatchHeader } from '../../src/core/format/record-batch.ts'
import { FileStore } from '../../src/edge/file-store.ts'

const dir = process.argv[2]!
const store = await FileStore.open({ dir, segmentBytes: 256 * 1024, flushMs: Number.POSITIVE_INFINITY })
const enc = new TextEncoder()

async function nextOffset(partition: number): Promise<number> {
  let next = 0
  for await (const b of store.scan('crash', partition)) {
    const h = readBatchHeader(b)
    next = h.baseOffset + h.lastOffsetDelta + 1
  }
  return next
}

const next = [await nextOffset(0), await nextOffset(1)]
process.stdout.write('ready\n')
const deadline = Date.now() + 20_000

async function writer(partition: number): Promise<void> {
  for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
    const base = next[partition]!
    // Sizes vary so that the kill lands inside writes of different lengths.
    const count = 1 + (i % 40)
    const records = Array.from({ length: count }, (_, j) => ({
      key: enc.encode(`p${partition}`),
      value: enc.encode(`p${partition}-o${base + j}-`.padEnd(200 + ((i * 37) % 3000), 'x')),
    }))
    await store.append('crash', partition, [encodeBatch({ baseOffset: base, records })])
    next[partition] = base + count
    await store.setMeta(`acked/${partition}`, base + count)
    await store.flush()
    process.stdout.write(`ack ${partition} ${base} ${count}\n`)
  }
}

await Promise.all([writer(0), writer(1)])
await store.close()
process.stdout.write('done\n')
