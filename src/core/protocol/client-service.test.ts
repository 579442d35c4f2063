import { describe, expect, it } from 'vitest'
import { ManualClock } from '../clock.ts'
import { BrookError } from '../errors.ts'
import { FrameConnection, type FrameTransport } from './client-connection.ts'
import { KafkaProtocolService } from './client-service.ts'
import { decodeRequest, encodeResponse } from './frames.ts'
import type { ApiKey } from './types.generated.ts'

type Handler = (
  apiKey: number,
  version: number,
  body: Record<string, unknown>,
) => Record<string, unknown> | null

/**
 * A broker in a function, behind a real FrameConnection: requests are encoded to bytes, decoded as a
 * broker would, and answered with encoded responses, so the mapping is checked on the wire format.
 */
function loopback(advertise: Record<number, [number, number]>, handler: Handler) {
  const seen: { apiKey: number; version: number; body: Record<string, unknown> }[] = []
  let conn: FrameConnection
  const transport: FrameTransport = {
    send(frame) {
      const req = decodeRequest(frame.subarray(4))
      const { apiKey, apiVersion, correlationId } = req.header
      const body = req.body as unknown as Record<string, unknown>
      seen.push({ apiKey, version: apiVersion, body })
      let res: Record<string, unknown> | null
      if (apiKey === 18) {
        const apiKeys = Object.entries(advertise).map(([k, [min, max]]) => ({
          apiKey: Number(k),
          minVersion: min,
          maxVersion: max,
        }))
        res = { errorCode: 0, apiKeys }
      } else res = handler(apiKey, apiVersion, body)
      if (res)
        queueMicrotask(() =>
          conn.receive(encodeResponse(apiKey as ApiKey, apiVersion, correlationId, res as never)),
        )
    },
    close() {},
  }
  conn = new FrameConnection(transport, { clientId: 'test' })
  return { conn, seen }
}

const ALL: Record<number, [number, number]> = {
  0: [0, 9],
  1: [0, 12],
  2: [0, 7],
  3: [0, 12],
  8: [0, 8],
  9: [0, 8],
  10: [0, 4],
  11: [0, 9],
  12: [0, 4],
  13: [0, 5],
  14: [0, 5],
  15: [0, 5],
  16: [0, 5],
  19: [0, 7],
  20: [0, 6],
  21: [0, 2],
  22: [0, 4],
  32: [0, 4],
  37: [0, 3],
  42: [0, 2],
}

