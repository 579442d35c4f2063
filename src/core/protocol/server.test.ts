import { describe, expect, it } from 'vitest'
import { BrookError } from '../errors.ts'
import type { BrokerService, FetchRequest, MetadataRequest, ProduceRequest } from '../service.ts'
import { decodeResponse, encodeRequest } from './frames.ts'
import { createKafkaHandler, SUPPORTED_APIS } from './server.ts'

/** A broker whose unimplemented calls fail loudly; tests override what they need. */
function stubService(over: Partial<BrokerService>): BrokerService {
  return new Proxy(over as BrokerService, {
    get(target, prop) {
      const v = (target as unknown as Record<string | symbol, unknown>)[prop]
      if (v !== undefined) return v
      return () => Promise.reject(new Error(`stub: ${String(prop)} not implemented`))
    },
  })
}

const advertised = { nodeId: 7, host: 'brook.local', port: 19092 }

function req(apiKey: number, apiVersion: number, body: object, correlationId = 1): Uint8Array {
  return encodeRequest({ apiKey, apiVersion, correlationId, clientId: 'test' } as never, body as never)
}

function res(apiKey: number, apiVersion: number, bytes: Uint8Array | null) {
  if (!bytes) throw new Error('no response')
  // biome-ignore lint/suspicious/noExplicitAny: test reads loosely typed bodies
  return decodeResponse(apiKey as never, apiVersion, bytes) as { correlationId: number; body: any }
}

