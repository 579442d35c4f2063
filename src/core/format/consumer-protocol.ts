/**
 * @module Kafka's ConsumerProtocol: the bytes consumers put in JoinGroup metadata (Subscription)
 * and the leader hands out through SyncGroup (Assignment). The coordinator never reads them;
 * clients and admin tools do. Layout from Kafka's ConsumerProtocolSubscription.json /
 * ConsumerProtocolAssignment.json:
 *
 *   Subscription => version:int16 topics:[string] user_data:nullable_bytes
 *                   owned_partitions:[topic:string partitions:[int32]] (v1+)
 *                   generation_id:int32 (v2+) rack_id:nullable_string (v3+)
 *   Assignment   => version:int16 assigned_partitions:[topic:string partitions:[int32]]
 *                   user_data:nullable_bytes
 *
 * Newer versions only append fields, so a decoder reads the prefix it knows (as Kafka's does).
 */

import { BrookError } from '../errors.ts'

export interface TopicPartitions {
  topic: string
  partitions: number[]
}

export interface Subscription {
  version: number
  topics: string[]
  userData: Uint8Array | null
  /** v1+ (cooperative rebalancing); [] for v0. */
  ownedPartitions: TopicPartitions[]
  /** v2+; -1 when absent. */
  generationId: number
  /** v3+; null when absent. */
  rackId: string | null
}

export interface Assignment {
  version: number
  assignment: TopicPartitions[]
  userData: Uint8Array | null
}

const utf8Encoder = new TextEncoder()
const utf8Decoder = new TextDecoder('utf-8', { fatal: true })

class Writer {
  private chunks: Uint8Array[] = []
  private size = 0

  int16(v: number): this {
    const b = new Uint8Array(2)
    new DataView(b.buffer).setInt16(0, v)
    return this.push(b)
  }

  int32(v: number): this {
    const b = new Uint8Array(4)
    new DataView(b.buffer).setInt32(0, v)
    return this.push(b)
  }

  string(s: string | null): this {
    if (s === null) return this.int16(-1)
    const b = utf8Encoder.encode(s)
    if (b.length > 0x7fff) throw new BrookError('INVALID_REQUEST', 'string longer than 32767 bytes')
    return this.int16(b.length).push(b)
  }

  bytes(b: Uint8Array | null): this {
    if (b === null) return this.int32(-1)
    return this.int32(b.length).push(b)
  }

  array<T>(items: readonly T[], each: (item: T) => void): this {
    this.int32(items.length)
    for (const item of items) each(item)
    return this
  }

  topicPartitions(list: readonly TopicPartitions[]): this {
    return this.array(list, (tp) => {
      this.string(tp.topic)
      this.array(tp.partitions, (p) => this.int32(p))
    })
  }

  done(): Uint8Array {
    const out = new Uint8Array(this.size)
    let at = 0
    for (const c of this.chunks) {
      out.set(c, at)
      at += c.length
    }
    return out
  }

  private push(b: Uint8Array): this {
    this.chunks.push(b)
    this.size += b.length
    return this
  }
}

/** Bounds-checked reads: malformed input becomes INCONSISTENT_GROUP_PROTOCOL, never a RangeError. */
class Reader {
  private at = 0
  private readonly view: DataView

  constructor(
    private readonly buf: Uint8Array,
    private readonly what: string,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  }

  get remaining(): number {
    return this.buf.length - this.at
  }

  fail(why: string): never {
    throw new BrookError('INCONSISTENT_GROUP_PROTOCOL', `malformed ConsumerProtocol ${this.what}: ${why}`)
  }

  private need(n: number): void {
    if (n > this.remaining) this.fail(`needs ${n} bytes at ${this.at}, has ${this.remaining}`)
  }

  int16(): number {
    this.need(2)
    const v = this.view.getInt16(this.at)
    this.at += 2
    return v
  }

  int32(): number {
    this.need(4)
    const v = this.view.getInt32(this.at)
    this.at += 4
    return v
  }

