/**
 * @module Every `brook` CLI command talking the Kafka protocol over TCP to a broker listening on an
 * ephemeral port in this process. Each command runs at least once as a user runs it — a child process
 * of `bin/brook.js` (`user`); the other steps run the same command line through `run()` in this process
 * with the same TCP connector (`tcp`), which checks the same output without starting a process each.
 */

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { kafkaConnector } from '../../src/cli/connector.ts'
import { Broker } from '../../src/core/broker.ts'
import { FileStore } from '../../src/edge/file-store.ts'
import { type KafkaServer, startKafkaServer } from '../../src/edge/kafka/server.ts'
import { brookInProcess, brookProcess } from '../support/cli.ts'

let dir: string
let broker: Broker
let server: KafkaServer
let bootstrap: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'brook-cli-tcp-'))
  const store = await FileStore.open({ dir, log: () => {} })
  broker = await Broker.open({ store, autoCreateTopics: true, initialRebalanceDelayMs: 0 })
  server = await startKafkaServer({ broker, host: '127.0.0.1', port: 0, log: () => {} })
  bootstrap = `localhost:${server.port}`
})
afterAll(async () => {
  await server?.close()
  await broker?.close()
  await rm(dir, { recursive: true, force: true })
})

/** A child process of bin/brook.js. */
const user = (args: string[], stdin?: string) => brookProcess(args, bootstrap, stdin)
/** The same command line through `run()` in this process, over TCP. */
const tcp = (args: string[], stdin?: string) =>
  brookInProcess([...args, '--bootstrap-server', bootstrap], kafkaConnector, stdin)

