/**
 * ACLs, managed with Kafka's own APIs (kafkajs admin, `brook acls`), enforced alike on every door:
 * the Kafka listener (SASL users), REST, SSE and the WebSocket (HTTP Basic with the same users, or
 * a token). A principal allowed topic prefix `a-` cannot touch `b-topic` anywhere, sees only what it
 * may describe, and nothing it was refused is written.
 */

import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { AclOperations, PatternTypes, PermissionTypes, ResourceTypes } from '../../src/core/acl.ts'
import { Authorizer } from '../../src/core/authorizer.ts'
import { Broker } from '../../src/core/broker.ts'
import { createBrook } from '../../src/core/client/brook.ts'
import { encodeBatch } from '../../src/core/format/record-batch.ts'
import { MemoryStore } from '../../src/core/memory-store.ts'
import type { WebSocketConstructor } from '../../src/core/protocol/client-websocket.ts'
import { connectKafka } from '../../src/edge/kafka/connection.ts'
import { type KafkaServer, startKafkaServer } from '../../src/edge/kafka/server.ts'
import { connect } from '../../src/edge/node/connect.ts'
import { type Relay, startRelay } from '../../src/edge/node/relay.ts'
import { brookProcess } from '../support/cli.ts'

const USERS: Record<string, string> = { admin: 'admin-pw', alice: 'alice-pw', bob: 'bob-pw' }
let broker: Broker
let kafka: KafkaServer
let relay: Relay

beforeAll(async () => {
  broker = await Broker.open({ store: new MemoryStore() })
  const authorizer = new Authorizer(broker, { superUsers: ['User:admin'] })
  const plain = (u: string, p: string) => USERS[u] === p
  kafka = await startKafkaServer({ broker, port: 0, auth: { plain }, authorizer, log: () => {} })
  relay = await startRelay({
    broker,
    port: 0,
    auth: { basic: plain, tokens: { 'alice-token': 'alice' } },
    authorizer,
  })
  for (const name of ['a-orders', 'a-payments', 'b-topic'])
    await broker.createTopics({ topics: [{ name, numPartitions: 1 }] })
})
afterAll(async () => {
  await relay?.close()
  await kafka?.close()
  await broker?.close()
})

const kafkajs = (user: string) =>
  new Kafka({
    clientId: `acl-${user}`,
    brokers: [`127.0.0.1:${kafka.port}`],
    sasl: { mechanism: 'plain', username: user, password: USERS[user]! },
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  })

const basic = (user: string) => ({ authorization: `Basic ${btoa(`${user}:${USERS[user]}`)}` })
const endOf = async (topic: string) =>
  (await broker.listOffsets({ topics: [{ name: topic, partitions: [{ partition: 0, timestamp: -1 }] }] }))
    .topics[0]!.partitions[0]!.offset

