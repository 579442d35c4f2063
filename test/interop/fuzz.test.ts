/**
 * Fuzz: 10,000 random or mutated frames against the TCP listener over many connections, while a
 * well-behaved client on its own connection produces and fetches. The server must stay up and the
 * well-behaved client must see no error and read back exactly what it wrote.
 */
import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeRecords, encodeBatch } from '../../src/core/format/record-batch.ts'
import { decodeResponse, encodeRequest } from '../../src/core/protocol/frames.ts'
import { type Brook, startBrook } from './support.ts'

const FRAMES = 10_000
/**
 * The listener closes a connection at its first bad frame, so frames queued behind it are never read:
 * each hostile frame gets a connection of its own, PARALLEL of them at a time.
 */
const PARALLEL = 10

/** Deterministic PRNG (mulberry32) so a failure can be replayed from the printed seed. */
function prng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const enc = new TextEncoder()

function seeds(): Uint8Array[] {
  const batch = encodeBatch({ records: [{ key: enc.encode('k'), value: enc.encode('fuzz value') }] })
  const r = (apiKey: number, apiVersion: number, body: object) =>
    encodeRequest({ apiKey, apiVersion, correlationId: 1, clientId: 'fuzz' } as never, body as never)
  return [
    r(18, 0, {}),
    r(18, 3, { clientSoftwareName: 'fuzz', clientSoftwareVersion: '1' }),
    r(3, 0, { topics: [{ name: 'fz-a' }] }),
    r(3, 8, { topics: [{ name: 'fz-b' }], allowAutoTopicCreation: true }),
    r(0, 3, {
      acks: 1,
      timeoutMs: 100,
      topicData: [{ name: 'fz-a', partitionData: [{ index: 0, records: batch }] }],
    }),
    r(0, 7, {
      acks: -1,
      timeoutMs: 100,
      topicData: [{ name: 'fz-c', partitionData: [{ index: 0, records: batch }] }],
    }),
    r(1, 4, {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1000,
      topics: [{ topic: 'fz-a', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1000 }] }],
    }),
    r(1, 11, {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1000,
      topics: [{ topic: 'fz-a', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1000 }] }],
      rackId: '',
    }),
    r(2, 0, {
      replicaId: -1,
      topics: [{ name: 'fz-a', partitions: [{ partitionIndex: 0, timestamp: -1 }] }],
    }),
    r(10, 0, { key: 'fz-group' }),
    r(11, 2, {
      groupId: 'fz-group',
      sessionTimeoutMs: 10,
      rebalanceTimeoutMs: 10,
      memberId: '',
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: new Uint8Array(4) }],
    }),
    r(8, 2, { groupId: 'fz-group', generationIdOrMemberEpoch: -1, memberId: '', topics: [] }),
    r(9, 1, { groupId: 'fz-group', topics: [{ name: 'fz-a', partitionIndexes: [0] }] }),
    r(19, 2, {
      topics: [{ name: 'fz-d', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }],
    }),
    r(16, 0, {}),
    r(15, 0, { groups: ['fz-group'] }),
    r(32, 1, { resources: [{ resourceType: 2, resourceName: 'fz-a', configurationKeys: null }] }),
    r(22, 0, { transactionalId: null, transactionTimeoutMs: 1000 }),
  ]
}

function mutate(rand: () => number, seedFrames: Uint8Array[]): Buffer {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!
  const kind = Math.floor(rand() * 8)
  let body: Buffer
  if (kind === 0) {
    body = Buffer.alloc(Math.floor(rand() * 64))
    for (let i = 0; i < body.length; i++) body[i] = Math.floor(rand() * 256)
  } else {
    body = Buffer.from(pick(seedFrames))
    if (kind === 1)
      body = body.subarray(0, Math.floor(rand() * body.length)) // truncated
    else if (kind === 2) {
      for (let n = 1 + Math.floor(rand() * 4); n > 0; n--)
        body[Math.floor(rand() * body.length)] = Math.floor(rand() * 256)
    } else if (kind === 3)
      body.writeInt16BE(Math.floor(rand() * 70) - 3, 0) // unknown or mismatched API key
    else if (kind === 4)
      body.writeInt16BE(Math.floor(rand() * 20) - 2, 2) // unsupported versions
    else if (kind === 5 && body.length > 14) {
      // A huge array or string length somewhere in the body.
      const at = 10 + Math.floor(rand() * (body.length - 14))
      body.writeInt32BE(pick([0x7fffffff, -2, 0x10000000, 65535]), at)
    } else if (kind === 6) body = Buffer.concat([body, Buffer.alloc(Math.floor(rand() * 100), 0xff)])
  }
  const size = Buffer.alloc(4)
  // Sizes that lie: negative, over the limit, or shorter than the body.
  const lie = rand()
  if (lie < 0.01) size.writeInt32BE(-1 - Math.floor(rand() * 1000), 0)
  else if (lie < 0.02) size.writeInt32BE(0x7fffffff, 0)
  else if (lie < 0.03) size.writeInt32BE(Math.floor(rand() * body.length), 0)
  else size.writeInt32BE(body.length, 0)
  return Buffer.concat([size, body])
}

