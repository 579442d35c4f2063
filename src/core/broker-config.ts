/**
 * @module Broker configs as Kafka describes them: the ones brook has, which of them can change at
 * run time (Kafka's dynamic broker configs), the topic configs each broker config is the default of
 * (Kafka's ServerTopicConfigSynonyms), and how a value's source and synonyms are found across
 * the four levels Kafka reads them from.
 */

import { type ConfigSpec, type Kind, TOPIC_CONFIGS } from './topic-config.ts'

/**
 * Where a config's value comes from, in Kafka's order of precedence (DescribeConfigsResponse's
 * ConfigSource): a topic override, this broker's dynamic config, the cluster-wide dynamic
 * default, the broker's start-up config (server.properties; `brook serve` flags), the default.
 */
export type ConfigSource =
  | 'DYNAMIC_TOPIC_CONFIG'
  | 'DYNAMIC_BROKER_CONFIG'
  | 'DYNAMIC_DEFAULT_BROKER_CONFIG'
  | 'STATIC_BROKER_CONFIG'
  | 'DEFAULT_CONFIG'

/** Kafka's ConfigDef.Type names, as DescribeConfigs v3+ reports them. */
export type ConfigType =
  | 'BOOLEAN'
  | 'STRING'
  | 'INT'
  | 'SHORT'
  | 'LONG'
  | 'DOUBLE'
  | 'LIST'
  | 'CLASS'
  | 'PASSWORD'

export interface ConfigSynonym {
  name: string
  value: string | null
  source: ConfigSource
}

/** One config as DescribeConfigs reports it; `synonyms` in precedence order, the winner first. */
export interface DescribedConfig {
  name: string
  value: string | null
  readOnly: boolean
  /** Not set anywhere (DescribeConfigs v0's is_default). */
  isDefault: boolean
  source: ConfigSource
  type: ConfigType
  synonyms: ConfigSynonym[]
}

const TYPE_OF: Record<Kind, ConfigType> = {
  long: 'LONG',
  int: 'INT',
  double: 'DOUBLE',
  bool: 'BOOLEAN',
  string: 'STRING',
  list: 'LIST',
}

export const configType = (kind: Kind): ConfigType => TYPE_OF[kind]

export interface BrokerConfigSpec extends ConfigSpec {
  /** Can be changed at run time with AlterConfigs / IncrementalAlterConfigs. */
  dynamic?: boolean
}

const MS_PER_MINUTE = 60_000
const MS_PER_HOUR = 3_600_000

/** A broker config a topic config defaults from; `scale` turns its unit into the topic's (hours → ms). */
interface Synonym {
  name: string
  scale?: number
}

/**
 * Kafka's ServerTopicConfigSynonyms, for the topic configs brook knows: the broker configs each
 * defaults from, the first winning when several are set. Topic configs missing here
 * (remote.storage.enable, the throttled-replica lists) have no broker default in Kafka either.
 */
export const TOPIC_CONFIG_SYNONYMS: Readonly<Record<string, readonly Synonym[]>> = {
  'cleanup.policy': [{ name: 'log.cleanup.policy' }],
  'compression.type': [{ name: 'compression.type' }],
  'delete.retention.ms': [{ name: 'log.cleaner.delete.retention.ms' }],
  'file.delete.delay.ms': [{ name: 'log.segment.delete.delay.ms' }],
  'flush.messages': [{ name: 'log.flush.interval.messages' }],
  'flush.ms': [{ name: 'log.flush.interval.ms' }, { name: 'log.flush.scheduler.interval.ms' }],
  'index.interval.bytes': [{ name: 'log.index.interval.bytes' }],
  'local.retention.bytes': [{ name: 'log.local.retention.bytes' }],
  'local.retention.ms': [{ name: 'log.local.retention.ms' }],
  'max.compaction.lag.ms': [{ name: 'log.cleaner.max.compaction.lag.ms' }],
  'max.message.bytes': [{ name: 'message.max.bytes' }],
  'message.downconversion.enable': [{ name: 'log.message.downconversion.enable' }],
  'message.format.version': [{ name: 'log.message.format.version' }],
  'message.timestamp.difference.max.ms': [{ name: 'log.message.timestamp.difference.max.ms' }],
  'message.timestamp.type': [{ name: 'log.message.timestamp.type' }],
  'min.cleanable.dirty.ratio': [{ name: 'log.cleaner.min.cleanable.ratio' }],
  'min.compaction.lag.ms': [{ name: 'log.cleaner.min.compaction.lag.ms' }],
  'min.insync.replicas': [{ name: 'min.insync.replicas' }],
  preallocate: [{ name: 'log.preallocate' }],
  'retention.bytes': [{ name: 'log.retention.bytes' }],
  'retention.ms': [
    { name: 'log.retention.ms' },
    { name: 'log.retention.minutes', scale: MS_PER_MINUTE },
    { name: 'log.retention.hours', scale: MS_PER_HOUR },
  ],
  'segment.bytes': [{ name: 'log.segment.bytes' }],
  'segment.index.bytes': [{ name: 'log.index.size.max.bytes' }],
  'segment.jitter.ms': [
    { name: 'log.roll.jitter.ms' },
    { name: 'log.roll.jitter.hours', scale: MS_PER_HOUR },
  ],
  'segment.ms': [{ name: 'log.roll.ms' }, { name: 'log.roll.hours', scale: MS_PER_HOUR }],
  'unclean.leader.election.enable': [{ name: 'unclean.leader.election.enable' }],
}

