/**
 * @module REST for records: produce JSON records (each answered with its partition and offset) or
 * stored RecordBatch bytes (`application/vnd.kafka.record-batch`), and fetch a partition from an
 * offset or a timestamp, as JSON or as the stored batches, long-polling up to `waitMs`.
 */

import { type Context, Hono } from 'hono'
import { errorCode } from '../../core/errors.ts'
import {
  decodeRecordsAsync,
  encodeBatch,
  type RecordInput,
  readBatchHeader,
  splitBatches,
} from '../../core/format/record-batch.ts'
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from '../../core/service.ts'
import { requestBytes } from './body.ts'
import { type AppContext, scoped } from './context.ts'
import { badRequest, HttpError, throwIfKafkaError } from './http-errors.ts'
import { intParam, jsonBody, topicParam } from './params.ts'
import {
  type JsonRecordOut,
  RECORD_BATCH_TYPE,
  recordFromJson,
  recordToJson,
  VALUE_FORMATS,
  type ValueFormat,
} from './records-json.ts'
import { partitionCount } from './topics-routes.ts'

const CONTROL_BATCH = 0x20
const THROTTLED = errorCode('THROTTLING_QUOTA_EXCEEDED')
const ACKS_ALL = -1
const PRODUCE_TIMEOUT_MS = 30_000

/**
 * Appends to several partitions of `topic` in one produce request — one quota decision for all of
 * it — and returns each partition's base offset, in the order given.
 */
async function append(
  ctx: AppContext,
  topic: string,
  parts: { partition: number; records: Uint8Array }[],
): Promise<number[]> {
  const res = await ctx.service.produce({
    acks: ACKS_ALL,
    timeoutMs: PRODUCE_TIMEOUT_MS,
    topics: [{ name: topic, partitions: parts }],
  })
  const answers = new Map((res.topics[0]?.partitions ?? []).map((p) => [p.partition, p]))
  return parts.map(({ partition }) => {
    const p = answers.get(partition)
    if (!p) throw new HttpError('UNKNOWN_SERVER_ERROR', 'the broker gave no answer', 500)
    if (p.errorCode === THROTTLED) {
      const seconds = Math.max(1, Math.ceil((res.throttleTimeMs ?? 1000) / 1000))
      throw new HttpError('THROTTLING_QUOTA_EXCEEDED', p.errorMessage ?? 'over the produce quota', 429, {
        'retry-after': String(seconds),
      })
    }
    throwIfKafkaError(p.errorCode, p.errorMessage)
    return p.baseOffset
  })
}

export interface FetchAnswer {
  records: JsonRecordOut[]
  /** Where to read next: one past the last record returned, or the offset asked when none was. */
  nextOffset: number
  highWatermark: number
  logStartOffset: number
}

/**
 * Reads `partition` of `topic` from `offset`: at most `limit` records and about `maxBytes`, waiting
 * up to `waitMs` for the first. Shared by REST, SSE and Durable Streams reads.
 */
export async function readRecords(
  ctx: AppContext,
  q: {
    topic: string
    partition: number
    offset: number
    maxBytes: number
    waitMs: number
    limit: number
    format: ValueFormat
  },
): Promise<FetchAnswer> {
  const res = await ctx.service.fetch({
    maxWaitMs: q.waitMs,
    minBytes: q.waitMs > 0 ? 1 : 0,
    maxBytes: q.maxBytes,
    topics: [
      {
        name: q.topic,
        partitions: [{ partition: q.partition, fetchOffset: q.offset, partitionMaxBytes: q.maxBytes }],
      },
    ],
  })
  const p = res.topics[0]?.partitions[0]
  if (!p) throw new HttpError('UNKNOWN_SERVER_ERROR', 'the broker gave no answer', 500)
  if (p.errorCode === errorCode('OFFSET_OUT_OF_RANGE'))
    throw new HttpError(
      'OFFSET_OUT_OF_RANGE',
      `offset ${q.offset} is outside [${p.logStartOffset}, ${p.highWatermark}] of ${q.topic}-${q.partition}`,
    )
  throwIfKafkaError(p.errorCode)
  const records: JsonRecordOut[] = []
  let next = q.offset
  for (const batch of splitBatches(p.records, { partialTail: true })) {
    if (records.length >= q.limit) break
    if (readBatchHeader(batch).attributes & CONTROL_BATCH) continue
    for (const r of await decodeRecordsAsync(batch)) {
      if (r.offset < q.offset) continue
      if (records.length >= q.limit) break
      records.push(recordToJson(q.partition, r, q.format))
      next = r.offset + 1
    }
    // Compaction leaves gaps: past a batch, the next read starts after it even if its tail was removed.
    const h = readBatchHeader(batch)
    if (records.length < q.limit) next = Math.max(next, h.baseOffset + h.lastOffsetDelta + 1)
  }
  return { records, nextOffset: next, highWatermark: p.highWatermark, logStartOffset: p.logStartOffset }
}

