/**
 * SASL/SCRAM-SHA-256 and SCRAM-SHA-512 on the Kafka listener, with real clients: kcat (librdkafka:
 * SaslHandshake v1 + SaslAuthenticate), kafka-python (SaslHandshake v0, then bare SCRAM tokens), kafkajs
 * and brook's own client. A wrong password is refused and writes nothing, while a client that
 * authenticated keeps being served.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Broker } from '../../src/core/broker.ts'
import { createBrook } from '../../src/core/client/brook.ts'
import { MemoryStore } from '../../src/core/memory-store.ts'
import { scramLookup } from '../../src/core/protocol/sasl-scram.ts'
import { connectKafka } from '../../src/edge/kafka/connection.ts'
import { type KafkaServer, startKafkaServer } from '../../src/edge/kafka/server.ts'
import { selfSignedCert } from '../support/tls.ts'
import { type Brook, LineProcess, PY_DIR, PYTHON, run, startBrook } from './support.ts'

const USERS = new Map([
  ['alice', 'wonder land'],
  ['bob', 'b0b=,pass'],
])

describe('SASL/SCRAM', () => {
  let brook: Brook
  beforeAll(async () => {
    brook = await startBrook({
      auth: { plain: (u, p) => USERS.get(u) === p, scram: await scramLookup(USERS) },
    })
  })
  afterAll(async () => {
    await brook?.close()
  })
  const bootstrap = () => ['-b', `127.0.0.1:${brook.port}`]
  const scram = (mechanism: string, user: string, password: string) => [
    '-X',
    'security.protocol=SASL_PLAINTEXT',
    '-X',
    `sasl.mechanisms=${mechanism}`,
    '-X',
    `sasl.username=${user}`,
    '-X',
    `sasl.password=${password}`,
  ]

  for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512']) {
    it(`kcat produces and consumes with ${mechanism}`, async () => {
      const topic = `kcat-${mechanism.toLowerCase()}`
      const p = await run(
        'kcat',
        [...bootstrap(), ...scram(mechanism, 'alice', 'wonder land'), '-P', '-t', topic],
        {
          input: `one\ntwo\n`,
        },
      )
      expect(p.code, p.stderr).toBe(0)
      const c = await run('kcat', [
        ...bootstrap(),
        ...scram(mechanism, 'bob', 'b0b=,pass'),
        '-C',
        '-t',
        topic,
        '-e',
        '-q',
        '-o',
        'beginning',
      ])
      expect(c.code, c.stderr).toBe(0)
      expect(c.stdout).toBe('one\ntwo\n')
    })
  }

  it('kafka-python produces and consumes with SCRAM-SHA-512 (and SCRAM-SHA-256)', async () => {
    for (const mechanism of ['SCRAM-SHA-512', 'SCRAM-SHA-256']) {
      const r = await run(
        PYTHON,
        [`${PY_DIR}sasl_scram.py`, String(brook.port), 'alice', 'wonder land', mechanism, `py-${mechanism}`],
        { timeoutMs: 30_000 },
      )
      expect(r.stdout, r.stderr).toBe('over scram\n')
    }
  })

  it('kafkajs produces and consumes with scram-sha-256', async () => {
    const kafka = new Kafka({
      brokers: [`127.0.0.1:${brook.port}`],
      sasl: { mechanism: 'scram-sha-256', username: 'bob', password: 'b0b=,pass' },
      logLevel: logLevel.NOTHING,
      retry: { retries: 2, initialRetryTime: 100 },
    })
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic: 'kjs-scram', messages: [{ value: 'from kafkajs' }] })
    await producer.disconnect()
    const consumer = kafka.consumer({ groupId: 'kjs-scram', maxWaitTimeInMs: 200 })
    await consumer.connect()
    await consumer.subscribe({ topic: 'kjs-scram', fromBeginning: true })
    const got: string[] = []
    await consumer.run({
      eachMessage: async ({ message }) => {
        got.push(message.value!.toString())
      },
    })
    await expect.poll(() => got, { timeout: 15_000 }).toEqual(['from kafkajs'])
    await consumer.disconnect()
  })

  it("brook's own client authenticates with scram-sha-512 (kafkajs's config shape)", async () => {
    const service = await connectKafka({
      bootstrap: `127.0.0.1:${brook.port}`,
      sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'wonder land' },
    })
    try {
      const client = createBrook({ service })
      const producer = client.producer()
      await producer.send({ topic: 'brook-scram', messages: [{ value: 'from brook' }] })
      expect(await client.admin().listTopics()).toContain('brook-scram')
    } finally {
      await service.close()
    }
  })

  it('a wrong password is refused and writes nothing; an authenticated consumer keeps being served', async () => {
    const topic = 'guarded'
    const good = scram('SCRAM-SHA-512', 'alice', 'wonder land')
    const produce = async (value: string, auth: string[]) =>
      run('kcat', [...bootstrap(), ...auth, '-P', '-t', topic, '-X', 'message.timeout.ms=5000'], {
        input: `${value}\n`,
      })
    expect((await produce('before', good)).code).toBe(0)
    const consumer = new LineProcess('kcat', [
      ...bootstrap(),
      ...scram('SCRAM-SHA-256', 'bob', 'b0b=,pass'),
      '-C',
      '-t',
      topic,
      '-o',
      'beginning',
      '-u',
      '-q',
    ])
    try {
      await consumer.waitFor((l) => l.includes('before'), 20_000, 'the first record')

      // The same user with the wrong password, from every client: each is told, none gets in.
      const bad = await produce('evil-kcat', scram('SCRAM-SHA-256', 'alice', 'wrong'))
      expect(bad.code).not.toBe(0)
      expect(bad.stderr).toMatch(/Authentication failed/)
      const py = await run(
        PYTHON,
        [`${PY_DIR}sasl_scram.py`, String(brook.port), 'alice', 'wrong', 'SCRAM-SHA-512', topic],
        { timeoutMs: 30_000 },
      )
      expect(py.stdout, py.stderr).toMatch(/^refused: /)
      const kjs = new Kafka({
        brokers: [`127.0.0.1:${brook.port}`],
        sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'wrong' },
        logLevel: logLevel.NOTHING,
        retry: { retries: 0 },
      }).producer()
      await expect(kjs.connect()).rejects.toThrow(/SASL|Authentication/i)
      await expect(
        connectKafka({
          bootstrap: `127.0.0.1:${brook.port}`,
          sasl: { mechanism: 'SCRAM-SHA-256', username: 'mallory', password: 'x' },
        }),
      ).rejects.toMatchObject({ type: 'SASL_AUTHENTICATION_FAILED' })

      // The authenticated consumer is still served: it gets what is produced now, and only that.
      expect((await produce('after', good)).code).toBe(0)
      await consumer.waitFor((l) => l.includes('after'), 20_000, 'the record produced after the refusals')
      expect(consumer.lines).toEqual(['before', 'after'])
      expect(brook.logs.some((l) => /SASL\/SCRAM-SHA-256 authentication failed/.test(l))).toBe(true)
    } finally {
      consumer.kill()
      await consumer.exited
    }
    const all = await run('kcat', [...bootstrap(), ...good, '-C', '-t', topic, '-e', '-q', '-o', 'beginning'])
    expect(all.stdout).toBe('before\nafter\n')
  })
})

describe('SASL/SCRAM inside TLS (SASL_SSL), in-process listener', () => {
  let dir: string
  let ca: string
  let broker: Broker
  let server: KafkaServer
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'brook-sasl-ssl-'))
    const { cert } = await selfSignedCert(dir)
    ca = await readFile(cert, 'utf8')
    broker = await Broker.open({ store: new MemoryStore(), autoCreateTopics: true })
    server = await startKafkaServer({
      broker,
      host: '127.0.0.1',
      port: 0,
      auth: { scram: await scramLookup(USERS) },
      tls: { cert: ca, key: await readFile(join(dir, 'key.pem'), 'utf8') },
      log: () => {},
    })
  })
  afterAll(async () => {
    await server?.close()
    await broker?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('kafkajs (ssl: { ca }) and brook (ssl: { ca }) authenticate with SCRAM over TLS', async () => {
    expect(server.tls).toBe(true)
    const kafka = new Kafka({
      brokers: [`localhost:${server.port}`],
      ssl: { ca: [ca] },
      sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'wonder land' },
      logLevel: logLevel.NOTHING,
      retry: { retries: 2, initialRetryTime: 100 },
    })
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic: 'tls-scram', messages: [{ value: 'kafkajs over tls' }] })
    await producer.disconnect()

    const service = await connectKafka({
      bootstrap: `localhost:${server.port}`,
      ssl: { ca },
      sasl: { mechanism: 'scram-sha-256', username: 'bob', password: 'b0b=,pass' },
    })
    try {
      const [offsets] = await createBrook({ service }).admin().fetchTopicOffsets('tls-scram')
      expect(offsets).toMatchObject({ partition: 0, high: 1 })
    } finally {
      await service.close()
    }
    // Without TLS the same client gets nowhere, and says so.
    await expect(
      connectKafka({
        bootstrap: `127.0.0.1:${server.port}`,
        sasl: { mechanism: 'scram-sha-256', username: 'bob', password: 'b0b=,pass' },
        requestTimeoutMs: 5000,
      }),
    ).rejects.toMatchObject({ type: 'NETWORK_EXCEPTION' })
  })
})
