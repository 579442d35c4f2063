/**
 * @module `brook serve`: a broker on disk behind the Kafka TCP listener. Loopback only unless the
 * operator configures SASL users (PLAIN and SCRAM; TLS too, in serve-security.ts) or says `--insecure`.
 * Stops cleanly on SIGINT/SIGTERM: listener closed, logs flushed (fsync), files closed.
 */

import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Authorizer } from '../../core/authorizer.ts'
import { Broker } from '../../core/broker.ts'
import { type Log, type LogLevel, logAtLevel, parseLogLevel } from '../../core/log.ts'
import { ConnectionLimiter, ProduceQuota } from '../../core/quotas.ts'
import type { EdgeAuth, JwtAuth } from '../../edge/app/auth.ts'
import { Metrics } from '../../edge/app/metrics.ts'
import { FileStore } from '../../edge/file-store.ts'
import { startKafkaServer } from '../../edge/kafka/server.ts'
import { type Relay, startRelay } from '../../edge/node/relay.ts'
import { intOption, type ParsedArgs } from '../args.ts'
import { defineCommand, parseCommand } from '../command.ts'
import { type CliContext, CommandError, write } from '../context.ts'
import { CONFIG_OPTIONS, staticBrokerConfigs } from './serve-configs.ts'
import { MIRROR_OPTIONS, mirrorConfig, startMirrors } from './serve-mirror.ts'
import { listenerSecurity, SECURITY_OPTIONS } from './serve-security.ts'

const command = defineCommand(
  'brook serve [--host 127.0.0.1] [--port 9092] [--data-dir ./data] [options]',
  'Runs a brook broker with its data on disk and a Kafka protocol listener (auto.create.topics.enable=true).',
  {
    host: { type: 'string', arg: '<address>', help: 'Address to listen on', default: '127.0.0.1' },
    port: { type: 'string', arg: '<port>', help: 'Kafka listener port (0 = any free port)', default: '9092' },
    'data-dir': {
      type: 'string',
      arg: '<dir>',
      help: 'Where the log segments and metadata live',
      default: './data',
    },
    insecure: { type: 'flag', help: 'Allow a non-loopback --host without authentication' },
    'sasl-plain': {
      type: 'list',
      arg: '<user:password>',
      help: 'Require SASL with this user (repeatable; also BROOK_SASL_PLAIN="u1:p1,u2:p2")',
    },
    ...SECURITY_OPTIONS,
    'http-token': {
      type: 'list',
      arg: '<token=principal>',
      help: 'Accept this bearer token on the relay (repeatable; also BROOK_HTTP_TOKENS="t1=p1,t2=p2")',
    },
    authorizer: {
      type: 'flag',
      help: 'Enforce ACLs (brook acls) on every door: nothing is allowed that no ACL allows',
    },
    'super-user': {
      type: 'list',
      arg: '<User:name>',
      help: 'With --authorizer: a principal allowed everything (repeatable)',
    },
    'allow-origin': {
      type: 'list',
      arg: '<origin>',
      help: 'Let pages of this origin call the relay (CORS) and open its WebSocket (repeatable)',
    },
    'jwt-secret': {
      type: 'string',
      arg: '<secret>',
      help: 'Accept HS256 JWTs signed with it (also BROOK_JWT_SECRET)',
    },
    'jwt-public-key': {
      type: 'string',
      arg: '<file.pem>',
      help: 'Accept RS256 JWTs verified with this SPKI key',
    },
    'jwks-url': { type: 'string', arg: '<url>', help: 'Accept JWTs verified with the keys at this JWKS URL' },
    'jwt-issuer': { type: 'string', arg: '<iss>', help: 'With JWTs: the issuer they must carry' },
    'jwt-audience': { type: 'string', arg: '<aud>', help: 'With JWTs: the audience they must carry' },
    'produce-quota-bytes': {
      type: 'string',
      arg: '<bytes/s>',
      help: "Each principal's produce byte rate (Kafka's producer_byte_rate) on every door",
    },
    'max-connections-per-principal': {
      type: 'string',
      arg: '<n>',
      help: 'Open connections per principal: Kafka, WebSocket and SSE together',
    },
    'queued-max-request-bytes': {
      type: 'string',
      arg: '<bytes>',
      help: "Bytes of Kafka requests being received or answered, all connections together (Kafka's queued.max.request.bytes)",
      default: '134217728',
    },
    'num-partitions': { type: 'string', arg: '<n>', help: 'Partitions of auto-created topics', default: '1' },
    'segment-bytes': {
      type: 'string',
      arg: '<bytes>',
      help: 'Roll log segments at this size',
      default: '1073741824',
    },
    demo: {
      type: 'flag',
      help: 'Serve the teaching demo (demo/dist of a clone: npm run build:demo) at / of the HTTP port',
    },
    'demo-dir': { type: 'string', arg: '<dir>', help: 'With --demo: the built demo to serve' },
    'http-port': {
      type: 'string',
      arg: '<port>',
      help: 'The relay: REST, SSE, WebSocket, /metrics (0 = any free port, -1 = none)',
      default: '8080',
    },
    'flush-ms': {
      type: 'string',
      arg: '<ms>',
      help: 'fsync at most this long after a write (acks=all always waits)',
      default: '1000',
    },
    'log-level': {
      type: 'string',
      arg: '<level>',
      help: 'Log at this level and above: debug (connections too), info, warn, error',
      default: 'info',
    },
    ...CONFIG_OPTIONS,
    ...MIRROR_OPTIONS,
  },
  { client: false },
)

