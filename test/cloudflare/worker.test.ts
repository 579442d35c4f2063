/**
 * brook on Cloudflare, in real workerd: the same HTTP suite as on Node (REST, SSE, Kafka over the
 * gateway object's hibernatable WebSocket, /metrics) against the Worker and its Durable Objects.
 */

import { mkdtemp, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { AclOperations, PatternTypes, PermissionTypes, ResourceTypes } from '../../src/core/acl.ts'
import { Compression } from '../../src/core/format/compression.ts'
import type { WebSocketConstructor } from '../../src/core/protocol/client-websocket.ts'
import { connect } from '../../src/edge/node/connect.ts'
import { edgeHttpSuite } from '../conformance/edge-http.ts'
import { startBrookWorker, type Workerd } from './support.ts'

let worker: Workerd
beforeAll(async () => {
  worker = await startBrookWorker({ BROOK_INSECURE: 'true' })
}, 60_000)
afterAll(async () => {
  await worker?.close()
})

edgeHttpSuite({ base: () => worker.url, maxBodyBytes: 8 << 20 })

describe('brook on Cloudflare', () => {
  it('is closed by default: with no credentials configured only /healthz answers', async () => {
    const closed = await startBrookWorker({})
    try {
      expect((await fetch(`${closed.url}healthz`)).status).toBe(200)
      const res = await fetch(`${closed.url}v1/topics`)
      expect(res.status).toBe(401)
      expect((await res.json()).error).toBe('SASL_AUTHENTICATION_FAILED')
      expect((await fetch(`${closed.url}v1/topics`, { headers: { authorization: 'Bearer x' } })).status).toBe(
        401,
      )
    } finally {
      await closed.close()
    }
    const guarded = await startBrookWorker({ BROOK_TOKENS: 'edge-token=svc' })
    try {
      expect(
        (await fetch(`${guarded.url}v1/topics`, { headers: { authorization: 'Bearer edge-token' } })).status,
      ).toBe(200)
    } finally {
      await guarded.close()
    }
  }, 60_000)

  it('serves connect({ url }) over the gateway: a producer and a consumer group', async () => {
    const brook = await connect({ url: worker.url })
    try {
      await brook.admin().createTopics({ topics: [{ topic: 'cf-orders', numPartitions: 3 }] })
      const producer = brook.producer()
      await producer.connect()
      await producer.send({
        topic: 'cf-orders',
        messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
      })
      const consumer = brook.consumer({ groupId: 'cf-readers' })
      await consumer.connect()
      await consumer.subscribe({ topic: 'cf-orders', fromBeginning: true })
      const got: string[] = []
      await consumer.run({
        eachMessage: async ({ message }) => {
          got.push(new TextDecoder().decode(message.value!))
        },
      })
      await expect.poll(() => got.length, { timeout: 20_000 }).toBe(30)
      expect(new Set(got).size).toBe(30)
      await consumer.disconnect()
      await producer.disconnect()
    } finally {
      await brook.close()
    }
  }, 60_000)

  it('reads and stores zstd, but cannot write it (no WebAssembly from bytes): a zstd topic refuses other codecs clearly', async () => {
    const brook = await connect({ url: worker.url })
    try {
      const admin = brook.admin()
      await admin.createTopics({
        topics: [
          { topic: 'cf-zstd', configEntries: [{ name: 'compression.type', value: 'zstd' }] },
          { topic: 'cf-lz4', configEntries: [{ name: 'compression.type', value: 'lz4' }] },
        ],
      })
      const producer = brook.producer({ retry: { retries: 0 } })
      await producer.connect()
      // Compressed here, in Node: the worker stores it as it is (already the topic's codec).
      await producer.send({ topic: 'cf-zstd', compression: Compression.zstd, messages: [{ value: 'z1' }] })
      // The worker would have to compress this one itself.
      const refused = await producer.send({ topic: 'cf-zstd', messages: [{ value: 'plain' }] }).then(
        () => 'stored',
        (e: Error) => e.message,
      )
      expect(refused).toMatch(
        /^UNSUPPORTED_COMPRESSION_TYPE: brook cannot write zstd here: .*disallowed by embedder/,
      )
      // Recompressing into a pure-JS codec works there, from zstd as well.
      await producer.send({ topic: 'cf-lz4', compression: Compression.zstd, messages: [{ value: 'l1' }] })
      await producer.disconnect()
      const got: string[] = []
      const consumer = brook.consumer({ groupId: 'cf-zstd-readers' })
      await consumer.connect()
      await consumer.subscribe({ topics: ['cf-zstd', 'cf-lz4'], fromBeginning: true })
      await consumer.run({
        eachMessage: async ({ message }) => void got.push(new TextDecoder().decode(message.value!)),
      })
      await expect.poll(() => got.length, { timeout: 20_000 }).toBe(2)
      expect(got.sort()).toEqual(['l1', 'z1'])
      await consumer.disconnect()
    } finally {
      await brook.close()
    }
  }, 60_000)

  it('keeps each partition in a Durable Object of its own, and everything across a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'brook-cf-persist-'))
    const first = await startBrookWorker({ BROOK_INSECURE: 'true' }, { persist: dir })
    const post = (url: string, path: string, body: unknown) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    try {
      expect((await post(first.url, 'v1/topics', { name: 'kept', partitions: 4 })).status).toBe(201)
      const r = await post(first.url, 'v1/topics/kept/records', {
        records: [0, 1, 2, 3].map((partition) => ({ partition, valueText: `p${partition}` })),
      })
      expect(r.status).toBe(200)
      expect(
        (
          await post(first.url, 'v1/groups/keepers/offsets', {
            offsets: [{ topic: 'kept', partition: 2, offset: 1 }],
          })
        ).status,
      ).toBe(204)
    } finally {
      await first.close()
    }
    // One SQLite file per object: the coordinator and four partitions.
    // (miniflare keeps a metadata.sqlite of its own in each class's folder)
    const files = (await readdir(dir, { recursive: true })).filter(
      (f) => f.endsWith('.sqlite') && !f.endsWith('metadata.sqlite'),
    )
    expect(files.filter((f) => f.includes('BrookPartition'))).toHaveLength(4)
    expect(files.filter((f) => f.includes('BrookCoordinator'))).toHaveLength(1)
    const again = await startBrookWorker({ BROOK_INSECURE: 'true' }, { persist: dir })
    try {
      for (const p of [0, 1, 2, 3]) {
        const got = await (await fetch(`${again.url}v1/topics/kept/partitions/${p}/records?offset=0`)).json()
        expect(got.records.map((x: { valueText: string }) => x.valueText)).toEqual([`p${p}`])
      }
      const group = await (await fetch(`${again.url}v1/groups/keepers`)).json()
      expect(group.offsets).toEqual([
        {
          topic: 'kept',
          partition: 2,
          committed: 1,
          logStartOffset: 0,
          logEndOffset: 1,
          lag: 0,
          owner: null,
        },
      ])
    } finally {
      await again.close()
    }
  }, 60_000)

  it('enforces ACLs made over the WebSocket on REST and on the WebSocket alike', async () => {
    const guarded = await startBrookWorker({
      BROOK_TOKENS: 'admin-t=admin,alice-t=alice',
      BROOK_AUTHORIZER: 'true',
      BROOK_SUPER_USERS: 'User:admin',
      BROOK_AUTO_CREATE_TOPICS: 'true',
    })
    const admin = await connect({ url: guarded.url, token: 'admin-t' })
    const alice = await connect({ url: guarded.url, token: 'alice-t', retry: { retries: 0 } })
    try {
      await admin.admin().createTopics({ topics: [{ topic: 'a-mine' }, { topic: 'b-theirs' }] })
      await admin.admin().createAcls({
        acl: [
          {
            resourceType: ResourceTypes.TOPIC,
            resourceName: 'a-',
            resourcePatternType: PatternTypes.PREFIXED,
            principal: 'User:alice',
            host: '*',
            operation: AclOperations.WRITE,
            permissionType: PermissionTypes.ALLOW,
          },
        ],
      })
      const post = (topic: string) =>
        fetch(`${guarded.url}v1/topics/${topic}/records`, {
          method: 'POST',
          headers: { authorization: 'Bearer alice-t', 'content-type': 'application/json' },
          body: JSON.stringify({ records: [{ valueText: 'x' }] }),
        })
      // The worker reads ACLs at most a second old.
      await expect.poll(async () => (await post('a-mine')).status, { timeout: 5000 }).toBe(200)
      const refused = await post('b-theirs')
      expect(refused.status).toBe(403)
      expect((await refused.json()).error).toBe('TOPIC_AUTHORIZATION_FAILED')
      const producer = alice.producer()
      await producer.connect()
      await producer.send({ topic: 'a-mine', messages: [{ value: 'ws' }] })
      await expect(producer.send({ topic: 'b-theirs', messages: [{ value: 'ws' }] })).rejects.toMatchObject({
        type: 'TOPIC_AUTHORIZATION_FAILED',
      })
      // A client cannot claim a principal: the worker sets the gateway's.
      const sneaky = await connect({
        url: guarded.url,
        token: 'alice-t',
        retry: { retries: 0 },
        WebSocket: class extends WebSocket {
          constructor(url: string) {
            super(url, { headers: { 'x-brook-principal': 'User:admin' } })
          }
        } as unknown as WebSocketConstructor,
      })
      await expect(
        sneaky.producer().send({ topic: 'b-theirs', messages: [{ value: 'x' }] }),
      ).rejects.toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED' })
      await sneaky.close()
      await producer.disconnect()
    } finally {
      await alice.close()
      await admin.close()
      await guarded.close()
    }
  }, 60_000)
})
