/**
 * @module POST: append, append-and-close, close. All checks and the write run under the stream's
 * lock, in the reference server's order — closed, content type, producer (so a retried request
 * is a duplicate before its Stream-Seq could conflict), Stream-Seq, JSON body — and the write is
 * one batch carrying the data, the facts that changed (stream-log.ts) and any close marker.
 */

import { badRequest, conflict, DsError, gone, notFound } from './http.ts'
import { JsonBodyError, jsonValues } from './json-mode.ts'
import { checkProducer, type ProducerClaim } from './producers.ts'
import { formatOffset, H, isJsonType, mediaType } from './protocol.ts'
import { appendRecords, produce, scanWriters, type WriterState } from './stream-log.ts'
import { type Live, type Streams, tailOf } from './streams.ts'

export interface AppendRequest {
  /** The request's Content-Type (required with a body). */
  contentType?: string
  body: Uint8Array
  close: boolean
  producer?: ProducerClaim
  streamSeq?: string
}

/** What to answer: 200/204 with headers, or a DsError thrown. */
export interface AppendAnswer {
  status: 200 | 204
  headers: Record<string, string | undefined>
}

async function writersOf(streams: Streams, live: Live): Promise<WriterState> {
  live.writers ??= await scanWriters(streams.service, live.meta.topic, live.hw)
  return live.writers
}

function sameClaim(a: ProducerClaim | undefined, b: ProducerClaim | undefined): boolean {
  return !!a && !!b && a.id === b.id && a.epoch === b.epoch && a.seq === b.seq
}

export function append(streams: Streams, path: string, req: AppendRequest): Promise<AppendAnswer> {
  return streams.locks.run(path, async () => {
    const live = await streams.find(path, true)
    if (!live) throw notFound()
    if (live.meta.softDeleted) throw gone()
    // Every write renews a sliding TTL, a refused one and a bare close included.
    streams.touch(live)
    const offset = () => formatOffset(tailOf(live))
    const echo = (seq: number) =>
      req.producer ? { [H.producerEpoch]: String(req.producer.epoch), [H.producerSeq]: String(seq) } : {}

    if (live.closed) {
      // The producer request that closed the stream, retried: a duplicate, whatever its body.
      if (sameClaim(req.producer, live.closedBy))
        return {
          status: 204,
          headers: { [H.offset]: offset(), [H.closed]: 'true', ...echo(req.producer!.seq) },
        }
      if (req.body.length === 0 && req.close && !req.producer)
        return { status: 204, headers: { [H.offset]: offset(), [H.closed]: 'true' } }
      throw conflict('Stream is closed', { [H.closed]: 'true', [H.offset]: offset() })
    }

    const closeOnly = req.body.length === 0 && req.close
    // A close-only request has no content to type: its Content-Type is not checked (section 5.2).
    if (!closeOnly && mediaType(req.contentType) !== mediaType(live.meta.contentType))
      throw conflict('Content-type mismatch')

    let writers: WriterState | undefined
    let accepted: ReturnType<typeof checkProducer> | undefined
    if (req.producer) {
      writers = await writersOf(streams, live)
      accepted = checkProducer(writers.producers, req.producer, Date.now())
      switch (accepted.status) {
        case 'accepted':
          break
        case 'duplicate':
          return { status: 204, headers: echo(accepted.lastSeq) }
        case 'stale_epoch':
          throw new DsError(403, 'Stale producer epoch', { [H.producerEpoch]: String(accepted.currentEpoch) })
        case 'invalid_epoch_seq':
          throw badRequest('New epoch must start with sequence 0')
        case 'sequence_gap':
          throw conflict('Producer sequence gap', {
            [H.expectedSeq]: String(accepted.expectedSeq),
            [H.receivedSeq]: String(accepted.receivedSeq),
          })
      }
    }
    const streamSeq = closeOnly ? undefined : req.streamSeq
    if (streamSeq !== undefined) {
      writers ??= await writersOf(streams, live)
      // Stream-Seq orders writers by plain string comparison (protocol section 5.2).
      if (writers.streamSeq !== undefined && streamSeq <= writers.streamSeq)
        throw conflict(`Sequence conflict: ${streamSeq} <= ${writers.streamSeq}`)
    }

    let values: Uint8Array[] = []
    if (!closeOnly) {
      try {
        values = isJsonType(live.meta.contentType) ? jsonValues(req.body, false) : [req.body]
      } catch (e) {
        if (e instanceof JsonBodyError) throw badRequest(e.message)
        throw e
      }
    }
    const records = appendRecords(values, { producer: req.producer, streamSeq, close: req.close })
    const base = await produce(streams.service, live.meta.topic, records)

    live.hw = Math.max(live.hw, base + records.length)
    if (req.close) {
      live.closed = true
      live.closedBy = req.producer
    }
    if (live.writers) {
      if (accepted?.status === 'accepted') live.writers.producers.set(req.producer!.id, accepted.state)
      if (streamSeq !== undefined) live.writers.streamSeq = streamSeq
    }
    const headers = {
      [H.offset]: offset(),
      ...(req.close ? { [H.closed]: 'true' } : {}),
      ...echo(req.producer?.seq ?? 0),
    }
    // A producer's accepted append is 200 (it echoes Producer-Epoch/Seq); others, and a close
    // without data, 204.
    return { status: req.producer && !closeOnly ? 200 : 204, headers }
  })
}