describe('KafkaProtocolService', () => {
  it('uses the highest version both sides speak, and refuses APIs the broker lacks', async () => {
    const { conn, seen } = loopback({ 0: [0, 7], 1: [0, 15], 3: [0, 5] }, (k) =>
      k === 3 ? { brokers: [], controllerId: 1, topics: [] } : null,
    )
    const svc = await KafkaProtocolService.start(conn)
    expect(seen[0]).toMatchObject({ apiKey: 18, version: 3, body: { clientSoftwareName: 'brook' } })
    expect(svc.negotiatedVersion(0)).toBe(7)
    expect(svc.negotiatedVersion(1)).toBe(12)
    await svc.metadata({ topics: null })
    expect(seen.at(-1)).toMatchObject({ apiKey: 3, version: 5, body: { topics: null } })
    await expect(svc.deleteGroups(['g'])).rejects.toMatchObject({ type: 'UNSUPPORTED_VERSION' })
  })

  it('falls back when the broker answers ApiVersions v3 with UNSUPPORTED_VERSION in a v0 body', async () => {
    const sent: number[] = []
    let conn: FrameConnection
    conn = new FrameConnection({
      send(frame) {
        const { header } = decodeRequest(frame.subarray(4))
        sent.push(header.apiVersion)
        // Hand-built per KIP-511: correlation id, error 35, int32-counted array (key 18, 0..2).
        const v0Error = new Uint8Array([0, 0, 0, header.correlationId, 0, 35, 0, 0, 0, 1, 0, 18, 0, 0, 0, 2])
        const ok = encodeResponse(18, header.apiVersion, header.correlationId, {
          errorCode: 0,
          apiKeys: [{ apiKey: 3, minVersion: 0, maxVersion: 9 }],
        })
        queueMicrotask(() => conn.receive(header.apiVersion === 3 ? v0Error : ok))
      },
      close() {},
    })
    const svc = await KafkaProtocolService.start(conn)
    expect(sent).toEqual([3, 2])
    expect(svc.negotiatedVersion(3)).toBe(9)
  })

  it('maps Metadata both ways', async () => {
    const { conn, seen } = loopback(ALL, () => ({
      brokers: [{ nodeId: 1, host: 'h', port: 9092 }],
      clusterId: 'c',
      controllerId: 1,
      topics: [
        {
          name: 't',
          topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
          partitions: [{ partitionIndex: 0, leaderId: 1, replicaNodes: [1], isrNodes: [1] }],
        },
      ],
    }))
    const svc = await KafkaProtocolService.start(conn)
    const md = await svc.metadata({ topics: ['t'], allowAutoTopicCreation: false })
    expect(seen.at(-1)).toMatchObject({
      version: 12,
      body: { topics: [{ name: 't' }], allowAutoTopicCreation: false },
    })
    expect(md).toEqual({
      brokers: [{ nodeId: 1, host: 'h', port: 9092 }],
      clusterId: 'c',
      controllerId: 1,
      topics: [
        {
          errorCode: 0,
          name: 't',
          topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
          isInternal: false,
          partitions: [{ errorCode: 0, partition: 0, leader: 1, replicas: [1], isr: [1] }],
        },
      ],
    })
  })

  it('sends acks=0 produce without waiting for an answer', async () => {
    const { conn, seen } = loopback(ALL, (k, _v, body) => {
      expect(k).toBe(0)
      expect(body.acks).toBe(0)
      return null
    })
    const svc = await KafkaProtocolService.start(conn)
    const res = await svc.produce({
      acks: 0,
      timeoutMs: 100,
      topics: [{ name: 't', partitions: [{ partition: 2, records: new Uint8Array([1, 2, 3]) }] }],
    })
    expect(seen.at(-1)?.version).toBe(9)
    expect(res.topics[0]!.partitions[0]).toMatchObject({ partition: 2, errorCode: 0, baseOffset: -1 })
  })

  it('maps Produce results, per partition', async () => {
    const { conn } = loopback(ALL, () => ({
      responses: [
        {
          name: 't',
          partitionResponses: [
            { index: 0, errorCode: 0, baseOffset: 42, logAppendTimeMs: -1, logStartOffset: 0 },
            { index: 1, errorCode: 10, baseOffset: -1, errorMessage: 'too big' },
          ],
        },
      ],
    }))
    const svc = await KafkaProtocolService.start(conn)
    const res = await svc.produce({
      acks: -1,
      timeoutMs: 100,
      topics: [
        { name: 't', partitions: [0, 1].map((partition) => ({ partition, records: new Uint8Array(0) })) },
      ],
    })
    expect(res.topics[0]!.partitions).toEqual([
      {
        partition: 0,
        errorCode: 0,
        errorMessage: null,
        baseOffset: 42,
        logAppendTimeMs: -1,
        logStartOffset: 0,
      },
      {
        partition: 1,
        errorCode: 10,
        errorMessage: 'too big',
        baseOffset: -1,
        logAppendTimeMs: -1,
        logStartOffset: -1,
      },
    ])
  })

  it('drops a cut-off trailing batch from Fetch answers and asks for a sessionless fetch', async () => {
    // Two fake "batches": 12-byte header (offset, length) + body; the second is cut short.
    const whole = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 3, 9, 9, 9])
    const cut = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 50, 1, 2])
    const { conn, seen } = loopback(ALL, () => ({
      responses: [
        {
          topic: 't',
          partitions: [
            {
              partitionIndex: 0,
              highWatermark: 10,
              lastStableOffset: 10,
              logStartOffset: 0,
              records: new Uint8Array([...whole, ...cut]),
            },
            { partitionIndex: 1, highWatermark: 0, records: null },
          ],
        },
      ],
    }))
    const svc = await KafkaProtocolService.start(conn)
    const res = await svc.fetch({
      maxWaitMs: 10,
      minBytes: 1,
      maxBytes: 1000,
      topics: [{ name: 't', partitions: [{ partition: 0, fetchOffset: 5, partitionMaxBytes: 100 }] }],
    })
    expect(seen.at(-1)?.body).toMatchObject({ sessionId: 0, sessionEpoch: -1, replicaId: -1 })
    const [p0, p1] = res.topics[0]!.partitions
    expect([...p0!.records]).toEqual([...whole])
    expect(p0!.highWatermark).toBe(10)
    expect(p1!.records.length).toBe(0)
  })

  it('keeps JoinGroup below v4 unless the caller handles MEMBER_ID_REQUIRED', async () => {
    const { conn, seen } = loopback(ALL, (k) =>
      k === 11
        ? { errorCode: 79, generationId: -1, protocolName: '', leader: '', memberId: 'm-1', members: [] }
        : null,
    )
    const svc = await KafkaProtocolService.start(conn)
    const req = {
      groupId: 'g',
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000,
      memberId: '',
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: new Uint8Array([1]) }],
    }
    await svc.joinGroup(req)
    expect(seen.at(-1)?.version).toBe(3)
    const res = await svc.joinGroup({ ...req, requireKnownMemberId: true })
    expect(seen.at(-1)?.version).toBe(9)
    expect(res).toMatchObject({ errorCode: 79, memberId: 'm-1' })
  })

  it('sends LeaveGroup v0–v2 once per member', async () => {
    const { conn, seen } = loopback({ ...ALL, 13: [0, 2] }, () => ({ errorCode: 0 }))
    const svc = await KafkaProtocolService.start(conn)
    const res = await svc.leaveGroup({ groupId: 'g', members: [{ memberId: 'a' }, { memberId: 'b' }] })
    expect(seen.slice(1).map((s) => s.body.memberId)).toEqual(['a', 'b'])
    expect(res.members).toEqual([
      { memberId: 'a', errorCode: 0 },
      { memberId: 'b', errorCode: 0 },
    ])
  })

  it('maps offsets, configs and topic admin', async () => {
    const { conn, seen } = loopback(ALL, (k) => {
      switch (k) {
        case 3:
          return { brokers: [{ nodeId: 1, host: 'h', port: 1 }], controllerId: 1, topics: [] }
        case 8:
          return { topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 0 }] }] }
        case 9:
          return {
            errorCode: 0,
            topics: [
              {
                name: 't',
                partitions: [{ partitionIndex: 0, committedOffset: 7, metadata: 'm', errorCode: 0 }],
              },
            ],
          }
        case 19:
          return { topics: [{ name: 't', errorCode: 36, errorMessage: 'exists' }] }
        case 32:
          return {
            results: [
              {
                resourceType: 2,
                resourceName: 't',
                configs: [
                  { name: 'retention.ms', value: '1000', configSource: 1 },
                  { name: 'cleanup.policy', value: 'delete', configSource: 5 },
                ],
              },
            ],
          }
        default:
          return null
      }
    })
    const svc = await KafkaProtocolService.start(conn)
    const commit = await svc.offsetCommit({
      groupId: 'g',
      generationId: -1,
      memberId: '',
      topics: [{ name: 't', partitions: [{ partition: 0, offset: 7 }] }],
    })
    expect(seen.at(-1)?.body).toMatchObject({ generationIdOrMemberEpoch: -1 })
    expect(commit.topics[0]!.partitions).toEqual([{ partition: 0, errorCode: 0 }])
    const fetched = await svc.offsetFetch({ groupId: 'g', topics: null })
    expect(seen.at(-1)).toMatchObject({ version: 7, body: { topics: null } })
    expect(fetched.topics[0]!.partitions).toEqual([{ partition: 0, offset: 7, metadata: 'm', errorCode: 0 }])
    const created = await svc.createTopics({ topics: [{ name: 't', configs: { 'retention.ms': '1000' } }] })
    expect(seen.at(-1)?.body).toMatchObject({
      topics: [
        {
          name: 't',
          numPartitions: -1,
          replicationFactor: -1,
          configs: [{ name: 'retention.ms', value: '1000' }],
        },
      ],
    })
    expect(created).toEqual([{ name: 't', errorCode: 36, errorMessage: 'exists' }])
    const [cfg] = await svc.describeConfigs(['t'])
    expect(cfg!.configs.map((c) => [c.name, c.isDefault])).toEqual([
      ['retention.ms', false],
      ['cleanup.policy', true],
    ])
  })
})

