/**
 * @module Idempotent-producer state of one partition: per producer id, the epoch, the last
 * sequence and the last 5 batches (Kafka's `ProducerStateManager`, without transactions). It
 * decides, for each incoming batch, whether it is new (and which offsets it gets), a retry of a
 * batch already stored (answered with the original offset), or an error.
 */

import { BrookError } from './errors.ts'
import type { Json } from './store.ts'

/** Kafka remembers this many batches per producer for duplicate detection (max.in.flight = 5). */
export const REMEMBERED_BATCHES = 5
const INT32_MAX = 2_147_483_647

interface BatchSeq {
  firstSeq: number
  lastSeq: number
  baseOffset: number
  lastOffset: number
}

interface ProducerEntry {
  epoch: number
  /** -1 when no batch of this epoch is stored yet. */
  lastSeq: number
  /** Last offset of the producer's most recent batch: replay skips batches up to it. */
  lastOffset: number
  batches: BatchSeq[]
}

/** The producer fields of a batch header that sequencing needs. */
export interface SequencedBatch {
  producerId: number
  producerEpoch: number
  baseSequence: number
  lastOffsetDelta: number
}

/** Sequences wrap from INT32_MAX to 0, as in Kafka's `DefaultRecordBatch.incrementSequence`. */
function addSeq(seq: number, delta: number): number {
  const n = seq + delta
  return n > INT32_MAX ? n - INT32_MAX - 1 : n
}

function cloneEntry(e: ProducerEntry): ProducerEntry {
  return { epoch: e.epoch, lastSeq: e.lastSeq, lastOffset: e.lastOffset, batches: e.batches.slice() }
}

function remember(e: ProducerEntry, b: BatchSeq): void {
  e.batches.push(b)
  if (e.batches.length > REMEMBERED_BATCHES) e.batches.shift()
  e.lastSeq = b.lastSeq
  e.lastOffset = b.lastOffset
}

/** The outcome of sequencing one request's batches. */
export interface Assignment {
  /** Base offset per batch: newly assigned, or the original one for a retried batch. */
  baseOffsets: number[]
  /** False for a retried batch that must not be stored again. */
  isNew: boolean[]
  /** The next free offset after the new batches. */
  nextOffset: number
}

export class ProducerTable {
  private readonly committed = new Map<number, ProducerEntry>()

  /** Starts sequencing one group of writes; nothing changes here until `commit`. */
  stage(): ProducerStage {
    return new ProducerStage(this.committed)
  }

  /** Replays a stored batch while rebuilding from the store. */
  replay(h: SequencedBatch & { baseOffset: number }): void {
    if (h.producerId < 0) return
    const last = h.baseOffset + h.lastOffsetDelta
    let e = this.committed.get(h.producerId)
    if (e && last <= e.lastOffset) return // already covered by the snapshot
    if (e && h.producerEpoch < e.epoch) return
    if (!e || h.producerEpoch > e.epoch) {
      e = { epoch: h.producerEpoch, lastSeq: -1, lastOffset: -1, batches: [] }
      this.committed.set(h.producerId, e)
    }
    const lastSeq = addSeq(h.baseSequence, h.lastOffsetDelta)
    remember(e, { firstSeq: h.baseSequence, lastSeq, baseOffset: h.baseOffset, lastOffset: last })
  }

  /**
   * Forgets batches at or past `end`: the log lost them (a torn tail), so a producer's retry of one
   * must be stored again, not answered as a duplicate of records that are gone. A producer whose
   * every remembered batch went is forgotten, as after a restart without its state.
   */
  truncate(end: number): void {
    for (const [pid, e] of this.committed) {
      if (e.lastOffset < end) continue
      e.batches = e.batches.filter((b) => b.lastOffset < end)
      const last = e.batches.at(-1)
      if (!last) {
        this.committed.delete(pid)
        continue
      }
      e.lastSeq = last.lastSeq
      e.lastOffset = last.lastOffset
    }
  }

  get size(): number {
    return this.committed.size
  }

  snapshot(): Json {
    const out: Record<string, Json> = {}
    for (const [pid, e] of this.committed) {
      out[pid] = [
        e.epoch,
        e.lastSeq,
        e.lastOffset,
        e.batches.map((b) => [b.firstSeq, b.lastSeq, b.baseOffset, b.lastOffset]),
      ]
    }
    return out
  }

