/**
 * @module Exactly-once upload of local topics to a remote broker (issue 11, first step): the
 * outbox is the local partition itself, the upload position is the committed offset of an internal
 * group on the local broker, and the remote broker deduplicates with its idempotent-producer
 * check. What makes a retry after any crash exact is that a batch's producer sequence is a
 * function of its local offsets (`baseSequence = localBaseOffset − base`) and that each local batch
 * goes up whole, as one remote batch: a batch sent again after a crash carries the same first and
 * last sequence, which the remote broker recognises as a duplicate and does not store twice.
 *
 * Persisted beside the position (in the caller's state store), per partition: the remote producer
 * id and epoch, and the local offset where its sequence 0 lies (`base`), written down before the
 * producer's first batch. A batch the remote broker refuses for good (too large, not authorized)
 * goes to the local topic `brook-dead-letters` with the reason, and the partition goes on with a
 * new producer from the next batch, so one poison batch never blocks the ones behind it. Runtime-neutral: it reaches both
 * brokers through `BrokerService`, so the local side is a Broker on any Store and the remote side a
 * relay connection, a Kafka TCP connection or an in-process broker.
 */

import { BrookError, errorCode, errorName } from '../errors.ts'
import { concatBytes } from '../format/bytes.ts'
import {
  decodeRecordsAsync,
  encodeBatch,
  lastOffsetOf,
  type Record,
  readBatchHeader,
} from '../format/record-batch.ts'
import { REMEMBERED_BATCHES } from '../producer-state.ts'
import { type BrokerService, EARLIEST_TIMESTAMP } from '../service.ts'
import type { Json } from '../store.ts'
import { uploadBacklog, uploadGroup, uploadPosition } from './backlog.ts'
import { eachPartition, ensureTopic, readBatches, type Unit, unitBatch, unitOf } from './partitions.ts'

const DUPLICATE = errorCode('DUPLICATE_SEQUENCE_NUMBER')
const UNKNOWN_PRODUCER = errorCode('UNKNOWN_PRODUCER_ID')
/** A local fetch reads at most this much per partition per round. */

/** Where the uploader keeps its producer state: e.g. a Store's getMeta/setMeta. */
export interface UploadStateStore {
  get(key: string): Promise<Json | undefined>
  set(key: string, value: Json): Promise<void>
}

export interface UploaderOptions {
  local: BrokerService
  remote: BrokerService
  state: UploadStateStore
  /** Local topics to upload; each goes to the remote topic of the same name and partition. */
  topics: string[]
  /** Names the position group (`__brook-sync-<name>`) and the state key. Default `upload`. */
  name?: string
  timeoutMs?: number
  /**
   * Given, this uploader takes each partition over from whoever uploaded it before (a former
   * leader, a worker that was terminated) the first time it meets it, and adds its
   * `topic/partition` key here; a sync engine passes the same set to every round. Taking over
   * settles the run the last uploader may have left in doubt, with its producer epoch, then bumps
   * the epoch (KIP-360): a request of the former uploader still on its way is then refused.
   */
  takenOver?: Set<string>
  /** Called after the remote broker acknowledged a batch and before the position moves (tests crash here). */
  afterRemoteAck?: (topic: string, partition: number, nextOffset: number) => void | Promise<void>
}

/** A partition's remote producer: its id and epoch, and the local offset whose sequence is 0. */
interface PartitionProducer {
  producerId: number
  epoch: number
  base: number
}

/**
 * Refusals that sending again cannot change: the batch goes to the dead-letter topic and the
 * rest keeps flowing.
 */
const POISON = new Set(
  [
    'MESSAGE_TOO_LARGE',
    'RECORD_LIST_TOO_LARGE',
    'INVALID_RECORD',
    'CORRUPT_MESSAGE',
    'INVALID_TIMESTAMP',
    'TOPIC_AUTHORIZATION_FAILED',
    'POLICY_VIOLATION',
    'UNSUPPORTED_COMPRESSION_TYPE',
    'INVALID_TOPIC_EXCEPTION',
  ].map((n) => errorCode(n as never)),
)

/** Where refused records go, with headers naming their topic, partition, offset and the error. */
export const DEAD_LETTER_TOPIC = 'brook-dead-letters'

class Poison extends Error {
  constructor(readonly code: number) {
    super(errorName(code))
  }
}

