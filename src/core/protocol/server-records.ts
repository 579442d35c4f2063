/**
 * @module The record APIs on the server side: Produce (0), Fetch (1), ListOffsets (2),
 * DeleteRecords (21) and InitProducerId (22), mapped to the service's calls.
 */

import { errorCode as codeNamed, isBrookError } from '../errors.ts'
import { upConvert } from '../format/legacy-messages.ts'
import type { BrokerService } from '../service.ts'
import {
  type ApiContext,
  arr,
  codeOf,
  indexPartitions,
  partitionResults,
  type Request,
  type Response,
  UNKNOWN_TOPIC_OR_PARTITION,
} from './api-context.ts'
import type { API } from './api-keys.ts'

/**
 * Replaces each partition's legacy message set with the v2 batch it makes; a set that does not make
 * one is left out, with its error code, by `topic\0partition`.
 */
async function upConvertAll(
  topicData: Request<typeof API.Produce>['topicData'],
): Promise<Map<string, number>> {
  const refused = new Map<string, number>()
  for (const t of arr(topicData))
    for (const p of arr(t.partitionData)) {
      if (!p.records || p.records.length === 0) continue
      try {
        p.records = await upConvert(p.records)
      } catch (e) {
        refused.set(`${t.name}\0${p.index}`, isBrookError(e) ? e.code : codeNamed('CORRUPT_MESSAGE'))
      }
    }
  return refused
}

export async function produce(
  ctx: ApiContext,
  version: number,
  body: Request<typeof API.Produce>,
): Promise<Response<typeof API.Produce> | null> {
  const acks = body.acks
  const topicData = arr(body.topicData)
  // Produce v0–v2 carry message sets of magic 0 or 1: stored as the v2 batch Kafka would make.
  const refused = version < 3 ? await upConvertAll(topicData) : new Map<string, number>()
  const respond = (codeFor: (topic: string, partition: number) => number) => ({
    responses: topicData.map((t) => ({
      name: t.name,
      partitionResponses: arr(t.partitionData).map((p) => ({
        index: p.index,
        errorCode: codeFor(t.name, p.index),
        baseOffset: -1,
        logAppendTimeMs: -1,
        logStartOffset: -1,
        recordErrors: [],
        errorMessage: null,
      })),
    })),
    throttleTimeMs: 0,
  })
  if (acks !== 0 && acks !== 1 && acks !== -1) return respond(() => 21)
  if (body.transactionalId != null) return respond(() => 53) // TRANSACTIONAL_ID_AUTHORIZATION_FAILED
  const empty = new Uint8Array(0)
  let res: Awaited<ReturnType<BrokerService['produce']>>
  try {
    res = await ctx.service.produce({
      acks: acks as -1 | 0 | 1,
      timeoutMs: body.timeoutMs,
      topics: topicData
        .map((t) => ({
          name: t.name,
          partitions: arr(t.partitionData)
            .filter((p) => !refused.has(`${t.name}\0${p.index}`))
            .map((p) => ({ partition: p.index, records: p.records ?? empty })),
        }))
        .filter((t) => t.partitions.length > 0),
    })
  } catch (e) {
    const code = codeOf(e, ctx, 'produce')
    if (acks === 0) throw new Error(`acks=0 produce failed with error ${code}`)
    return respond(() => code)
  }
  const byTopic = indexPartitions(res.topics)
  // Over quota, Kafka answers at once and then mutes the channel for the throttle time (KIP-219):
  // an acks=0 producer, which gets no answer, is slowed down all the same.
  if (res.throttleTimeMs) ctx.throttle?.(res.throttleTimeMs)
  if (acks === 0) {
    // Kafka closes an acks=0 connection on error: the only way such a producer can notice.
    for (const [where, code] of refused) throw new Error(`acks=0 produce to ${where}: error ${code}`)
    for (const t of res.topics)
      for (const p of t.partitions)
        if (p.errorCode !== 0)
          throw new Error(`acks=0 produce to ${t.name}-${p.partition}: error ${p.errorCode}`)
    return null
  }
  return {
    responses: topicData.map((t) => ({
      name: t.name,
      partitionResponses: arr(t.partitionData).map((p) => {
        const r = byTopic.get(t.name)?.get(p.index)
        return {
          index: p.index,
          errorCode: r ? r.errorCode : (refused.get(`${t.name}\0${p.index}`) ?? UNKNOWN_TOPIC_OR_PARTITION),
          baseOffset: r ? r.baseOffset : -1,
          logAppendTimeMs: r ? r.logAppendTimeMs : -1,
          logStartOffset: r ? r.logStartOffset : -1,
          recordErrors: [],
          errorMessage: r?.errorMessage ?? null,
        }
      }),
    })),
    throttleTimeMs: res.throttleTimeMs ?? 0,
  }
}

