/**
 * @module `brook serve`'s broker configs: `--config name=value` for the topic defaults Kafka keeps
 * in server.properties (log.retention.ms, message.max.bytes, …), and the flags that are broker
 * configs under another name. Both are described as STATIC_BROKER_CONFIG; the dynamic ones can
 * then be changed at run time (kafka-configs.sh --alter --entity-type brokers).
 */

import { TOPIC_CONFIG_SYNONYMS } from '../../core/broker-config.ts'
import { validateBrokerConfigs } from '../../core/dynamic-configs.ts'
import { errorDetail } from '../../core/errors.ts'
import type { OptionSpecs, ParsedArgs } from '../args.ts'
import { CommandError } from '../context.ts'

export const CONFIG_OPTIONS = {
  config: {
    type: 'list',
    arg: '<name=value>',
    help: 'A broker-wide topic default, as in server.properties (repeatable): log.retention.ms, log.retention.bytes, log.cleanup.policy, message.max.bytes, compression.type, …',
  },
} satisfies OptionSpecs

/** Broker configs that have a flag of their own. */
const FLAGS: Record<string, string> = {
  'num.partitions': '--num-partitions',
  'log.segment.bytes': '--segment-bytes',
  'log.dirs': '--data-dir',
  listeners: '--host and --port',
}

/** Broker configs a topic config defaults from: the ones `--config` sets. */
const TOPIC_DEFAULTS = new Set(Object.values(TOPIC_CONFIG_SYNONYMS).flatMap((s) => s.map((x) => x.name)))

/**
 * The static broker configs: `--config` entries, and the broker-config flags the operator gave
 * (a flag left at its default is DEFAULT_CONFIG, as an unset line in server.properties).
 */
export function staticBrokerConfigs(
  args: ParsedArgs,
  server: { listener: string; dataDir: string },
): Record<string, string> {
  const out: Record<string, string> = {}
  for (const spec of args.lists.get('config') ?? []) {
    const eq = spec.indexOf('=')
    if (eq <= 0) throw new CommandError(`--config wants name=value, got '${spec}'`)
    const name = spec.slice(0, eq).trim()
    if (FLAGS[name]) throw new CommandError(`--config ${name}: set it with ${FLAGS[name]}`)
    if (!TOPIC_DEFAULTS.has(name))
      throw new CommandError(
        `--config ${name}: brook serve sets only the broker-wide topic defaults (log.retention.ms, message.max.bytes, …)`,
      )
    out[name] = spec.slice(eq + 1).trim()
  }
  try {
    validateBrokerConfigs(out)
  } catch (e) {
    throw new CommandError(`--config: ${errorDetail(e)}`)
  }
  if (args.values.has('num-partitions')) out['num.partitions'] = args.values.get('num-partitions')!
  if (args.values.has('segment-bytes')) out['log.segment.bytes'] = args.values.get('segment-bytes')!
  if (args.values.has('data-dir')) out['log.dirs'] = server.dataDir
  if (args.values.has('host') || args.values.has('port')) out.listeners = server.listener
  return out
}