  string(nullable = false): string | null {
    const len = this.int16()
    if (len === -1 && nullable) return null
    if (len < 0) this.fail(`string length ${len}`)
    this.need(len)
    let s: string
    try {
      s = utf8Decoder.decode(this.buf.subarray(this.at, this.at + len))
    } catch {
      this.fail('string is not UTF-8')
    }
    this.at += len
    return s
  }

  bytes(): Uint8Array | null {
    const len = this.int32()
    if (len === -1) return null
    if (len < 0) this.fail(`bytes length ${len}`)
    this.need(len)
    // A copy, so that the decoded value does not pin (or alias) the whole response buffer.
    const b = this.buf.slice(this.at, this.at + len)
    this.at += len
    return b
  }

  array<T>(minItemBytes: number, each: () => T): T[] {
    const n = this.int32()
    if (n < 0) this.fail(`array length ${n}`)
    if (n * minItemBytes > this.remaining)
      this.fail(`array of ${n} items cannot fit in ${this.remaining} bytes`)
    const out: T[] = []
    for (let i = 0; i < n; i++) out.push(each())
    return out
  }

  topicPartitions(): TopicPartitions[] {
    return this.array(6, () => ({
      topic: this.string() as string,
      partitions: this.array(4, () => this.int32()),
    }))
  }
}

export function encodeSubscription(s: {
  topics: readonly string[]
  userData?: Uint8Array | null
  ownedPartitions?: readonly TopicPartitions[]
  generationId?: number
  rackId?: string | null
  /** Default: 1 when ownedPartitions are given, else 0. At most 3. */
  version?: number
}): Uint8Array {
  const version = s.version ?? (s.ownedPartitions ? 1 : 0)
  if (!Number.isInteger(version) || version < 0 || version > 3) {
    throw new BrookError('UNSUPPORTED_VERSION', `ConsumerProtocol subscription v${version}`)
  }
  const w = new Writer().int16(version)
  w.array(s.topics, (t) => w.string(t))
  w.bytes(s.userData ?? null)
  if (version >= 1) w.topicPartitions(s.ownedPartitions ?? [])
  if (version >= 2) w.int32(s.generationId ?? -1)
  if (version >= 3) w.string(s.rackId ?? null)
  return w.done()
}

export function decodeSubscription(bytes: Uint8Array): Subscription {
  const r = new Reader(bytes, 'subscription')
  const version = r.int16()
  if (version < 0) r.fail(`version ${version}`)
  const topics = r.array(2, () => r.string() as string)
  const userData = r.bytes()
  const ownedPartitions = version >= 1 ? r.topicPartitions() : []
  const generationId = version >= 2 ? r.int32() : -1
  const rackId = version >= 3 ? r.string(true) : null
  return { version, topics, userData, ownedPartitions, generationId, rackId }
}

export function encodeAssignment(a: {
  assignment: readonly TopicPartitions[]
  userData?: Uint8Array | null
  /** 0 (default) or 1 (same layout; cooperative clients send it). */
  version?: number
}): Uint8Array {
  const version = a.version ?? 0
  if (version !== 0 && version !== 1) {
    throw new BrookError('UNSUPPORTED_VERSION', `ConsumerProtocol assignment v${version}`)
  }
  return new Writer()
    .int16(version)
    .topicPartitions(a.assignment)
    .bytes(a.userData ?? null)
    .done()
}

/**
 * Empty bytes decode to an empty assignment: Kafka's coordinator sends empty bytes to a member the
 * leader gave nothing, and such a member simply owns no partitions.
 */
export function decodeAssignment(bytes: Uint8Array): Assignment {
  if (bytes.length === 0) return { version: 0, assignment: [], userData: null }
  const r = new Reader(bytes, 'assignment')
  const version = r.int16()
  if (version < 0) r.fail(`version ${version}`)
  const assignment = r.topicPartitions()
  const userData = r.bytes()
  return { version, assignment, userData }
}