describe('KafkaProtocolService routing in a cluster', () => {
  it('sends partition requests to their leaders and group requests to the coordinator', async () => {
    const produceAnswer = (body: Record<string, unknown>) => ({
      responses: (body.topicData as { name: string; partitionData: { index: number }[] }[]).map((t) => ({
        name: t.name,
        partitionResponses: t.partitionData.map((p) => ({ index: p.index, baseOffset: p.index * 100 })),
      })),
    })
    const metadataAnswer = {
      brokers: [
        { nodeId: 1, host: 'b1', port: 9092 },
        { nodeId: 2, host: 'b2', port: 9092 },
      ],
      controllerId: 2,
      topics: [
        {
          name: 't',
          partitions: [
            { partitionIndex: 0, leaderId: 1, replicaNodes: [1], isrNodes: [1] },
            { partitionIndex: 1, leaderId: 2, replicaNodes: [2], isrNodes: [2] },
          ],
        },
      ],
    }
    const boot = loopback(ALL, (k) =>
      k === 3 ? metadataAnswer : k === 10 ? { nodeId: 2, host: 'b2', port: 9092 } : null,
    )
    const b1 = loopback(ALL, (k, _v, body) => (k === 0 ? produceAnswer(body) : null))
    const b2 = loopback(ALL, (k, _v, body) =>
      k === 0 ? produceAnswer(body) : k === 12 ? { errorCode: 0 } : null,
    )
    const opened: string[] = []
    const svc = await KafkaProtocolService.start(boot.conn, {
      bootstrapAddress: 'boot:9092',
      connect: async (host) => {
        opened.push(host)
        return host === 'b1' ? b1.conn : b2.conn
      },
    })
    const res = await svc.produce({
      acks: 1,
      timeoutMs: 100,
      topics: [
        { name: 't', partitions: [0, 1].map((partition) => ({ partition, records: new Uint8Array(0) })) },
      ],
    })
    expect(res.topics[0]!.partitions.map((p) => [p.partition, p.baseOffset]).sort()).toEqual([
      [0, 0],
      [1, 100],
    ])
    const produced = (c: typeof b1) =>
      c.seen.filter((s) => s.apiKey === 0).map((s) => JSON.stringify(s.body.topicData))
    expect(produced(b1)).toHaveLength(1)
    expect(produced(b1)[0]).toContain('"index":0')
    expect(produced(b2)[0]).toContain('"index":1')
    await svc.heartbeat({ groupId: 'g', generationId: 1, memberId: 'm' })
    expect(boot.seen.some((s) => s.apiKey === 10)).toBe(true)
    expect(b2.seen.at(-1)?.apiKey).toBe(12)
    expect(opened.sort()).toEqual(['b1', 'b2'])
  })
})