export interface UploadRound {
  /** Records the remote broker acknowledged in this round (duplicates of an earlier crash included). */
  uploaded: number
  /**
   * Records deleted locally before they were uploaded (retention or deleteRecords on a topic that
   * syncs): skipped, since they cannot be read any more, and counted here so that it is said.
   */
  lost: number
}

export class Uploader {
  private readonly group: string
  private readonly stateKey: string
  private readonly timeoutMs: number
  private lost = 0
  /** Each partition's producer as written down: read once, then kept. */
  private readonly producers = new Map<string, PartitionProducer>()

  constructor(private readonly opts: UploaderOptions) {
    const name = opts.name ?? 'upload'
    this.group = uploadGroup(name)
    this.stateKey = `sync/${name}`
    this.timeoutMs = opts.timeoutMs ?? 30_000
  }

  /** Records not yet uploaded, per `topic/partition`: log end − position, exact after any crash. */
  async pending(): Promise<Map<string, number>> {
    const out = new Map<string, number>()
    for (const p of await uploadBacklog(this.opts.local, this.opts.topics, this.opts.name))
      out.set(`${p.topic}/${p.partition}`, p.records)
    return out
  }

  /**
   * Uploads everything pending, in order per partition, the partitions side by side. A topic or
   * partition that fails does not hold back the others; the first failure is thrown at the end.
   */
  async syncOnce(): Promise<UploadRound> {
    const { local, remote, topics } = this.opts
    const uploaded = await eachPartition(local, remote, topics, 'on the remote broker', (topic, p, ready) =>
      ready.then(() => this.uploadPartition(topic, p)),
    )
    return { uploaded, lost: this.lost }
  }

  /**
   * Reads the partition from its position and sends its batches in runs of up to
   * `REMEMBERED_BATCHES` per request, one request at a time, moving the position after each run.
   * A run sent again after a crash is the same batches with the same sequences, all among the
   * last ones the remote broker remembers, so it answers them as duplicates.
   */
  private async uploadPartition(topic: string, partition: number): Promise<number> {
    let uploaded = 0
    let position = await this.position(topic, partition)
    const key = `${topic}/${partition}`
    const taken = this.opts.takenOver
    if (taken && !taken.has(key)) {
      position = await this.takeOver(topic, partition, position)
      taken.add(key)
    }
    for (;;) {
      let read: { units: Unit[]; end: number }
      try {
        read = await this.unitsFrom(topic, partition, position)
      } catch (e) {
        const start = await this.startPastGap(e, topic, partition, position)
        this.lost += start - position
        position = start
        await this.commit(topic, partition, position)
        continue
      }
      const { units, end } = read
      if (units.length === 0) {
        if (end <= position) return uploaded
        // Batches without records past the position: step over them.
        position = end
        await this.commit(topic, partition, position)
        continue
      }
      for (let i = 0; i < units.length; ) {
        const producer = await this.producerFor(topic, partition, units[i]!.first)
        if (units[i]!.first < producer.base) {
          // Before this producer's start: a batch already dead-lettered when a crash kept the
          // position from moving past it.
          while (i < units.length && units[i]!.first < producer.base) i++
          position = producer.base
          await this.commit(topic, partition, position)
          continue
        }
        const run = units.slice(i, i + REMEMBERED_BATCHES)
        i += run.length
        try {
          await this.send(topic, partition, run, producer)
        } catch (e) {
          if (!(e instanceof Poison)) throw e
          // One batch of the run is refused for good: find it by sending them one by one.
          for (const unit of run) uploaded += await this.sendAlone(topic, partition, unit)
          position = run[run.length - 1]!.next
          continue
        }
        position = run[run.length - 1]!.next
        await this.opts.afterRemoteAck?.(topic, partition, position)
        await this.commit(topic, partition, position)
        for (const unit of run) uploaded += unit.count
      }
    }
  }

  /**
   * The local log start when `e` says the position fell before it (records deleted unsent);
   * otherwise `e` again.
   */
  private async startPastGap(
    e: unknown,
    topic: string,
    partition: number,
    position: number,
  ): Promise<number> {
    if (!(e instanceof BrookError) || e.type !== 'OFFSET_OUT_OF_RANGE') throw e
    const res = await this.opts.local.listOffsets({
      topics: [{ name: topic, partitions: [{ partition, timestamp: EARLIEST_TIMESTAMP }] }],
    })
    const start = res.topics[0]?.partitions[0]?.offset ?? -1
    if (start <= position) throw e
    return start
  }

