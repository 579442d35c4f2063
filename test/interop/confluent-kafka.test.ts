/** confluent-kafka (Python over librdkafka 2.0.2): an idempotent acks=all producer, read back exactly once. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readBatchHeader } from '../../src/core/format/record-batch.ts'
import { type Brook, PY_DIR, PYTHON, run, startBrook } from './support.ts'

describe('confluent-kafka interop', () => {
  let brook: Brook
  beforeAll(async () => {
    brook = await startBrook({ defaultPartitions: 3 })
  })
  afterAll(async () => {
    await brook?.close()
  })

  it('delivers every record of an idempotent acks=all producer exactly once', async () => {
    const count = 2000
    const r = await run(
      PYTHON,
      [`${PY_DIR}confluent_idempotent.py`, String(brook.port), 'idem', String(count)],
      {
        timeoutMs: 60_000,
      },
    )
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines[0], r.stderr).toEqual({ delivered: count, errors: [], left: 0 })
    const values = lines
      .slice(1)
      .filter((l) => l.v !== undefined)
      .map((l) => l.v as string)
    expect(lines.slice(1).filter((l) => l.error || l.timeout)).toEqual([])
    expect(values.length).toBe(count)
    expect(new Set(values)).toEqual(new Set(Array.from({ length: count }, (_, i) => `v${i}`)))
    // Stored exactly once, not just read back once: the log holds `count` records in all.
    const stored = [0, 1, 2].reduce((n, p) => n + (brook.broker.log('idem', p)?.highWatermark ?? 0), 0)
    expect(stored).toBe(count)
    // The broker ran the idempotent path: the stored batches carry the producer id librdkafka got.
    for (const partition of [0, 1, 2]) {
      const f = await brook.broker.fetch({
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 1 << 20,
        topics: [{ name: 'idem', partitions: [{ partition, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
      })
      const records = f.topics[0]!.partitions[0]!.records
      if (records.length > 0) expect(readBatchHeader(records).producerId).toBeGreaterThanOrEqual(0)
    }
  }, 90_000)
})
