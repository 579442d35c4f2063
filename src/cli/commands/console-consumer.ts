/**
 * @module `brook console-consumer`: what `kafka-console-consumer.sh` does. With `--group` it joins
 * a consumer group through the client (offsets committed as it goes); without, it reads the chosen
 * partitions directly (`--partition`, `--offset`), like Kafka's assign mode, leaving no group behind.
 */

import { createBrook } from '../../core/client/index.ts'
import { topicError } from '../../core/client/metadata-cache.ts'
import { BrookError, errorCode } from '../../core/errors.ts'
import {
  ATTR_CONTROL,
  ATTR_LOG_APPEND_TIME,
  decodeRecordsAsync,
  readBatchHeader,
  splitBatches,
} from '../../core/format/record-batch.ts'
import { type BrokerService, EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from '../../core/service.ts'
import { intOption, UsageError } from '../args.ts'
import { clientProperties } from '../client-config.ts'
import { defineCommand, parseCommand, withBroker } from '../command.ts'
import { type CliContext, write } from '../context.ts'
import { type FormattedRecord, messageFormatter } from '../format.ts'

const command = defineCommand(
  'brook console-consumer [--bootstrap-server host:port] --topic <topic> [options]  (alias: brook consume)',
  'Prints records of a topic to stdout (as kafka-console-consumer.sh).',
  {
    topic: { type: 'string', arg: '<topic>', help: 'The topic to consume (required)' },
    'from-beginning': { type: 'flag', help: 'Start at the earliest offset when there is no committed one' },
    group: {
      type: 'string',
      arg: '<group>',
      help: 'Consume as a member of this consumer group, committing offsets',
    },
    partition: { type: 'string', arg: '<n>', help: 'Read only this partition (no group)' },
    offset: {
      type: 'string',
      arg: '<n|earliest|latest>',
      help: 'With --partition: where to start',
      default: 'latest',
    },
    'max-messages': { type: 'string', arg: '<n>', help: 'Exit after this many messages' },
    'timeout-ms': { type: 'string', arg: '<ms>', help: 'Exit when no message arrived for this long' },
    property: {
      type: 'pairs',
      arg: '<name=value>',
      help:
        'Formatter properties: print.timestamp, print.partition, print.offset, print.headers, print.key, ' +
        'print.value (true/false), key.separator, line.separator, headers.separator, null.literal',
    },
    'consumer-property': {
      type: 'pairs',
      arg: '<name=value>',
      help: 'Consumer properties: client.id, sasl.*',
    },
    'consumer.config': {
      type: 'string',
      arg: '<file>',
      help: 'Consumer properties file (overridden by --consumer-property)',
    },
  },
)

export const consoleConsumerHelp = command.help

interface Limits {
  maxMessages: number
  timeoutMs: number
}

export async function consoleConsumerCommand(argv: string[], ctx: CliContext): Promise<number> {
  const args = await parseCommand(argv, command, ctx)
  if (!args) return 0
  const topic = args.values.get('topic')
  if (!topic) throw new UsageError('--topic is required')
  const partition = intOption(args, 'partition', 0)
  const offsetText = args.values.get('offset')
  if (offsetText !== undefined && partition === undefined) {
    throw new UsageError('the partition is required when offset is specified')
  }
  if (partition !== undefined && args.values.has('group')) {
    throw new UsageError('--group cannot be combined with --partition (a group assigns partitions itself)')
  }
  const limits: Limits = {
    maxMessages: intOption(args, 'max-messages', 1) ?? Number.POSITIVE_INFINITY,
    timeoutMs: intOption(args, 'timeout-ms', 0) ?? Number.POSITIVE_INFINITY,
  }
  const format = messageFormatter(args.pairs.get('property') ?? new Map())
  const cprops = clientProperties(args, 'consumer.config', 'consumer-property')
  const clientId = cprops.get('client.id') ?? 'console-consumer'
  const fromBeginning = args.flags.has('from-beginning')

  let count = 0
  const print = async (r: FormattedRecord) => {
    await write(ctx.stdout, format(r))
    count++
  }
  await withBroker(args, ctx, { clientId, props: cprops }, async (service) => {
    const reading: Reading = { service, topic, fromBeginning, limits, print, printed: () => count, ctx }
    const group = args.values.get('group')
    if (group) {
      await consumeAsGroup(reading, clientId, group)
    } else {
      await consumeDirect(reading, partition, offsetText ?? (fromBeginning ? 'earliest' : 'latest'))
    }
  })
  await write(ctx.stderr, `Processed a total of ${count} messages\n`)
  return 0
}

/** Resolves when `signal` aborts or when `ms` passed without `progress()` changing. */
function idleOrAborted(signal: AbortSignal, timeoutMs: number, progress: () => number): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    let last = progress()
    let since = Date.now()
    const timer = setInterval(
      () => {
        const now = progress()
        if (now !== last) {
          last = now
          since = Date.now()
        } else if (Date.now() - since >= timeoutMs) {
          done()
        }
      },
      Math.min(100, Math.max(10, timeoutMs / 4)),
    )
    const done = () => {
      clearInterval(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done)
    if (!Number.isFinite(timeoutMs)) clearInterval(timer)
  })
}

