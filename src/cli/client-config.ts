/**
 * @module Kafka client properties for the CLI: a properties file (`--command-config`,
 * `--producer.config`, `--consumer.config`) merged with `--producer-property`/`--consumer-property`,
 * and the SASL/PLAIN credentials in them (Java's `sasl.jaas.config` or librdkafka's
 * `sasl.username`/`sasl.password`).
 */

import { readFileSync } from 'node:fs'
import type { ParsedArgs } from './args.ts'
import { CommandError, type ConnectOptions } from './context.ts'

/** `key=value` lines; `#`/`!` comments and blank lines skipped (enough of java.util.Properties). */
export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (!line || line.startsWith('#') || line.startsWith('!')) continue
    const at = line.search(/[=:]/)
    if (at <= 0) continue
    out.set(line.slice(0, at).trim(), line.slice(at + 1).trim())
  }
  return out
}

/** The file named by `fileOption` (if given) overlaid with the `pairsOption` pairs. */
export function clientProperties(
  args: ParsedArgs,
  fileOption: string,
  pairsOption?: string,
): Map<string, string> {
  const props = new Map<string, string>()
  const file = args.values.get(fileOption)
  if (file) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (e) {
      throw new CommandError(`cannot read --${fileOption} ${file}: ${(e as Error).message}`)
    }
    for (const [k, v] of parseProperties(text)) props.set(k, v)
  }
  if (pairsOption) for (const [k, v] of args.pairs.get(pairsOption) ?? []) props.set(k, v)
  return props
}

export function saslFrom(props: Map<string, string>): ConnectOptions['sasl'] {
  const protocol = (props.get('security.protocol') ?? '').toUpperCase()
  if (protocol.includes('SSL'))
    throw new CommandError(`security.protocol ${protocol} is not supported (no TLS yet)`)
  const jaas = props.get('sasl.jaas.config') ?? ''
  const username = props.get('sasl.username') ?? /username\s*=\s*"([^"]*)"/.exec(jaas)?.[1]
  const password = props.get('sasl.password') ?? /password\s*=\s*"([^"]*)"/.exec(jaas)?.[1]
  const mechanism = (props.get('sasl.mechanism') ?? (username !== undefined ? 'PLAIN' : '')).toUpperCase()
  if (!mechanism && !protocol.startsWith('SASL')) return undefined
  if (mechanism !== 'PLAIN')
    throw new CommandError(`sasl.mechanism ${mechanism || '(none)'} is not supported (PLAIN only)`)
  if (username === undefined || password === undefined) {
    throw new CommandError(
      'SASL/PLAIN needs a username and password (sasl.jaas.config or sasl.username/sasl.password)',
    )
  }
  return { mechanism: 'PLAIN', username, password }
}
