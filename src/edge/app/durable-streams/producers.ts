/**
 * @module Idempotent producers (protocol section 5.2.1), Kafka's scheme with client-chosen ids
 * and epochs: each (producer id, epoch) appends sequence numbers 0, 1, 2, … A sequence already
 * seen is a duplicate (answered as a success, nothing stored); a gap is refused with the sequence
 * expected; a lower epoch is a fenced zombie; a higher epoch must start at 0. The rules are pure
 * functions over a stream's producer state, which `StreamLog` folds from record headers.
 */

export interface ProducerState {
  epoch: number
  lastSeq: number
  /** When the producer last appended (ms), to forget producers idle for a week. */
  lastUpdated: number
}

export interface ProducerClaim {
  id: string
  epoch: number
  seq: number
}

export type ProducerCheck =
  | { status: 'accepted'; state: ProducerState }
  | { status: 'duplicate'; lastSeq: number }
  | { status: 'stale_epoch'; currentEpoch: number }
  | { status: 'invalid_epoch_seq' }
  | { status: 'sequence_gap'; expectedSeq: number; receivedSeq: number }

/** As the reference server: a producer unheard of for 7 days starts afresh. */
export const PRODUCER_STATE_TTL_MS = 7 * 24 * 60 * 60 * 1000

/** What `claim` may do given `producers`; nothing is changed until the append is stored. */
export function checkProducer(
  producers: Map<string, ProducerState>,
  claim: ProducerClaim,
  now: number,
): ProducerCheck {
  for (const [id, s] of producers) if (now - s.lastUpdated > PRODUCER_STATE_TTL_MS) producers.delete(id)
  const state = producers.get(claim.id)
  const accepted = (lastSeq: number): ProducerCheck => ({
    status: 'accepted',
    state: { epoch: claim.epoch, lastSeq, lastUpdated: now },
  })
  if (!state) {
    return claim.seq === 0 ? accepted(0) : { status: 'sequence_gap', expectedSeq: 0, receivedSeq: claim.seq }
  }
  if (claim.epoch < state.epoch) return { status: 'stale_epoch', currentEpoch: state.epoch }
  if (claim.epoch > state.epoch) return claim.seq === 0 ? accepted(0) : { status: 'invalid_epoch_seq' }
  if (claim.seq <= state.lastSeq) return { status: 'duplicate', lastSeq: state.lastSeq }
  if (claim.seq === state.lastSeq + 1) return accepted(claim.seq)
  return { status: 'sequence_gap', expectedSeq: state.lastSeq + 1, receivedSeq: claim.seq }
}
