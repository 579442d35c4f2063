/** @module Broker configs: sources, types and synonyms as Kafka's ConfigHelper reports them, and the topic defaults they give. */

import { describe, expect, it } from 'vitest'
import {
  type BrokerConfigLevels,
  type DescribedConfig,
  describeBrokerConfigs,
  describeTopicConfigs,
  topicDefaultsOf,
} from './broker-config.ts'

const levels = (l: Partial<BrokerConfigLevels> = {}): BrokerConfigLevels => ({
  broker: {},
  clusterDefault: {},
  static: {},
  defaults: {},
  ...l,
})

const byName = (configs: DescribedConfig[]) => Object.fromEntries(configs.map((c) => [c.name, c]))

describe('topic configs described', () => {
  it('describes every config in name order, marking the ones set on the topic', () => {
    const all = describeTopicConfigs(levels({ static: { 'log.retention.bytes': '7' } }), {
      'retention.ms': '5',
    })
    const c = byName(all)
    expect(c['retention.ms']).toMatchObject({ value: '5', isDefault: false })
    expect(c['retention.bytes']).toMatchObject({ value: '7', isDefault: true })
    expect(c['segment.bytes']).toMatchObject({ value: '1073741824', isDefault: true })
    expect(all.map((x) => x.name)).toEqual([...all.map((x) => x.name)].sort())
  })

  it('gives each config its type: retention.bytes is a LONG, max.message.bytes an INT, cleanup.policy a LIST', () => {
    const c = byName(describeTopicConfigs(levels(), {}))
    expect(c['retention.bytes']!.type).toBe('LONG')
    expect(c['max.message.bytes']!.type).toBe('INT')
    expect(c['cleanup.policy']!.type).toBe('LIST')
    expect(c.preallocate!.type).toBe('BOOLEAN')
    expect(c['min.cleanable.dirty.ratio']!.type).toBe('DOUBLE')
    expect(c['compression.type']!.type).toBe('STRING')
  })

  it('lists the override, then each level of the broker config it defaults from, then the default', () => {
    const l = levels({
      broker: { 'log.cleanup.policy': 'compact' },
      clusterDefault: { 'log.cleanup.policy': 'delete,compact' },
    })
    const c = byName(describeTopicConfigs(l, { 'cleanup.policy': 'delete' }))
    expect(c['cleanup.policy']).toMatchObject({
      value: 'delete',
      source: 'DYNAMIC_TOPIC_CONFIG',
      isDefault: false,
    })
    expect(c['cleanup.policy']!.synonyms).toEqual([
      { name: 'cleanup.policy', value: 'delete', source: 'DYNAMIC_TOPIC_CONFIG' },
      { name: 'log.cleanup.policy', value: 'compact', source: 'DYNAMIC_BROKER_CONFIG' },
      { name: 'log.cleanup.policy', value: 'delete,compact', source: 'DYNAMIC_DEFAULT_BROKER_CONFIG' },
      { name: 'log.cleanup.policy', value: 'delete', source: 'DEFAULT_CONFIG' },
    ])
  })

  it('without an override, takes the broker config’s value and source', () => {
    const c = byName(describeTopicConfigs(levels({ static: { 'message.max.bytes': '2000' } }), {}))
    expect(c['max.message.bytes']).toMatchObject({
      value: '2000',
      source: 'STATIC_BROKER_CONFIG',
      isDefault: true,
    })
    expect(c['max.message.bytes']!.synonyms).toEqual([
      { name: 'message.max.bytes', value: '2000', source: 'STATIC_BROKER_CONFIG' },
      { name: 'message.max.bytes', value: '1048588', source: 'DEFAULT_CONFIG' },
    ])
  })

  it('turns log.retention.hours and .minutes into retention.ms, log.retention.ms winning', () => {
    expect(topicDefaultsOf(levels())['retention.ms']).toBe('604800000')
    expect(topicDefaultsOf(levels({ static: { 'log.retention.hours': '1' } }))['retention.ms']).toBe(
      '3600000',
    )
    expect(
      topicDefaultsOf(levels({ static: { 'log.retention.hours': '1', 'log.retention.minutes': '2' } }))[
        'retention.ms'
      ],
    ).toBe('120000')
    expect(
      topicDefaultsOf(
        levels({ broker: { 'log.retention.ms': '5' }, static: { 'log.retention.minutes': '2' } }),
      )['retention.ms'],
    ).toBe('5')
    expect(topicDefaultsOf(levels({ static: { 'log.retention.hours': '-1' } }))['retention.ms']).toBe('-1')
  })

  it('reports retention.ms with no synonyms while only log.retention.hours is set, as Kafka does', () => {
    // ConfigHelper drops synonyms before the first entry for log.retention.ms itself.
    const c = byName(describeTopicConfigs(levels(), {}))
    expect(c['retention.ms']).toMatchObject({ value: '604800000', source: 'DEFAULT_CONFIG', synonyms: [] })
    const set = byName(describeTopicConfigs(levels({ clusterDefault: { 'log.retention.ms': '60000' } }), {}))
    expect(set['retention.ms']).toMatchObject({ value: '60000', source: 'DYNAMIC_DEFAULT_BROKER_CONFIG' })
    expect(set['retention.ms']!.synonyms[0]).toEqual({
      name: 'log.retention.ms',
      value: '60000',
      source: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
    })
  })
})

describe('broker configs described', () => {
  it('marks the dynamic ones writable and the rest read-only, each with its source', () => {
    const l = levels({ static: { 'num.partitions': '3' }, defaults: { 'broker.id': '1' } })
    const c = byName(describeBrokerConfigs(l, true))
    expect(c['num.partitions']).toMatchObject({
      value: '3',
      readOnly: true,
      source: 'STATIC_BROKER_CONFIG',
      type: 'INT',
    })
    expect(c['broker.id']).toMatchObject({ value: '1', readOnly: true, source: 'DEFAULT_CONFIG' })
    expect(c['log.retention.ms']).toMatchObject({ value: null, readOnly: false, type: 'LONG', synonyms: [] })
    expect(c['log.retention.hours']).toMatchObject({ value: '168', readOnly: true, type: 'INT' })
    expect(c['log.retention.bytes']).toMatchObject({ readOnly: false, type: 'LONG' })
    expect(c['message.max.bytes']).toMatchObject({ readOnly: false, type: 'INT', value: '1048588' })
    expect(c['log.segment.bytes']!.readOnly).toBe(true)
  })

  it('lists the synonyms of the hours form: the millisecond form set dynamically comes first', () => {
    const l = levels({ broker: { 'log.retention.ms': '1000' } })
    const c = byName(describeBrokerConfigs(l, true))
    expect(c['log.retention.ms']!.synonyms).toEqual([
      { name: 'log.retention.ms', value: '1000', source: 'DYNAMIC_BROKER_CONFIG' },
      { name: 'log.retention.hours', value: '168', source: 'DEFAULT_CONFIG' },
    ])
  })

  it('for the cluster-default resource (""), lists only the configs set there', () => {
    const l = levels({ broker: { 'log.retention.ms': '1' }, clusterDefault: { 'compression.type': 'zstd' } })
    expect(describeBrokerConfigs(l, false)).toEqual([
      {
        name: 'compression.type',
        value: 'zstd',
        readOnly: false,
        isDefault: false,
        source: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
        type: 'STRING',
        synonyms: [{ name: 'compression.type', value: 'zstd', source: 'DYNAMIC_DEFAULT_BROKER_CONFIG' }],
      },
    ])
  })
})