/** What reading as a group and reading partitions directly share. */
interface Reading {
  service: BrokerService
  topic: string
  fromBeginning: boolean
  limits: Limits
  print: (r: FormattedRecord) => Promise<void>
  /** How many records were printed so far. */
  printed: () => number
  ctx: CliContext
}

async function consumeAsGroup(reading: Reading, clientId: string, groupId: string): Promise<void> {
  const { service, topic, fromBeginning, limits, print, printed, ctx } = reading
  const brook = createBrook({ service, clientId })
  const logAppendTime = await usesLogAppendTime(brook.admin(), topic)
  const consumer = brook.consumer({ groupId, maxWaitTimeInMs: 500, allowAutoTopicCreation: true })
  let finished = false
  let finish: () => void = () => {}
  const enough = new Promise<void>((resolve) => {
    finish = resolve
  })
  await consumer.connect()
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning })
    await consumer.run({
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, isStale }) => {
        for (const m of batch.messages) {
          if (finished || isStale()) return
          await print({
            timestampType: logAppendTime ? 'LogAppendTime' : 'CreateTime',
            timestamp: m.timestamp,
            partition: batch.partition,
            offset: m.offset,
            headers: Object.entries(m.headers).flatMap(([k, v]) =>
              Array.isArray(v) ? v.map((x): [string, Uint8Array | null] => [k, x]) : [[k, v] as const],
            ),
            key: m.key,
            value: m.value,
          })
          // Committed as it goes: what was printed is not printed again to this group.
          resolveOffset(m.offset)
          if (printed() >= limits.maxMessages) {
            finished = true
            finish()
            return
          }
        }
      },
    })
    await Promise.race([enough, idleOrAborted(ctx.signal, limits.timeoutMs, printed)])
    finished = true
  } finally {
    await consumer.disconnect()
  }
}

async function usesLogAppendTime(admin: ReturnType<ReturnType<typeof createBrook>['admin']>, topic: string) {
  try {
    const res = await admin.describeConfigs({
      resources: [{ name: topic, configNames: ['message.timestamp.type'] }],
    })
    return res.resources[0]?.configEntries[0]?.configValue === 'LogAppendTime'
  } catch {
    return false
  }
}