export function recordsRoutes(base: AppContext): Hono {
  const app = new Hono()
  const { limits } = base

  // Produce JSON records: { records: [{ key, value, headers, partition }] }.
  app.post('/:topic/records', async (c) => {
    const ctx = scoped(c, base)
    const topic = topicParam(c.req.param('topic'))
    const type = c.req.header('content-type') ?? ''
    if (type.startsWith(RECORD_BATCH_TYPE)) return produceBatches(c, topic)
    const body = await jsonBody(c)
    for (const k of Object.keys(body)) if (k !== 'records') throw badRequest(`unknown field "${k}"`)
    const list = body.records
    if (!Array.isArray(list) || list.length === 0) throw badRequest('records must be a non-empty array')
    if (list.length > limits.maxRecordsPerRequest)
      throw new HttpError(
        'INVALID_REQUEST',
        `at most ${limits.maxRecordsPerRequest} records per request`,
        413,
      )
    const records = list.map(recordFromJson)
    const n = await partitionCount(ctx, topic, true)
    // Kafka's default partitioner: explicit partition, else murmur2(key), else one sticky partition
    // for every unkeyed record of this request.
    const byPartition = new Map<number, { input: RecordInput; index: number }[]>()
    records.forEach((r, index) => {
      const partition = ctx.partitioner.partition(topic, n, r.key, r.partition)
      const list = byPartition.get(partition) ?? []
      list.push({ input: { key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp }, index })
      byPartition.set(partition, list)
    })
    ctx.partitioner.nextBatch(topic, n)
    const offsets: { partition: number; offset: number }[] = new Array(records.length)
    const groups = [...byPartition]
    const bases = await append(
      ctx,
      topic,
      groups.map(([partition, items]) => ({
        partition,
        records: encodeBatch({ records: items.map((i) => i.input) }),
      })),
    )
    groups.forEach(([partition, items], g) => {
      items.forEach((item, i) => {
        offsets[item.index] = { partition, offset: bases[g]! + i }
      })
    })
    return c.json({ offsets })
  })

  const produceBatches = async (c: Context, topic: string) => {
    const ctx = scoped(c, base)
    const partition = intParam(c.req.query('partition'), 'partition', { max: 1_000_000 })
    const bytes = await requestBytes(c)
    if (bytes.length === 0) throw badRequest('the body holds no record batch')
    let count = 0
    for (const b of splitBatches(bytes)) count += readBatchHeader(b).recordCount
    const [baseOffset] = (await append(ctx, topic, [{ partition, records: bytes }])) as [number]
    return c.json({ partition, baseOffset, lastOffset: baseOffset + count - 1 })
  }

  // Fetch: ?offset=N or ?timestamp=T, &maxBytes, &waitMs, &limit, &format=json|text|base64.
  app.get('/:topic/partitions/:partition/records', async (c) => {
    const ctx = scoped(c, base)
    const topic = topicParam(c.req.param('topic'))
    const partition = intParam(c.req.param('partition'), 'partition', { max: 1_000_000 })
    const maxBytes = intParam(c.req.query('maxBytes'), 'maxBytes', {
      min: 1,
      max: limits.maxFetchBytes,
      fallback: Math.min(1 << 20, limits.maxFetchBytes),
    })
    const waitMs = intParam(c.req.query('waitMs'), 'waitMs', { max: limits.maxWaitMs, fallback: 0 })
    const offset = await startOffset(ctx, topic, partition, c.req.query('offset'), c.req.query('timestamp'))
    if ((c.req.header('accept') ?? '').includes(RECORD_BATCH_TYPE)) {
      const res = await ctx.service.fetch({
        maxWaitMs: waitMs,
        minBytes: waitMs > 0 ? 1 : 0,
        maxBytes,
        topics: [
          { name: topic, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: maxBytes }] },
        ],
      })
      const p = res.topics[0]!.partitions[0]!
      throwIfKafkaError(p.errorCode)
      c.header('brook-high-watermark', String(p.highWatermark))
      c.header('brook-log-start-offset', String(p.logStartOffset))
      return c.body(p.records.slice() as Uint8Array<ArrayBuffer>, 200, { 'content-type': RECORD_BATCH_TYPE })
    }
    const format = (c.req.query('format') ?? 'json') as ValueFormat
    if (!VALUE_FORMATS.includes(format)) throw badRequest(`format must be one of ${VALUE_FORMATS.join(', ')}`)
    const limit = intParam(c.req.query('limit'), 'limit', {
      min: 1,
      max: limits.maxRecordsPerFetch,
      fallback: Math.min(1000, limits.maxRecordsPerFetch),
    })
    return c.json(await readRecords(ctx, { topic, partition, offset, maxBytes, waitMs, limit, format }))
  })

  return app
}

/**
 * Where a read starts: `offset` (a number, `earliest` or `latest`), or the first offset at or after
 * `timestamp`; with neither, `fallback` (the log end for a tail) or an error.
 */
export async function startOffset(
  ctx: AppContext,
  topic: string,
  partition: number,
  offset: string | undefined,
  timestamp: string | undefined,
  fallback: 'latest' | 'required' = 'required',
): Promise<number> {
  if (offset !== undefined && timestamp !== undefined) throw badRequest('give offset or timestamp, not both')
  let ts: number
  if (offset === 'earliest') ts = EARLIEST_TIMESTAMP
  else if (offset === 'latest') ts = LATEST_TIMESTAMP
  else if (offset !== undefined) return intParam(offset, 'offset')
  else if (timestamp !== undefined) ts = intParam(timestamp, 'timestamp')
  else if (fallback === 'latest') ts = LATEST_TIMESTAMP
  else throw badRequest('say where to read from: offset (a number, earliest or latest) or timestamp')
  const list = async (timestamp: number) => {
    const res = await ctx.service.listOffsets({
      topics: [{ name: topic, partitions: [{ partition, timestamp }] }],
    })
    const p = res.topics[0]?.partitions[0]
    if (!p) throw new HttpError('UNKNOWN_SERVER_ERROR', 'the broker gave no answer', 500)
    throwIfKafkaError(p.errorCode)
    return p.offset
  }
  const found = await list(ts)
  // No record at or after the timestamp: read from the end.
  return found >= 0 ? found : list(LATEST_TIMESTAMP)
}
