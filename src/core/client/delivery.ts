/**
 * @module Handing fetched records to the application: `eachBatch` or `eachMessage`, resolving what it
 * processed and moving the fetch position. What was not resolved is fetched again — by this member,
 * or after a rebalance by the partition's next owner.
 */

import type { OffsetManager, PartitionState } from './offset-manager.ts'
import { toNumber } from './retry.ts'
import type {
  Batch,
  ConsumerRunConfig,
  EachBatchPayload,
  KafkaMessage,
  TopicPartitionOffsetAndMetadata,
} from './types.ts'

/** What delivery needs from its consumer. */
export interface DeliveryHost {
  config: ConsumerRunConfig
  offsets: OffsetManager
  isRunning(): boolean
  /** The generation is ending: stop handing out records so the member can rejoin. */
  mustRejoin(): boolean
  isPaused(topic: string, partition: number): boolean
  pause(list: { topic: string; partitions?: number[] }[]): void
  resume(list: { topic: string; partitions?: number[] }[]): void
  heartbeat(): Promise<void>
  commitOffsets(list: TopicPartitionOffsetAndMetadata[]): Promise<void>
  commitIfNecessary(): Promise<void>
  emit(type: string, payload: unknown): void
}

/** Thrown out of delivery so a handler's error is told apart from the client's own failures. */
export class HandlerError extends Error {
  constructor(readonly error: unknown) {
    super('message handler failed')
  }
}

export async function deliver(
  host: DeliveryHost,
  s: PartitionState,
  messages: KafkaMessage[],
  nextOffset: number,
  highWatermark: number,
): Promise<void> {
  const cfg = host.config
  const epoch = s.epoch
  if (messages.length === 0) {
    // Only control records or compaction gaps: move past them, and commit past them when the
    // application has resolved everything before.
    if (s.resolved === s.position || (s.resolved < 0 && s.committed === s.position)) s.resolved = nextOffset
    s.position = nextOffset
    return
  }
  const { topic, partition } = s
  const pause = () => {
    host.pause([{ topic, partitions: [partition] }])
    return () => host.resume([{ topic, partitions: [partition] }])
  }
  const heartbeat = () => host.heartbeat()
  if (cfg.eachBatch) {
    const batch = makeBatch(topic, partition, highWatermark, messages)
    const payload: EachBatchPayload = {
      batch,
      resolveOffset: (o) => {
        if (s.epoch === epoch) host.offsets.resolve(s, toNumber(o, 'offset') + 1)
      },
      heartbeat,
      pause,
      commitOffsetsIfNecessary: async (offsets) => {
        if (offsets) await host.commitOffsets(offsets)
        else await host.commitIfNecessary()
      },
      uncommittedOffsets: () => host.offsets.uncommitted(),
      isRunning: () => host.isRunning(),
      isStale: () =>
        s.epoch !== epoch || host.mustRejoin() || !host.isRunning() || host.isPaused(topic, partition),
    }
    host.emit('consumer.start_batch_process', { topic, partition, batchSize: messages.length })
    try {
      const r = cfg.eachBatch(payload)
      if (r && typeof (r as Promise<void>).then === 'function') await r
    } catch (e) {
      if (s.epoch === epoch && s.resolved > s.position) s.position = s.resolved
      throw new HandlerError(e)
    }
    if (s.epoch !== epoch) return
    if (cfg.eachBatchAutoResolve !== false) host.offsets.resolve(s, nextOffset, messages.length)
    // What the application did not resolve is fetched again (kafkajs does the same).
    if (s.resolved >= nextOffset) s.position = nextOffset
    else if (s.resolved > s.position) s.position = s.resolved
    host.emit('consumer.end_batch_process', { topic, partition, batchSize: messages.length })
    return
  }
  const each = cfg.eachMessage!
  let i = 0
  for (; i < messages.length; i++) {
    if (s.epoch !== epoch || !host.isRunning() || host.mustRejoin() || host.isPaused(topic, partition)) break
    const message = messages[i]!
    try {
      const r = each({ topic, partition, message, heartbeat, pause })
      if (r && typeof (r as Promise<void>).then === 'function') await r
    } catch (e) {
      if (s.epoch === epoch) s.position = message.offset
      throw new HandlerError(e)
    }
    if (s.epoch !== epoch) break // sought during the handler: the seek wins
    s.resolved = message.offset + 1
    host.offsets.resolvedSinceCommit++
  }
  if (s.epoch !== epoch) return
  if (i === messages.length) {
    s.position = nextOffset
    s.resolved = nextOffset
  } else s.position = messages[i]!.offset
}

function makeBatch(topic: string, partition: number, highWatermark: number, messages: KafkaMessage[]): Batch {
  return {
    topic,
    partition,
    highWatermark,
    messages,
    isEmpty: () => messages.length === 0,
    firstOffset: () => (messages.length > 0 ? messages[0]!.offset : null),
    lastOffset: () => (messages.length > 0 ? messages[messages.length - 1]!.offset : highWatermark - 1),
    offsetLag: () =>
      Math.max(
        0,
        highWatermark - 1 - (messages.length > 0 ? messages[messages.length - 1]!.offset : highWatermark - 1),
      ),
    offsetLagLow: () =>
      Math.max(0, highWatermark - 1 - (messages.length > 0 ? messages[0]!.offset : highWatermark - 1)),
  }
}
