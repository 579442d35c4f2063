/**
 * @module Kafka client properties for the CLI: a properties file (`--command-config`,
 * `--producer.config`, `--consumer.config`) merged with `--producer-property`/`--consumer-property`,
 * the SASL credentials in them (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512; Java's `sasl.jaas.config` or
 * librdkafka's `sasl.username`/`sasl.password`) and TLS (`security.protocol=SSL`/`SASL_SSL`, the CA
 * from librdkafka's `ssl.ca.location` or Java's PEM truststore).
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

const PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']
const MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const

function securityProtocol(props: Map<string, string>): string {
  const protocol = (props.get('security.protocol') ?? '').toUpperCase()
  if (protocol && !PROTOCOLS.includes(protocol))
    throw new CommandError(`security.protocol ${protocol} is not one of ${PROTOCOLS.join(', ')}`)
  return protocol
}

export function saslFrom(props: Map<string, string>): ConnectOptions['sasl'] {
  const protocol = securityProtocol(props)
  const jaas = props.get('sasl.jaas.config') ?? ''
  const username = props.get('sasl.username') ?? /username\s*=\s*"([^"]*)"/.exec(jaas)?.[1]
  const password = props.get('sasl.password') ?? /password\s*=\s*"([^"]*)"/.exec(jaas)?.[1]
  // Java says sasl.mechanism, librdkafka sasl.mechanisms (one value either way).
  const named = props.get('sasl.mechanism') ?? props.get('sasl.mechanisms')
  const mechanism = (named ?? (username !== undefined ? 'PLAIN' : '')).toUpperCase()
  if (!mechanism && !protocol.startsWith('SASL')) return undefined
  const known = MECHANISMS.find((m) => m === mechanism)
  if (!known)
    throw new CommandError(
      `sasl.mechanism ${mechanism || '(none)'} is not supported (${MECHANISMS.join(', ')})`,
    )
  if (username === undefined || password === undefined) {
    throw new CommandError(
      `SASL/${known} needs a username and password (sasl.jaas.config or sasl.username/sasl.password)`,
    )
  }
  return { mechanism: known, username, password }
}

function readPem(file: string, property: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (e) {
    throw new CommandError(`cannot read ${property} ${file}: ${(e as Error).message}`)
  }
}

/**
 * TLS settings when `security.protocol` is SSL or SASL_SSL (else none, as Kafka ignores `ssl.*` then):
 * the CA (`ssl.ca.location`, or `ssl.truststore.location` with `ssl.truststore.type=PEM`, or inline
 * `ssl.truststore.certificates`), a client certificate (`ssl.certificate.location` + `ssl.key.location`),
 * and the two ways to turn checks off: `ssl.endpoint.identification.algorithm=` (no hostname check)
 * and `enable.ssl.certificate.verification=false` (no check at all).
 */
export function sslFrom(props: Map<string, string>): ConnectOptions['ssl'] {
  if (!securityProtocol(props).endsWith('SSL')) return undefined
  const ssl: Exclude<ConnectOptions['ssl'], boolean | undefined> = {}
  const caFile = props.get('ssl.ca.location')
  const trustFile = props.get('ssl.truststore.location')
  const trustType = (props.get('ssl.truststore.type') ?? 'JKS').toUpperCase()
  if (caFile) ssl.ca = readPem(caFile, 'ssl.ca.location')
  else if (props.get('ssl.truststore.certificates')) ssl.ca = props.get('ssl.truststore.certificates')
  else if (trustFile) {
    if (trustType !== 'PEM')
      throw new CommandError(
        `ssl.truststore.type ${trustType} is not supported: give a PEM file (ssl.ca.location, or ssl.truststore.type=PEM)`,
      )
    ssl.ca = readPem(trustFile, 'ssl.truststore.location')
  }
  const certFile = props.get('ssl.certificate.location')
  const keyFile = props.get('ssl.key.location')
  if (certFile || keyFile) {
    if (!certFile || !keyFile)
      throw new CommandError('a client certificate needs both ssl.certificate.location and ssl.key.location')
    ssl.cert = readPem(certFile, 'ssl.certificate.location')
    ssl.key = readPem(keyFile, 'ssl.key.location')
    ssl.passphrase = props.get('ssl.key.password')
  }
  if (props.has('ssl.keystore.location'))
    throw new CommandError(
      'ssl.keystore.* is not supported: give PEM files (ssl.certificate.location, ssl.key.location)',
    )
  const identification = (props.get('ssl.endpoint.identification.algorithm') ?? 'https').toLowerCase()
  if (identification === '' || identification === 'none') ssl.checkHostname = false
  if ((props.get('enable.ssl.certificate.verification') ?? 'true').toLowerCase() === 'false')
    ssl.rejectUnauthorized = false
  return Object.keys(ssl).length === 0 ? true : ssl
}
