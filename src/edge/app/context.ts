/** @module What every door of the relay shares: the broker, the limits, the metrics, the partitioner. */

import { StickyPartitioner } from '../../core/partitioner.ts'
import type { BrokerInfo, BrokerService } from '../../core/service.ts'
import type { EdgeLimits } from './limits.ts'
import type { Metrics } from './metrics.ts'

export interface AppContext {
  service: BrokerService
  limits: EdgeLimits
  metrics: Metrics
  partitioner: StickyPartitioner
  /** What Metadata answers on the Kafka-over-WebSocket door. */
  advertised: BrokerInfo
  log: (line: string) => void
}

export function newPartitioner(): StickyPartitioner {
  return new StickyPartitioner()
}