/** A minimal well-behaved Kafka client over one socket. */
class Client {
  private socket!: net.Socket
  private buf = Buffer.alloc(0)
  private pending = new Map<number, (b: Buffer) => void>()
  private next = 1
  failure: Error | null = null

  async connect(port: number): Promise<void> {
    this.socket = net.connect(port, '127.0.0.1')
    await new Promise<void>((resolve, reject) => {
      this.socket.once('connect', resolve)
      this.socket.once('error', reject)
    })
    this.socket.on('close', () => {
      this.failure ??= new Error('the well-behaved connection was closed')
      for (const r of this.pending.values()) r(Buffer.alloc(0))
    })
    this.socket.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d])
      while (this.buf.length >= 4 && this.buf.length >= 4 + this.buf.readInt32BE(0)) {
        const frame = this.buf.subarray(4, 4 + this.buf.readInt32BE(0))
        this.buf = this.buf.subarray(4 + frame.length)
        const id = frame.readInt32BE(0)
        this.pending.get(id)?.(frame)
        this.pending.delete(id)
      }
    })
  }

  // biome-ignore lint/suspicious/noExplicitAny: loosely typed bodies
  async call(apiKey: number, apiVersion: number, body: object): Promise<any> {
    const correlationId = this.next++
    const bytes = encodeRequest(
      { apiKey, apiVersion, correlationId, clientId: 'good' } as never,
      body as never,
      {
        framed: true,
      },
    )
    const res = new Promise<Buffer>((resolve) => this.pending.set(correlationId, resolve))
    this.socket.write(bytes)
    const frame = await res
    if (this.failure) throw this.failure
    return decodeResponse(apiKey as never, apiVersion, frame).body
  }

  close(): void {
    this.socket.removeAllListeners('close')
    this.socket.destroy()
  }
}

describe('fuzzing the Kafka listener', () => {
  let brook: Brook
  beforeAll(async () => {
    brook = await startBrook()
  })
  afterAll(async () => {
    await brook?.close()
  })

  it('survives 10,000 hostile frames while a well-behaved client sees no error', async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 100000)
    // Printed first, so that a failing run can be replayed with FUZZ_SEED.
    console.log(`fuzz seed ${seed}`)
    const rand = prng(seed)
    const seedFrames = seeds()
    const good = new Client()
    await good.connect(brook.port)
    const topic = `good-${seed}`
    const written: string[] = []
    const goodLoop = async (round: number) => {
      const value = `record ${round}`
      const records = encodeBatch({ records: [{ value: enc.encode(value) }] })
      const p = await good.call(0, 7, {
        acks: -1,
        timeoutMs: 5000,
        topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
      })
      const pr = p.responses[0].partitionResponses[0]
      expect(pr.errorCode, `produce round ${round}`).toBe(0)
      expect(pr.baseOffset).toBe(written.length)
      written.push(value)
    }

    let sent = 0
    let conns = 0
    let rounds = 0
    const hostile = async (frame: Buffer) => {
      const socket = net.connect(brook.port, '127.0.0.1')
      socket.on('error', () => {})
      socket.on('data', () => {})
      await new Promise<void>((resolve) => {
        socket.once('connect', resolve)
        socket.once('close', () => resolve())
      })
      socket.write(frame)
      // Let the server read it, then drop the connection whatever state it is in.
      setTimeout(() => socket.destroy(), 20)
    }
    while (sent < FRAMES) {
      const frames = Array.from({ length: Math.min(PARALLEL, FRAMES - sent) }, () => mutate(rand, seedFrames))
      await Promise.all(frames.map(hostile))
      sent += frames.length
      conns += frames.length
      if (++rounds % 50 === 0) await goodLoop(rounds / 50)
    }
    await new Promise((r) => setTimeout(r, 100))

    // The server still answers, and the well-behaved client reads back exactly what it wrote.
    const versions = await good.call(18, 0, {})
    expect(versions.errorCode).toBe(0)
    const f = await good.call(1, 4, {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 10_000_000,
      isolationLevel: 0,
      topics: [{ topic, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 10_000_000 }] }],
    })
    const part = f.responses[0].partitions[0]
    expect(part.errorCode).toBe(0)
    const values: string[] = []
    let pos = 0
    const recs: Uint8Array = part.records
    while (pos + 12 <= recs.length) {
      const len = new DataView(recs.buffer, recs.byteOffset + pos + 8, 4).getInt32(0)
      for (const r of decodeRecords(recs.subarray(pos, pos + 12 + len)))
        values.push(new TextDecoder().decode(r.value!))
      pos += 12 + len
    }
    expect(values).toEqual(written)
    expect(written.length).toBeGreaterThan(10)
    expect(good.failure).toBeNull()
    good.close()
    console.log(`fuzz seed ${seed}: ${sent} frames over ${conns} connections; ${brook.logs.length} log lines`)
  }, 60_000)
})