/**
 * Kafka's broker-level defaults where they differ from the topic config's (Kafka leaves the
 * millisecond forms unset, so that the hours forms decide).
 */
const UNSET_BY_DEFAULT = new Set([
  'log.retention.ms',
  'log.roll.ms',
  'log.roll.jitter.ms',
  'log.flush.interval.ms',
])

/**
 * Kafka makes every first synonym dynamic except message.format.version (DynamicLogConfig). brook
 * keeps log.segment.bytes read-only: its file store rolls segments at the size it started with.
 */
const READ_ONLY_TOPIC_DEFAULTS = new Set(['log.message.format.version', 'log.segment.bytes'])

function topicDefaultConfigs(): Record<string, BrokerConfigSpec> {
  const out: Record<string, BrokerConfigSpec> = {}
  for (const [topicName, synonyms] of Object.entries(TOPIC_CONFIG_SYNONYMS)) {
    const topic = TOPIC_CONFIGS[topicName]!
    synonyms.forEach((s, i) => {
      if (i === 0)
        out[s.name] = {
          ...topic,
          default: UNSET_BY_DEFAULT.has(s.name) ? null : topic.default,
          dynamic: !READ_ONLY_TOPIC_DEFAULTS.has(s.name),
        }
      else
        out[s.name] = {
          kind: s.scale ? 'int' : topic.kind,
          default:
            s.name === 'log.retention.minutes'
              ? null
              : s.scale
                ? String(Number(topic.default) / s.scale)
                : topic.default,
          check: (v) => (Number(v) < -1 ? 'must be at least -1' : undefined),
        }
    })
  }
  return out
}

/** Read-only broker configs: what brook was started with (Kafka's defaults unless brook's differ). */
const SERVER_CONFIGS: Record<string, BrokerConfigSpec> = {
  'advertised.listeners': { kind: 'list', default: null },
  'auto.create.topics.enable': { kind: 'bool', default: 'true' },
  'broker.id': { kind: 'int', default: '-1' },
  'default.replication.factor': { kind: 'int', default: '1' },
  'group.initial.rebalance.delay.ms': { kind: 'int', default: '3000' },
  listeners: { kind: 'list', default: 'PLAINTEXT://:9092' },
  'log.dirs': { kind: 'string', default: null },
  'node.id': { kind: 'int', default: '-1' },
  'num.partitions': { kind: 'int', default: '1' },
  'offset.metadata.max.bytes': { kind: 'int', default: '4096' },
  'offsets.retention.minutes': { kind: 'int', default: '10080' },
}

/** Every broker config brook describes, by name. */
export const BROKER_CONFIGS: Readonly<Record<string, BrokerConfigSpec>> = {
  ...topicDefaultConfigs(),
  ...SERVER_CONFIGS,
}

/** Kafka's DynamicBrokerConfig.brokerConfigSynonyms: the names one setting goes by. */
export function brokerConfigSynonyms(name: string): string[] {
  for (const synonyms of Object.values(TOPIC_CONFIG_SYNONYMS))
    if (synonyms.length > 1 && synonyms.some((s) => s.name === name)) return synonyms.map((s) => s.name)
  return [name]
}

/** Broker config values at each level; a config absent from a level is not set there. */
export interface BrokerConfigLevels {
  /** This broker's dynamic configs (AlterConfigs on resource "<broker id>"). */
  broker: Readonly<Record<string, string>>
  /** The cluster-wide dynamic defaults (AlterConfigs on resource ""). */
  clusterDefault: Readonly<Record<string, string>>
  /** What the broker was started with. */
  static: Readonly<Record<string, string>>
  /** The defaults, where brook's differ from Kafka's (BROKER_CONFIGS) or depend on the server. */
  defaults: Readonly<Record<string, string>>
}

