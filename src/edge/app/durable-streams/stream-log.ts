/**
 * @module A stream's own topic: one partition whose records are the stream's data, one record per
 * append (one per value in JSON mode), in one RecordBatch per append. What the protocol must
 * remember about appends travels in record headers of the same batch, so an append and the state
 * it changes are one atomic write:
 *
 * - `ds-producer-id`, `ds-producer-epoch`, `ds-producer-seq` on the last record of an idempotent
 *   producer's append; `ds-stream-seq` (the writer's Stream-Seq) likewise;
 * - closing appends a *close marker*: a record with a null value and the header `ds-closed`
 *   (carrying the producer headers when a producer closed). It is always the last record, takes
 *   no stream position, and readers skip it.
 *
 * After a restart the tail and the closed flag come from the last record; producer state and the
 * last Stream-Seq from one scan of the topic, done when the first append that needs it arrives.
 */

import {
  decodeRecordsAsync,
  encodeBatch,
  type Record as KafkaRecord,
  type RecordHeader,
  type RecordInput,
  splitBatches,
} from '../../../core/format/record-batch.ts'
import { type BrokerService, LATEST_TIMESTAMP } from '../../../core/service.ts'
import { brokerError } from './http.ts'
import { PRODUCER_STATE_TTL_MS, type ProducerClaim, type ProducerState } from './producers.ts'

export const HEADER = {
  producerId: 'ds-producer-id',
  producerEpoch: 'ds-producer-epoch',
  producerSeq: 'ds-producer-seq',
  streamSeq: 'ds-stream-seq',
  closed: 'ds-closed',
} as const

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const SCAN_BYTES = 4 << 20

/** The protocol facts one append (or close) records beside its data. */
export interface AppendFacts {
  producer?: ProducerClaim
  streamSeq?: string
  close?: boolean
}

function factHeaders(facts: AppendFacts): RecordHeader[] {
  const h: RecordHeader[] = []
  if (facts.producer) {
    h.push({ key: HEADER.producerId, value: encoder.encode(facts.producer.id) })
    h.push({ key: HEADER.producerEpoch, value: encoder.encode(String(facts.producer.epoch)) })
    h.push({ key: HEADER.producerSeq, value: encoder.encode(String(facts.producer.seq)) })
  }
  if (facts.streamSeq !== undefined) h.push({ key: HEADER.streamSeq, value: encoder.encode(facts.streamSeq) })
  return h
}

/** The records of one append: the values, its facts on the last, and the close marker if asked. */
export function appendRecords(values: readonly Uint8Array[], facts: AppendFacts): RecordInput[] {
  const records: RecordInput[] = values.map((value) => ({ value }))
  const headers = factHeaders(facts)
  if (facts.close) {
    records.push({
      value: null,
      headers: [...headers, { key: HEADER.closed, value: encoder.encode('true') }],
    })
  } else if (headers.length > 0 && records.length > 0) {
    records[records.length - 1]!.headers = headers
  }
  return records
}

/** Appends one batch (acks=all); its base offset. */
export async function produce(
  service: BrokerService,
  topic: string,
  records: RecordInput[],
): Promise<number> {
  const res = await service.produce({
    acks: -1,
    timeoutMs: 30_000,
    topics: [{ name: topic, partitions: [{ partition: 0, records: encodeBatch({ records }) }] }],
  })
  const p = res.topics[0]?.partitions[0]
  if (!p) throw brokerError(-1, topic)
  if (p.errorCode !== 0) throw brokerError(p.errorCode, topic)
  return p.baseOffset
}

export function headerText(r: KafkaRecord, key: string): string | undefined {
  for (const h of r.headers) if (h.key === key) return h.value ? decoder.decode(h.value) : ''
  return undefined
}

export function isCloseMarker(r: KafkaRecord): boolean {
  return headerText(r, HEADER.closed) !== undefined
}

