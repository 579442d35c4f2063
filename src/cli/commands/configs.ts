/**
 * @module `brook configs`: what `kafka-configs.sh` does for topics — describe a topic's configs, and
 * alter them with `--add-config` / `--delete-config` (IncrementalAlterConfigs, as Kafka's tool).
 * brook has no dynamic broker configs, so `--entity-type brokers` is refused with a clear error.
 */

import { ConfigResourceTypes, createBrook } from '../../core/client/index.ts'
import type { ParsedArgs } from '../args.ts'
import { UsageError } from '../args.ts'
import { clientProperties } from '../client-config.ts'
import { COMMAND_CONFIG_OPTION, defineCommand, oneAction, parseCommand, withBroker } from '../command.ts'
import { type CliContext, CommandError, write } from '../context.ts'

const command = defineCommand(
  'brook configs [--bootstrap-server host:port] --entity-type topics --entity-name <topic> --describe|--alter [options]',
  "Describe and alter topic configs (as kafka-configs.sh). Alone, --alter's options may repeat.",
  {
    describe: { type: 'flag', help: "List the topic's configs (the ones set on it; --all: every one)" },
    alter: { type: 'flag', help: 'Change configs with --add-config and --delete-config' },
    'entity-type': { type: 'string', arg: '<type>', help: 'topics (the only kind brook has)' },
    'entity-name': { type: 'string', arg: '<name>', help: 'The topic' },
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

function topicOf(args: ParsedArgs): string {
  const type = args.values.get('entity-type')
  const topic = args.values.get('topic') ?? args.values.get('entity-name')
  if (type !== undefined && type !== 'topics') {
    throw new CommandError(
      type === 'brokers' || type === 'broker-loggers'
        ? 'brook has no dynamic broker configs: only --entity-type topics can be described or altered'
        : `unknown --entity-type ${type} (brook has topics)`,
    )
  }
  if (!topic) throw new UsageError('name the topic with --entity-name <topic> (or --topic <topic>)')
  return topic
}

export async function configsCommand(argv: string[], ctx: CliContext): Promise<number> {
  const args = await parseCommand(argv, command, ctx)
  if (!args) return 0
  const action = oneAction(
    args,
    ['describe', 'alter'] as const,
    'command must include exactly one action: --describe or --alter',
  )
  const topic = topicOf(args)
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
            type: ConfigResourceTypes.TOPIC,
            name: topic,
            configEntries: [
              ...set.map((c) => ({ ...c, operation: 'set' as const })),
              ...remove.filter(Boolean).map((name) => ({ name, operation: 'delete' as const })),
            ],
          },
        ],
      })
      await write(ctx.stdout, `Completed updating config for topic ${topic}.\n`)
      return 0
    }
    const [r] = (
      await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] })
    ).resources
    if (r?.errorCode !== 0)
      throw new CommandError(`Topic '${topic}' does not exist as expected (UNKNOWN_TOPIC_OR_PARTITION)`)
    const all = args.flags.has('all')
    await write(ctx.stdout, `${all ? 'All' : 'Dynamic'} configs for topic ${topic} are:\n`)
    for (const c of r.configEntries) {
      if (!all && c.isDefault) continue
      const source = c.isDefault ? 'DEFAULT_CONFIG' : 'DYNAMIC_TOPIC_CONFIG'
      await write(
        ctx.stdout,
        `  ${c.configName}=${c.configValue ?? 'null'} sensitive=false synonyms={${source}:${c.configName}=${c.configValue ?? 'null'}}\n`,
      )
    }
    return 0
  })
}
