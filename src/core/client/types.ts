/**
 * @module The client's public types, shaped like kafkajs so code written for it reads the same.
 * Offsets and timestamps are plain numbers; inputs also accept numeric strings, as kafkajs users pass.
 */

import type { Clock } from '../clock.ts'
import type { Acks, BrokerService } from '../service.ts'
import type { Assignor } from './assignors.ts'

export type Bytes = Uint8Array
/** Keys and values: strings are UTF-8 encoded; null is Kafka's null. */
export type BytesInput = string | Uint8Array | null | undefined
export type HeadersInput = Record<
  string,
  string | Uint8Array | null | undefined | (string | Uint8Array | null)[]
>

export interface Logger {
  debug(message: string, extra?: object): void
  info(message: string, extra?: object): void
  warn(message: string, extra?: object): void
  error(message: string, extra?: object): void
}

export interface RetryOptions {
  /** How many times a retriable failure is retried (default 5). */
  retries?: number
  /** First back-off in ms (default 300); doubles each time with ±20 % jitter. */
  initialRetryTime?: number
  /** Largest back-off in ms (default 30 000). */
  maxRetryTime?: number
  factor?: number
  multiplier?: number
}

export interface BrookConfig {
  service: BrokerService
  clientId?: string
  clock?: Clock
  logger?: Logger
  /** Every remote call fails with REQUEST_TIMED_OUT after this many ms (default 30 000). */
  requestTimeoutMs?: number
  retry?: RetryOptions
}

// ---- producer ----

export interface Message {
  key?: BytesInput
  value: BytesInput
  headers?: HeadersInput
  partition?: number
  /** Milliseconds since the epoch (number or numeric string); defaults to now. */
  timestamp?: number | string
}

export interface ProducerRecord {
  topic: string
  messages: Message[]
  acks?: Acks
  /** Broker-side wait for acks=all, in ms. */
  timeout?: number
  /** A `Compression` code (0 none, 1 gzip, …). */
  compression?: number
}

export interface TopicMessages {
  topic: string
  messages: Message[]
}

export interface ProducerBatch {
  topicMessages: TopicMessages[]
  acks?: Acks
  timeout?: number
  compression?: number
}

export interface RecordMetadata {
  topicName: string
  partition: number
  errorCode: number
  /** Offset of this send's first record in the partition. */
  baseOffset: number
  /** -1 unless the topic uses LogAppendTime. */
  logAppendTime: number
  logStartOffset: number
}

export interface ProducerConfig {
  /** Exactly-once per partition against retries (default true): needs acks = -1. */
  idempotent?: boolean
  /** Default acks for send() (default -1 = all). */
  acks?: Acks
  /** How long send() waits to gather more records into one batch (default 0: same tick only). */
  lingerMs?: number
  /** Largest batch in bytes before it is sent at once (default 1 MiB). */
  batchSize?: number
  /** Produce requests in flight at once (default 5, the most idempotence allows). */
  maxInFlightRequests?: number
  allowAutoTopicCreation?: boolean
  retry?: RetryOptions
  /** Default `Compression` code for send(). */
  compression?: number
}

// ---- consumer ----

/**
 * A record's headers as kafkajs gives them: one property per key, own even for `__proto__`; a key
 * that occurs more than once holds all its values in an array, in record order.
 */
export type MessageHeaders = Record<string, Bytes | null | (Bytes | null)[]>

export interface KafkaMessage {
  key: Bytes | null
  value: Bytes | null
  headers: MessageHeaders
  timestamp: number
  offset: number
  attributes: number
  /** Bytes of the record as stored (approximate: key + value + headers). */
  size?: number
}

export interface Batch {
  topic: string
  partition: number
  highWatermark: number
  messages: KafkaMessage[]
  isEmpty(): boolean
  firstOffset(): number | null
  lastOffset(): number
  /** highWatermark − 1 − lastOffset: records still to read after this batch. */
  offsetLag(): number
  offsetLagLow(): number
}