describe('Kafka request handler', () => {
  it('advertises exactly its APIs over ApiVersions v0 and v3', async () => {
    const s = createKafkaHandler({ service: stubService({}), advertised })
    for (const v of [0, 3]) {
      const r = res(
        18,
        v,
        await s.handle(req(18, v, { clientSoftwareName: 'x', clientSoftwareVersion: '1' }, 5)),
      )
      expect(r.correlationId).toBe(5)
      expect(r.body.errorCode).toBe(0)
      const keys = new Map(
        r.body.apiKeys.map((k: { apiKey: number; minVersion: number; maxVersion: number }) => [
          k.apiKey,
          [k.minVersion, k.maxVersion],
        ]),
      )
      expect(keys).toEqual(new Map([...SUPPORTED_APIS].map(([k, r]) => [k, [...r]])))
    }
  })

  it('answers a too-new ApiVersions with UNSUPPORTED_VERSION and the key list in a v0 body', async () => {
    const s = createKafkaHandler({ service: stubService({}), advertised })
    const frame = req(18, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' }, 9)
    new DataView(frame.buffer, frame.byteOffset).setInt16(2, 5) // pretend ApiVersions v5
    const r = res(18, 0, await s.handle(frame))
    expect(r.correlationId).toBe(9)
    expect(r.body.errorCode).toBe(35)
    expect(r.body.apiKeys.length).toBe(SUPPORTED_APIS.size)
  })

  it('rejects (closes) on unknown API keys, unsupported versions and malformed frames', async () => {
    const s = createKafkaHandler({ service: stubService({}), advertised })
    const unknown = req(18, 0, {})
    new DataView(unknown.buffer, unknown.byteOffset).setInt16(0, 999)
    await expect(s.handle(unknown)).rejects.toThrow(/unknown API key 999/)
    // Fetch v3 would need records down-converted to magic 1.
    await expect(
      s.handle(req(1, 3, { replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 0, topics: [] })),
    ).rejects.toThrow(/unsupported version/)
    await expect(s.handle(new Uint8Array([0, 3]))).rejects.toThrow(/malformed/)
    const truncated = req(3, 1, { topics: [{ name: 'abc' }] }).subarray(0, 18)
    await expect(s.handle(truncated)).rejects.toThrow(/malformed/)
    // The session keeps working after a rejected frame.
    expect(res(18, 0, await s.handle(req(18, 0, {}))).body.errorCode).toBe(0)
  })

  it('maps Metadata topic lists per version and lists only the advertised broker', async () => {
    const seen: MetadataRequest[] = []
    const service = stubService({
      async metadata(r) {
        seen.push(r)
        return {
          brokers: [{ nodeId: 1, host: 'internal', port: 1 }],
          clusterId: 'c',
          controllerId: 1,
          topics: [
            {
              errorCode: 0,
              name: 't',
              topicId: '',
              isInternal: false,
              partitions: [{ errorCode: 0, partition: 0, leader: 1, replicas: [1], isr: [1] }],
            },
          ],
        }
      },
    })
    const s = createKafkaHandler({ service, advertised })
    const v0 = res(3, 0, await s.handle(req(3, 0, { topics: [] })))
    await s.handle(req(3, 1, { topics: null }))
    await s.handle(req(3, 1, { topics: [] }))
    await s.handle(req(3, 4, { topics: [{ name: 't' }], allowAutoTopicCreation: false }))
    expect(seen.map((r) => r.topics)).toEqual([null, null, [], ['t']])
    expect(seen.map((r) => r.allowAutoTopicCreation)).toEqual([true, true, true, false])
    expect(v0.body.brokers).toEqual([{ nodeId: 7, host: 'brook.local', port: 19092, rack: null }])
    expect(v0.body.topics[0].partitions[0].leaderId).toBe(7)
    const v1 = res(3, 1, await s.handle(req(3, 1, { topics: null })))
    expect(v1.body.controllerId).toBe(7)
  })

  it('sends nothing for acks=0 and answers pipelined requests in order behind a long poll', async () => {
    let release!: () => void
    const produced: ProduceRequest[] = []
    const service = stubService({
      async produce(r) {
        produced.push(r)
        return {
          topics: r.topics.map((t) => ({
            name: t.name,
            partitions: t.partitions.map((p) => ({
              partition: p.partition,
              errorCode: 0,
              baseOffset: 0,
              logAppendTimeMs: -1,
              logStartOffset: 0,
            })),
          })),
        }
      },
      fetch(_r: FetchRequest) {
        return new Promise((resolve) => {
          release = () => resolve({ topics: [] })
        })
      },
    })
    const s = createKafkaHandler({ service, advertised })
    const topicData = [{ name: 't', partitionData: [{ index: 0, records: new Uint8Array(0) }] }]
    expect(await s.handle(req(0, 3, { acks: 0, timeoutMs: 100, topicData }))).toBeNull()
    const order: number[] = []
    const fetch = s.handle(req(1, 4, { maxWaitMs: 500, minBytes: 1, maxBytes: 100, topics: [] }, 10))
    const after = s.handle(req(18, 0, {}, 11))
    void fetch.then(() => order.push(10))
    void after.then(() => order.push(11))
    await new Promise((r) => setTimeout(r, 20))
    expect(order).toEqual([])
    release()
    await Promise.all([fetch, after])
    expect(order).toEqual([10, 11])
    expect(produced).toHaveLength(1)
  })

  it('turns broker failures into Kafka error codes instead of failing the connection', async () => {
    const service = stubService({
      async produce() {
        throw new BrookError('KAFKA_STORAGE_ERROR', 'disk full')
      },
      async joinGroup() {
        throw new BrookError('INVALID_GROUP_ID')
      },
    })
    const s = createKafkaHandler({ service, advertised })
    const topicData = [{ name: 't', partitionData: [{ index: 0, records: new Uint8Array(0) }] }]
    const p = res(0, 7, await s.handle(req(0, 7, { acks: -1, timeoutMs: 100, topicData })))
    expect(p.body.responses[0].partitionResponses[0].errorCode).toBe(56)
    const bad = res(0, 7, await s.handle(req(0, 7, { acks: 2, timeoutMs: 100, topicData })))
    expect(bad.body.responses[0].partitionResponses[0].errorCode).toBe(21)
    const j = res(
      11,
      2,
      await s.handle(
        req(11, 2, {
          groupId: '',
          sessionTimeoutMs: 1,
          rebalanceTimeoutMs: 1,
          memberId: '',
          protocolType: 'consumer',
          protocols: [],
        }),
      ),
    )
    expect(j.body.errorCode).toBe(24)
  })

  it('authenticates SASL/PLAIN via SaslAuthenticate and refuses other APIs before it', async () => {
    const service = stubService({ listGroups: async () => ({ errorCode: 0, groups: [] }) })
    const auth = { plain: (u: string, p: string) => u === 'alice' && p === 'secret' }
    const s = createKafkaHandler({ service, advertised, auth })
    expect(res(17, 1, await s.handle(req(17, 1, { mechanism: 'SCRAM-SHA-256' }))).body.errorCode).toBe(33)
    expect(res(17, 1, await s.handle(req(17, 1, { mechanism: 'PLAIN' }))).body.errorCode).toBe(0)
    const bad = new TextEncoder().encode('\0alice\0wrong')
    expect(res(36, 1, await s.handle(req(36, 1, { authBytes: bad }))).body.errorCode).toBe(58)
    await expect(s.handle(req(17, 1, { mechanism: 'PLAIN' }))).rejects.toThrow(/failed SASL/)

    const s2 = createKafkaHandler({ service, advertised, auth })
    expect(res(17, 1, await s2.handle(req(17, 1, { mechanism: 'PLAIN' }))).body.errorCode).toBe(0)
    const good = new TextEncoder().encode('\0alice\0secret')
    expect(res(36, 1, await s2.handle(req(36, 1, { authBytes: good }))).body.errorCode).toBe(0)
    expect(res(16, 0, await s2.handle(req(16, 0, {}))).body.errorCode).toBe(0)

    const other = createKafkaHandler({ service, advertised, auth })
    await expect(other.handle(req(16, 0, {}))).rejects.toThrow(/before SASL/)
  })

  it('accepts the raw PLAIN token kafka-python sends after SaslHandshake v0', async () => {
    const service = stubService({ listGroups: async () => ({ errorCode: 0, groups: [] }) })
    const s = createKafkaHandler({
      service,
      advertised,
      auth: { plain: async (u, p) => u === 'bob' && p === 'pw' },
    })
    expect(res(17, 0, await s.handle(req(17, 0, { mechanism: 'PLAIN' }))).body.errorCode).toBe(0)
    expect(await s.handle(new TextEncoder().encode('\0bob\0pw'))).toEqual(new Uint8Array(0))
    expect(res(16, 0, await s.handle(req(16, 0, {}))).body.errorCode).toBe(0)
  })

  it('answers ListOffsets v0 in the old offsets-array format and v1+ with one offset', async () => {
    const service = stubService({
      listOffsets: async (r) => ({
        topics: r.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partition: p.partition,
            errorCode: 0,
            timestamp: -1,
            offset: p.timestamp === -2 ? 0 : 42,
          })),
        })),
      }),
    })
    const s = createKafkaHandler({ service, advertised })
    const topics = [{ name: 't', partitions: [{ partitionIndex: 0, timestamp: -1, maxNumOffsets: 1 }] }]
    const v0 = res(2, 0, await s.handle(req(2, 0, { replicaId: -1, topics })))
    expect(v0.body.topics[0].partitions[0].oldStyleOffsets).toEqual([42])
    const v1 = res(2, 1, await s.handle(req(2, 1, { replicaId: -1, topics })))
    expect(v1.body.topics[0].partitions[0].offset).toBe(42)
  })

  it('maps LeaveGroup v0–2 (one member) and v3+ (a member list)', async () => {
    const left: string[][] = []
    const service = stubService({
      leaveGroup: async (r) => {
        left.push(r.members.map((m) => m.memberId))
        return {
          errorCode: 0,
          members: r.members.map((m) => ({ memberId: m.memberId, errorCode: m.memberId === 'x' ? 25 : 0 })),
        }
      },
    })
    const s = createKafkaHandler({ service, advertised })
    expect(res(13, 1, await s.handle(req(13, 1, { groupId: 'g', memberId: 'a' }))).body.errorCode).toBe(0)
    expect(res(13, 0, await s.handle(req(13, 0, { groupId: 'g', memberId: 'x' }))).body.errorCode).toBe(25)
    const v3 = res(
      13,
      3,
      await s.handle(
        req(13, 3, {
          groupId: 'g',
          members: [
            { memberId: 'b', groupInstanceId: null },
            { memberId: 'x', groupInstanceId: null },
          ],
        }),
      ),
    )
    expect(v3.body.members.map((m: { errorCode: number }) => m.errorCode)).toEqual([0, 25])
    expect(left).toEqual([['a'], ['x'], ['b', 'x']])
  })
})

