/**
 * @module `brook consumer-groups`: what `kafka-consumer-groups.sh` does — list groups, describe
 * their progress (committed offset, log end, lag, owner per partition), reset their offsets while
 * they are inactive, delete them. Output columns and messages follow Kafka's tool.
 */

import { createBrook } from '../../core/client/index.ts'
import { BrookError, errorCode } from '../../core/errors.ts'
import { type ParsedArgs, UsageError } from '../args.ts'
import { clientProperties } from '../client-config.ts'
import { COMMAND_CONFIG_OPTION, defineCommand, oneAction, parseCommand, withBroker } from '../command.ts'
import { type CliContext, CommandError, write } from '../context.ts'
import { columns } from '../format.ts'

const command = defineCommand(
  'brook consumer-groups [--bootstrap-server host:port] --list|--describe|--reset-offsets|--delete [options]  (alias: brook groups)',
  'Lists, describes, resets and deletes consumer groups (as kafka-consumer-groups.sh).',
  {
    list: { type: 'flag', help: 'List all consumer groups' },
    describe: { type: 'flag', help: 'Describe a group: offsets, lag and owner of each partition' },
    'reset-offsets': { type: 'flag', help: 'Reset the committed offsets of an inactive group' },
    delete: { type: 'flag', help: 'Delete a group (it must have no members)' },
    group: { type: 'list', arg: '<group>', help: 'The group to act on (repeatable)' },
    'all-groups': { type: 'flag', help: 'Act on every group' },
    topic: {
      type: 'list',
      arg: '<topic[:p,p]>',
      help: 'With --reset-offsets: a topic, optionally some partitions',
    },
    'all-topics': { type: 'flag', help: 'With --reset-offsets: every topic the group has offsets for' },
    'to-earliest': { type: 'flag', help: 'Reset to the earliest offset' },
    'to-latest': { type: 'flag', help: 'Reset to the latest offset (the log end)' },
    'to-offset': { type: 'string', arg: '<n>', help: 'Reset to this offset (kept within the log)' },
    'to-datetime': {
      type: 'string',
      arg: '<YYYY-MM-DDTHH:mm:SS.sss>',
      help: 'Reset to the first offset at or after this time (local time unless a zone is given)',
    },
    'shift-by': { type: 'string', arg: '<n>', help: 'Move the committed offsets by n (may be negative)' },
    'to-current': { type: 'flag', help: 'Reset to the current committed offsets' },
    execute: { type: 'flag', help: 'Carry out the reset' },
    'dry-run': { type: 'flag', help: 'Only show the offsets a reset would commit (the default)' },
    'command-config': COMMAND_CONFIG_OPTION,
  },
)

export const consumerGroupsHelp = command.help

const ACTIONS = ['list', 'describe', 'reset-offsets', 'delete'] as const
const SCENARIOS = ['to-earliest', 'to-latest', 'to-offset', 'to-datetime', 'shift-by', 'to-current'] as const
const MISSING = '-'

type Brook = ReturnType<typeof createBrook>

export async function consumerGroupsCommand(argv: string[], ctx: CliContext): Promise<number> {
  const args = await parseCommand(argv, command, ctx)
  if (!args) return 0
  const action = oneAction(
    args,
    ACTIONS,
    'command must include exactly one action: --list, --describe, --delete, --reset-offsets',
  )
  const client = { clientId: 'brook-consumer-groups', props: clientProperties(args, 'command-config') }
  return await withBroker(args, ctx, client, async (service) => {
    const brook = createBrook({ service, clientId: client.clientId })
    if (action === 'list') {
      for (const g of await listGroups(brook)) await write(ctx.stdout, `${g}\n`)
      return 0
    }
    const groups = args.flags.has('all-groups') ? await listGroups(brook) : (args.lists.get('group') ?? [])
    if (groups.length === 0) throw new UsageError(`--${action} needs --group or --all-groups`)
    if (action === 'describe') return await describe(brook, groups, ctx)
    if (action === 'delete') return await deleteGroups(brook, groups, ctx)
    return await resetOffsets(brook, groups, args, ctx)
  })
}

async function listGroups(brook: Brook): Promise<string[]> {
  const { groups } = await brook.admin().listGroups()
  return groups.map((g) => g.groupId).sort()
}

interface Row {
  group: string
  topic: string
  partition: string
  current: string
  end: string
  lag: string
  consumer: string
  host: string
  client: string
}