  /** The local batches from `position` as units to send, and the offset after the last batch read. */
  private async unitsFrom(
    topic: string,
    partition: number,
    position: number,
  ): Promise<{ units: Unit[]; end: number }> {
    const batches = await readBatches(this.opts.local, topic, partition, position, 'local')
    const units: Unit[] = []
    for (const batch of batches) {
      const unit = await unitOf(batch, position)
      if (unit) units.push(unit)
    }
    const last = batches[batches.length - 1]
    return { units, end: last ? Math.max(position, lastOffsetOf(readBatchHeader(last)) + 1) : position }
  }

  /**
   * The previous uploader sent at most one run past the position it recorded (it records each
   * run's end before sending the next). Sent again with that uploader's epoch, the run is stored
   * or answered as a duplicate, never stored twice; then the epoch goes up, the sequence restarting
   * at the new position, and a request of the previous uploader still on its way is refused.
   */
  private async takeOver(topic: string, partition: number, position: number): Promise<number> {
    const key = this.stateKeyOf(topic, partition)
    const saved = (await this.opts.state.get(key)) as unknown as PartitionProducer | undefined
    if (!saved || typeof saved.producerId !== 'number') return position
    this.producers.set(key, saved)
    const { units } = await this.unitsFrom(topic, partition, position).catch(() => ({ units: [] as Unit[] }))
    const run = units.filter((u) => u.first >= saved.base).slice(0, REMEMBERED_BATCHES)
    if (run.length > 0 && run[0]!.first === position) {
      try {
        await this.send(topic, partition, run, saved)
        position = run[run.length - 1]!.next
        await this.commit(topic, partition, position)
      } catch (e) {
        // Fenced already (another uploader took over first), or refused: the normal path decides.
        if (!(e instanceof Poison) && !(e instanceof BrookError && e.type === 'INVALID_PRODUCER_EPOCH'))
          throw e
      }
    }
    const current = this.producers.get(key) ?? saved
    const res = await this.opts.remote.initProducerId({
      transactionalId: null,
      transactionTimeoutMs: 60_000,
      producerId: current.producerId,
      producerEpoch: current.epoch,
    })
    if (res.errorCode !== 0)
      throw BrookError.fromCode(res.errorCode, `taking over the upload of ${topic}[${partition}]`)
    const producer = { producerId: res.producerId, epoch: res.producerEpoch, base: position }
    await this.opts.state.set(key, producer as unknown as Json)
    this.producers.set(key, producer)
    return position
  }

  /** One batch alone; refused for good, it goes to the dead-letter topic. The position moves past it. */
  private async sendAlone(topic: string, partition: number, unit: Unit): Promise<number> {
    const producer = await this.producerFor(topic, partition, unit.first)
    if (unit.first >= producer.base) {
      try {
        await this.send(topic, partition, [unit], producer)
      } catch (e) {
        if (!(e instanceof Poison)) throw e
        await this.deadLetter(
          topic,
          partition,
          unit.records ?? (await decodeRecordsAsync(unit.batch!)),
          e.code,
        )
        // The remote never stored it, so its sequences are not taken: a new producer starts at
        // the next batch (sequence 0), written down before the position moves.
        await this.newProducer(topic, partition, unit.next)
      }
    }
    await this.opts.afterRemoteAck?.(topic, partition, unit.next)
    await this.commit(topic, partition, unit.next)
    return unit.count
  }

  /** Local batches up, each as one remote batch whose sequence its local offsets fix. */
  private async send(
    topic: string,
    partition: number,
    run: Unit[],
    producer: PartitionProducer,
    retried = false,
  ): Promise<void> {
    const parts = run.map((u) => unitBatch(u, producer.producerId, producer.epoch, u.first - producer.base))
    const res = await this.opts.remote.produce({
      acks: -1,
      timeoutMs: this.timeoutMs,
      topics: [{ name: topic, partitions: [{ partition, records: concatBytes(parts) }] }],
    })
    const code = res.topics[0]?.partitions[0]?.errorCode ?? errorCode('UNKNOWN_SERVER_ERROR')
    if (code === 0 || code === DUPLICATE) return
    if (POISON.has(code)) throw new Poison(code)
    if (code === UNKNOWN_PRODUCER && !retried) {
      // The remote broker forgot this producer (expired): a new id, sequence 0 from this run.
      // Only a batch sent before the expiry and not yet recorded here could then be stored twice.
      const fresh = await this.newProducer(topic, partition, run[0]!.first)
      return this.send(topic, partition, run, fresh, true)
    }
    throw BrookError.fromCode(
      code,
      `uploading ${topic}[${partition}] from ${run[0]!.first} (${errorName(code)})`,
    )
  }

