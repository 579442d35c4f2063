/**
 * @module What every Kafka API handler of the server shares: the context it runs in, the shape of
 * a handler, and the helpers that turn service results and failures into per-topic and
 * per-partition error codes.
 */

import { isBrookError } from '../errors.ts'
import type { Log } from '../log.ts'
import type { BrokerInfo, BrokerService } from '../service.ts'
import type { ApiKey, RequestBody, ResponseInput } from './types.generated.ts'

// biome-ignore lint/suspicious/noExplicitAny: handlers not yet typed take bodies as the codec decodes them
export type Body = Record<string, any>

/** The decoded request of API `K`: every field of the spec, those absent from its version defaulted. */
export type Request<K extends ApiKey> = RequestBody<K>
/** A response to API `K`: fields left out encode as their spec default. */
export type Response<K extends ApiKey> = ResponseInput<K>

/** A handler typed by its API's message specs (types.generated.ts). */
export type TypedHandler<K extends ApiKey> = (
  ctx: ApiContext,
  version: number,
  body: Request<K>,
) => Promise<Response<K> | null>

/** `[key, handler]` for the handler table, the handler checked against API `key`'s types. */
export function typed<K extends ApiKey>(key: K, handler: TypedHandler<K>): [number, ApiHandler] {
  return [key, handler as unknown as ApiHandler]
}

export interface ApiContext {
  service: BrokerService
  advertised: BrokerInfo
  clientId: string
  clientHost: string
  log: Log
  /** Mutes the connection for this long after the response (a quota's throttle time). */
  throttle?: (ms: number) => void
}

/** What an API handler returns: a response body, or null when Kafka sends no response (acks=0). */
export type ApiHandler = (ctx: ApiContext, version: number, body: Body) => Promise<Body | null>

export const NO_AUTHORIZED_OPERATIONS = -2147483648

/** The Kafka error code for anything a call threw; unexpected errors are logged, never fatal. */
export function codeOf(e: unknown, ctx: ApiContext, what: string): number {
  if (isBrookError(e)) return e.code
  ctx.log(`${what} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`, 'error')
  return -1
}

export const arr = <T>(v: T[] | null | undefined): T[] => v ?? []

export const UNKNOWN_TOPIC_OR_PARTITION = 3

/** `topics[].partitions[]` of a service response, by topic name and partition. */
export function indexPartitions<P extends { partition: number }>(
  topics: { name: string; partitions: P[] }[],
): Map<string, Map<number, P>> {
  // A topic may come more than once, one entry per partition (@platformatic/kafka's Fetch does).
  const byTopic = new Map<string, Map<number, P>>()
  for (const t of topics) {
    const partitions = byTopic.get(t.name) ?? new Map<number, P>()
    byTopic.set(t.name, partitions)
    for (const p of t.partitions) partitions.set(p.partition, p)
  }
  return byTopic
}

export interface PartitionResults<P> {
  /** The service's result for one partition, when it returned one. */
  get(topic: string, partition: number): P | undefined
  /** The error of a partition without a result: the call's failure, else UNKNOWN_TOPIC_OR_PARTITION. */
  missingCode: number
}

/** Runs a per-partition service call; a call that throws leaves every partition with its error code. */
export async function partitionResults<P extends { partition: number }>(
  ctx: ApiContext,
  what: string,
  call: () => Promise<{ topics: { name: string; partitions: P[] }[] }>,
): Promise<PartitionResults<P>> {
  let res: { topics: { name: string; partitions: P[] }[] }
  try {
    res = await call()
  } catch (e) {
    return { get: () => undefined, missingCode: codeOf(e, ctx, what) || UNKNOWN_TOPIC_OR_PARTITION }
  }
  const byTopic = indexPartitions(res.topics)
  return { get: (t, p) => byTopic.get(t)?.get(p), missingCode: UNKNOWN_TOPIC_OR_PARTITION }
}

/** Runs a per-topic admin call; a call that throws gives every named topic its error code. */
export async function topicResults(
  ctx: ApiContext,
  what: string,
  names: string[],
  call: () => Promise<{ name: string; errorCode: number; errorMessage?: string | null }[]>,
): Promise<{ name: string; errorCode: number; errorMessage: string | null }[]> {
  let results: { name: string; errorCode: number; errorMessage?: string | null }[]
  try {
    results = await call()
  } catch (e) {
    const errorCode = codeOf(e, ctx, what)
    results = names.map((name) => ({ name, errorCode }))
  }
  return results.map((r) => ({ name: r.name, errorCode: r.errorCode, errorMessage: r.errorMessage ?? null }))
}

/** brook is one node: every node id the broker reports is this listener's advertised id. */
export const node = (ctx: ApiContext) => ctx.advertised.nodeId
