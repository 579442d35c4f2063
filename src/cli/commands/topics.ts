/** @module `brook topics`: what `kafka-topics.sh` does — create, list, describe, alter, delete. */

import { createBrook } from '../../core/client/index.ts'
import { BrookError, isBrookError } from '../../core/errors.ts'
import { intOption, type ParsedArgs, UsageError } from '../args.ts'
import { clientProperties } from '../client-config.ts'
import { COMMAND_CONFIG_OPTION, defineCommand, oneAction, parseCommand, withBroker } from '../command.ts'
import { type CliContext, CommandError, write } from '../context.ts'

const command = defineCommand(
  'brook topics [--bootstrap-server host:port] --create|--list|--describe|--alter|--delete [options]',
  'Create, list, describe, alter and delete topics (as kafka-topics.sh).',
  {
    create: { type: 'flag', help: 'Create a topic' },
    list: { type: 'flag', help: 'List all topics' },
    describe: { type: 'flag', help: 'Describe a topic (all topics without --topic)' },
    alter: { type: 'flag', help: 'Raise the partition count of a topic' },
    delete: { type: 'flag', help: 'Delete a topic' },
    topic: { type: 'string', arg: '<topic>', help: 'The topic to act on' },
    partitions: { type: 'string', arg: '<n>', help: "Partition count (create: the broker's num.partitions)" },
    'replication-factor': {
      type: 'string',
      arg: '<n>',
      help: 'Accepted for compatibility; brook keeps 1 replica',
    },
    config: { type: 'pairs', arg: '<name=value>', help: 'A topic config for --create (repeatable)' },
    'if-not-exists': { type: 'flag', help: 'With --create: succeed quietly if the topic exists' },
    'if-exists': { type: 'flag', help: 'With --alter/--delete: succeed quietly if the topic does not exist' },
    'command-config': COMMAND_CONFIG_OPTION,
  },
)

export const topicsHelp = command.help

const ACTIONS = ['create', 'list', 'describe', 'alter', 'delete'] as const

export async function topicsCommand(argv: string[], ctx: CliContext): Promise<number> {
  const args = await parseCommand(argv, command, ctx)
  if (!args) return 0
  const action = oneAction(
    args,
    ACTIONS,
    'command must include exactly one action: --list, --describe, --create, --alter or --delete',
  )
  const topic = args.values.get('topic')
  if (action !== 'list' && action !== 'describe' && !topic) throw new UsageError(`--${action} needs --topic`)
  const client = { clientId: 'brook-topics', props: clientProperties(args, 'command-config') }
  return await withBroker(args, ctx, client, async (service) => {
    const brook = createBrook({ service, clientId: client.clientId })
    const admin = brook.admin()
    switch (action) {
      case 'create':
        return await create(admin, topic!, args, ctx)
      case 'list': {
        const names = (await admin.listTopics()).sort()
        for (const n of names) await write(ctx.stdout, `${n}\n`)
        return 0
      }
      case 'describe':
        return await describe(brook, topic, ctx)
      case 'alter': {
        const count = intOption(args, 'partitions', 1)
        if (count === undefined) throw new UsageError('--alter needs --partitions')
        return await ifExists(args, topic!, () =>
          admin.createPartitions({ topicPartitions: [{ topic: topic!, count }] }),
        )
      }
      case 'delete':
        return await ifExists(args, topic!, () => admin.deleteTopics({ topics: [topic!] }))
    }
  })
}

type Admin = ReturnType<ReturnType<typeof createBrook>['admin']>

async function create(admin: Admin, topic: string, args: ParsedArgs, ctx: CliContext): Promise<number> {
  const partitions = intOption(args, 'partitions', 1)
  const rf = intOption(args, 'replication-factor', 1)
  if (rf !== undefined && rf !== 1) {
    throw new CommandError(
      `replication factor ${rf} is larger than the 1 broker available (INVALID_REPLICATION_FACTOR)`,
    )
  }
  const configEntries = [...(args.pairs.get('config') ?? new Map())].map(([name, value]) => ({ name, value }))
  const created = await admin.createTopics({ topics: [{ topic, numPartitions: partitions, configEntries }] })
  if (!created) {
    if (args.flags.has('if-not-exists')) return 0
    throw new CommandError(`Topic '${topic}' already exists. (TOPIC_ALREADY_EXISTS)`)
  }
  await write(ctx.stdout, `Created topic ${topic}.\n`)
  return 0
}

async function ifExists(args: ParsedArgs, topic: string, fn: () => Promise<void>): Promise<number> {
  try {
    await fn()
  } catch (e) {
    if (isBrookError(e) && (e as BrookError).type === 'UNKNOWN_TOPIC_OR_PARTITION') {
      if (args.flags.has('if-exists')) return 0
      throw new CommandError(`Topic '${topic}' does not exist as expected (UNKNOWN_TOPIC_OR_PARTITION)`)
    }
    throw e
  }
  return 0
}

async function describe(brook: ReturnType<typeof createBrook>, topic: string | undefined, ctx: CliContext) {
  const md = await brook.connection.call('Metadata', (s) =>
    s.metadata({ topics: topic ? [topic] : null, allowAutoTopicCreation: false }),
  )
  const topics = md.topics.slice().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (const t of topics) {
    if (t.errorCode !== 0) {
      const err = BrookError.fromCode(t.errorCode)
      if (err.type === 'UNKNOWN_TOPIC_OR_PARTITION') {
        throw new CommandError(`Topic '${t.name}' does not exist as expected (UNKNOWN_TOPIC_OR_PARTITION)`)
      }
      throw err
    }
  }
  const configs = topics.length
    ? await brook.connection.call('DescribeConfigs', (s) => s.describeConfigs(topics.map((t) => t.name)))
    : []
  for (const t of topics) {
    const c = configs.find((x) => x.name === t.name)
    const set = (c?.configs ?? []).filter((e) => !e.isDefault && e.value !== null)
    const parts = t.partitions.slice().sort((a, b) => a.partition - b.partition)
    const rf = parts[0]?.replicas.length ?? 1
    await write(
      ctx.stdout,
      `Topic: ${t.name}\tTopicId: ${t.topicId}\tPartitionCount: ${parts.length}\tReplicationFactor: ${rf}\t` +
        `Configs: ${set.map((e) => `${e.name}=${e.value}`).join(',')}\n`,
    )
    for (const p of parts) {
      const leader = p.leader < 0 ? 'none' : String(p.leader)
      await write(
        ctx.stdout,
        `\tTopic: ${t.name}\tPartition: ${p.partition}\tLeader: ${leader}\tReplicas: ${p.replicas.join(',')}\t` +
          `Isr: ${p.isr.join(',')}\n`,
      )
    }
  }
  return 0
}