  private async deadLetter(topic: string, partition: number, records: Record[], code: number): Promise<void> {
    const text = new TextEncoder()
    await ensureTopic(this.opts.local, DEAD_LETTER_TOPIC, 1, 'locally')
    // Set aside already, by an uploader that stopped before it moved on: not twice.
    if (await this.lastDeadLetterIs(topic, partition, records[0]!.offset)) return
    const res = await this.opts.local.produce({
      acks: -1,
      timeoutMs: this.timeoutMs,
      topics: [
        {
          name: DEAD_LETTER_TOPIC,
          partitions: [
            {
              partition: 0,
              records: encodeBatch({
                records: records.map((r) => ({
                  key: r.key,
                  value: r.value,
                  timestamp: r.timestamp,
                  headers: [
                    ...r.headers,
                    { key: 'brook.dlq.topic', value: text.encode(topic) },
                    { key: 'brook.dlq.partition', value: text.encode(String(partition)) },
                    { key: 'brook.dlq.offset', value: text.encode(String(r.offset)) },
                    { key: 'brook.dlq.error', value: text.encode(errorName(code)) },
                  ],
                })),
              }),
            },
          ],
        },
      ],
    })
    const c = res.topics[0]?.partitions[0]?.errorCode ?? 0
    if (c !== 0) throw BrookError.fromCode(c, `writing refused records of ${topic}[${partition}] aside`)
  }

  /** Whether the dead-letter topic's last batch holds the record at `offset` of this partition. */
  private async lastDeadLetterIs(topic: string, partition: number, offset: number): Promise<boolean> {
    const ends = await this.opts.local.listOffsets({
      topics: [{ name: DEAD_LETTER_TOPIC, partitions: [{ partition: 0, timestamp: -1 }] }],
    })
    const end = ends.topics[0]?.partitions[0]?.offset ?? 0
    if (end <= 0) return false
    const batches = await readBatches(this.opts.local, DEAD_LETTER_TOPIC, 0, end - 1, 'local').catch(() => [])
    const last = batches[batches.length - 1]
    if (!last) return false
    const first = (await decodeRecordsAsync(last))[0]
    const header = (key: string) => {
      const v = first?.headers.find((h) => h.key === key)?.value
      return v ? new TextDecoder().decode(v) : undefined
    }
    return (
      header('brook.dlq.topic') === topic &&
      header('brook.dlq.partition') === String(partition) &&
      header('brook.dlq.offset') === String(offset)
    )
  }

  private stateKeyOf(topic: string, partition: number): string {
    return `${this.stateKey}/${topic}/${partition}`
  }

  private async producerFor(
    topic: string,
    partition: number,
    firstOffset: number,
  ): Promise<PartitionProducer> {
    const key = this.stateKeyOf(topic, partition)
    const known = this.producers.get(key)
    if (known) return known
    const saved = (await this.opts.state.get(key)) as unknown as PartitionProducer | undefined
    if (!saved || typeof saved.producerId !== 'number') return this.newProducer(topic, partition, firstOffset)
    this.producers.set(key, saved)
    return saved
  }

  /** A new remote producer whose sequence 0 is the local offset `base`, written down first. */
  private async newProducer(topic: string, partition: number, base: number): Promise<PartitionProducer> {
    const res = await this.opts.remote.initProducerId({ transactionalId: null, transactionTimeoutMs: 60_000 })
    if (res.errorCode !== 0) throw BrookError.fromCode(res.errorCode, 'getting a producer id for the upload')
    const producer = { producerId: res.producerId, epoch: res.producerEpoch, base }
    const key = this.stateKeyOf(topic, partition)
    await this.opts.state.set(key, producer as unknown as Json)
    this.producers.set(key, producer)
    return producer
  }

  private position(topic: string, partition: number): Promise<number> {
    return uploadPosition(this.opts.local, this.group, topic, partition)
  }

  private async commit(topic: string, partition: number, offset: number): Promise<void> {
    const res = await this.opts.local.offsetCommit({
      groupId: this.group,
      generationId: -1,
      memberId: '',
      topics: [{ name: topic, partitions: [{ partition, offset }] }],
    })
    const code = res.topics[0]?.partitions[0]?.errorCode ?? 0
    if (code !== 0) throw BrookError.fromCode(code, `recording the upload position of ${topic}[${partition}]`)
  }
}