/** Reads partitions without a group: fetch from each partition's start offset, print, repeat. */
async function consumeDirect(reading: Reading, only: number | undefined, start: string): Promise<void> {
  const { service, topic, fromBeginning, limits, print, printed, ctx } = reading
  const partitions = await partitionsOf(service, topic, only, ctx.signal, Date.now() + limits.timeoutMs)
  if (partitions.length === 0) return
  const offsets = new Map<number, number>()
  const reset = async (ps: number[], where: 'earliest' | 'latest') => {
    const res = await service.listOffsets({
      topics: [
        {
          name: topic,
          partitions: ps.map((partition) => ({
            partition,
            timestamp: where === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP,
          })),
        },
      ],
    })
    for (const p of res.topics[0]?.partitions ?? []) {
      if (p.errorCode !== 0) throw BrookError.fromCode(p.errorCode, `${topic}[${p.partition}]`)
      offsets.set(p.partition, p.offset)
    }
  }
  if (start === 'earliest' || start === 'latest') {
    await reset(partitions, start)
  } else {
    const n = Number(start)
    if (!Number.isSafeInteger(n) || n < 0)
      throw new UsageError(`--offset must be a number, earliest or latest`)
    offsets.set(partitions[0]!, n)
  }
  // Kafka's auto.offset.reset: latest, or earliest with --from-beginning.
  const outOfRange = fromBeginning ? 'earliest' : 'latest'

  let lastProgress = Date.now()
  let lastCount = printed()
  while (!ctx.signal.aborted && printed() < limits.maxMessages) {
    const waited = Date.now() - lastProgress
    if (waited >= limits.timeoutMs) return
    const res = await service.fetch({
      maxWaitMs: Math.max(0, Math.min(500, limits.timeoutMs - waited)),
      minBytes: 1,
      maxBytes: 50 << 20,
      topics: [
        {
          name: topic,
          partitions: partitions.map((partition) => ({
            partition,
            fetchOffset: offsets.get(partition)!,
            partitionMaxBytes: 1 << 20,
          })),
        },
      ],
    })
    for (const p of res.topics[0]?.partitions ?? []) {
      if (p.errorCode === errorCode('OFFSET_OUT_OF_RANGE')) {
        await reset([p.partition], outOfRange)
        continue
      }
      if (p.errorCode !== 0) {
        const err = BrookError.fromCode(p.errorCode, `${topic}[${p.partition}]`)
        if (err.retriable) continue
        throw err
      }
      const from = offsets.get(p.partition)!
      for (const batch of splitBatches(p.records, { partialTail: true })) {
        const h = readBatchHeader(batch)
        const last = h.baseOffset + h.lastOffsetDelta
        if (last < from) continue
        if ((h.attributes & ATTR_CONTROL) === 0) {
          const type = h.attributes & ATTR_LOG_APPEND_TIME ? 'LogAppendTime' : 'CreateTime'
          for (const r of await decodeRecordsAsync(batch, false)) {
            if (r.offset < from) continue
            if (printed() >= limits.maxMessages || ctx.signal.aborted) return
            await print({
              timestampType: type,
              timestamp: r.timestamp,
              partition: p.partition,
              offset: r.offset,
              headers: r.headers.map((x) => [x.key, x.value]),
              key: r.key,
              value: r.value,
            })
          }
        }
        offsets.set(p.partition, last + 1)
      }
    }
    if (printed() !== lastCount) {
      lastCount = printed()
      lastProgress = Date.now()
    }
  }
}

/** The partitions to read; waits (like a Kafka consumer) while the topic does not exist yet. */
async function partitionsOf(
  service: BrokerService,
  topic: string,
  only: number | undefined,
  signal: AbortSignal,
  deadline: number,
): Promise<number[]> {
  for (;;) {
    const md = await service.metadata({ topics: [topic], allowAutoTopicCreation: true })
    const t = md.topics.find((x) => x.name === topic)
    if (t && t.errorCode === 0 && t.partitions.length > 0) {
      const ids = t.partitions.map((p) => p.partition).sort((a, b) => a - b)
      if (only === undefined) return ids
      if (!ids.includes(only)) {
        throw new BrookError('UNKNOWN_TOPIC_OR_PARTITION', `topic "${topic}" has no partition ${only}`)
      }
      return [only]
    }
    if (t && t.errorCode !== 0) {
      const err = topicError(t.errorCode, topic)
      if (!err.retriable) throw err
    }
    if (signal.aborted || Date.now() >= deadline) return []
    await new Promise((r) => setTimeout(r, 200))
  }
}
