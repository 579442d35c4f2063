/**
 * @module The `brook` command: `serve`, and Kafka's four tools under short names — `topics`,
 * `console-producer`, `console-consumer`, `consumer-groups` (aliases `produce`, `consume`, `groups`).
 * `run()` is the testable core; running this file as a program wires it to the process.
 */

import { pathToFileURL } from 'node:url'
// Bundled into the CLI at build time: the compiled CLI does not sit where the sources did.
import pkg from '../../package.json' with { type: 'json' }
import { type CliContext, CommandError, type Connector, errorLine, write } from './context.ts'

type Command = (argv: string[], ctx: CliContext) => Promise<number>

// Loaded on demand: a client command need not load the broker and file store, nor `serve` the client.
const serve = async () => (await import('./commands/serve.ts')).serveCommand
const topics = async () => (await import('./commands/topics.ts')).topicsCommand
const producer = async () => (await import('./commands/console-producer.ts')).consoleProducerCommand
const consumer = async () => (await import('./commands/console-consumer.ts')).consoleConsumerCommand
const groups = async () => (await import('./commands/consumer-groups.ts')).consumerGroupsCommand
const configs = async () => (await import('./commands/configs.ts')).configsCommand
const acls = async () => (await import('./commands/acls.ts')).aclsCommand

const COMMANDS: Record<string, () => Promise<Command>> = {
  serve,
  topics,
  'console-producer': producer,
  produce: producer,
  'console-consumer': consumer,
  consume: consumer,
  'consumer-groups': groups,
  groups,
  configs,
  acls,
}

export const mainHelp = `Usage: brook <command> [options]

Commands:
  serve              Run a broker: data on disk, Kafka protocol on 127.0.0.1:9092
  topics             Create, list, describe, alter and delete topics     (kafka-topics.sh)
  console-producer   Send stdin lines as records            (alias: produce; kafka-console-producer.sh)
  console-consumer   Print records of a topic               (alias: consume; kafka-console-consumer.sh)
  consumer-groups    List, describe, reset and delete groups (alias: groups; kafka-consumer-groups.sh)
  configs            Describe and alter topic configs                   (kafka-configs.sh)
  acls               Add, remove and list ACLs                          (kafka-acls.sh)

Every command takes --help. Clients connect with --bootstrap-server host:port (default localhost:9092).
`

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    await write(ctx.stdout, mainHelp)
    return name === undefined ? 1 : 0
  }
  if (name === '--version' || name === 'version') {
    await write(ctx.stdout, `${version()}\n`)
    return 0
  }
  const load = COMMANDS[name]
  if (!load) {
    await write(ctx.stderr, `Error: unknown command '${name}' (see brook --help)\n`)
    return 1
  }
  try {
    const command = await load()
    return await command(rest, ctx)
  } catch (e) {
    await write(ctx.stderr, `${errorLine(e)}\n`)
    return e instanceof CommandError ? e.exitCode : 1
  }
}

function version(): string {
  return `brook ${pkg.version}`
}

const lazyKafkaConnector: Connector = async (options) =>
  (await import('./connector.ts')).kafkaConnector(options)

/** Runs the command line of this process and exits with its code. */
export async function main(): Promise<void> {
  const stop = new AbortController()
  let signals = 0
  const onSignal = () => {
    // The first Ctrl-C stops cleanly; a second one does not wait.
    if (++signals > 1) process.exit(130)
    stop.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  // `brook consume | head` closes our stdout early: that is a normal end, not a crash.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0)
  })
  const code = await run(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    signal: stop.signal,
    connect: lazyKafkaConnector,
    env: process.env,
  })
  // Where stdout is a socket (a parent's child_process pipe), writes are asynchronous: exiting at
  // once dropped the last lines of a console-consumer run. The callback of an empty write runs
  // once every write before it is out.
  await Promise.all([flushed(process.stdout), flushed(process.stderr)])
  // Sockets and timers of a finished client must not keep the command alive.
  process.exit(code)
}

function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) return resolve()
    stream.write('', () => resolve())
  })
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main()
