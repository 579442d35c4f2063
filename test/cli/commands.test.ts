/**
 * @module The `brook` CLI's commands against an in-process broker: argument handling, Kafka's output
 * formats, exit codes and error lines. (test/cli/tcp.test.ts runs the same commands, as child
 * processes and over TCP.)
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Connector } from '../../src/cli/context.ts'
import { Broker } from '../../src/core/broker.ts'
import { encodeBatch } from '../../src/core/format/record-batch.ts'
import { MemoryStore } from '../../src/core/memory-store.ts'
import { brookInProcess, type CliResult } from '../support/cli.ts'

let broker: Broker

beforeEach(async () => {
  broker = await Broker.open({ store: new MemoryStore(), autoCreateTopics: true, initialRebalanceDelayMs: 0 })
})
afterEach(async () => {
  await broker.close()
})

const inProcessBroker: Connector = async () => ({ service: broker, close: async () => {} })

const brook = (argv: string[], stdin = '', signal?: AbortSignal) =>
  brookInProcess(argv, inProcessBroker, stdin, signal)

/** `consume --topic <topic> --from-beginning --max-messages <count>`, plus `more` options. */
const readAll = (command: 'consume' | 'console-consumer', topic: string, count: number, ...more: string[]) =>
  brook([command, '--topic', topic, '--from-beginning', '--max-messages', String(count), ...more])

const enc = new TextEncoder()
async function produce(
  topic: string,
  partition: number,
  values: [string | null, string][],
  timestamp = 1_700_000_000_000,
) {
  await broker.produce({
    acks: -1,
    timeoutMs: 1000,
    topics: [
      {
        name: topic,
        partitions: [
          {
            partition,
            records: encodeBatch({
              records: values.map(([k, v], i) => ({
                key: k === null ? null : enc.encode(k),
                value: enc.encode(v),
                timestamp: timestamp + i,
              })),
            }),
          },
        ],
      },
    ],
  })
}

describe('brook (no command, help, unknown things)', () => {
  it('prints usage and fails without a command; --help succeeds', async () => {
    const none = await brook([])
    expect(none.code).toBe(1)
    expect(none.out).toMatch(/^Usage: brook <command>/)
    const help = await brook(['--help'])
    expect(help.code).toBe(0)
    for (const c of ['serve', 'topics', 'console-producer', 'console-consumer', 'consumer-groups']) {
      expect(help.out).toContain(c)
    }
  })

  it('has --help on every command and alias', async () => {
    for (const c of [
      'serve',
      'topics',
      'console-producer',
      'produce',
      'console-consumer',
      'consume',
      'consumer-groups',
      'groups',
      'configs',
    ]) {
      const r = await brook([c, '--help'])
      expect(r.code, c).toBe(0)
      expect(r.out, c).toMatch(/^Usage: brook /)
      expect(r.out, c).toContain(
        '--bootstrap-server'.startsWith('--') && c === 'serve' ? '--data-dir' : '--bootstrap-server',
      )
    }
  })

  it('fails with one clear line on an unknown command or option', async () => {
    const cmd = await brook(['topicz'])
    expect(cmd.code).toBe(1)
    expect(cmd.err).toBe("Error: unknown command 'topicz' (see brook --help)\n")
    const opt = await brook(['topics', '--lst'])
    expect(opt.code).toBe(1)
    expect(opt.err).toBe('Error: unknown option --lst (see --help)\n')
    const missing = await brook(['topics', '--create'])
    expect(missing.err).toBe('Error: --create needs --topic (see --help)\n')
    const two = await brook(['topics', '--list', '--describe'])
    expect(two.code).toBe(1)
    expect(two.err.split('\n')).toHaveLength(2)
  })
})

