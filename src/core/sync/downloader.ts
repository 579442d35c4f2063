/**
 * @module Exactly-once, resumable download of remote topics into a local broker (issue 11, second
 * step), the Uploader's mirror image. The position is the committed offset of an internal group on
 * the local broker, and its commit metadata carries the local producer id, epoch and next sequence
 * in the same write — so one atomic commit says both "read up to here" and "the next local batch
 * is sequence n". Each remote batch is appended locally as one batch with that sequence: after a
 * crash between the append and the commit, the same remote batch is appended again with the same
 * sequences, and the local broker's idempotent-producer check drops it.
 *
 * Local offsets are the remote ones: each local append keeps its remote base offset when that is
 * past the local log end (`keepOffsets`, as a replica's append), gaps included; only a local
 * topic that something else writes too can fall behind that and get the next local offset.
 */

import { BrookError, errorCode, errorName } from '../errors.ts'
import { concatBytes } from '../format/bytes.ts'
import { lastOffsetOf, readBatchHeader } from '../format/record-batch.ts'
import { REMEMBERED_BATCHES } from '../producer-state.ts'
import { type BrokerService, EARLIEST_TIMESTAMP } from '../service.ts'
import { eachPartition, readBatches, type Unit, unitBatch, unitOf } from './partitions.ts'

const UNKNOWN_PRODUCER = errorCode('UNKNOWN_PRODUCER_ID')
const OUT_OF_ORDER = errorCode('OUT_OF_ORDER_SEQUENCE_NUMBER')

export interface DownloaderOptions {
  local: BrokerService
  remote: BrokerService
  /** Remote topics to download; each lands in the local topic of the same name and partition. */
  topics: string[]
  /** Names the position group (`__brook-sync-<name>`). Default `download`. */
  name?: string
  timeoutMs?: number
  /** Called after a batch was appended locally and before the position moves (tests crash here). */
  afterLocalAppend?: (topic: string, partition: number, nextOffset: number) => void | Promise<void>
}

/** What a partition's commit metadata holds beside the position. */
interface Cursor {
  producerId: number
  epoch: number
  /** The sequence of the next local batch's first record. */
  seq: number
}

class ProducerLost extends Error {}

/** A remote batch to append; its `first` offset is kept locally when past the local log end. */
interface Download extends Unit {
  /** Offsets without records follow it (a transaction marker): no run goes on past it. */
  gapAfter?: boolean
}

export interface DownloadRound {
  /** Records appended locally in this round (a duplicate of an earlier crash included). */
  downloaded: number
  /**
   * Offsets the relay deleted (retention, deleteRecords) before they were downloaded: the position
   * was behind the relay's log start, and the download went on from there.
   */
  missed: number
}

/**
 * The first read of a partition is small, so that its first local append starts early; later
 * reads, sent while the one before is appended, are `FETCH_BYTES`.
 */
const FIRST_READ_BYTES = 256 * 1024

export class Downloader {
  private readonly group: string
  private readonly timeoutMs: number
  /**
   * The round's new producer, shared by its partitions that start without one: sequences are per
   * partition, so one producer id serves them all, and a first download writes one producer down
   * instead of one per partition (each a storage transaction before the first record lands).
   */
  private roundProducer: Promise<Cursor> | undefined

  constructor(private readonly opts: DownloaderOptions) {
    this.group = `__brook-sync-${opts.name ?? 'download'}`
    this.timeoutMs = opts.timeoutMs ?? 30_000
  }

  /**
   * Fetches everything the remote partitions hold past the position and appends it locally, the
   * partitions side by side. A topic or partition that fails does not hold back the others; the
   * first failure is thrown at the end.
   */
  async syncOnce(): Promise<DownloadRound> {
    const { local, remote, topics } = this.opts
    this.roundProducer = undefined
    let missed = 0
    const downloaded = await eachPartition(remote, local, topics, 'locally', (topic, p, ready) =>
      this.downloadPartition(topic, p, ready, (n) => {
        missed += n
      }),
    )
    return { downloaded, missed }
  }