async function describe(brook: Brook, groupIds: string[], ctx: CliContext): Promise<number> {
  const admin = brook.admin()
  let failed = false
  for (const groupId of groupIds.slice().sort()) {
    const { groups } = await admin.describeGroups([groupId])
    const g = groups[0]
    if (!g || g.state === 'Dead' || g.errorCode === errorCode('GROUP_ID_NOT_FOUND')) {
      await write(ctx.stderr, `Error: Consumer group '${groupId}' does not exist. (GROUP_ID_NOT_FOUND)\n`)
      failed = true
      continue
    }
    if (g.errorCode !== 0) throw BrookError.fromCode(g.errorCode, `group ${groupId}`)
    const committed = await admin.fetchOffsets({ groupId })
    const committedAt = new Map<string, number>()
    for (const t of committed)
      for (const p of t.partitions) if (p.offset >= 0) committedAt.set(`${t.topic}:${p.partition}`, p.offset)

    // Members that own partitions first (most partitions first), then committed partitions nobody owns.
    type Member = (typeof g.members)[number]
    const owned: { topic: string; partition: number; member?: Member }[] = []
    const members = g.members
      .map((m) => ({
        m,
        tps: Object.entries(m.assignment ?? {}).flatMap(([t, ps]) => ps.map((p) => ({ t, p }))),
      }))
      .filter((x) => x.tps.length > 0)
      .sort((a, b) => b.tps.length - a.tps.length)
    const seen = new Set<string>()
    for (const { m, tps } of members) {
      tps.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.p - b.p))
      for (const { t, p } of tps) {
        owned.push({ topic: t, partition: p, member: m })
        seen.add(`${t}:${p}`)
      }
    }
    const unowned = [...committedAt.keys()]
      .filter((k) => !seen.has(k))
      .map((k) => ({
        topic: k.slice(0, k.lastIndexOf(':')),
        partition: Number(k.slice(k.lastIndexOf(':') + 1)),
      }))
      .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
    const all: { topic: string; partition: number; member?: Member }[] = [...owned, ...unowned]
    const ends = await logEndOffsets(brook, [...new Set(all.map((x) => x.topic))])
    const rows: Row[] = all.map(({ topic, partition, member }) => {
      const current = committedAt.get(`${topic}:${partition}`)
      const end = ends.get(`${topic}:${partition}`)
      return {
        group: groupId,
        topic,
        partition: String(partition),
        current: current === undefined ? MISSING : String(current),
        end: end === undefined ? MISSING : String(end),
        lag: current === undefined || end === undefined ? MISSING : String(end - current),
        consumer: member?.memberId || MISSING,
        host: member?.clientHost || MISSING,
        client: member?.clientId || MISSING,
      }
    })
    if (g.state === 'Empty') await write(ctx.stderr, `\nConsumer group '${groupId}' has no active members.\n`)
    else if (g.state !== 'Stable')
      await write(ctx.stderr, `\nWarning: Consumer group '${groupId}' is rebalancing.\n`)
    if (rows.length === 0) continue
    const width = (f: (r: Row) => string) => Math.max(15, ...rows.map((r) => f(r).length))
    const widths = [
      width((r) => r.group),
      width((r) => r.topic),
      10,
      15,
      15,
      15,
      width((r) => r.consumer),
      width((r) => r.host),
    ]
    const header = [
      'GROUP',
      'TOPIC',
      'PARTITION',
      'CURRENT-OFFSET',
      'LOG-END-OFFSET',
      'LAG',
      'CONSUMER-ID',
      'HOST',
      'CLIENT-ID',
    ]
    const body = rows.map((r) => [
      r.group,
      r.topic,
      r.partition,
      r.current,
      r.end,
      r.lag,
      r.consumer,
      r.host,
      r.client,
    ])
    await write(ctx.stdout, `\n${columns([header, ...body], widths)}\n`)
  }
  return failed ? 1 : 0
}

/** High watermark of every partition of `topics`, keyed `topic:partition`. */
async function logEndOffsets(brook: Brook, topics: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  for (const topic of topics) {
    try {
      for (const p of await brook.admin().fetchTopicOffsets(topic)) out.set(`${topic}:${p.partition}`, p.high)
    } catch {
      // A deleted topic has no log end: its rows show '-', as Kafka's tool does.
    }
  }
  return out
}

async function deleteGroups(brook: Brook, groupIds: string[], ctx: CliContext): Promise<number> {
  const res = await brook.connection.call('DeleteGroups', (s) => s.deleteGroups(groupIds))
  const failed = res.filter((r) => r.errorCode !== 0)
  if (failed.length > 0) {
    const why = failed.map((r) => `'${r.groupId}': ${BrookError.fromCode(r.errorCode).message}`).join('; ')
    throw new CommandError(`Deletion of some consumer groups failed: ${why}`)
  }
  const names = res.map((r) => `'${r.groupId}'`).join(', ')
  await write(ctx.stdout, `Deletion of requested consumer groups (${names}) was successful.\n`)
  return 0
}