describe('brook CLI over the Kafka protocol', () => {
  it('topics: create, list, describe, alter, delete', async () => {
    const [a, b, c] = await Promise.all([
      user([
        'topics',
        '--create',
        '--topic',
        'cli-a',
        '--partitions',
        '2',
        '--config',
        'cleanup.policy=compact',
      ]),
      tcp(['topics', '--create', '--topic', 'cli-b']),
      tcp(['topics', '--create', '--topic', 'cli-c']),
    ])
    expect([a, b, c]).toEqual(
      ['a', 'b', 'c'].map((t) => ({ code: 0, out: `Created topic cli-${t}.\n`, err: '' })),
    )
    const [describe, dup, alter, del] = await Promise.all([
      tcp(['topics', '--describe', '--topic', 'cli-a']),
      user(['topics', '--create', '--topic', 'cli-a']),
      tcp(['topics', '--alter', '--topic', 'cli-b', '--partitions', '3']),
      tcp(['topics', '--delete', '--topic', 'cli-c']),
    ])
    expect(describe.out).toMatch(
      /^Topic: cli-a\tTopicId: \S+\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: cleanup\.policy=compact\n\tTopic: cli-a\tPartition: 0\tLeader: \d+\tReplicas: \d+\tIsr: \d+\n\tTopic: cli-a\tPartition: 1\tLeader: \d+\tReplicas: \d+\tIsr: \d+\n$/,
    )
    expect(dup).toEqual({
      code: 1,
      out: '',
      err: "Error: Topic 'cli-a' already exists. (TOPIC_ALREADY_EXISTS)\n",
    })
    expect(alter).toEqual({ code: 0, out: '', err: '' })
    expect(del).toEqual({ code: 0, out: '', err: '' })
    const [list, altered] = await Promise.all([
      tcp(['topics', '--list']),
      tcp(['topics', '--describe', '--topic', 'cli-b']),
    ])
    expect(list.out.split('\n').filter((t) => t.startsWith('cli-'))).toEqual(['cli-a', 'cli-b'])
    expect(altered.out).toContain('PartitionCount: 3')
  }, 30_000)

  it('configs: a broker’s and the cluster-wide default, as kafka-configs.sh --entity-type brokers', async () => {
    const broker = ['configs', '--entity-type', 'brokers', '--entity-name', '1']
    const cluster = ['configs', '--entity-type', 'brokers', '--entity-default']
    try {
      expect(await user([...cluster, '--alter', '--add-config', 'log.retention.ms=3600000'])).toEqual({
        code: 0,
        out: 'Completed updating default config for brokers in the cluster.\n',
        err: '',
      })
      expect((await tcp([...broker, '--alter', '--add-config', 'message.max.bytes=2000'])).out).toBe(
        'Completed updating config for broker 1.\n',
      )
      expect((await tcp([...broker, '--describe'])).out).toBe(
        'Dynamic configs for broker 1 are:\n' +
          '  message.max.bytes=2000 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:message.max.bytes=2000, DEFAULT_CONFIG:message.max.bytes=1048588}\n',
      )
      expect((await tcp([...cluster, '--describe'])).out).toBe(
        'Default configs for brokers in the cluster are:\n' +
          '  log.retention.ms=3600000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=3600000}\n',
      )
      const all = (await tcp([...broker, '--describe', '--all'])).out
      expect(all).toMatch(/^All configs for broker 1 are:\n/)
      expect(all).toContain('  broker.id=1 sensitive=false synonyms={DEFAULT_CONFIG:broker.id=1}\n')
      expect(all).toContain('  num.partitions=1 sensitive=false synonyms={DEFAULT_CONFIG:num.partitions=1}\n')
      expect(all).toContain(
        '  log.retention.ms=3600000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=3600000, DEFAULT_CONFIG:log.retention.hours=168}\n',
      )
      // A topic without its own value follows the broker's.
      await tcp(['topics', '--create', '--topic', 'cli-cfg'])
      expect((await tcp(['configs', '--topic', 'cli-cfg', '--describe', '--all'])).out).toContain(
        '  max.message.bytes=2000 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:message.max.bytes=2000, DEFAULT_CONFIG:message.max.bytes=1048588}\n',
      )
      expect(await tcp([...broker, '--alter', '--add-config', 'num.partitions=3'])).toEqual({
        code: 1,
        out: '',
        err: 'Error: INVALID_CONFIG: Cannot update these configs dynamically: num.partitions\n',
      })
      expect(
        (await tcp(['configs', '--entity-type', 'brokers', '--entity-name', '2', '--describe'])).err,
      ).toBe('Error: INVALID_REQUEST: broker 2 is not in the cluster (brokers: 1)\n')
    } finally {
      await tcp([...broker, '--alter', '--delete-config', 'message.max.bytes'])
      await tcp([...cluster, '--alter', '--delete-config', 'log.retention.ms'])
    }
    expect((await tcp([...broker, '--describe'])).out).toBe('Dynamic configs for broker 1 are:\n')
  })

  it('console-producer then console-consumer (direct and as a group), then consumer-groups', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => `key${i % 5}:value ${i}`).join('\n')
    const produced = await user(
      [
        'console-producer',
        '--topic',
        'cli-p',
        '--property',
        'parse.key=true',
        '--property',
        'key.separator=:',
        '--producer-property',
        'acks=all',
      ],
      `${lines}\n`,
    )
    expect(produced).toEqual({ code: 0, out: '', err: '' })

    const [direct, group] = await Promise.all([
      user([
        'console-consumer',
        '--topic',
        'cli-p',
        '--from-beginning',
        '--max-messages',
        '50',
        '--property',
        'print.key=true',
        '--property',
        'print.offset=true',
        '--property',
        'print.timestamp=true',
        '--property',
        'print.partition=true',
      ]),
      tcp(['consume', '--topic', 'cli-p', '--group', 'cli-g', '--from-beginning', '--max-messages', '20']),
    ])
    expect(direct.code).toBe(0)
    expect(direct.err).toBe('Processed a total of 50 messages\n')
    const rows = direct.out.trimEnd().split('\n')
    expect(rows).toHaveLength(50)
    for (const [i, row] of rows.entries()) {
      expect(row).toMatch(
        new RegExp(`^CreateTime:\\d{13}\\tPartition:0\\tOffset:${i}\\tkey${i % 5}\\tvalue ${i}$`),
      )
    }

    expect(group.out).toBe(`${Array.from({ length: 20 }, (_, i) => `value ${i}`).join('\n')}\n`)

    const [listed, described] = await Promise.all([
      user(['consumer-groups', '--list']),
      tcp(['consumer-groups', '--describe', '--group', 'cli-g']),
    ])
    expect(listed.out.split('\n')).toContain('cli-g')
    expect(described.err).toBe("\nConsumer group 'cli-g' has no active members.\n")
    expect(described.out).toBe(
      '\nGROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID\n' +
        'cli-g           cli-p           0          20              50              30              -               -               -\n',
    )

    const reset = await tcp([
      'groups',
      '--reset-offsets',
      '--group',
      'cli-g',
      '--topic',
      'cli-p',
      '--to-offset',
      '45',
      '--execute',
    ])
    expect(reset.out).toBe(
      '\nGROUP           TOPIC           PARTITION  NEW-OFFSET\ncli-g           cli-p           0          45\n',
    )
    const rest = await tcp(['consume', '--topic', 'cli-p', '--group', 'cli-g', '--max-messages', '5'])
    expect(rest.out).toBe('value 45\nvalue 46\nvalue 47\nvalue 48\nvalue 49\n')

    expect(await tcp(['groups', '--delete', '--group', 'cli-g'])).toEqual({
      code: 0,
      out: "Deletion of requested consumer groups ('cli-g') was successful.\n",
      err: '',
    })
  }, 40_000)

  it('ends with one error line and a non-zero exit when the broker is unreachable', async () => {
    const r = await brookProcess(['topics', '--list'], '127.0.0.1:1')
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/^Error: NETWORK_EXCEPTION: .*ECONNREFUSED.*\n$/)
  })
})