  restore(json: Json | undefined): void {
    this.committed.clear()
    if (!json || typeof json !== 'object' || Array.isArray(json)) return
    for (const [pid, v] of Object.entries(json)) {
      if (!Array.isArray(v) || v.length < 4) continue
      const [epoch, lastSeq, lastOffset, batches] = v as [number, number, number, number[][]]
      this.committed.set(Number(pid), {
        epoch,
        lastSeq,
        lastOffset,
        batches: batches.map(([firstSeq, ls, baseOffset, lo]) => ({
          firstSeq: firstSeq!,
          lastSeq: ls!,
          baseOffset: baseOffset!,
          lastOffset: lo!,
        })),
      })
    }
  }
}

/**
 * Staged producer state for one group commit. Each request is all-or-nothing against what the
 * previous requests of the group left; the whole group becomes committed only once stored.
 */
export class ProducerStage {
  private readonly staged = new Map<number, ProducerEntry>()

  constructor(private readonly committed: Map<number, ProducerEntry>) {}

  private current(pid: number): ProducerEntry | undefined {
    return this.staged.get(pid) ?? this.committed.get(pid)
  }

  /**
   * Sequences the batches of one request starting at `nextOffset`. Throws a BrookError
   * (UNKNOWN_PRODUCER_ID, INVALID_PRODUCER_EPOCH, OUT_OF_ORDER_SEQUENCE_NUMBER) and changes
   * nothing when any batch is refused.
   */
  assign(batches: SequencedBatch[], nextOffset: number): Assignment {
    const local = new Map<number, ProducerEntry>()
    const baseOffsets: number[] = new Array(batches.length)
    const isNew: boolean[] = new Array(batches.length)
    let next = nextOffset
    for (let i = 0; i < batches.length; i++) {
      const h = batches[i]!
      if (h.producerId < 0) {
        baseOffsets[i] = next
        isNew[i] = true
        next += h.lastOffsetDelta + 1
        continue
      }
      let e = local.get(h.producerId)
      if (!e) {
        const cur = this.current(h.producerId)
        e = cur ? cloneEntry(cur) : undefined
      }
      const lastSeq = addSeq(h.baseSequence, h.lastOffsetDelta)
      if (!e) {
        if (h.baseSequence !== 0)
          throw new BrookError(
            'UNKNOWN_PRODUCER_ID',
            `producer ${h.producerId} has no state on this partition and sent sequence ${h.baseSequence}, not 0`,
          )
        e = { epoch: h.producerEpoch, lastSeq: -1, lastOffset: -1, batches: [] }
      } else if (h.producerEpoch < e.epoch) {
        throw new BrookError(
          'INVALID_PRODUCER_EPOCH',
          `producer ${h.producerId} epoch ${h.producerEpoch} is older than the current epoch ${e.epoch}`,
        )
      } else if (h.producerEpoch > e.epoch) {
        // A newer epoch restarts the sequence (librdkafka bumps the epoch locally, KIP-360).
        if (h.baseSequence !== 0)
          throw new BrookError(
            'OUT_OF_ORDER_SEQUENCE_NUMBER',
            `producer ${h.producerId} started epoch ${h.producerEpoch} at sequence ${h.baseSequence}, not 0`,
          )
        e = { epoch: h.producerEpoch, lastSeq: -1, lastOffset: -1, batches: [] }
      } else {
        const dup = e.batches.find((b) => b.firstSeq === h.baseSequence && b.lastSeq === lastSeq)
        if (dup) {
          baseOffsets[i] = dup.baseOffset
          isNew[i] = false
          local.set(h.producerId, e)
          continue
        }
        const expected = e.lastSeq < 0 ? 0 : addSeq(e.lastSeq, 1)
        if (h.baseSequence !== expected)
          throw new BrookError(
            'OUT_OF_ORDER_SEQUENCE_NUMBER',
            `producer ${h.producerId} sent sequence ${h.baseSequence}; expected ${expected}`,
          )
      }
      baseOffsets[i] = next
      isNew[i] = true
      remember(e, {
        firstSeq: h.baseSequence,
        lastSeq,
        baseOffset: next,
        lastOffset: next + h.lastOffsetDelta,
      })
      local.set(h.producerId, e)
      next += h.lastOffsetDelta + 1
    }
    for (const [pid, e] of local) this.staged.set(pid, e)
    return { baseOffsets, isNew, nextOffset: next }
  }

  /** Makes the staged state current: called once the group's batches are stored. */
  commit(): void {
    for (const [pid, e] of this.staged) this.committed.set(pid, e)
  }
}