async function resetOffsets(
  brook: Brook,
  groupIds: string[],
  args: ParsedArgs,
  ctx: CliContext,
): Promise<number> {
  const scenarios = SCENARIOS.filter((s) => args.flags.has(s) || args.values.has(s))
  if (scenarios.length !== 1) {
    throw new UsageError(`--reset-offsets needs exactly one of ${SCENARIOS.map((s) => `--${s}`).join(', ')}`)
  }
  const scenario = scenarios[0]!
  const topicArgs = args.lists.get('topic') ?? []
  if (topicArgs.length === 0 && !args.flags.has('all-topics')) {
    throw new UsageError('--reset-offsets needs --topic or --all-topics')
  }
  const execute = args.flags.has('execute')
  if (execute && args.flags.has('dry-run')) throw new UsageError('choose --execute or --dry-run, not both')
  if (!execute && !args.flags.has('dry-run')) {
    await write(
      ctx.stderr,
      'WARN: No action will be performed as the --execute option is missing. Showing a dry run.\n',
    )
  }
  const admin = brook.admin()
  const planned: { group: string; topic: string; partition: number; offset: number }[] = []
  for (const groupId of groupIds) {
    const { groups } = await admin.describeGroups([groupId])
    const state = groups[0]?.state ?? 'Dead'
    if (state !== 'Empty' && state !== 'Dead') {
      throw new CommandError(
        `Assignments can only be reset if the group '${groupId}' is inactive, but the current state is ${state}.`,
      )
    }
    const committed = await admin.fetchOffsets({ groupId })
    const targets = new Map<string, number[] | null>()
    if (args.flags.has('all-topics')) for (const t of committed) targets.set(t.topic, null)
    for (const spec of topicArgs) {
      const [topic, list] = splitTopic(spec)
      targets.set(topic, list)
    }
    for (const [topic, only] of [...targets].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const offsets = await admin.fetchTopicOffsets(topic)
      const current = committed.find((t) => t.topic === topic)?.partitions ?? []
      const byTime =
        scenario === 'to-datetime'
          ? await admin.fetchTopicOffsetsByTimestamp(topic, parseDatetime(args.values.get('to-datetime')!))
          : []
      const chosen: { topic: string; partition: number; offset: number }[] = []
      for (const o of offsets) {
        if (only && !only.includes(o.partition)) continue
        const committedOffset = current.find((c) => c.partition === o.partition)?.offset ?? -1
        const clamp = (n: number) => Math.min(o.high, Math.max(o.low, n))
        let offset: number
        switch (scenario) {
          case 'to-earliest':
            offset = o.low
            break
          case 'to-latest':
            offset = o.high
            break
          case 'to-offset':
            offset = clamp(integer(args.values.get('to-offset')!, '--to-offset'))
            break
          case 'shift-by':
            offset = clamp(
              (committedOffset >= 0 ? committedOffset : o.high) +
                integer(args.values.get('shift-by')!, '--shift-by'),
            )
            break
          case 'to-current':
            offset = committedOffset >= 0 ? committedOffset : o.high
            break
          case 'to-datetime':
            offset = byTime.find((b) => b.partition === o.partition)?.offset ?? o.high
            break
        }
        chosen.push({ topic, partition: o.partition, offset })
      }
      if (only) {
        const missing = only.filter((p) => !offsets.some((o) => o.partition === p))
        if (missing.length)
          throw new BrookError('UNKNOWN_TOPIC_OR_PARTITION', `${topic} has no partition ${missing[0]}`)
      }
      if (execute && chosen.length > 0) {
        await commitReset(admin, groupId, topic, chosen)
      }
      for (const c of chosen) planned.push({ group: groupId, ...c })
    }
  }
  if (planned.length > 0) {
    const widths = [
      Math.max(15, ...planned.map((p) => p.group.length)),
      Math.max(15, ...planned.map((p) => p.topic.length)),
      10,
    ]
    const rows = planned.map((p) => [p.group, p.topic, String(p.partition), String(p.offset)])
    await write(
      ctx.stdout,
      `\n${columns([['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'], ...rows], widths)}\n`,
    )
  }
  return 0
}

/** Commits reset offsets; a group that became active meanwhile is reported as Kafka's tool does. */
async function commitReset(
  admin: ReturnType<Brook['admin']>,
  groupId: string,
  topic: string,
  chosen: { partition: number; offset: number }[],
): Promise<void> {
  try {
    await admin.setOffsets({
      groupId,
      topic,
      partitions: chosen.map((c) => ({ partition: c.partition, offset: c.offset })),
    })
  } catch (e) {
    const type = (e as BrookError).type
    if (type === 'UNKNOWN_MEMBER_ID' || type === 'ILLEGAL_GENERATION' || type === 'REBALANCE_IN_PROGRESS') {
      const { groups } = await admin.describeGroups([groupId])
      throw new CommandError(
        `Assignments can only be reset if the group '${groupId}' is inactive, but the current state is ${groups[0]?.state ?? 'unknown'}.`,
      )
    }
    throw e
  }
}

function splitTopic(spec: string): [string, number[] | null] {
  const at = spec.lastIndexOf(':')
  if (at < 0) return [spec, null]
  const parts = spec
    .slice(at + 1)
    .split(',')
    .map((p) => integer(p.trim(), `partition in --topic ${spec}`))
  return [spec.slice(0, at), parts]
}

function integer(text: string, what: string): number {
  const n = Number(text)
  if (text.trim() === '' || !Number.isSafeInteger(n))
    throw new UsageError(`${what} must be an integer, got '${text}'`)
  return n
}

/** Kafka's `YYYY-MM-DDTHH:mm:SS.sss` with an optional zone; no zone means local time, as in Kafka. */
export function parseDatetime(text: string): number {
  const ms = Date.parse(text)
  if (Number.isNaN(ms)) throw new UsageError(`--to-datetime wants YYYY-MM-DDTHH:mm:SS.sss, got '${text}'`)
  return ms
}
