/**
 * @module `brook console-producer`: what `kafka-console-producer.sh` does — one record per stdin
 * line, optionally `key<separator>value`. Lines are sent in batches as they arrive; the command ends
 * when stdin ends and every record is acknowledged.
 */

import { createBrook } from '../../core/client/index.ts'
import { Compression } from '../../core/format/compression.ts'
import type { Acks } from '../../core/service.ts'
import { UsageError } from '../args.ts'
import { clientProperties } from '../client-config.ts'
import { defineCommand, parseCommand, withBroker } from '../command.ts'
import { type CliContext, untilAborted } from '../context.ts'

const command = defineCommand(
  'brook console-producer [--bootstrap-server host:port] --topic <topic> [options]  (alias: brook produce)',
  'Reads lines from stdin and sends each as one record (as kafka-console-producer.sh).',
  {
    topic: { type: 'string', arg: '<topic>', help: 'The topic to produce to (required)' },
    property: {
      type: 'pairs',
      arg: '<name=value>',
      help: 'Line reader properties: parse.key=true, key.separator=<sep> (default TAB), ignore.error=true',
    },
    'producer-property': {
      type: 'pairs',
      arg: '<name=value>',
      help: 'Producer properties: acks=all|1|0, compression.type=none|gzip|snappy|lz4, enable.idempotence=true|false, client.id',
    },
    'request-required-acks': {
      type: 'string',
      arg: '<acks>',
      help: 'Same as --producer-property acks=…',
      default: 'all',
    },
    'compression-codec': {
      type: 'string',
      arg: '<codec>',
      help: 'none, gzip, snappy, lz4 or zstd',
    },
    'producer.config': {
      type: 'string',
      arg: '<file>',
      help: 'Producer properties file (overridden by --producer-property)',
    },
  },
)

export const consoleProducerHelp = command.help

/** Records per send: large enough to batch, small enough to keep memory flat for endless input. */
const CHUNK = 500

export async function consoleProducerCommand(argv: string[], ctx: CliContext): Promise<number> {
  const args = await parseCommand(argv, command, ctx)
  if (!args) return 0
  const topic = args.values.get('topic')
  if (!topic) throw new UsageError('--topic is required')
  const props = args.pairs.get('property') ?? new Map<string, string>()
  const pprops = clientProperties(args, 'producer.config', 'producer-property')
  const parseKey = props.get('parse.key')?.trim().toLowerCase() === 'true'
  const separator = props.get('key.separator') ?? '\t'
  const ignoreError = props.get('ignore.error')?.trim().toLowerCase() === 'true'
  const acks = parseAcks(pprops.get('acks') ?? args.values.get('request-required-acks') ?? 'all')
  const compression = parseCompression(
    pprops.get('compression.type') ?? args.values.get('compression-codec') ?? 'none',
  )
  const idempotent = acks === -1 && pprops.get('enable.idempotence') !== 'false'
  const clientId = pprops.get('client.id') ?? 'console-producer'

  return await withBroker(args, ctx, { clientId, props: pprops }, async (service) => {
    const brook = createBrook({ service, clientId })
    const producer = brook.producer({ idempotent, acks, compression, allowAutoTopicCreation: true })
    await producer.connect()
    let chunk: { key?: string | null; value: string }[] = []
    const send = async () => {
      if (chunk.length === 0) return
      const messages = chunk
      chunk = []
      await producer.send({ topic, messages, acks, compression })
    }
    const take = (line: string) => {
      if (!parseKey) {
        chunk.push({ value: line })
        return
      }
      const at = line.indexOf(separator)
      if (at >= 0) chunk.push({ key: line.slice(0, at), value: line.slice(at + separator.length) })
      else if (ignoreError) chunk.push({ key: null, value: line })
      else throw new UsageError(`no key separator '${separator}' found on line: ${line}`)
    }
    // Whatever one read of stdin brought is sent together: piped input goes in large batches, typed
    // lines go one by one as soon as Enter is pressed.
    for await (const group of lineGroups(untilAborted(ctx.stdin, ctx.signal))) {
      for (const line of group) {
        take(line)
        if (chunk.length >= CHUNK) await send()
      }
      await send()
      if (ctx.signal.aborted) break
    }
    await send()
    await producer.disconnect()
    return 0
  })
}

/** The whole lines of each chunk read; a last line without a newline counts, a trailing '\r' is dropped. */
async function* lineGroups(input: AsyncIterable<Uint8Array | string>): AsyncGenerator<string[]> {
  const decoder = new TextDecoder()
  let rest = ''
  for await (const chunk of input) {
    rest += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })
    const parts = rest.split('\n')
    rest = parts.pop()!
    if (parts.length > 0) yield parts.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
  }
  rest += decoder.decode()
  if (rest.length > 0) yield [rest]
}

function parseAcks(text: string): Acks {
  const t = text.trim().toLowerCase()
  if (t === 'all' || t === '-1') return -1
  if (t === '1') return 1
  if (t === '0') return 0
  throw new UsageError(`acks must be all, -1, 1 or 0, got '${text}'`)
}

function parseCompression(text: string): number {
  const t = text.trim().toLowerCase()
  if (t in Compression) return Compression[t as keyof typeof Compression]
  throw new UsageError(`unknown compression '${text}' (none, gzip, snappy, lz4, zstd)`)
}