describe('FrameConnection', () => {
  function pipe() {
    const frames: { apiKey: number; apiVersion: number; correlationId: number }[] = []
    const conn = new FrameConnection(
      {
        send: (f) => frames.push(decodeRequest(f.subarray(4)).header),
        close() {},
      },
      { clock, requestTimeoutMs: 1000 },
    )
    return { conn, frames }
  }
  const clock = new ManualClock()

  it('matches pipelined responses by correlation id, in any order', async () => {
    const { conn, frames } = pipe()
    const a = conn.request(12, 0, { groupId: 'a' })
    const b = conn.request(12, 0, { groupId: 'b' })
    expect(frames.map((f) => f.correlationId)).toEqual([0, 1])
    conn.receive(encodeResponse(12, 0, 1, { errorCode: 27 }))
    conn.receive(encodeResponse(12, 0, 0, { errorCode: 0 }))
    expect((await a).errorCode).toBe(0)
    expect((await b).errorCode).toBe(27)
  })

  it('times requests out on the clock and fails everything when the connection closes', async () => {
    const { conn } = pipe()
    const slow = conn.request(12, 0, { groupId: 'a' })
    const slower = conn.request(12, 0, { groupId: 'b' }, { timeoutMs: 5000 })
    clock.advance(1000)
    await expect(slow).rejects.toMatchObject({ type: 'REQUEST_TIMED_OUT' })
    conn.fail(new Error('socket reset'))
    await expect(slower).rejects.toMatchObject({ type: 'NETWORK_EXCEPTION' })
    await expect(conn.request(12, 0, { groupId: 'c' })).rejects.toBeInstanceOf(BrookError)
  })
})
