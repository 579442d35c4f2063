/**
 * @module The numbers the config APIs (DescribeConfigs, AlterConfigs, IncrementalAlterConfigs)
 * carry on the wire: resource types (Kafka's ConfigResource.Type) and, for the incremental API,
 * the operations in the order of Kafka's AlterConfigOp.OpType (SET 0, DELETE 1, APPEND 2, SUBTRACT 3);
 * and what DescribeConfigs says of each config: its source and its type.
 */
import type { ConfigSource, ConfigType } from '../broker-config.ts'
import type { AlterConfigOp } from '../topic-config.ts'

export const RESOURCE_TOPIC = 2
export const RESOURCE_BROKER = 4

export const CONFIG_OPS: readonly AlterConfigOp[] = ['set', 'delete', 'append', 'subtract']

/** DescribeConfigs' ConfigSource numbers (Kafka's DescribeConfigsResponse.ConfigSource). */
export const CONFIG_SOURCES: Readonly<Record<ConfigSource, number>> = {
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
}

/**
 * The ConfigSource number of a described config; one from a service that gives no source is a
 * topic's: set on the topic, or Kafka's default.
 */
export function configSourceOf(c: { source?: ConfigSource; isDefault: boolean }): number {
  return CONFIG_SOURCES[c.source ?? (c.isDefault ? 'DEFAULT_CONFIG' : 'DYNAMIC_TOPIC_CONFIG')]
}

/** DescribeConfigs v3+'s ConfigType numbers (Kafka's DescribeConfigsResponse.ConfigType; 0 is UNKNOWN). */
export const CONFIG_TYPES: Readonly<Record<ConfigType, number>> = {
  BOOLEAN: 1,
  STRING: 2,
  INT: 3,
  SHORT: 4,
  LONG: 5,
  DOUBLE: 6,
  LIST: 7,
  CLASS: 8,
  PASSWORD: 9,
}
