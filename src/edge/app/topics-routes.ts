/**
 * @module REST for topics: list, create, describe (partitions with log start and high watermark,
 * configs), delete, add partitions.
 */

import { Hono } from 'hono'
import { errorCode } from '../../core/errors.ts'
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from '../../core/service.ts'
import { type AppContext, scoped } from './context.ts'
import { badRequest, throwIfKafkaError } from './http-errors.ts'
import { intParam, jsonBody, topicParam } from './params.ts'

export interface TopicSummary {
  name: string
  partitions: number
}

export interface PartitionDescription {
  partition: number
  logStartOffset: number
  highWatermark: number
}

/**
 * The partition count of `topic`, or UNKNOWN_TOPIC_OR_PARTITION (404). `create`: as a Kafka
 * producer's metadata request, it lets a broker with auto.create.topics.enable make the topic.
 */
export async function partitionCount(ctx: AppContext, topic: string, create = false): Promise<number> {
  const md = await ctx.service.metadata({ topics: [topic], allowAutoTopicCreation: create })
  const t = md.topics.find((x) => x.name === topic)
  if (!t) throwIfKafkaError(3, `topic ${topic} does not exist`)
  throwIfKafkaError(
    t!.errorCode,
    t!.errorCode === errorCode('UNKNOWN_TOPIC_OR_PARTITION') ? `topic ${topic} does not exist` : undefined,
  )
  return t!.partitions.length
}

/** Log start and high watermark of each partition. */
export async function partitionOffsets(
  ctx: AppContext,
  topic: string,
  partitions: number[],
): Promise<PartitionDescription[]> {
  const ask = (timestamp: number) =>
    ctx.service.listOffsets({
      topics: [{ name: topic, partitions: partitions.map((partition) => ({ partition, timestamp })) }],
    })
  const [starts, ends] = await Promise.all([ask(EARLIEST_TIMESTAMP), ask(LATEST_TIMESTAMP)])
  const start = new Map(starts.topics[0]?.partitions.map((p) => [p.partition, p]))
  return (ends.topics[0]?.partitions ?? []).map((p) => {
    throwIfKafkaError(p.errorCode)
    return {
      partition: p.partition,
      logStartOffset: start.get(p.partition)?.offset ?? 0,
      highWatermark: p.offset,
    }
  })
}

export function topicsRoutes(base: AppContext): Hono {
  const app = new Hono()

  app.get('/', async (c) => {
    const ctx = scoped(c, base)
    const md = await ctx.service.metadata({ topics: null, allowAutoTopicCreation: false })
    const topics: TopicSummary[] = md.topics
      .filter((t) => t.errorCode === 0 && !t.isInternal)
      .map((t) => ({ name: t.name, partitions: t.partitions.length }))
      .sort((a, b) => a.name.localeCompare(b.name))
    return c.json({ topics })
  })

  app.post('/', async (c) => {
    const ctx = scoped(c, base)
    const body = await jsonBody(c)
    for (const k of Object.keys(body))
      if (!['name', 'partitions', 'configs'].includes(k)) throw badRequest(`unknown field "${k}"`)
    const name = topicParam(body.name as string)
    const partitions = body.partitions === undefined ? -1 : body.partitions
    if (partitions !== -1 && (!Number.isInteger(partitions) || (partitions as number) < 1))
      throw badRequest('partitions must be a positive integer')
    const configs = (body.configs ?? {}) as Record<string, unknown>
    if (typeof configs !== 'object' || configs === null || Array.isArray(configs))
      throw badRequest('configs must be an object of strings')
    for (const [k, v] of Object.entries(configs))
      if (typeof v !== 'string') throw badRequest(`config ${k} must be a string`)
    const [r] = await ctx.service.createTopics({
      topics: [{ name, numPartitions: partitions as number, configs: configs as Record<string, string> }],
    })
    throwIfKafkaError(r!.errorCode, r!.errorMessage)
    return c.json({ name, partitions: await partitionCount(ctx, name) }, 201)
  })

  app.get('/:topic', async (c) => {
    const ctx = scoped(c, base)
    const name = topicParam(c.req.param('topic'))
    const n = await partitionCount(ctx, name)
    const [partitions, [configs]] = await Promise.all([
      partitionOffsets(ctx, name, [...Array(n).keys()]),
      ctx.service.describeConfigs([name]),
    ])
    throwIfKafkaError(configs!.errorCode)
    return c.json({
      name,
      partitions,
      configs: Object.fromEntries(configs!.configs.filter((x) => !x.isDefault).map((x) => [x.name, x.value])),
    })
  })

  app.delete('/:topic', async (c) => {
    const ctx = scoped(c, base)
    const name = topicParam(c.req.param('topic'))
    const [r] = await ctx.service.deleteTopics([name])
    throwIfKafkaError(r!.errorCode, r!.errorMessage)
    return c.body(null, 204)
  })

  app.post('/:topic/partitions', async (c) => {
    const ctx = scoped(c, base)
    const name = topicParam(c.req.param('topic'))
    const body = await jsonBody(c)
    const count = intParam(String(body.count ?? ''), 'count', { min: 1, max: 100_000 })
    const [r] = await ctx.service.createPartitions({ topics: [{ name, count }] })
    throwIfKafkaError(r!.errorCode, r!.errorMessage)
    return c.json({ name, partitions: count })
  })

  return app
}