describe('ACLs', () => {
  it('are created, described and deleted with kafkajs admin; only a super user may', async () => {
    const admin = kafkajs('admin').admin()
    await admin.connect()
    const aliceTopics = {
      resourceType: ResourceTypes.TOPIC,
      resourceName: 'a-',
      resourcePatternType: PatternTypes.PREFIXED,
      principal: 'User:alice',
      host: '*',
      permissionType: PermissionTypes.ALLOW,
    }
    await admin.createAcls({
      acl: [
        { ...aliceTopics, operation: AclOperations.WRITE },
        { ...aliceTopics, operation: AclOperations.READ },
        {
          resourceType: ResourceTypes.GROUP,
          resourceName: 'g-alice',
          resourcePatternType: PatternTypes.LITERAL,
          principal: 'User:alice',
          host: '*',
          operation: AclOperations.READ,
          permissionType: PermissionTypes.ALLOW,
        },
        // Denied even though the prefix allows it: deny wins.
        {
          ...aliceTopics,
          resourceName: 'a-payments',
          resourcePatternType: PatternTypes.LITERAL,
          operation: AclOperations.WRITE,
          permissionType: PermissionTypes.DENY,
        },
        {
          ...aliceTopics,
          resourceName: 'b-topic',
          resourcePatternType: PatternTypes.LITERAL,
          principal: 'User:bob',
          operation: AclOperations.ALL,
        },
      ],
    })
    const described = await admin.describeAcls({
      resourceType: ResourceTypes.ANY,
      resourcePatternType: PatternTypes.ANY,
      operation: AclOperations.ANY,
      permissionType: PermissionTypes.ANY,
    })
    expect(described.resources.flatMap((r) => r.acls)).toHaveLength(5)
    const onlyAlicePrefix = await admin.describeAcls({
      resourceType: ResourceTypes.TOPIC,
      resourceName: 'a-',
      resourcePatternType: PatternTypes.PREFIXED,
      operation: AclOperations.ANY,
      permissionType: PermissionTypes.ANY,
    })
    expect(onlyAlicePrefix.resources).toEqual([
      expect.objectContaining({ resourceName: 'a-', resourcePatternType: PatternTypes.PREFIXED }),
    ])
    await admin.disconnect()

    const aliceAdmin = kafkajs('alice').admin()
    await aliceAdmin.connect()
    await expect(
      aliceAdmin.createAcls({ acl: [{ ...aliceTopics, resourceName: 'b-', operation: AclOperations.ALL }] }),
    ).rejects.toThrow(/Cluster authorization failed|CLUSTER_AUTHORIZATION_FAILED/i)
    await aliceAdmin.disconnect()
  })

  it('on the Kafka listener: alice writes and reads a-*, is refused b-topic and a denied topic, and sees only a-*', async () => {
    const service = await connectKafka({
      bootstrap: `127.0.0.1:${kafka.port}`,
      sasl: { mechanism: 'PLAIN', username: 'alice', password: USERS.alice! },
    })
    const alice = createBrook({ service, retry: { retries: 0 } })
    const producer = alice.producer()
    await producer.connect()
    await producer.send({ topic: 'a-orders', messages: [{ value: 'ok' }] })
    const before = await endOf('b-topic')
    await expect(producer.send({ topic: 'b-topic', messages: [{ value: 'no' }] })).rejects.toMatchObject({
      type: 'TOPIC_AUTHORIZATION_FAILED',
    })
    await expect(producer.send({ topic: 'a-payments', messages: [{ value: 'no' }] })).rejects.toMatchObject({
      type: 'TOPIC_AUTHORIZATION_FAILED',
    })
    expect(await endOf('b-topic')).toBe(before)
    expect(await endOf('a-payments')).toBe(0)
    expect((await alice.admin().listTopics()).sort()).toEqual(['a-orders', 'a-payments'])
    const res = await service.fetch({
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      topics: [
        { name: 'b-topic', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] },
      ],
    })
    expect(res.topics[0]!.partitions[0]!.errorCode).toBe(29)
    await producer.disconnect()
    await service.close()
  })

  it('on REST and SSE: the same decisions, as 403 with the Kafka error name, writing nothing', async () => {
    const post = (topic: string, who: Record<string, string>) =>
      fetch(`${relay.url}v1/topics/${topic}/records`, {
        method: 'POST',
        headers: { ...who, 'content-type': 'application/json' },
        body: JSON.stringify({ records: [{ valueText: 'over http' }] }),
      })
    expect((await post('a-orders', basic('alice'))).status).toBe(200)
    const before = await endOf('b-topic')
    const refused = await post('b-topic', basic('alice'))
    expect(refused.status).toBe(403)
    expect((await refused.json()).error).toBe('TOPIC_AUTHORIZATION_FAILED')
    expect((await post('b-topic', { authorization: 'Bearer alice-token' })).status).toBe(403)
    expect(await endOf('b-topic')).toBe(before)
    expect((await post('b-topic', basic('bob'))).status).toBe(200)

    const list = await (await fetch(`${relay.url}v1/topics`, { headers: basic('alice') })).json()
    expect(list.topics.map((t: { name: string }) => t.name).sort()).toEqual(['a-orders', 'a-payments'])
    const read = await fetch(`${relay.url}v1/topics/b-topic/partitions/0/records?offset=0`, {
      headers: basic('alice'),
    })
    expect(read.status).toBe(403)
    const sse = await fetch(`${relay.url}v1/topics/b-topic/partitions/0/events?offset=0`, {
      headers: basic('alice'),
    })
    expect(sse.status).toBe(403)
    expect((await sse.json()).error).toBe('TOPIC_AUTHORIZATION_FAILED')
    expect((await fetch(`${relay.url}metrics`, { headers: basic('alice') })).status).toBe(403)
    expect((await fetch(`${relay.url}metrics`, { headers: basic('admin') })).status).toBe(200)
  })

  it('on the WebSocket: connect({ token }) as alice is refused b-topic and a group of someone else', async () => {
    const brook = await connect({
      url: relay.url,
      token: 'alice-token',
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      retry: { retries: 0 },
    })
    try {
      const producer = brook.producer()
      await producer.connect()
      await producer.send({ topic: 'a-orders', messages: [{ value: 'ws ok' }] })
      const before = await endOf('b-topic')
      await expect(producer.send({ topic: 'b-topic', messages: [{ value: 'ws no' }] })).rejects.toMatchObject(
        {
          type: 'TOPIC_AUTHORIZATION_FAILED',
        },
      )
      expect(await endOf('b-topic')).toBe(before)
      const consumer = brook.consumer({ groupId: 'g-bob', retry: { retries: 0 } })
      await consumer.connect()
      await consumer.subscribe({ topic: 'a-orders', fromBeginning: true })
      const failed = new Promise<unknown>((resolve) =>
        consumer.on(consumer.events.CRASH, (e) => resolve((e.payload as { error: unknown }).error)),
      )
      await consumer.run({ eachMessage: async () => {} }).catch((e) => e)
      expect(String(await failed)).toMatch(/GROUP_AUTHORIZATION_FAILED/)
      await consumer.disconnect()
      await producer.disconnect()
    } finally {
      await brook.close()
    }
    // A raw batch over the Kafka door as bob is fine: his ACL is on b-topic.
    const bob = await connectKafka({
      bootstrap: `127.0.0.1:${kafka.port}`,
      sasl: { mechanism: 'PLAIN', username: 'bob', password: USERS.bob! },
    })
    const res = await bob.produce({
      acks: -1,
      timeoutMs: 1000,
      topics: [
        {
          name: 'b-topic',
          partitions: [{ partition: 0, records: encodeBatch({ records: [{ value: new Uint8Array([1]) }] }) }],
        },
      ],
    })
    expect(res.topics[0]!.partitions[0]!.errorCode).toBe(0)
    await bob.close()
  })

  it('on Durable Streams: a stream is the topic ds.<path>.<hash>, and the same ACLs decide', async () => {
    const admin = kafkajs('admin').admin()
    await admin.connect()
    // Alice may do everything to the streams under /alice/, and only read /shared/news.
    await admin.createAcls({
      acl: [
        {
          resourceType: ResourceTypes.TOPIC,
          resourceName: 'ds.alice-',
          resourcePatternType: PatternTypes.PREFIXED,
          principal: 'User:alice',
          host: '*',
          operation: AclOperations.ALL,
          permissionType: PermissionTypes.ALLOW,
        },
      ],
    })
    await admin.disconnect()
    const ds = (path: string, method: string, who: Record<string, string>, init: RequestInit = {}) =>
      fetch(`${relay.url}v1/streams${path}`, {
        ...init,
        method,
        headers: { ...who, 'content-type': 'text/plain', ...(init.headers as Record<string, string>) },
      })
    expect((await ds('/alice/notes', 'PUT', basic('alice'))).status).toBe(201)
    expect((await ds('/alice/notes', 'POST', basic('alice'), { body: 'mine' })).status).toBe(204)
    expect(await (await ds('/alice/notes?offset=-1', 'GET', basic('alice'))).text()).toBe('mine')

    // Bob's stream: alice can neither create, write, read nor fork it.
    expect((await ds('/bob/diary', 'PUT', basic('admin'))).status).toBe(201)
    expect((await ds('/bob/diary', 'POST', basic('admin'), { body: 'secret' })).status).toBe(204)
    expect((await ds('/bob/other', 'PUT', basic('alice'))).status).toBe(403)
    expect((await ds('/bob/diary', 'POST', basic('alice'), { body: 'graffiti' })).status).toBe(403)
    expect((await ds('/bob/diary?offset=-1', 'GET', basic('alice'))).status).toBe(403)
    expect((await ds('/bob/diary', 'DELETE', basic('alice'))).status).toBe(403)
    const fork = await ds('/alice/copy', 'PUT', basic('alice'), {
      headers: { 'Stream-Forked-From': '/bob/diary' },
    })
    expect(fork.status).toBe(403)
    // Nothing of what was refused exists or changed.
    expect((await ds('/bob/other', 'HEAD', basic('admin'))).status).toBe(404)
    expect((await ds('/alice/copy', 'HEAD', basic('admin'))).status).toBe(404)
    expect(await (await ds('/bob/diary?offset=-1', 'GET', basic('admin'))).text()).toBe('secret')
  })

  it('are managed with `brook acls`, with kafka-acls.sh flags', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'brook-acls-'))
    const props = async (user: string) => {
      const file = join(dir, `${user}.properties`)
      await writeFile(
        file,
        `security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.username=${user}\nsasl.password=${USERS[user]}\n`,
      )
      return ['--command-config', file]
    }
    const bootstrap = `127.0.0.1:${kafka.port}`
    const asAdmin = await props('admin')
    const acls = (args: string[], who = asAdmin) => brookProcess(['acls', ...who, ...args], bootstrap)
    const add = await acls([
      '--add',
      '--allow-principal',
      'User:carol',
      '--operation',
      'Read',
      '--operation',
      'Describe',
      '--topic',
      'c-',
      '--resource-pattern-type',
      'prefixed',
    ])
    expect(add.code, add.err).toBe(0)
    const listed = await acls(['--list', '--principal', 'User:carol'])
    expect(listed.code, listed.err).toBe(0)
    expect(listed.out).toContain(
      'Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=c-, patternType=PREFIXED)`:',
    )
    expect(listed.out).toContain('\t(principal=User:carol, host=*, operation=READ, permissionType=ALLOW)')
    expect(listed.out).toContain('\t(principal=User:carol, host=*, operation=DESCRIBE, permissionType=ALLOW)')
    const removed = await acls([
      '--remove',
      '--allow-principal',
      'User:carol',
      '--operation',
      'Read',
      '--topic',
      'c-',
      '--resource-pattern-type',
      'prefixed',
      '--force',
    ])
    expect(removed.code, removed.err).toBe(0)
    const after = await acls(['--list', '--principal', 'User:carol'])
    expect(after.out).not.toContain('operation=READ')
    expect(after.out).toContain('operation=DESCRIBE')
    const denied = await acls(['--list'], await props('alice'))
    expect(denied.code).toBe(1)
    expect(denied.err).toMatch(/CLUSTER_AUTHORIZATION_FAILED/)
  })
})
