/**
 * @module Kafka's framing, read: a byte stream cut into frames, each an int32 size and that many
 * bytes. The one reader both ends use — the broker's listener (requests) and the client's
 * connection (responses) — so that size checks and buffering are decided in one place. A frame that
 * arrived within one chunk is passed as a view of it; a frame spread over chunks is received into
 * one array of its size as the bytes come, never gathered and copied again at the end.
 *
 * With `reserve`, each frame's bytes are held from a shared budget before it is received (Kafka's
 * `queued.max.request.bytes`): while the budget has no room the reader asks its source to `pause`,
 * and goes on once the bytes are granted.
 */

export interface FrameReaderOptions {
  /** 'request' or 'response': how errors name the frames. */
  what: string
  /** The largest frame accepted now (it may change, e.g. once a client has authenticated). */
  maxBytes: () => number
  /** A whole frame (without its size). `release` gives its budget back once it is handled. */
  onFrame: (frame: Uint8Array, release: () => void) => void
  /** A size field that cannot be right: the stream is not Kafka's, or is hostile. Nothing more is read. */
  onError: (reason: string) => void
  /** Holds `size` bytes of a budget, calling `grant` when they are held; returns their release. */
  reserve?: (size: number, grant: () => void) => () => void
  /** The source should stop delivering chunks (budget full), and may deliver again. */
  pause?: () => void
  resume?: () => void
}

const NOTHING = () => {}

export class FrameReader {
  private pending: Uint8Array[] = []
  private pendingBytes = 0
  /** The frame being received, once its bytes are granted, and how much of it is here. */
  private frame: Uint8Array | undefined
  private filled = 0
  /** Size of the frame whose budget is awaited, or -1. */
  private awaiting = -1
  /** Gives back the budget of the frame being received (or stops waiting for it). */
  private release: (() => void) | undefined
  private stopped = false

  constructor(private readonly opts: FrameReaderOptions) {}

  /** Bytes held for frames not yet whole. */
  get buffered(): number {
    return this.pendingBytes + this.filled
  }

  push(chunk: Uint8Array): void {
    if (this.stopped || chunk.length === 0) return
    this.pending.push(chunk)
    this.pendingBytes += chunk.length
    this.pump()
  }

  /** Drops everything not yet a whole frame and gives its budget back: the source is gone. */
  close(): void {
    this.stopped = true
    this.release?.()
    this.release = undefined
    this.frame = undefined
    this.pending = []
    this.pendingBytes = 0
    this.filled = 0
  }

  private pump(): void {
    while (!this.stopped) {
      if (this.frame) {
        const n = Math.min(this.pendingBytes, this.frame.length - this.filled)
        if (n > 0) {
          this.frame.set(this.take(n), this.filled)
          this.filled += n
        }
        if (this.filled < this.frame.length) return
        const done = this.frame
        this.frame = undefined
        this.filled = 0
        this.deliver(done)
        continue
      }
      if (this.awaiting >= 0 || this.pendingBytes < 4) return
      const size = this.peekSize()
      const max = this.opts.maxBytes()
      const wrong =
        size < 0
          ? `the frame's size field is negative (${size}): not a Kafka ${this.opts.what}`
          : size > max
            ? `${this.opts.what} of ${size} bytes is over the ${max}-byte limit`
            : undefined
      if (wrong) {
        this.fail(wrong)
        return
      }
      this.take(4)
      this.awaiting = size
      if (!this.opts.reserve) {
        this.begin(size)
        continue
      }
      let reserving = true
      let grantedNow = false
      this.release = this.opts.reserve(size, () => {
        if (reserving) {
          grantedNow = true
          return
        }
        // Granted later, once other frames were handled (a closed reader cancelled its wait).
        this.begin(size)
        this.opts.resume?.()
        this.pump()
      })
      reserving = false
      if (!grantedNow) {
        this.opts.pause?.()
        return
      }
      this.begin(size)
    }
  }

  /** The frame's bytes may be received: as a view when they are all in the first chunk. */
  private begin(size: number): void {
    this.awaiting = -1
    if (this.pending.length > 0 && this.pending[0]!.length >= size) {
      this.deliver(this.take(size))
      return
    }
    this.frame = new Uint8Array(size)
    this.filled = 0
  }

  private deliver(frame: Uint8Array): void {
    const release = this.release ?? NOTHING
    this.release = undefined
    this.opts.onFrame(frame, release)
  }

  private fail(reason: string): void {
    this.close()
    this.opts.onError(reason)
  }

  private peekSize(): number {
    const first = this.pending[0]!
    const head = first.length >= 4 ? first : this.gather(4)
    return new DataView(head.buffer, head.byteOffset, 4).getInt32(0)
  }

  /** The first `n` pending bytes in one array (n <= pendingBytes), without removing them. */
  private gather(n: number): Uint8Array {
    const out = new Uint8Array(n)
    let at = 0
    for (const c of this.pending) {
      const part = c.subarray(0, n - at)
      out.set(part, at)
      at += part.length
      if (at === n) break
    }
    return out
  }

  /** Removes the first `n` pending bytes (n <= pendingBytes); a view when the first chunk has them. */
  private take(n: number): Uint8Array {
    const first = this.pending[0]!
    this.pendingBytes -= n
    if (first.length >= n) {
      if (first.length === n) this.pending.shift()
      else this.pending[0] = first.subarray(n)
      return first.subarray(0, n)
    }
    const out = new Uint8Array(n)
    let at = 0
    while (at < n) {
      const c = this.pending[0]!
      const part = c.subarray(0, n - at)
      out.set(part, at)
      at += part.length
      if (part.length === c.length) this.pending.shift()
      else this.pending[0] = c.subarray(part.length)
    }
    return out
  }
}
