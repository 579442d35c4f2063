/**
 * @module The numbers the config APIs (DescribeConfigs, AlterConfigs, IncrementalAlterConfigs)
 * carry on the wire: resource types (Kafka's ConfigResource.Type) and, for the incremental API,
 * the operations in the order of Kafka's AlterConfigOp.OpType (SET 0, DELETE 1, APPEND 2, SUBTRACT 3).
 */
import type { AlterConfigOp } from '../topic-config.ts'

export const RESOURCE_TOPIC = 2
export const RESOURCE_BROKER = 4

export const CONFIG_OPS: readonly AlterConfigOp[] = ['set', 'delete', 'append', 'subtract']