function levels(l: BrokerConfigLevels): [Readonly<Record<string, string>>, ConfigSource][] {
  return [
    [l.broker, 'DYNAMIC_BROKER_CONFIG'],
    [l.clusterDefault, 'DYNAMIC_DEFAULT_BROKER_CONFIG'],
    [l.static, 'STATIC_BROKER_CONFIG'],
  ]
}

/** The value a broker config has: the first level that sets it, else its default (maybe null). */
export function brokerConfigValue(l: BrokerConfigLevels, name: string): string | null {
  for (const [values] of levels(l)) if (name in values) return values[name]!
  return name in l.defaults ? l.defaults[name]! : (BROKER_CONFIGS[name]?.default ?? null)
}

/**
 * Kafka's ConfigHelper.configSynonyms: each of `names` at each level where it is set, levels in
 * precedence order, then everything before the first entry for `name` dropped — so a setting in
 * hours is not reported as a synonym of the unset millisecond form.
 */
function configSynonyms(l: BrokerConfigLevels, name: string, names: string[]): ConfigSynonym[] {
  const out: ConfigSynonym[] = []
  for (const [values, source] of levels(l))
    for (const n of names) if (n in values) out.push({ name: n, value: values[n]!, source })
  for (const n of names) {
    const value = n in l.defaults ? l.defaults[n]! : (BROKER_CONFIGS[n]?.default ?? null)
    if (value !== null) out.push({ name: n, value, source: 'DEFAULT_CONFIG' })
  }
  const first = out.findIndex((s) => s.name === name)
  return first < 0 ? [] : out.slice(first)
}

/**
 * The broker's configs as DescribeConfigs reports them for resource "<broker id>" (`perBroker`)
 * or "" (the cluster-wide dynamic defaults only, as Kafka lists them).
 */
export function describeBrokerConfigs(l: BrokerConfigLevels, perBroker: boolean): DescribedConfig[] {
  const names = perBroker ? Object.keys(BROKER_CONFIGS) : Object.keys(l.clusterDefault)
  return names.sort().map((name) => {
    const spec = BROKER_CONFIGS[name]!
    const synonyms = configSynonyms(l, name, brokerConfigSynonyms(name)).filter(
      (s) => perBroker || s.source === 'DYNAMIC_DEFAULT_BROKER_CONFIG',
    )
    const source = synonyms[0]?.source ?? 'DEFAULT_CONFIG'
    return {
      name,
      value: perBroker ? brokerConfigValue(l, name) : l.clusterDefault[name]!,
      readOnly: !spec.dynamic,
      isDefault: source === 'DEFAULT_CONFIG',
      source,
      type: configType(spec.kind),
      synonyms,
    }
  })
}

/**
 * The defaults topics get from the broker's configs: for each topic config, its first broker
 * synonym that is set at some level (hours turned into milliseconds). Topic configs whose broker
 * configs are all unset are left out: they take Kafka's topic default.
 */
export function topicDefaultsOf(l: BrokerConfigLevels): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [topicName, synonyms] of Object.entries(TOPIC_CONFIG_SYNONYMS)) {
    for (const s of synonyms) {
      const v = brokerConfigValue(l, s.name)
      if (v === null) continue
      // As Kafka's KafkaConfig.logRetentionTimeMillis: any negative time means forever (-1).
      out[topicName] = s.scale ? String(Number(v) < 0 ? -1 : Number(v) * s.scale) : v
      break
    }
  }
  return out
}

/**
 * A topic's configs as DescribeConfigs reports them: its overrides (DYNAMIC_TOPIC_CONFIG), else
 * what the broker configs give (their synonyms listed after the override, as Kafka's
 * createTopicConfigEntry does).
 */
export function describeTopicConfigs(
  l: BrokerConfigLevels,
  explicit: Readonly<Record<string, string>>,
): DescribedConfig[] {
  const defaults = topicDefaultsOf(l)
  return Object.keys(TOPIC_CONFIGS)
    .sort()
    .map((name) => {
      const spec = TOPIC_CONFIGS[name]!
      const primary = TOPIC_CONFIG_SYNONYMS[name]?.[0]?.name
      const synonyms: ConfigSynonym[] = primary
        ? configSynonyms(l, primary, brokerConfigSynonyms(primary))
        : []
      const set = name in explicit
      const value = set ? explicit[name]! : (defaults[name] ?? spec.default)
      if (set) synonyms.unshift({ name, value, source: 'DYNAMIC_TOPIC_CONFIG' })
      return {
        name,
        value,
        readOnly: false,
        isDefault: !set,
        source: synonyms[0]?.source ?? 'DEFAULT_CONFIG',
        type: configType(spec.kind),
        synonyms,
      }
    })
}
