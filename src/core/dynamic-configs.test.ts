/** @module Dynamic broker configs on a Broker: checked, kept across a restart, and acted on by topics without an override. */

import { describe, expect, it } from 'vitest'
import { Broker } from './broker.ts'
import { consume, produce, records } from './broker-test-helpers.ts'
import { ManualClock } from './clock.ts'
import { errorName } from './errors.ts'
import { Compression } from './format/compression.ts'
import { compressionOf, decodeRecordsAsync, readBatchHeader } from './format/record-batch.ts'
import { MemoryStore } from './memory-store.ts'

const open = (options: Partial<Parameters<typeof Broker.open>[0]> = {}) =>
  Broker.open({ store: new MemoryStore(), clock: new ManualClock(), ...options })

async function topicConfig(broker: Broker, topic: string, name: string) {
  const [r] = await broker.describeConfigs([topic])
  return r!.configs.find((c) => c.name === name)!
}

async function brokerConfig(broker: Broker, name: string) {
  return (await broker.describeBrokerConfigs('broker')).find((c) => c.name === name)!
}

describe('dynamic broker configs', () => {
  it('change what topics without an override get, keep it across a restart, and leave overrides alone', async () => {
    const store = new MemoryStore()
    const broker = await open({ store })
    await broker.createTopics({
      topics: [{ name: 'plain' }, { name: 'own', configs: { 'max.message.bytes': '100000' } }],
    })
    const r = await broker.alterBrokerConfigs({
      scope: 'default',
      incremental: true,
      configs: [{ name: 'message.max.bytes', value: '200', op: 'set' }],
    })
    expect(r).toEqual({ errorCode: 0, errorMessage: null })
    const big = records(['x'.repeat(400)])
    expect(errorName((await produce(broker, 'plain', 0, big)).errorCode)).toBe('MESSAGE_TOO_LARGE')
    expect(errorName((await produce(broker, 'own', 0, big)).errorCode)).toBe('NONE')
    expect(await topicConfig(broker, 'plain', 'max.message.bytes')).toMatchObject({
      value: '200',
      source: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
    })
    await broker.close()

    const again = await Broker.open({ store: store.reopen(), clock: new ManualClock() })
    expect(await brokerConfig(again, 'message.max.bytes')).toMatchObject({
      value: '200',
      source: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
    })
    expect(errorName((await produce(again, 'plain', 0, big)).errorCode)).toBe('MESSAGE_TOO_LARGE')
    // Deleting it brings the default back.
    await again.alterBrokerConfigs({
      scope: 'default',
      incremental: true,
      configs: [{ name: 'message.max.bytes', value: null, op: 'delete' }],
    })
    expect(errorName((await produce(again, 'plain', 0, big)).errorCode)).toBe('NONE')
    await again.close()
  })

  it('apply a lowered log.retention.ms at once to topics without their own retention', async () => {
    const clock = new ManualClock(10_000_000)
    const broker = await open({ clock })
    await broker.createTopics({
      topics: [{ name: 'a' }, { name: 'kept', configs: { 'retention.ms': '-1' } }],
    })
    for (const t of ['a', 'kept']) await produce(broker, t, 0, records(['old'], {}, 1_000_000))
    await broker.alterBrokerConfigs({
      scope: 'broker',
      incremental: true,
      configs: [{ name: 'log.retention.ms', value: '60000', op: 'set' }],
    })
    await expect.poll(() => broker.log('a', 0)!.logStartOffset).toBe(1)
    expect(await consume(broker, 'kept', 0)).toEqual([[0, 'old']])
    expect(await topicConfig(broker, 'a', 'retention.ms')).toMatchObject({
      value: '60000',
      source: 'DYNAMIC_BROKER_CONFIG',
    })
    await broker.close()
  })

  it('refuse read-only configs, unknown names and bad values with INVALID_CONFIG, changing nothing', async () => {
    const broker = await open()
    const alter = (name: string, value: string) =>
      broker.alterBrokerConfigs({ scope: 'broker', incremental: true, configs: [{ name, value, op: 'set' }] })
    expect(await alter('num.partitions', '3')).toEqual({
      errorCode: 40,
      errorMessage: 'Cannot update these configs dynamically: num.partitions',
    })
    expect(await alter('log.retention.ms', 'soon')).toMatchObject({
      errorCode: 40,
      errorMessage: 'invalid value "soon" for log.retention.ms: must be an integer',
    })
    expect(await alter('no.such.config', '1')).toMatchObject({ errorCode: 40 })
    expect(await alter('log.cleanup.policy', 'shred')).toMatchObject({ errorCode: 40 })
    expect((await brokerConfig(broker, 'log.cleanup.policy')).value).toBe('delete')
    expect((await brokerConfig(broker, 'num.partitions')).value).toBe('1')
    await broker.close()
  })

  it('validateOnly checks and changes nothing', async () => {
    const broker = await open()
    const r = await broker.alterBrokerConfigs({
      scope: 'broker',
      incremental: false,
      validateOnly: true,
      configs: [{ name: 'log.retention.bytes', value: '1000' }],
    })
    expect(r.errorCode).toBe(0)
    expect(await brokerConfig(broker, 'log.retention.bytes')).toMatchObject({
      value: '-1',
      source: 'DEFAULT_CONFIG',
    })
    await broker.close()
  })

  it('AlterConfigs replaces the level: a config left out goes back to the level below', async () => {
    const broker = await open({ staticConfigs: { 'compression.type': 'gzip' } })
    const set = (configs: { name: string; value: string }[]) =>
      broker.alterBrokerConfigs({ scope: 'broker', incremental: false, configs })
    await set([{ name: 'compression.type', value: 'zstd' }])
    expect(await brokerConfig(broker, 'compression.type')).toMatchObject({
      value: 'zstd',
      source: 'DYNAMIC_BROKER_CONFIG',
    })
    await set([{ name: 'log.retention.bytes', value: '5000' }])
    expect(await brokerConfig(broker, 'compression.type')).toMatchObject({
      value: 'gzip',
      source: 'STATIC_BROKER_CONFIG',
    })
    await broker.close()
  })

  it('refuses a start-up config brook does not know or a bad value', async () => {
    await expect(open({ staticConfigs: { 'log.retention.ms': 'x' } })).rejects.toMatchObject({
      type: 'INVALID_CONFIG',
    })
    await expect(open({ staticConfigs: { 'no.such': '1' } })).rejects.toMatchObject({
      type: 'INVALID_CONFIG',
    })
  })

  it('treats the topicDefaults option as start-up broker configs', async () => {
    const broker = await open({ topicDefaults: { 'retention.bytes': '4096' } })
    await broker.createTopics({ topics: [{ name: 't' }] })
    expect(await topicConfig(broker, 't', 'retention.bytes')).toMatchObject({
      value: '4096',
      isDefault: true,
      source: 'STATIC_BROKER_CONFIG',
    })
    expect((await brokerConfig(broker, 'log.retention.bytes')).value).toBe('4096')
    await broker.close()
  })

  it('a broker-wide compression.type makes topics without their own store batches in that codec', async () => {
    const broker = await open()
    await broker.createTopics({
      topics: [{ name: 'plain' }, { name: 'own', configs: { 'compression.type': 'producer' } }],
    })
    await broker.alterBrokerConfigs({
      scope: 'default',
      incremental: true,
      configs: [{ name: 'compression.type', value: 'lz4', op: 'set' }],
    })
    for (const topic of ['plain', 'own'])
      expect((await produce(broker, topic, 0, records(['a', 'b']))).errorCode).toBe(0)
    const codecOf = async (topic: string) => {
      const res = await broker.fetch({
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 1 << 20,
        topics: [{ name: topic, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
      })
      const batch = res.topics[0]!.partitions[0]!.records
      const values = (await decodeRecordsAsync(batch)).map((r) => new TextDecoder().decode(r.value!))
      return { codec: compressionOf(readBatchHeader(batch)), values }
    }
    expect(await codecOf('plain')).toEqual({ codec: Compression.lz4, values: ['a', 'b'] })
    expect(await codecOf('own')).toEqual({ codec: Compression.none, values: ['a', 'b'] })
    await broker.close()
  })
})