export const serveHelp = command.help

export async function serveCommand(argv: string[], ctx: CliContext): Promise<number> {
  const args = await parseCommand(argv, command, ctx)
  if (!args) return 0
  const host = args.values.get('host') ?? '127.0.0.1'
  const port = intOption(args, 'port', 0) ?? 9092
  const dataDir = resolve(args.values.get('data-dir') ?? './data')
  const users = saslUsers([...(args.lists.get('sasl-plain') ?? []), ...splitEnv(ctx.env.BROOK_SASL_PLAIN)])
  if (!isLoopback(host) && users.size === 0 && !args.flags.has('insecure')) {
    throw new CommandError(
      `refusing to listen on ${host} without authentication: anyone on the network could read and write. ` +
        'Configure users with --sasl-plain user:password (or BROOK_SASL_PLAIN), or pass --insecure.',
    )
  }
  const log = serveLog(args, ctx)
  // Checked before the data directory is opened: a start that cannot succeed touches nothing.
  const site = args.flags.has('demo') ? demoDir(args) : undefined
  const httpAuth = await relayAuth(args, ctx.env, users)
  const mirror = mirrorConfig(args, ctx.env)
  const security = await listenerSecurity(args, ctx.env, users)
  const staticConfigs = staticBrokerConfigs(args, {
    listener: `${security.protocol}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    dataDir,
  })
  const store = await FileStore.open({
    dir: dataDir,
    segmentBytes: intOption(args, 'segment-bytes', 1024),
    flushMs: intOption(args, 'flush-ms', 0),
    log,
  })
  const defaultPartitions = intOption(args, 'num-partitions', 1) ?? 1
  let broker: Broker
  try {
    broker = await Broker.open({
      store,
      autoCreateTopics: true,
      defaultPartitions,
      staticConfigs,
      // The id the Kafka listener and the relay advertise.
      nodeId: 1,
      host,
      port,
      log,
    })
  } catch (e) {
    await store.close()
    throw e
  }
  // One set of numbers for every door: the Kafka listener and the relay share the metered broker.
  const metrics = new Metrics()
  const service = metrics.wrap(broker)
  // One authorizer for every door, so that one set of ACLs means the same thing on each.
  const authorizer = args.flags.has('authorizer')
    ? new Authorizer(service, { superUsers: args.lists.get('super-user') ?? [] })
    : undefined
  const quotaBytes = intOption(args, 'produce-quota-bytes', 1)
  const produceQuota = quotaBytes ? new ProduceQuota({ produceBytesPerSecond: quotaBytes }) : undefined
  const maxConnections = intOption(args, 'max-connections-per-principal', 1)
  const connections = maxConnections ? new ConnectionLimiter(maxConnections) : undefined
  let server: Awaited<ReturnType<typeof startKafkaServer>>
  try {
    server = await startKafkaServer({
      broker: service,
      host,
      port,
      auth: security.auth,
      tls: security.tls,
      metrics,
      authorizer,
      produceQuota,
      connections,
      queuedMaxRequestBytes: intOption(args, 'queued-max-request-bytes', 1),
      log: (line, level) => log(`brook kafka: ${line}`, level),
    })
  } catch (e) {
    await broker.close()
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE')
      throw new CommandError(`${host}:${port} is already in use (EADDRINUSE); is another broker running?`)
    if (code === 'EADDRNOTAVAIL') throw new CommandError(`cannot listen on ${host} (EADDRNOTAVAIL)`)
    throw e
  }
  const address = server.host.includes(':') ? `[${server.host}]` : server.host
  broker.setServerConfigs({
    listeners: `${security.protocol}://${address}:${server.port}`,
    'advertised.listeners': `${security.protocol}://${address}:${server.port}`,
    'log.dirs': dataDir,
  })
  await write(
    ctx.stdout,
    `brook serve: Kafka listener on ${address}:${server.port}${security.label}, ` +
      `data in ${dataDir}, auto.create.topics.enable=true num.partitions=${defaultPartitions}\n`,
  )
  let relay: Relay | undefined
  const httpPort = intOption(args, 'http-port', -1) ?? 8080
  if (httpPort >= 0) {
    try {
      relay = await startRelay({
        broker: service,
        metrics,
        host,
        port: httpPort,
        site,
        advertised: { nodeId: 1, host: server.host, port: server.port },
        auth: httpAuth,
        authorizer,
        produceQuota,
        connections,
        origins: args.lists.get('allow-origin') ?? [],
        log: (line, level) => log(`brook relay: ${line}`, level),
      })
    } catch (e) {
      await server.close()
      await broker.close()
      if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE')
        throw new CommandError(
          `${host}:${httpPort} is already in use (EADDRINUSE): choose another --http-port`,
        )
      throw e
    }
    const url = `http://${address}:${relay.port}/`
    await write(
      ctx.stdout,
      `brook serve: relay on ${url}v1 (REST, SSE, WebSocket at ${url.replace('http', 'ws')}v1/ws, Durable Streams at ${url}v1/streams), ${url}metrics\n`,
    )
    if (args.flags.has('demo')) await write(ctx.stdout, `brook serve: the teaching demo at ${url}\n`)
  } else if (args.flags.has('demo')) {
    await server.close()
    await broker.close()
    throw new CommandError('--demo needs the HTTP port (--http-port is -1)')
  }
  const mirrors =
    mirror && startMirrors(mirror, service, ctx.connect, (line, level) => log(`brook mirror: ${line}`, level))
  for (const line of mirrors?.lines ?? []) await write(ctx.stdout, `brook serve: ${line}\n`)
  await new Promise<void>((done) => {
    if (ctx.signal.aborted) return done()
    ctx.signal.addEventListener('abort', () => done(), { once: true })
  })
  await mirrors?.stop()
  await relay?.close()
  await server.close()
  await broker.close()
  await write(ctx.stdout, 'brook serve: stopped (all data flushed)\n')
  return 0
}

