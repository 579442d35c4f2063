/**
 * @module What the commands share: their option table and help text (`--bootstrap-server` first and
 * `--help` last for the client commands), `--help` handling, the one-action rule of Kafka's admin tools,
 * and a connection to the broker (SASL and TLS settings from the client properties) closed whatever happens.
 */

import type { BrokerService } from '../core/service.ts'
import {
  helpText,
  type OptionSpec,
  type OptionSpecs,
  type ParsedArgs,
  parseArgs,
  UsageError,
} from './args.ts'
import { saslFrom, sslFrom } from './client-config.ts'
import { type CliContext, DEFAULT_BOOTSTRAP, write } from './context.ts'

const BOOTSTRAP_OPTION: OptionSpec = {
  type: 'string',
  arg: '<host:port>',
  help: 'The broker to connect to',
  default: DEFAULT_BOOTSTRAP,
}

const HELP_OPTION: OptionSpec = { type: 'flag', help: 'Print this help' }

/** `--command-config` of the admin tools (topics, consumer-groups). */
export const COMMAND_CONFIG_OPTION: OptionSpec = {
  type: 'string',
  arg: '<file>',
  help: 'Client properties file (e.g. SASL/PLAIN settings)',
}

export interface CommandSpec {
  specs: OptionSpecs
  help: string
}

/** A command's options and help; a client command (the default) also takes `--bootstrap-server`. */
export function defineCommand(
  usage: string,
  description: string,
  options: OptionSpecs,
  { client = true } = {},
): CommandSpec {
  const specs: OptionSpecs = client
    ? { 'bootstrap-server': BOOTSTRAP_OPTION, ...options, help: HELP_OPTION }
    : { ...options, help: HELP_OPTION }
  return { specs, help: helpText(usage, description, specs) }
}

/** The parsed command line, or null when it asked for `--help` (which is then printed). */
export async function parseCommand(
  argv: string[],
  command: CommandSpec,
  ctx: CliContext,
): Promise<ParsedArgs | null> {
  const args = parseArgs(argv, command.specs)
  if (!args.flags.has('help')) return args
  await write(ctx.stdout, command.help)
  return null
}

/** The one action flag given; `message` (Kafka's wording) when there is none or more than one. */
export function oneAction<A extends string>(args: ParsedArgs, actions: readonly A[], message: string): A {
  const given = actions.filter((a) => args.flags.has(a))
  if (given.length !== 1) throw new UsageError(message)
  return given[0]!
}

/** Connects to `--bootstrap-server` (SASL and TLS from `props`), runs `fn` and closes the connection. */
export async function withBroker<T>(
  args: ParsedArgs,
  ctx: CliContext,
  client: { clientId: string; props: Map<string, string> },
  fn: (service: BrokerService) => Promise<T>,
): Promise<T> {
  const bootstrap = args.values.get('bootstrap-server') ?? DEFAULT_BOOTSTRAP
  const conn = await ctx.connect({
    bootstrap,
    clientId: client.clientId,
    sasl: saslFrom(client.props),
    ssl: sslFrom(client.props),
  })
  try {
    return await fn(conn.service)
  } finally {
    await conn.close()
  }
}
