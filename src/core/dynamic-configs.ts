/**
 * @module A broker's configs at their four levels, and the two that change at run time (Kafka's
 * dynamic broker configs: this broker's, and the cluster-wide defaults), kept in the store's
 * metadata (`broker/dynamicConfigs`) so that they outlive a restart, as Kafka keeps them in its
 * metadata log.
 */

import {
  BROKER_CONFIGS,
  type BrokerConfigLevels,
  brokerConfigValue,
  type DescribedConfig,
  describeBrokerConfigs,
  describeTopicConfigs,
  topicDefaultsOf,
} from './broker-config.ts'
import { BrookError } from './errors.ts'
import type { Log } from './log.ts'
import type { Json, Store } from './store.ts'
import { type AlterConfigOp, alteredConfigs, type ConfigTable, checkSpecValue } from './topic-config.ts'

/** Which dynamic level a request names: resource "<broker id>" or "" (Kafka's `--entity-default`). */
export type BrokerConfigScope = 'broker' | 'default'

export interface BrokerConfigAlteration {
  scope: BrokerConfigScope
  /** As in AlterConfigsRequest: entries change the level's configs, or (false) replace them all. */
  incremental: boolean
  validateOnly?: boolean
  configs: readonly { name: string; value: string | null; op?: AlterConfigOp }[]
}

const KEY = 'broker/dynamicConfigs'
const TABLE: ConfigTable = { what: 'broker', specs: BROKER_CONFIGS }

interface Stored {
  broker: Record<string, string>
  default: Record<string, string>
}

/** Throws INVALID_CONFIG unless every entry is a broker config brook knows, with a valid value. */
export function validateBrokerConfigs(configs: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(configs)) {
    const spec = BROKER_CONFIGS[name]
    if (!spec) throw new BrookError('INVALID_CONFIG', `unknown broker config "${name}"`)
    out[name] = checkSpecValue(name, spec, value)
  }
  return out
}

export class BrokerConfigs {
  private broker: Record<string, string> = {}
  private clusterDefault: Record<string, string> = {}
  private defaults: Record<string, string>
  private lock: Promise<unknown> = Promise.resolve()

  /**
   * `staticConfigs` are what the operator started the broker with; `defaults` are brook's own
   * where they differ from Kafka's. `onChange` runs after each change that is not validate-only.
   */
  constructor(
    private readonly store: Store,
    private readonly staticConfigs: Record<string, string>,
    defaults: Record<string, string>,
    private readonly onChange: () => void,
  ) {
    this.defaults = { ...defaults }
  }

  /** Reads the dynamic configs kept in the store; ones this version no longer accepts are dropped, and said. */
  async load(log: Log): Promise<void> {
    const stored = (await this.store.getMeta(KEY)) as unknown as Stored | undefined
    const keep = (level: string, values: Record<string, string> | undefined): Record<string, string> => {
      const out: Record<string, string> = {}
      for (const [name, value] of Object.entries(values ?? {})) {
        try {
          if (!BROKER_CONFIGS[name]?.dynamic) throw new BrookError('INVALID_CONFIG', 'not a dynamic config')
          out[name] = checkSpecValue(name, BROKER_CONFIGS[name]!, value)
        } catch (e) {
          log(
            `brook: ignoring the stored ${level} broker config ${name}=${value}: ${(e as Error).message}`,
            'warn',
          )
        }
      }
      return out
    }
    this.broker = keep('per-broker', stored?.broker)
    this.clusterDefault = keep('cluster-default', stored?.default)
  }

  levels(): BrokerConfigLevels {
    return {
      broker: this.broker,
      clusterDefault: this.clusterDefault,
      static: this.staticConfigs,
      defaults: this.defaults,
    }
  }

  /** A config's value now (null when unset, as log.retention.ms is by default). */
  value(name: string): string | null {
    return brokerConfigValue(this.levels(), name)
  }

  /** Read-only values the server learns as it starts (its bound listeners, say). */
  setDefaults(values: Record<string, string>): void {
    for (const name of Object.keys(values))
      if (!BROKER_CONFIGS[name] || BROKER_CONFIGS[name].dynamic)
        throw new Error(`${name} is not a read-only broker config`)
    Object.assign(this.defaults, values)
  }

  /** The defaults topics without an override take. */
  topicDefaults(): Record<string, string> {
    return topicDefaultsOf(this.levels())
  }

  describe(scope: BrokerConfigScope): DescribedConfig[] {
    return describeBrokerConfigs(this.levels(), scope === 'broker')
  }

  describeTopic(explicit: Readonly<Record<string, string>>): DescribedConfig[] {
    return describeTopicConfigs(this.levels(), explicit)
  }

  /**
   * Checks the whole alteration before any of it applies (INVALID_CONFIG for an unknown name, a
   * bad value or a read-only config, with Kafka's words for the last), then stores it.
   */
  alter(req: BrokerConfigAlteration): Promise<void> {
    const run = this.lock.then(() => this.apply(req))
    this.lock = run.catch(() => {})
    return run
  }

  private async apply(req: BrokerConfigAlteration): Promise<void> {
    const entries = Array.isArray(req?.configs) ? req.configs : []
    const fixed = entries
      .filter((e) => (req.incremental ? e?.op !== 'delete' : e?.value != null))
      .map((e) => e?.name)
      .filter((n) => typeof n === 'string' && BROKER_CONFIGS[n] && !BROKER_CONFIGS[n].dynamic)
    if (fixed.length > 0)
      throw new BrookError('INVALID_CONFIG', `Cannot update these configs dynamically: ${fixed.join(', ')}`)
    const perBroker = req.scope === 'broker'
    const next = alteredConfigs(
      perBroker ? this.broker : this.clusterDefault,
      entries,
      req.incremental,
      {},
      TABLE,
    )
    if (req.validateOnly) return
    const stored: Stored = perBroker
      ? { broker: next, default: this.clusterDefault }
      : { broker: this.broker, default: next }
    await this.store.setMeta(KEY, stored as unknown as Json)
    if (perBroker) this.broker = next
    else this.clusterDefault = next
    this.onChange()
  }
}