describe('brook topics', () => {
  it('creates, lists, describes, alters and deletes topics with Kafka’s messages', async () => {
    const created = await brook([
      'topics',
      '--bootstrap-server',
      'localhost:9092',
      '--create',
      '--topic',
      'orders',
      '--partitions',
      '3',
      '--config',
      'retention.ms=60000',
    ])
    expect(created).toEqual({ code: 0, out: 'Created topic orders.\n', err: '' })
    expect((await brook(['topics', '--create', '--topic', 'audit'])).out).toBe('Created topic audit.\n')

    const again = await brook(['topics', '--create', '--topic', 'orders'])
    expect(again.code).toBe(1)
    expect(again.err).toBe("Error: Topic 'orders' already exists. (TOPIC_ALREADY_EXISTS)\n")
    expect((await brook(['topics', '--create', '--topic', 'orders', '--if-not-exists'])).code).toBe(0)

    expect(await brook(['topics', '--list'])).toEqual({ code: 0, out: 'audit\norders\n', err: '' })

    const d = await brook(['topics', '--describe', '--topic', 'orders'])
    expect(d.code).toBe(0)
    const lines = d.out.trimEnd().split('\n')
    expect(lines[0]).toMatch(
      /^Topic: orders\tTopicId: \S+\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: retention\.ms=60000$/,
    )
    expect(lines.slice(1)).toEqual(
      [0, 1, 2].map((p) =>
        expect.stringMatching(
          new RegExp(`^\\tTopic: orders\\tPartition: ${p}\\tLeader: \\d+\\tReplicas: \\d+\\tIsr: \\d+$`),
        ),
      ),
    )

    const all = await brook(['topics', '--describe'])
    expect(all.out.split('\n').filter((l) => l.startsWith('Topic: '))).toHaveLength(2)

    expect(await brook(['topics', '--alter', '--topic', 'orders', '--partitions', '5'])).toEqual({
      code: 0,
      out: '',
      err: '',
    })
    expect((await brook(['topics', '--describe', '--topic', 'orders'])).out).toContain('PartitionCount: 5')
    const shrink = await brook(['topics', '--alter', '--topic', 'orders', '--partitions', '2'])
    expect(shrink.code).toBe(1)
    expect(shrink.err).toMatch(/^Error: INVALID_PARTITIONS/)

    expect(await brook(['topics', '--delete', '--topic', 'orders'])).toEqual({ code: 0, out: '', err: '' })
    expect((await brook(['topics', '--list'])).out).toBe('audit\n')
    const gone = await brook(['topics', '--delete', '--topic', 'orders'])
    expect(gone.code).toBe(1)
    expect(gone.err).toBe("Error: Topic 'orders' does not exist as expected (UNKNOWN_TOPIC_OR_PARTITION)\n")
    expect((await brook(['topics', '--delete', '--topic', 'orders', '--if-exists'])).code).toBe(0)
    const describeGone = await brook(['topics', '--describe', '--topic', 'orders'])
    expect(describeGone.code).toBe(1)
    expect(describeGone.err).toContain('UNKNOWN_TOPIC_OR_PARTITION')
  })

  it('refuses a replication factor above 1 and a bad partition count', async () => {
    const rf = await brook(['topics', '--create', '--topic', 't', '--replication-factor', '3'])
    expect(rf.code).toBe(1)
    expect(rf.err).toContain('INVALID_REPLICATION_FACTOR')
    const bad = await brook(['topics', '--create', '--topic', 't', '--partitions', 'many'])
    expect(bad.err).toBe("Error: --partitions must be an integer >= 1, got 'many' (see --help)\n")
  })
})

describe('brook configs', () => {
  it('describes and alters a topic’s configs as kafka-configs.sh does', async () => {
    await brook(['topics', '--create', '--topic', 'cfg', '--config', 'retention.ms=1000'])
    expect(
      (await brook(['configs', '--entity-type', 'topics', '--entity-name', 'cfg', '--describe'])).out,
    ).toBe(
      'Dynamic configs for topic cfg are:\n  retention.ms=1000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=1000}\n',
    )
    const alter = await brook([
      'configs',
      '--topic',
      'cfg',
      '--alter',
      '--add-config',
      'cleanup.policy=[compact,delete],retention.bytes=5000',
      '--delete-config',
      'retention.ms',
    ])
    expect(alter).toEqual({ code: 0, out: 'Completed updating config for topic cfg.\n', err: '' })
    const after = await brook(['configs', '--topic', 'cfg', '--describe'])
    expect(
      after.out
        .split('\n')
        .slice(1, -1)
        .map((l) => l.trim().split(' ')[0]),
    ).toEqual(['cleanup.policy=compact,delete', 'retention.bytes=5000'])
    const all = await brook(['configs', '--topic', 'cfg', '--describe', '--all'])
    // Kafka's synonyms: the broker config each default comes from.
    expect(all.out).toContain(
      '  max.message.bytes=1048588 sensitive=false synonyms={DEFAULT_CONFIG:message.max.bytes=1048588}\n',
    )
    expect(all.out).toContain(
      '  cleanup.policy=compact,delete sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact,delete, DEFAULT_CONFIG:log.cleanup.policy=delete}\n',
    )
  })

  it('refuses what it cannot do, with one clear line', async () => {
    await brook(['topics', '--create', '--topic', 'cfg'])
    const bad = await brook(['configs', '--topic', 'cfg', '--alter', '--add-config', 'retention.ms=soon'])
    expect(bad.code).toBe(1)
    expect(bad.err).toMatch(/^Error: INVALID_CONFIG: .*retention\.ms/)
    const broker = await brook(['configs', '--entity-type', 'brokers', '--entity-name', 'one', '--describe'])
    expect(broker.err).toBe(
      'Error: The entity name for brokers must be a valid integer broker id, found: one\n',
    )
    const loggers = await brook([
      'configs',
      '--entity-type',
      'broker-loggers',
      '--entity-name',
      '1',
      '--describe',
    ])
    expect(loggers.err).toBe('Error: unknown --entity-type broker-loggers (brook has topics and brokers)\n')
    const nothing = await brook(['configs', '--topic', 'cfg', '--alter'])
    expect(nothing.err).toMatch(/--alter needs --add-config or --delete-config/)
    const missing = await brook(['configs', '--topic', 'nope', '--describe'])
    expect(missing.err).toBe("Error: Topic 'nope' does not exist as expected (UNKNOWN_TOPIC_OR_PARTITION)\n")
  })
})

