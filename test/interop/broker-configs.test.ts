/**
 * @module Broker configs through `brook serve`, with kafkajs 2.2.4 and kafka-python 2.0.2: DescribeConfigs on
 * the broker resource (values, sources, synonyms, read-only, types from v3), the errors Kafka gives for another
 * broker's id, dynamic broker configs altered (AlterConfigs and IncrementalAlterConfigs) and acted on by topics
 * without an override, and kept across a restart on the same data directory.
 */

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs'
import { afterAll, describe, expect, it } from 'vitest'
import { killServes, startServe } from '../support/cli.ts'
import { PY_DIR, PYTHON, run, startBrook } from './support.ts'

const dirs: string[] = []
afterAll(async () => {
  killServes()
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

// DescribeConfigsResponse.ConfigSource and ConfigType, as Kafka numbers them.
const DYNAMIC_BROKER = 2
const DYNAMIC_DEFAULT = 3
const STATIC = 4
const DEFAULT = 5
const [BOOLEAN, INT, LONG, LIST] = [1, 3, 5, 7]

async function python(port: number, step: string) {
  const r = await run(PYTHON, [`${PY_DIR}broker_configs.py`, String(port), step], { timeoutMs: 30_000 })
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout)
}

function kafkajs(port: number) {
  return new Kafka({
    clientId: 'cfg',
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 2, initialRetryTime: 100 },
  })
}

type Entry = {
  configName: string
  configValue: string | null
  readOnly: boolean
  configSource: number
  configSynonyms: { configName: string; configValue: string | null; configSource: number }[]
}

async function describeConfigs(kafka: Kafka, type: number, name: string): Promise<Record<string, Entry>> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const res = await admin.describeConfigs({ resources: [{ type, name }], includeSynonyms: true })
    return Object.fromEntries(
      (res.resources[0]!.configEntries as unknown as Entry[]).map((e) => [e.configName, e]),
    )
  } finally {
    await admin.disconnect()
  }
}

const synonyms = (e: Entry) => e.configSynonyms.map((s) => [s.configName, s.configValue, s.configSource])