/** Lines on stderr, each led by its level (as log4j prints Kafka's), from `--log-level` up. */
function serveLog(args: ParsedArgs, ctx: CliContext): Log {
  let min: LogLevel
  try {
    min = parseLogLevel(args.values.get('log-level') ?? 'info')
  } catch (e) {
    throw new CommandError(`--log-level: ${(e as Error).message}`)
  }
  return logAtLevel((line, level) => void write(ctx.stderr, `${level.toUpperCase()} ${line}\n`), min)
}

/** The demo built in a clone: demo/dist beside the package's own dist/. */
const BUILT_DEMO = fileURLToPath(new URL('../demo/dist/', import.meta.url))

function demoDir(args: ParsedArgs): string {
  const dir = resolve(args.values.get('demo-dir') ?? BUILT_DEMO)
  if (!existsSync(join(dir, 'index.html')))
    throw new CommandError(
      `no built demo in ${dir}: run npm run build:demo in a clone of brook (or give --demo-dir)`,
    )
  return dir
}

/** The relay's authentication: tokens, JWTs and Basic with the SASL users; none when none is set. */
async function relayAuth(
  args: ParsedArgs,
  env: Record<string, string | undefined>,
  users: Map<string, string>,
): Promise<EdgeAuth | undefined> {
  const tokens: Record<string, string> = {}
  for (const spec of [...(args.lists.get('http-token') ?? []), ...splitEnv(env.BROOK_HTTP_TOKENS)]) {
    const at = spec.lastIndexOf('=')
    if (at <= 0 || at === spec.length - 1)
      throw new CommandError(`--http-token wants token=principal, got '${spec}'`)
    tokens[spec.slice(0, at)] = spec.slice(at + 1)
  }
  const secret = args.values.get('jwt-secret') ?? env.BROOK_JWT_SECRET
  const keyFile = args.values.get('jwt-public-key')
  const jwks = args.values.get('jwks-url')
  const jwt: JwtAuth | undefined =
    secret || keyFile || jwks
      ? {
          secret,
          publicKey: keyFile ? await readFile(keyFile, 'utf8') : undefined,
          jwks,
          issuer: args.values.get('jwt-issuer'),
          audience: args.values.get('jwt-audience'),
        }
      : undefined
  if (Object.keys(tokens).length === 0 && !jwt && users.size === 0) return undefined
  return {
    tokens,
    jwt,
    basic: users.size > 0 ? (u, p) => users.get(u) === p : undefined,
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

function splitEnv(text: string | undefined): string[] {
  return text ? text.split(',').filter((s) => s.length > 0) : []
}

function saslUsers(specs: string[]): Map<string, string> {
  const users = new Map<string, string>()
  for (const s of specs) {
    const at = s.indexOf(':')
    if (at <= 0) throw new CommandError(`--sasl-plain wants user:password, got '${s}'`)
    users.set(s.slice(0, at), s.slice(at + 1))
  }
  return users
}
