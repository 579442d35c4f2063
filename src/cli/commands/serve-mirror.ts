/**
 * @module `brook serve --upstream host:port --mirror PATTERN [--mirror-down PATTERN]`: the bridge to a
 * Kafka-protocol cluster (another `brook serve`, Kafka, Redpanda). Topics of this broker matching a
 * `--mirror` pattern are copied up, those of the upstream matching `--mirror-down` are copied into this
 * broker, each exactly once across restarts (src/core/bridge/mirror.ts). An unreachable upstream is
 * retried with back-off while the broker serves on; docs/bridge.md is the user's guide.
 */

import { Mirror, type MirrorEndpoint } from '../../core/bridge/mirror.ts'
import { topicMatcher } from '../../core/bridge/pattern.ts'
import { BrookError } from '../../core/errors.ts'
import type { Log } from '../../core/log.ts'
import type { BrokerService } from '../../core/service.ts'
import { parseHostPort } from '../../edge/kafka/connection.ts'
import { intOption, type OptionSpecs, type ParsedArgs } from '../args.ts'
import { clientProperties, saslFrom, sslFrom } from '../client-config.ts'
import { CommandError, type ConnectOptions, type Connector } from '../context.ts'

export const MIRROR_OPTIONS: OptionSpecs = {
  upstream: {
    type: 'string',
    arg: '<host:port>',
    help: 'A Kafka-protocol cluster to bridge to (comma-separated bootstrap brokers)',
  },
  mirror: {
    type: 'list',
    arg: '<regex>',
    help: 'Copy the topics whose whole name matches to --upstream, exactly once (repeatable)',
  },
  'mirror-down': {
    type: 'list',
    arg: '<regex>',
    help: "Copy the upstream's topics whose whole name matches into this broker (repeatable)",
  },
  'mirror-batch-bytes': {
    type: 'string',
    arg: '<bytes>',
    help: "Largest batch the mirrors write (below the destination's max.message.bytes)",
    default: '1000000',
  },
  'upstream-sasl-plain': {
    type: 'string',
    arg: '<user:password>',
    help: 'Authenticate to --upstream with SASL/PLAIN (also BROOK_UPSTREAM_SASL_PLAIN)',
  },
  'upstream-config': {
    type: 'string',
    arg: '<file>',
    help: 'Client properties for --upstream: security.protocol, sasl.*, ssl.* (SCRAM, TLS)',
  },
  'upstream-property': {
    type: 'pairs',
    arg: '<key=value>',
    help: 'A client property for --upstream (repeatable; overrides --upstream-config)',
  },
}

export interface MirrorConfig {
  upstream: string
  up: string[]
  down: string[]
  batchBytes: number
  sasl?: ConnectOptions['sasl']
  ssl?: ConnectOptions['ssl']
}

/** The mirror flags, checked before anything starts; undefined without --upstream. */
export function mirrorConfig(
  args: ParsedArgs,
  env: Record<string, string | undefined>,
): MirrorConfig | undefined {
  const upstream = args.values.get('upstream')
  const up = args.lists.get('mirror') ?? []
  const down = args.lists.get('mirror-down') ?? []
  const plain = args.values.get('upstream-sasl-plain') ?? env.BROOK_UPSTREAM_SASL_PLAIN
  if (!upstream) {
    if (up.length > 0 || down.length > 0)
      throw new CommandError('--mirror and --mirror-down need --upstream host:port')
    for (const o of ['upstream-sasl-plain', 'upstream-config', 'upstream-property'])
      if (args.values.has(o) || args.pairs.has(o)) throw new CommandError(`--${o} needs --upstream host:port`)
    return undefined
  }
  if (up.length === 0 && down.length === 0)
    throw new CommandError(
      '--upstream needs something to copy: --mirror PATTERN and/or --mirror-down PATTERN',
    )
  try {
    for (const s of upstream.split(',')) parseHostPort(s)
    topicMatcher(up)
    topicMatcher(down)
  } catch (e) {
    throw new CommandError(e instanceof BrookError ? e.detail : String(e))
  }
  const props = clientProperties(args, 'upstream-config', 'upstream-property')
  const ssl = sslFrom(props)
  let sasl = saslFrom(props)
  if (plain !== undefined) {
    const at = plain.indexOf(':')
    if (at <= 0) throw new CommandError('--upstream-sasl-plain wants user:password')
    sasl = { mechanism: 'PLAIN', username: plain.slice(0, at), password: plain.slice(at + 1) }
  }
  const batchBytes = intOption(args, 'mirror-batch-bytes', 1024) ?? 1_000_000
  return { upstream, up, down, batchBytes, sasl, ssl }
}

export interface ServeMirrors {
  /** Status lines for the start-up output. */
  lines: string[]
  stop(): Promise<void>
}

/** Starts the mirrors between `local` (the served broker) and the upstream. */
export function startMirrors(
  config: MirrorConfig,
  local: BrokerService,
  connect: Connector,
  log: Log,
): ServeMirrors {
  const here: MirrorEndpoint = {
    name: 'local',
    open: async () => ({ service: local, close: async () => {} }),
  }
  const upstream: MirrorEndpoint = {
    name: config.upstream,
    open: () =>
      connect({ bootstrap: config.upstream, clientId: 'brook-mirror', sasl: config.sasl, ssl: config.ssl }),
  }
  const mirrors: Mirror[] = []
  const lines: string[] = []
  const show = (patterns: string[]) => patterns.map((p) => `'${p}'`).join(', ')
  if (config.up.length > 0) {
    mirrors.push(
      new Mirror({
        source: here,
        destination: upstream,
        topics: config.up,
        group: 'brook-mirror',
        batchBytes: config.batchBytes,
        log,
      }).start(),
    )
    lines.push(
      `mirroring topics matching ${show(config.up)} to ${config.upstream} ` +
        '(exactly once: each record carries its offset here in the brook.mirror.offset header)',
    )
  }
  if (config.down.length > 0) {
    // A topic both ways would copy its own copies back and forth: it only goes up.
    const goesUp = config.up.length > 0 ? topicMatcher(config.up) : () => false
    mirrors.push(
      new Mirror({
        source: upstream,
        destination: here,
        topics: config.down,
        exclude: goesUp,
        group: 'brook-mirror-down',
        batchBytes: config.batchBytes,
        log,
      }).start(),
    )
    lines.push(`mirroring topics matching ${show(config.down)} down from ${config.upstream}`)
  }
  return {
    lines,
    async stop() {
      await Promise.all(mirrors.map((m) => m.stop()))
    },
  }
}