describe('broker configs (brook serve)', () => {
  it('describes the broker’s configs, alters the dynamic ones, acts on them and keeps them across a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'brook-configs-'))
    dirs.push(dir)
    const args = [
      '--port',
      '0',
      '--data-dir',
      dir,
      '--http-port',
      '-1',
      '--num-partitions',
      '2',
      '--config',
      'log.retention.ms=3600000',
    ]
    const serve = await startServe(args)
    const kafka = kafkajs(serve.port)
    const admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({
      topics: [{ topic: 'cfg' }, { topic: 'kept', configEntries: [{ name: 'retention.ms', value: '-1' }] }],
      waitForLeaders: true,
    })

    // What the operator set is STATIC_BROKER_CONFIG; the rest is DEFAULT_CONFIG with the value brook uses.
    const broker = await describeConfigs(kafka, ConfigResourceTypes.BROKER, '1')
    expect(broker['num.partitions']).toMatchObject({ configValue: '2', readOnly: true, configSource: STATIC })
    expect(broker['log.retention.ms']).toMatchObject({
      configValue: '3600000',
      readOnly: false,
      configSource: STATIC,
    })
    expect(synonyms(broker['log.retention.ms']!)).toEqual([
      ['log.retention.ms', '3600000', STATIC],
      ['log.retention.hours', '168', DEFAULT],
    ])
    expect(broker['message.max.bytes']).toMatchObject({
      configValue: '1048588',
      readOnly: false,
      configSource: DEFAULT,
    })
    expect(broker['log.dirs']).toMatchObject({ configValue: dir, readOnly: true, configSource: STATIC })
    expect(broker['broker.id']).toMatchObject({ configValue: '1', readOnly: true })
    expect(broker['advertised.listeners']!.configValue).toBe(`PLAINTEXT://127.0.0.1:${serve.port}`)
    expect(broker['auto.create.topics.enable']!.configValue).toBe('true')
    // A topic without an override takes the broker's value, and lists where it came from.
    const topic = await describeConfigs(kafka, ConfigResourceTypes.TOPIC, 'cfg')
    expect(topic['retention.ms']).toMatchObject({ configValue: '3600000', configSource: STATIC })
    expect(synonyms(topic['retention.ms']!)).toEqual([
      ['log.retention.ms', '3600000', STATIC],
      ['log.retention.hours', '168', DEFAULT],
    ])
    expect((await admin.fetchTopicMetadata({ topics: ['cfg'] })).topics[0]!.partitions).toHaveLength(2)

    // DescribeConfigs v3: each config's type; another broker's id, as Kafka answers it.
    const described = await python(serve.port, 'describe')
    expect(described.v2.configs['log.retention.ms']).toEqual({
      value: '3600000',
      readOnly: false,
      synonyms: [
        ['log.retention.ms', '3600000', STATIC],
        ['log.retention.hours', '168', DEFAULT],
      ],
    })
    const [v3Broker, v3Topic, v3Default, v3Other, v3Bad] = described.v3
    const typeOf = (r: { configs: Record<string, { type: number }> }, name: string) => r.configs[name]!.type
    expect(
      ['log.retention.ms', 'num.partitions', 'auto.create.topics.enable', 'listeners'].map((n) =>
        typeOf(v3Broker, n),
      ),
    ).toEqual([LONG, INT, BOOLEAN, LIST])
    expect(Object.keys(v3Topic.configs).sort()).toEqual(['cleanup.policy', 'retention.bytes', 'retention.ms'])
    expect(['retention.ms', 'retention.bytes', 'cleanup.policy'].map((n) => typeOf(v3Topic, n))).toEqual([
      LONG,
      LONG,
      LIST,
    ])
    expect(v3Default).toMatchObject({ error: 0, configs: {} })
    expect(v3Other).toMatchObject({
      error: 42,
      message: 'Unexpected broker id, expected 1 or empty string, but received 2',
    })
    expect(v3Bad).toMatchObject({ error: 42, message: 'Broker id must be an integer, but it is: one' })

    // Records 30 minutes old: kept under the one-hour retention, in both topics.
    const producer = kafka.producer()
    await producer.connect()
    const old = String(Date.now() - 30 * 60_000)
    for (const t of ['cfg', 'kept'])
      await producer.send({ topic: t, messages: [{ partition: 0, value: 'old', timestamp: old }] })

    // AlterConfigs (kafka-python): read-only and bad values refused with INVALID_CONFIG; a minute's retention
    // applies at once to the topic without its own retention.ms.
    expect(await python(serve.port, 'alter')).toEqual({
      readOnly: [40, 'Cannot update these configs dynamically: num.partitions'],
      bad: [40, 'invalid value "soon" for log.retention.ms: must be an integer'],
      ok: [0, null],
    })
    const low = async (t: string) => (await admin.fetchTopicOffsets(t)).find((o) => o.partition === 0)!.low
    await expect.poll(() => low('cfg'), { timeout: 10_000 }).toBe('1')
    expect(await low('kept')).toBe('0')

    // IncrementalAlterConfigs on the cluster default (kafka-configs.sh --entity-default): validateOnly changes
    // nothing; then message.max.bytes=1000 refuses bigger batches on topics without an override.
    const big = { topic: 'cfg', messages: [{ partition: 0, value: 'x'.repeat(2000) }] }
    expect(await python(serve.port, 'incremental')).toMatchObject({
      validateOnly: [0, null],
      default: [0, null],
      otherBroker: [42, 'Unexpected broker id, expected 1, but received 2'],
      after: [
        {
          error: 0,
          configs: {
            'message.max.bytes': { value: '1000', source: DYNAMIC_DEFAULT, readOnly: false },
            'log.cleanup.policy': { value: 'delete,compact', source: DYNAMIC_DEFAULT },
          },
        },
      ],
    })
    await expect(producer.send(big)).rejects.toMatchObject({ type: 'MESSAGE_TOO_LARGE' })
    await producer.disconnect()
    await admin.disconnect()

    // kafkajs alters the per-broker level too (AlterConfigs replaces it), validateOnly first.
    const alterer = kafka.admin()
    await alterer.connect()
    const entries = [
      { name: 'log.retention.ms', value: '60000' },
      { name: 'compression.type', value: 'gzip' },
    ]
    await alterer.alterConfigs({
      validateOnly: true,
      resources: [
        {
          type: ConfigResourceTypes.BROKER,
          name: '1',
          configEntries: [{ name: 'compression.type', value: 'lz4' }],
        },
      ],
    })
    await alterer.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configEntries: entries }],
    })
    await alterer.disconnect()

    serve.proc.kill('SIGTERM')
    expect((await serve.exited).code).toBe(0)
    const again = await startServe(args)
    const kafka2 = kafkajs(again.port)
    const after = await describeConfigs(kafka2, ConfigResourceTypes.BROKER, '1')
    expect(after['log.retention.ms']).toMatchObject({ configValue: '60000', configSource: DYNAMIC_BROKER })
    expect(synonyms(after['log.retention.ms']!)).toEqual([
      ['log.retention.ms', '60000', DYNAMIC_BROKER],
      ['log.retention.ms', '3600000', STATIC],
      ['log.retention.hours', '168', DEFAULT],
    ])
    expect(after['compression.type']).toMatchObject({ configValue: 'gzip', configSource: DYNAMIC_BROKER })
    expect(after['message.max.bytes']).toMatchObject({ configValue: '1000', configSource: DYNAMIC_DEFAULT })
    const topicAfter = await describeConfigs(kafka2, ConfigResourceTypes.TOPIC, 'cfg')
    expect(topicAfter['max.message.bytes']).toMatchObject({
      configValue: '1000',
      configSource: DYNAMIC_DEFAULT,
    })
    const producer2 = kafka2.producer()
    await producer2.connect()
    await expect(producer2.send(big)).rejects.toMatchObject({ type: 'MESSAGE_TOO_LARGE' })
    await producer2.disconnect()
    again.proc.kill('SIGTERM')
    await again.exited
  }, 120_000)

  it('serves confluent-kafka (librdkafka): sources and read-only flags it parses, an alteration it sees', async () => {
    const brook = await startBrook()
    try {
      const r = await run(PYTHON, [`${PY_DIR}confluent_broker_configs.py`, String(brook.port)], {
        timeoutMs: 30_000,
      })
      expect(r.code, r.stderr).toBe(0)
      expect(JSON.parse(r.stdout)).toEqual({
        before: {
          'log.retention.bytes': {
            value: '-1',
            source: DEFAULT,
            readOnly: false,
            synonyms: [['log.retention.bytes', '-1', DEFAULT]],
          },
          'num.partitions': {
            value: '1',
            source: DEFAULT,
            readOnly: true,
            synonyms: [['num.partitions', '1', DEFAULT]],
          },
        },
        readOnly: ['INVALID_CONFIG', 'Cannot update these configs dynamically: num.partitions'],
        ok: 'ok',
        // confluent-kafka keys synonyms by name, so the last (the default) stands for both entries.
        after: {
          'log.retention.bytes': {
            value: '1000000',
            source: DYNAMIC_BROKER,
            readOnly: false,
            synonyms: [['log.retention.bytes', '-1', DEFAULT]],
          },
        },
      })
    } finally {
      await brook.close()
    }
  }, 40_000)
})
