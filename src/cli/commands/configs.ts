/**
 * @module `brook configs`: what `kafka-configs.sh` does for topics and brokers — describe configs,
 * and alter them with `--add-config` / `--delete-config` (IncrementalAlterConfigs, as Kafka's tool):
 * a topic's, one broker's (`--entity-name <id>`) or the cluster-wide broker default (`--entity-default`).
 */

import { ConfigResourceTypes, createBrook } from '../../core/client/index.ts'
import type { ParsedArgs } from '../args.ts'
import { UsageError } from '../args.ts'
import { clientProperties } from '../client-config.ts'
import { COMMAND_CONFIG_OPTION, defineCommand, oneAction, parseCommand, withBroker } from '../command.ts'
import { type CliContext, CommandError, write } from '../context.ts'

const command = defineCommand(
  'brook configs [--bootstrap-server host:port] --entity-type topics|brokers --entity-name <name>|--entity-default --describe|--alter [options]',
  "Describe and alter topic and broker configs (as kafka-configs.sh). Alone, --alter's options may repeat.",
  {
    describe: {
      type: 'flag',
      help: 'List the configs set on the entity (dynamic ones; --all: every one, with its source)',
    },
    alter: { type: 'flag', help: 'Change configs with --add-config and --delete-config' },
    'entity-type': { type: 'string', arg: '<type>', help: 'topics or brokers' },
    'entity-name': { type: 'string', arg: '<name>', help: 'The topic, or the broker id' },
    'entity-default': { type: 'flag', help: 'With --entity-type brokers: the cluster-wide default' },
    topic: { type: 'string', arg: '<topic>', help: 'Same as --entity-type topics --entity-name <topic>' },
    all: { type: 'flag', help: 'With --describe: every config, defaults included' },
    'add-config': {
      type: 'list',
      arg: '<k=v,k2=[a,b]>',
      help: 'Configs to set: comma-separated name=value; a value holding commas goes in [ ]',
    },
    'delete-config': { type: 'list', arg: '<k,k2>', help: 'Configs to return to their defaults' },
    'command-config': COMMAND_CONFIG_OPTION,
  },
)

export const configsHelp = command.help

/**
 * kafka-configs.sh's `--add-config` syntax: `a=1,b=[x,y],c=2` — commas separate entries except
 * inside brackets, which hold a list value.
 */
export function parseAddConfig(text: string): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = []
  let depth = 0
  let start = 0
  const entries: string[] = []
  for (let i = 0; i <= text.length; i++) {
    const c = text[i]
    if (c === '[') depth++
    else if (c === ']') depth = Math.max(0, depth - 1)
    else if ((c === ',' && depth === 0) || c === undefined) {
      entries.push(text.slice(start, i))
      start = i + 1
    }
  }
  for (const entry of entries) {
    if (entry.trim() === '') continue
    const eq = entry.indexOf('=')
    if (eq <= 0) throw new UsageError(`--add-config entry "${entry}" is not name=value`)
    let value = entry.slice(eq + 1).trim()
    if (value.startsWith('[') && value.endsWith(']')) value = value.slice(1, -1)
    out.push({ name: entry.slice(0, eq).trim(), value })
  }
  return out
}

interface Entity {
  type: number
  /** The resource name: a topic, a broker id, or "" for the cluster-wide broker default. */
  name: string
  /** As kafka-configs.sh names it: `topic orders`, `broker 1`. */
  label: string
}