export interface TopicPartitionOffset {
  topic: string
  partition: number
  offset: number | string
}

export interface TopicPartitionOffsetAndMetadata extends TopicPartitionOffset {
  metadata?: string | null
}

export interface EachMessagePayload {
  topic: string
  partition: number
  message: KafkaMessage
  heartbeat(): Promise<void>
  /** Pauses this topic-partition; the rest of the batch is not delivered. Returns a resume function. */
  pause(): () => void
}

export interface EachBatchPayload {
  batch: Batch
  resolveOffset(offset: number | string): void
  heartbeat(): Promise<void>
  pause(): () => void
  commitOffsetsIfNecessary(offsets?: TopicPartitionOffsetAndMetadata[]): Promise<void>
  uncommittedOffsets(): { topics: { topic: string; partitions: { partition: number; offset: number }[] }[] }
  isRunning(): boolean
  /** True once the partition was revoked, sought or paused since this batch was fetched. */
  isStale(): boolean
}

export type EachMessageHandler = (payload: EachMessagePayload) => Promise<void> | void
export type EachBatchHandler = (payload: EachBatchPayload) => Promise<void> | void

export interface ConsumerRunConfig {
  autoCommit?: boolean
  /** Commit at most every this many ms (default: after every fetched round). */
  autoCommitInterval?: number | null
  /** Commit once this many records were resolved. */
  autoCommitThreshold?: number | null
  eachBatchAutoResolve?: boolean
  /** Accepted for kafkajs compatibility; partitions are processed in order, one at a time. */
  partitionsConsumedConcurrently?: number
  eachMessage?: EachMessageHandler
  eachBatch?: EachBatchHandler
}

export interface ConsumerSubscribeTopics {
  topics: (string | RegExp)[]
  fromBeginning?: boolean
}
export interface ConsumerSubscribeTopic {
  topic: string | RegExp
  fromBeginning?: boolean
}

/** A group assignor (`range`, `roundrobin`, or your own): the group leader runs it. */
export type PartitionAssigner = Assignor

export interface ConsumerConfig {
  groupId: string
  sessionTimeout?: number
  rebalanceTimeout?: number
  heartbeatInterval?: number
  maxWaitTimeInMs?: number
  minBytes?: number
  maxBytes?: number
  maxBytesPerPartition?: number
  /** Preference order; the coordinator picks the first every member supports. */
  partitionAssigners?: PartitionAssigner[]
  allowAutoTopicCreation?: boolean
  /** How often subscribed RegExps are matched against topics again (default 300 000 ms). */
  metadataMaxAge?: number
  retry?: RetryOptions
  /** Check record CRCs on fetch (default true, as Kafka's `check.crcs`). */
  checkCrcs?: boolean
}

export interface InstrumentationEvent<T> {
  id: number
  type: string
  timestamp: number
  payload: T
}

// ---- admin ----

export interface ITopicConfig {
  topic: string
  numPartitions?: number
  replicationFactor?: number
  configEntries?: { name: string; value: string }[]
}

export interface PartitionMetadataView {
  partitionErrorCode: number
  partitionId: number
  leader: number
  replicas: number[]
  isr: number[]
}

export interface TopicMetadataView {
  name: string
  partitions: PartitionMetadataView[]
}

export interface GroupMemberDescription {
  memberId: string
  clientId: string
  clientHost: string
  memberMetadata: Uint8Array
  memberAssignment: Uint8Array
  /** Decoded ConsumerProtocol assignment (topic → partitions), when the group is a consumer group. */
  assignment: Record<string, number[]> | null
  /** Decoded subscribed topics, when the group is a consumer group. */
  subscription: string[] | null
}

export interface GroupDescription {
  groupId: string
  state: string
  protocol: string
  protocolType: string
  errorCode: number
  members: GroupMemberDescription[]
}