describe('brook console-producer and console-consumer', () => {
  it('sends stdin lines with keys and reads them back in Kafka’s formatter layout', async () => {
    await brook(['topics', '--create', '--topic', 'lines'])
    const p = await brook(
      [
        'console-producer',
        '--topic',
        'lines',
        '--property',
        'parse.key=true',
        '--property',
        'key.separator=:',
        '--producer-property',
        'acks=all',
      ],
      'alice:hello\nbob:hi: there\r\ncarol:last line without newline',
    )
    expect(p).toEqual({ code: 0, out: '', err: '' })

    const c = await readAll(
      'console-consumer',
      'lines',
      3,
      '--property',
      'print.key=true',
      'print.timestamp=true',
      'print.partition=true',
      'print.offset=true',
    )
    expect(c.code).toBe(0)
    const out = c.out.trimEnd().split('\n')
    expect(out).toHaveLength(3)
    expect(out[0]).toMatch(/^CreateTime:\d{13}\tPartition:0\tOffset:0\talice\thello$/)
    expect(out[1]).toMatch(/^CreateTime:\d{13}\tPartition:0\tOffset:1\tbob\thi: there$/)
    expect(out[2]).toMatch(/^CreateTime:\d{13}\tPartition:0\tOffset:2\tcarol\tlast line without newline$/)
    expect(c.err).toBe('Processed a total of 3 messages\n')

    // Default format: the value only.
    const plain = await readAll('consume', 'lines', 2)
    expect(plain.out).toBe('hello\nhi: there\n')
  })

  it('fails a keyed line without a separator unless ignore.error=true', async () => {
    const bad = await brook(['produce', '--topic', 'k', '--property', 'parse.key=true'], 'no-tab-here\n')
    expect(bad.code).toBe(1)
    expect(bad.err).toContain('no key separator')
    const ok = await brook(
      ['produce', '--topic', 'k', '--property', 'parse.key=true', '--property', 'ignore.error=true'],
      'no-tab-here\nk\tv\n',
    )
    expect(ok.code).toBe(0)
    const c = await readAll('consume', 'k', 2, '--property', 'print.key=true')
    expect(c.out).toBe('null\tno-tab-here\nk\tv\n')
  })

  it('prints headers, custom separators and null keys like DefaultMessageFormatter', async () => {
    await broker.createTopics({ topics: [{ name: 'h', numPartitions: 1 }] })
    await broker.produce({
      acks: -1,
      timeoutMs: 1000,
      topics: [
        {
          name: 'h',
          partitions: [
            {
              partition: 0,
              records: encodeBatch({
                records: [
                  {
                    key: null,
                    value: enc.encode('v1'),
                    headers: [
                      { key: 'a', value: enc.encode('1') },
                      { key: 'b', value: null },
                    ],
                  },
                  { key: enc.encode('k'), value: null },
                ],
              }),
            },
          ],
        },
      ],
    })
    const c = await readAll(
      'consume',
      'h',
      2,
      '--property',
      'print.headers=true',
      '--property',
      'print.key=true',
      '--property',
      'key.separator=|',
      '--property',
      'null.literal=<null>',
    )
    expect(c.out).toBe('a:1,b:<null>|<null>|v1\nNO_HEADERS|k|<null>\n')
  })

  it('reads one partition from an offset, earliest or latest', async () => {
    await broker.createTopics({ topics: [{ name: 'p', numPartitions: 2 }] })
    await produce('p', 1, [
      ['a', 'one'],
      ['b', 'two'],
      ['c', 'three'],
    ])
    await produce('p', 0, [['x', 'zero']])
    const partition1 = (offset: string, ...more: string[]) =>
      brook(['consume', '--topic', 'p', '--partition', '1', '--offset', offset, ...more])
    const from1 = await partition1('1', '--max-messages', '2', '--property', 'print.offset=true')
    expect(from1.out).toBe('Offset:1\ttwo\nOffset:2\tthree\n')
    const earliest = await partition1('earliest', '--max-messages', '1')
    expect(earliest.out).toBe('one\n')
    const latest = await partition1('latest', '--timeout-ms', '200')
    expect(latest).toEqual({ code: 0, out: '', err: 'Processed a total of 0 messages\n' })
    const noPartition = await brook(['consume', '--topic', 'p', '--offset', '1'])
    expect(noPartition.err).toBe('Error: the partition is required when offset is specified (see --help)\n')
    const all = await readAll('consume', 'p', 4, '--property', 'print.partition=true')
    expect(all.out.trimEnd().split('\n').sort()).toEqual([
      'Partition:0\tzero',
      'Partition:1\tone',
      'Partition:1\tthree',
      'Partition:1\ttwo',
    ])
  })

  it('exits after --timeout-ms without messages, and stops on Ctrl-C', async () => {
    await broker.createTopics({ topics: [{ name: 'quiet', numPartitions: 1 }] })
    const t = await brook(['consume', '--topic', 'quiet', '--timeout-ms', '150'])
    expect(t).toEqual({ code: 0, out: '', err: 'Processed a total of 0 messages\n' })
    const stop = new AbortController()
    const running = brook(['consume', '--topic', 'quiet'], '', stop.signal)
    setTimeout(() => stop.abort(), 100)
    expect(await running).toEqual({ code: 0, out: '', err: 'Processed a total of 0 messages\n' })
  })
})