/**
 * kafka-python 3.x guesses the broker's Kafka version from ApiVersions (`infer_broker_version_from
 * _api_versions` in kafka/protocol/broker_version_data.py, dpkp/kafka-python a3b3836f) and then
 * picks its requests by that version. Its table, down from the newest: the first test case whose
 * API version the broker advertises wins. (Debian ships kafka-python 2.0.2, whose table stops at
 * 2.5; this is what the current release reads.)
 */
const KAFKA_PYTHON_3_TEST_CASES: [version: string, apiKey: number, apiVersion: number][] = [
  ['4.3', 35, 5], // DescribeLogDirs
  ['4.2', 2, 11],
  ['4.1', 0, 13],
  ['4.0', 2, 10],
  ['3.9', 1, 17],
  ['3.8', 0, 11],
  ['3.7', 1, 16],
  ['3.6', 24, 4], // AddPartitionsToTxn
  ['3.5', 1, 15],
  ['3.4', 4, 7], // LeaderAndIsr, broker-internal
  ['3.3', 29, 3],
  ['3.2', 11, 9],
  ['3.1', 1, 13],
  ['3.0', 2, 7],
  ['2.8', 0, 9],
  ['2.7', 1, 12],
  ['2.6', 48, 0], // DescribeClientQuotas
  ['2.5', 29, 2],
  ['2.4', 0, 8],
]

describe('what kafka-python 3 infers from ApiVersions', () => {
  it('reads brook as Kafka 4.0 (it read 2.4 before brook advertised current versions)', async () => {
    const s = createKafkaHandler({ service: stubService({}), advertised })
    const r = res(18, 3, await s.handle(req(18, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' })))
    const ranges = new Map<number, [number, number]>(
      r.body.apiKeys.map((k: { apiKey: number; minVersion: number; maxVersion: number }) => [
        k.apiKey,
        [k.minVersion, k.maxVersion],
      ]),
    )
    const inferred = KAFKA_PYTHON_3_TEST_CASES.find(([, key, v]) => {
      const range = ranges.get(key)
      return range !== undefined && range[0] <= v && v <= range[1]
    })?.[0]
    expect(inferred).toBe('4.0')
  })
})