function entityOf(args: ParsedArgs): Entity {
  const type = args.values.get('entity-type') ?? (args.values.has('topic') ? 'topics' : undefined)
  const name = args.values.get('topic') ?? args.values.get('entity-name')
  if (type === 'brokers') {
    if (args.flags.has('entity-default')) {
      if (name !== undefined) throw new UsageError('give --entity-name or --entity-default, not both')
      return { type: ConfigResourceTypes.BROKER, name: '', label: 'brokers in the cluster' }
    }
    if (name === undefined)
      throw new UsageError('name the broker with --entity-name <id> (or --entity-default)')
    if (!/^\d+$/.test(name))
      throw new CommandError(`The entity name for brokers must be a valid integer broker id, found: ${name}`)
    return { type: ConfigResourceTypes.BROKER, name, label: `broker ${name}` }
  }
  if (type !== undefined && type !== 'topics')
    throw new CommandError(`unknown --entity-type ${type} (brook has topics and brokers)`)
  if (!name) throw new UsageError('name the topic with --entity-name <topic> (or --topic <topic>)')
  return { type: ConfigResourceTypes.TOPIC, name, label: `topic ${name}` }
}

/** The source kafka-configs.sh lists without --all: what was set on the entity itself. */
const DYNAMIC_SOURCE: Record<string, number> = { topic: 1, broker: 2, default: 3 }

/** Kafka's ConfigSource names, by number, for the `synonyms={…}` column. */
const SOURCE_NAME = [
  'UNKNOWN',
  'DYNAMIC_TOPIC_CONFIG',
  'DYNAMIC_BROKER_CONFIG',
  'DYNAMIC_DEFAULT_BROKER_CONFIG',
  'STATIC_BROKER_CONFIG',
  'DEFAULT_CONFIG',
]

export async function configsCommand(argv: string[], ctx: CliContext): Promise<number> {
  const args = await parseCommand(argv, command, ctx)
  if (!args) return 0
  const action = oneAction(
    args,
    ['describe', 'alter'] as const,
    'command must include exactly one action: --describe or --alter',
  )
  const entity = entityOf(args)
  const client = { clientId: 'brook-configs', props: clientProperties(args, 'command-config') }
  return await withBroker(args, ctx, client, async (service) => {
    const admin = createBrook({ service, clientId: client.clientId }).admin()
    if (action === 'alter') {
      const set = (args.lists.get('add-config') ?? []).flatMap(parseAddConfig)
      const remove = (args.lists.get('delete-config') ?? []).flatMap((l) => l.split(',')).map((n) => n.trim())
      if (set.length === 0 && remove.filter(Boolean).length === 0)
        throw new UsageError('--alter needs --add-config or --delete-config')
      await admin.incrementalAlterConfigs({
        resources: [
          {
            type: entity.type,
            name: entity.name,
            configEntries: [
              ...set.map((c) => ({ ...c, operation: 'set' as const })),
              ...remove.filter(Boolean).map((name) => ({ name, operation: 'delete' as const })),
            ],
          },
        ],
      })
      await write(
        ctx.stdout,
        entity.name === ''
          ? 'Completed updating default config for brokers in the cluster.\n'
          : `Completed updating config for ${entity.label}.\n`,
      )
      return 0
    }
    const [r] = (await admin.describeConfigs({ resources: [{ type: entity.type, name: entity.name }] }))
      .resources
    if (r?.errorCode !== 0)
      throw new CommandError(`Topic '${entity.name}' does not exist as expected (UNKNOWN_TOPIC_OR_PARTITION)`)
    const all = args.flags.has('all')
    const kind =
      entity.type === ConfigResourceTypes.TOPIC ? 'topic' : entity.name === '' ? 'default' : 'broker'
    await write(
      ctx.stdout,
      kind === 'default'
        ? 'Default configs for brokers in the cluster are:\n'
        : `${all ? 'All' : 'Dynamic'} configs for ${entity.label} are:\n`,
    )
    const entries = [...r.configEntries].sort((a, b) => (a.configName < b.configName ? -1 : 1))
    for (const c of entries) {
      if (!all && c.configSource !== DYNAMIC_SOURCE[kind]) continue
      const synonyms = c.configSynonyms
        .map((y) => `${SOURCE_NAME[y.configSource] ?? 'UNKNOWN'}:${y.configName}=${y.configValue ?? 'null'}`)
        .join(', ')
      await write(
        ctx.stdout,
        `  ${c.configName}=${c.configValue ?? 'null'} sensitive=false synonyms={${synonyms}}\n`,
      )
    }
    return 0
  })
}