  /**
   * Appends the remote batches in runs of up to `REMEMBERED_BATCHES` per local request (one
   * IndexedDB transaction), then commits the position once per run. After a crash the same run
   * comes again with the same sequences, all among the last batches the local broker remembers.
   */
  private async downloadPartition(
    topic: string,
    partition: number,
    ready: Promise<void>,
    missed: (offsets: number) => void,
  ): Promise<number> {
    let { position, cursor } = await this.committed(topic, partition)
    // A first download reads from 0 at once: a relay whose log starts later says so, and the read
    // starts again there. That is one round trip fewer than asking where the log starts first.
    const first = position < 0
    if (first) position = 0
    let downloaded = 0
    const read = (from: number, maxBytes?: number) => {
      const r = readBatches(this.opts.remote, topic, partition, from, 'remote', maxBytes)
      // A read ahead that is never awaited (this round failed first) must not go unhandled.
      r.catch(() => {})
      return { from, batches: r }
    }
    // The first read travels while a new producer is written down.
    let ahead = read(position, FIRST_READ_BYTES)
    // Reading the remote went ahead; writing locally waits for the local topic.
    await ready
    if (!cursor) {
      // The producer and where its sequence starts are written down before its first append: a
      // crash right after that append must find them to resend it as the same batch.
      this.roundProducer ??= this.newProducer()
      cursor = await this.roundProducer
      await this.commit(topic, partition, position, cursor)
    }
    for (;;) {
      if (ahead.from !== position) ahead = read(position)
      let batches: Uint8Array[]
      try {
        batches = await ahead.batches
      } catch (e) {
        // Behind the relay's log start (never read, or deleted there while this device was away):
        // on from the log start, as a consumer with auto.offset.reset=earliest. Past its end the
        // relay lost records it had served: that stays an error.
        if (!(e instanceof BrookError) || e.type !== 'OFFSET_OUT_OF_RANGE') throw e
        const start = await this.remoteStart(topic, partition)
        if (start <= position) throw e
        if (!first || downloaded > 0) missed(start - position)
        position = start
        await this.commit(topic, partition, position, cursor)
        ahead = read(position, FIRST_READ_BYTES)
        continue
      }
      if (batches.length === 0) return downloaded
      // The next read goes out while these batches are appended locally: network and disk overlap.
      ahead = read(lastOffsetOf(readBatchHeader(batches[batches.length - 1]!)) + 1)
      const units: Download[] = []
      let skipTo = position
      for (const batch of batches) {
        const last = lastOffsetOf(readBatchHeader(batch))
        if (last < position) continue
        const unit = await unitOf(batch, position)
        if (!unit) {
          // Nothing to append: folded into the run before it, or stepped over on its own.
          if (units.length > 0) {
            const prev = units[units.length - 1]!
            prev.next = last + 1
            // Its offsets are not the next unit's: that one starts a run of its own.
            prev.gapAfter = true
          } else skipTo = last + 1
          continue
        }
        units.push(unit)
      }
      if (units.length === 0) {
        if (skipTo <= position) return downloaded
        position = skipTo
        await this.commit(topic, partition, position, cursor)
        continue
      }
      for (let i = 0; i < units.length; ) {
        // A run ends at a gap in the remote offsets (retention, compaction, a transaction marker):
        // its batches get consecutive local offsets, so each run starts at its own remote offset.
        let n = 1
        while (
          n < REMEMBERED_BATCHES &&
          i + n < units.length &&
          units[i + n]!.first === units[i + n - 1]!.next &&
          !units[i + n - 1]!.gapAfter
        )
          n++
        const run = units.slice(i, i + n)
        i += n
        try {
          cursor = await this.append(topic, partition, run, cursor)
        } catch (e) {
          if (!(e instanceof ProducerLost)) throw e
          // The local broker no longer knows this producer (its state expired, or the store was
          // replaced): a new one from sequence 0, written down before its first append.
          cursor = await this.newProducer()
          await this.commit(topic, partition, position, cursor)
          cursor = await this.append(topic, partition, run, cursor)
        }
        position = run[run.length - 1]!.next
        await this.opts.afterLocalAppend?.(topic, partition, position)
        await this.commit(topic, partition, position, cursor)
        for (const u of run) downloaded += u.count
      }
    }
  }

  /** Remote batches as local batches, one each, in one request; the cursor after them. */
  private async append(topic: string, partition: number, run: Download[], c: Cursor): Promise<Cursor> {
    let seq = c.seq
    const parts = run.map((u) => {
      const bytes = unitBatch(u, c.producerId, c.epoch, seq)
      seq += u.count
      return bytes
    })
    const res = await this.opts.local.produce({
      acks: -1,
      timeoutMs: this.timeoutMs,
      keepOffsets: true,
      topics: [{ name: topic, partitions: [{ partition, records: concatBytes(parts) }] }],
    })
    const code = res.topics[0]?.partitions[0]?.errorCode ?? errorCode('UNKNOWN_SERVER_ERROR')
    if (code === 0) return { ...c, seq }
    if (code === UNKNOWN_PRODUCER || code === OUT_OF_ORDER) throw new ProducerLost()
    throw BrookError.fromCode(code, `appending ${topic}[${partition}] locally (${errorName(code)})`)
  }

  private async newProducer(): Promise<Cursor> {
    const res = await this.opts.local.initProducerId({ transactionalId: null, transactionTimeoutMs: 60_000 })
    if (res.errorCode !== 0) throw BrookError.fromCode(res.errorCode, 'getting a local producer id')
    return { producerId: res.producerId, epoch: res.producerEpoch, seq: 0 }
  }

  private async committed(topic: string, partition: number): Promise<{ position: number; cursor?: Cursor }> {
    const res = await this.opts.local.offsetFetch({
      groupId: this.group,
      topics: [{ name: topic, partitions: [partition] }],
    })
    const p = res.topics[0]?.partitions[0]
    if (!p || p.offset < 0) return { position: -1 }
    let cursor: Cursor | undefined
    try {
      const m = JSON.parse(p.metadata ?? '') as Partial<Cursor>
      if (typeof m.producerId === 'number' && typeof m.epoch === 'number' && typeof m.seq === 'number')
        cursor = { producerId: m.producerId, epoch: m.epoch, seq: m.seq }
    } catch {}
    return { position: p.offset, cursor }
  }

  private async commit(topic: string, partition: number, offset: number, cursor: Cursor): Promise<void> {
    const res = await this.opts.local.offsetCommit({
      groupId: this.group,
      generationId: -1,
      memberId: '',
      topics: [{ name: topic, partitions: [{ partition, offset, metadata: JSON.stringify(cursor) }] }],
    })
    const code = res.topics[0]?.partitions[0]?.errorCode ?? 0
    if (code !== 0)
      throw BrookError.fromCode(code, `recording the download position of ${topic}[${partition}]`)
  }

  private async remoteStart(topic: string, partition: number): Promise<number> {
    const res = await this.opts.remote.listOffsets({
      topics: [{ name: topic, partitions: [{ partition, timestamp: EARLIEST_TIMESTAMP }] }],
    })
    return Math.max(0, res.topics[0]?.partitions[0]?.offset ?? 0)
  }
}