describe('brook consumer-groups', () => {
  async function consumeAs(group: string, n: number, topic = 'events') {
    return brook([
      'consume',
      '--topic',
      topic,
      '--group',
      group,
      '--from-beginning',
      '--max-messages',
      String(n),
    ])
  }

  it('describes a group’s committed offsets, log end and lag in Kafka’s columns', async () => {
    await broker.createTopics({ topics: [{ name: 'events', numPartitions: 1 }] })
    await produce('events', 0, [
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
      ['d', '4'],
      ['e', '5'],
    ])
    const c = await consumeAs('readers', 3)
    expect(c.out).toBe('1\n2\n3\n')

    // A second run of the same group continues after what it committed.
    expect((await consumeAs('readers', 1)).out).toBe('4\n')

    expect(await brook(['groups', '--list'])).toEqual({ code: 0, out: 'readers\n', err: '' })
    const d = await brook(['consumer-groups', '--describe', '--group', 'readers'])
    expect(d.code).toBe(0)
    expect(d.err).toBe("\nConsumer group 'readers' has no active members.\n")
    const lines = d.out.split('\n')
    expect(lines[0]).toBe('')
    expect(lines[1]).toBe(
      'GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID',
    )
    expect(lines[2]).toBe(
      'readers         events          0          4               5               1               -               -               -',
    )
    expect(lines.length).toBe(4)

    const missing = await brook(['groups', '--describe', '--group', 'nobody'])
    expect(missing.code).toBe(1)
    expect(missing.err).toBe("Error: Consumer group 'nobody' does not exist. (GROUP_ID_NOT_FOUND)\n")
  })

  it('shows the member that owns each partition while the group is active', async () => {
    await broker.createTopics({ topics: [{ name: 'live', numPartitions: 2 }] })
    await produce('live', 0, [['a', '1']])
    const stop = new AbortController()
    const running = brook(
      ['consume', '--topic', 'live', '--group', 'watchers', '--from-beginning'],
      '',
      stop.signal,
    )
    let d: CliResult | undefined
    for (let i = 0; i < 100; i++) {
      d = await brook(['groups', '--describe', '--group', 'watchers'])
      if (d.out.includes('console-consumer')) break
      await new Promise((r) => setTimeout(r, 50))
    }
    stop.abort()
    await running
    const rows = d!.out.trim().split('\n').slice(1)
    expect(rows).toHaveLength(2)
    for (const [i, row] of rows.entries()) {
      const cols = row.split(/ +/)
      expect(cols.slice(0, 3)).toEqual(['watchers', 'live', String(i)])
      expect(cols[6]).not.toBe('-') // CONSUMER-ID
      expect(cols[8]).toBe('console-consumer') // CLIENT-ID
    }
  })

  it('resets offsets (dry run by default, --execute to apply) and deletes the group', async () => {
    await broker.createTopics({ topics: [{ name: 'events', numPartitions: 1 }] })
    await produce(
      'events',
      0,
      [
        ['a', '1'],
        ['b', '2'],
        ['c', '3'],
      ],
      1_700_000_000_000,
    )
    await produce('events', 0, [['d', '4']], 1_800_000_000_000)
    await consumeAs('g', 4)

    const dry = await brook([
      'groups',
      '--reset-offsets',
      '--group',
      'g',
      '--topic',
      'events',
      '--to-earliest',
    ])
    expect(dry.code).toBe(0)
    expect(dry.err).toMatch(/^WARN: No action will be performed as the --execute option is missing/)
    expect(dry.out).toBe(
      '\nGROUP           TOPIC           PARTITION  NEW-OFFSET\ng               events          0          0\n',
    )
    const describe = async () =>
      (await brook(['groups', '--describe', '--group', 'g'])).out.split('\n')[2]!.split(/ +/)
    expect((await describe())[3]).toBe('4') // unchanged

    const exec = await brook([
      'groups',
      '--reset-offsets',
      '--group',
      'g',
      '--topic',
      'events',
      '--to-offset',
      '1',
      '--execute',
    ])
    expect(exec.out).toContain('g               events          0          1')
    expect((await describe()).slice(3, 6)).toEqual(['1', '4', '3'])
    expect((await consumeAs('g', 1)).out).toBe('2\n')

    const byTime = await brook([
      'groups',
      '--reset-offsets',
      '--group',
      'g',
      '--all-topics',
      '--to-datetime',
      '2025-01-01T00:00:00.000Z',
      '--execute',
    ])
    expect(byTime.out.trim().split('\n')[1]).toMatch(/ 3$/)
    const latest = await brook([
      'groups',
      '--reset-offsets',
      '--group',
      'g',
      '--topic',
      'events:0',
      '--to-latest',
      '--dry-run',
    ])
    expect(latest.err).toBe('')
    expect(latest.out.trim().split('\n')[1]).toMatch(/ 4$/)
    const shift = await brook([
      'groups',
      '--reset-offsets',
      '--group',
      'g',
      '--topic',
      'events',
      '--shift-by',
      '-10',
      '--execute',
    ])
    expect(shift.out.trim().split('\n')[1]).toMatch(/ 0$/)

    const noScenario = await brook(['groups', '--reset-offsets', '--group', 'g', '--topic', 'events'])
    expect(noScenario.code).toBe(1)
    expect(noScenario.err).toMatch(/^Error: --reset-offsets needs exactly one of --to-earliest/)

    expect(await brook(['groups', '--delete', '--group', 'g'])).toEqual({
      code: 0,
      out: "Deletion of requested consumer groups ('g') was successful.\n",
      err: '',
    })
    expect((await brook(['groups', '--list'])).out).toBe('')
    const again = await brook(['groups', '--delete', '--group', 'g'])
    expect(again.code).toBe(1)
    expect(again.err).toMatch(/^Error: Deletion of some consumer groups failed: 'g': GROUP_ID_NOT_FOUND/)
  })

  it('refuses to reset the offsets of an active group', async () => {
    await broker.createTopics({ topics: [{ name: 'live', numPartitions: 1 }] })
    const stop = new AbortController()
    const running = brook(['consume', '--topic', 'live', '--group', 'busy'], '', stop.signal)
    for (let i = 0; i < 100; i++) {
      if ((await brook(['groups', '--describe', '--group', 'busy'])).out.includes('console-consumer')) break
      await new Promise((res) => setTimeout(res, 50))
    }
    const r = await brook([
      'groups',
      '--reset-offsets',
      '--group',
      'busy',
      '--topic',
      'live',
      '--to-earliest',
      '--execute',
    ])
    stop.abort()
    await running
    expect(r.code).toBe(1)
    expect(r.err).toBe(
      "Error: Assignments can only be reset if the group 'busy' is inactive, but the current state is Stable.\n",
    )
  })
})