export async function fetch(
  ctx: ApiContext,
  version: number,
  body: Request<typeof API.Fetch>,
): Promise<Response<typeof API.Fetch>> {
  const topics = arr(body.topics)
  // From v13 topics come by id (KIP-516); an id this broker does not know is UNKNOWN_TOPIC_ID.
  const byId =
    version >= 13
      ? await ctx.topicIds.names(
          ctx.service,
          topics.map((t) => t.topicId),
        )
      : null
  const nameOf = (t: (typeof topics)[number]) => (byId ? byId.get(t.topicId) : t.topic)
  const known = topics.filter((t) => nameOf(t) !== undefined)
  const req = {
    maxWaitMs: Math.max(0, body.maxWaitMs),
    minBytes: Math.max(0, body.minBytes),
    maxBytes: body.maxBytes ?? 0x7fffffff,
    isolationLevel: body.isolationLevel ?? 0,
    topics: known.map((t) => ({
      name: nameOf(t)!,
      ...(byId ? { topicId: t.topicId } : {}),
      partitions: arr(t.partitions).map((p) => ({
        partition: p.partition,
        fetchOffset: p.fetchOffset,
        partitionMaxBytes: p.partitionMaxBytes,
      })),
    })),
  }
  const empty = new Uint8Array(0)
  const results = await partitionResults(ctx, 'fetch', () => ctx.service.fetch(req))
  const unknownId = codeNamed('UNKNOWN_TOPIC_ID')
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    responses: topics.map((t) => {
      const name = nameOf(t)
      return {
        topic: t.topic,
        topicId: t.topicId,
        partitions: arr(t.partitions).map((p) => {
          const r = name === undefined ? undefined : results.get(name, p.partition)
          return {
            partitionIndex: p.partition,
            errorCode: r ? r.errorCode : name === undefined ? unknownId : results.missingCode,
            highWatermark: r ? r.highWatermark : -1,
            // No transactions in brook: the last stable offset is the high watermark.
            lastStableOffset: r ? r.highWatermark : -1,
            logStartOffset: r ? r.logStartOffset : -1,
            abortedTransactions: [],
            preferredReadReplica: -1,
            records: r ? r.records : empty,
          }
        }),
      }
    }),
  }
}

export async function listOffsets(
  ctx: ApiContext,
  version: number,
  body: Request<typeof API.ListOffsets>,
): Promise<Response<typeof API.ListOffsets>> {
  const topics = arr(body.topics)
  const results = await partitionResults(ctx, 'listOffsets', () =>
    ctx.service.listOffsets({
      isolationLevel: body.isolationLevel ?? 0,
      topics: topics.map((t) => ({
        name: t.name,
        partitions: arr(t.partitions).map((p) => ({ partition: p.partitionIndex, timestamp: p.timestamp })),
      })),
    }),
  )
  return {
    throttleTimeMs: 0,
    topics: topics.map((t) => ({
      name: t.name,
      partitions: arr(t.partitions).map((p) => {
        const r = results.get(t.name, p.partitionIndex)
        const errorCode = r ? r.errorCode : results.missingCode
        const offset = r && errorCode === 0 ? r.offset : -1
        return {
          partitionIndex: p.partitionIndex,
          errorCode,
          // v0 answers with a list of offsets (at most maxNumOffsets) instead of one offset.
          oldStyleOffsets: version === 0 && offset >= 0 && (p.maxNumOffsets ?? 1) > 0 ? [offset] : [],
          timestamp: r && errorCode === 0 ? r.timestamp : -1,
          offset,
          leaderEpoch: 0,
        }
      }),
    })),
  }
}

export async function deleteRecords(
  ctx: ApiContext,
  _version: number,
  body: Request<typeof API.DeleteRecords>,
): Promise<Response<typeof API.DeleteRecords>> {
  const topics = arr(body.topics)
  const results = await partitionResults(ctx, 'deleteRecords', () =>
    ctx.service.deleteRecords({
      topics: topics.map((t) => ({
        name: t.name,
        partitions: arr(t.partitions).map((p) => ({
          partition: p.partitionIndex,
          offset: p.offset,
        })),
      })),
    }),
  )
  return {
    throttleTimeMs: 0,
    topics: topics.map((t) => ({
      name: t.name,
      partitions: arr(t.partitions).map((p) => {
        const r = results.get(t.name, p.partitionIndex)
        return {
          partitionIndex: p.partitionIndex,
          lowWatermark: r?.lowWatermark ?? -1,
          errorCode: r?.errorCode ?? results.missingCode,
        }
      }),
    })),
  }
}

export async function initProducerId(
  ctx: ApiContext,
  _version: number,
  body: Request<typeof API.InitProducerId>,
): Promise<Response<typeof API.InitProducerId>> {
  if (body.transactionalId != null) {
    // No transactions: refuse a transactional id rather than pretend to fence it.
    return {
      throttleTimeMs: 0,
      errorCode: codeNamed('TRANSACTIONAL_ID_AUTHORIZATION_FAILED'),
      producerId: -1,
      producerEpoch: -1,
    }
  }
  try {
    const res = await ctx.service.initProducerId({
      transactionalId: null,
      transactionTimeoutMs: body.transactionTimeoutMs,
      producerId: body.producerId ?? -1,
      producerEpoch: body.producerEpoch ?? -1,
    })
    return { throttleTimeMs: 0, ...res }
  } catch (e) {
    return {
      throttleTimeMs: 0,
      errorCode: codeOf(e, ctx, 'initProducerId'),
      producerId: -1,
      producerEpoch: -1,
    }
  }
}
