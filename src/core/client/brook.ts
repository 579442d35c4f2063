/**
 * @module `createBrook`: the client entry point. It runs over any `BrokerService` — the in-process
 * `Broker` itself, a Worker, or the Kafka protocol over TCP or WebSocket — and hands out producers,
 * consumers and admins that share one metadata cache.
 */
import { type Clock, systemClock } from '../clock.ts'
import type { BrokerService } from '../service.ts'
import { Admin } from './admin.ts'
import { Connection, silentLogger } from './connection.ts'
import { Consumer } from './consumer.ts'
import { MetadataCache } from './metadata-cache.ts'
import { Producer } from './producer.ts'
import { retryPolicy } from './retry.ts'
import type { BrookConfig, ConsumerConfig, ProducerConfig } from './types.ts'

export class Brook {
  readonly connection: Connection
  private readonly metadata: MetadataCache

  constructor(config: BrookConfig) {
    const clock: Clock = config.clock ?? systemClock
    this.connection = new Connection(
      config.service,
      clock,
      config.clientId ?? 'brook',
      config.logger ?? silentLogger,
      config.requestTimeoutMs ?? 30_000,
      retryPolicy(config.retry),
    )
    this.metadata = new MetadataCache(this.connection)
  }

  producer(config: ProducerConfig = {}): Producer {
    return new Producer(this.connection, this.metadata, config)
  }

  consumer(config: ConsumerConfig): Consumer {
    return new Consumer(this.connection, this.metadata, config)
  }

  admin(): Admin {
    return new Admin(this.connection, this.metadata)
  }
}

export function createBrook(config: BrookConfig): Brook {
  return new Brook(config)
}

/**
 * The in-process transport: a `Broker` is itself a `BrokerService`, so the client calls it directly —
 * same client, same group protocol, no serialisation.
 */
export function connectInProcess(broker: BrokerService, options: Omit<BrookConfig, 'service'> = {}): Brook {
  return new Brook({ ...options, service: broker })
}