/** The producer claim a record carries, if any. */
export function producerOf(r: KafkaRecord): ProducerClaim | undefined {
  const id = headerText(r, HEADER.producerId)
  const epoch = Number(headerText(r, HEADER.producerEpoch))
  const seq = Number(headerText(r, HEADER.producerSeq))
  if (id === undefined || !Number.isSafeInteger(epoch) || !Number.isSafeInteger(seq)) return undefined
  return { id, epoch, seq }
}

/** Records of one fetched batch, in order (the records of one append). */
export interface FetchedBatch {
  records: KafkaRecord[]
}

export interface OwnRead {
  batches: FetchedBatch[]
  highWatermark: number
}

/**
 * One fetch of the stream's topic from `offset`: whole batches, records before `offset` dropped,
 * waiting up to `waitMs` for the first when there is none yet.
 */
export async function fetchOwn(
  service: BrokerService,
  topic: string,
  offset: number,
  maxBytes: number,
  waitMs = 0,
): Promise<OwnRead> {
  const res = await service.fetch({
    maxWaitMs: waitMs,
    minBytes: waitMs > 0 ? 1 : 0,
    maxBytes,
    topics: [
      { name: topic, partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes: maxBytes }] },
    ],
  })
  const p = res.topics[0]?.partitions[0]
  if (!p) throw brokerError(-1, topic)
  if (p.errorCode !== 0) throw brokerError(p.errorCode, topic)
  const batches: FetchedBatch[] = []
  for (const bytes of splitBatches(p.records, { partialTail: true })) {
    const records = (await decodeRecordsAsync(bytes)).filter((r) => r.offset >= offset)
    if (records.length > 0) batches.push({ records })
  }
  return { batches, highWatermark: p.highWatermark }
}

/** What the end of a stream's topic says: how many records, and whether a close marker ends it. */
export interface TailFacts {
  highWatermark: number
  closed: boolean
  closedBy?: ProducerClaim
}

export async function readTail(service: BrokerService, topic: string): Promise<TailFacts> {
  const res = await service.listOffsets({
    topics: [{ name: topic, partitions: [{ partition: 0, timestamp: LATEST_TIMESTAMP }] }],
  })
  const p = res.topics[0]?.partitions[0]
  if (!p) throw brokerError(-1, topic)
  if (p.errorCode !== 0) throw brokerError(p.errorCode, topic)
  const hw = p.offset
  if (hw <= 0) return { highWatermark: 0, closed: false }
  const last = (await fetchOwn(service, topic, hw - 1, 64 << 10)).batches
    .flatMap((b) => b.records)
    .find((r) => r.offset === hw - 1)
  if (!last || !isCloseMarker(last)) return { highWatermark: hw, closed: false }
  return { highWatermark: hw, closed: true, closedBy: producerOf(last) }
}

/** The producers and last Stream-Seq of a stream, folded from its topic's headers below `end`. */
export interface WriterState {
  producers: Map<string, ProducerState>
  streamSeq?: string
}

export async function scanWriters(service: BrokerService, topic: string, end: number): Promise<WriterState> {
  const state: WriterState = { producers: new Map() }
  const now = Date.now()
  let offset = 0
  while (offset < end) {
    const { batches } = await fetchOwn(service, topic, offset, SCAN_BYTES)
    if (batches.length === 0) break
    for (const { records } of batches) {
      for (const r of records) {
        if (r.offset >= end) return state
        offset = r.offset + 1
        const producer = producerOf(r)
        if (producer && now - r.timestamp <= PRODUCER_STATE_TTL_MS)
          state.producers.set(producer.id, {
            epoch: producer.epoch,
            lastSeq: producer.seq,
            lastUpdated: r.timestamp,
          })
        const seq = headerText(r, HEADER.streamSeq)
        if (seq !== undefined) state.streamSeq = seq
      }
    }
  }
  return state
}

/** A record's value as stored; foreign null values (Kafka tombstones) read as empty. */
export function recordBytes(r: KafkaRecord): Uint8Array {
  return r.value ?? new Uint8Array(0)
}
