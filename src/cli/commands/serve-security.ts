/**
 * @module `brook serve`'s Kafka listener security: which SASL mechanisms the `--sasl-plain` users may
 * use (`--sasl-mechanisms`, default all three: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, as a Kafka listener
 * with `sasl.enabled.mechanisms` set to them) and TLS (`--tls-cert`/`--tls-key`), which turns the
 * listener from PLAINTEXT/SASL_PLAINTEXT into SSL/SASL_SSL. TLS encrypts; it does not authenticate,
 * so it never stands in for users on a non-loopback host.
 */

import { readFileSync } from 'node:fs'
import { createSecureContext } from 'node:tls'
import { isScramMechanism, scramLookup } from '../../core/protocol/sasl-scram.ts'
import type { KafkaAuth } from '../../core/protocol/server.ts'
import type { KafkaTlsOptions } from '../../edge/kafka/server.ts'
import type { OptionSpecs, ParsedArgs } from '../args.ts'
import { CommandError } from '../context.ts'

const MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const

export const SECURITY_OPTIONS: OptionSpecs = {
  'sasl-mechanisms': {
    type: 'string',
    arg: '<list>',
    help: 'SASL mechanisms the --sasl-plain users may use, comma-separated (also BROOK_SASL_MECHANISMS)',
    default: MECHANISMS.join(','),
  },
  'tls-cert': {
    type: 'string',
    arg: '<file.pem>',
    help: 'Serve Kafka over TLS (SSL; SASL_SSL with users) with this certificate chain (also BROOK_TLS_CERT)',
  },
  'tls-key': {
    type: 'string',
    arg: '<file.pem>',
    help: "With --tls-cert: the certificate's private key, PEM, unencrypted (also BROOK_TLS_KEY)",
  },
}

export interface ListenerSecurity {
  auth?: KafkaAuth
  tls?: KafkaTlsOptions
  /** For the start line: ` (SASL_SSL: PLAIN, SCRAM-SHA-256)`, ` (SSL)` or nothing. */
  label: string
  /** Kafka's security protocol name, as in `listeners`: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL. */
  protocol: string
}

/** The Kafka listener's `auth` and `tls` from the options, the environment and the users. */
export async function listenerSecurity(
  args: ParsedArgs,
  env: Record<string, string | undefined>,
  users: ReadonlyMap<string, string>,
): Promise<ListenerSecurity> {
  const mechanisms = saslMechanisms(args.values.get('sasl-mechanisms') ?? env.BROOK_SASL_MECHANISMS, users)
  const tls = tlsOptions(
    args.values.get('tls-cert') ?? env.BROOK_TLS_CERT,
    args.values.get('tls-key') ?? env.BROOK_TLS_KEY,
  )
  let auth: KafkaAuth | undefined
  if (users.size > 0) {
    const scram = mechanisms.filter(isScramMechanism)
    auth = {
      plain: mechanisms.includes('PLAIN') ? (u, p) => users.get(u) === p : undefined,
      // Derived once here, as Kafka stores them: a salt and 4096 iterations per user and mechanism.
      scram: scram.length > 0 ? await scramLookup(users, scram) : undefined,
      scramMechanisms: scram,
    }
  }
  const protocol = `${auth ? 'SASL_' : ''}${tls ? 'SSL' : auth ? 'PLAINTEXT' : ''}`
  const label = protocol ? ` (${protocol}${auth ? `: ${mechanisms.join(', ')}` : ''})` : ''
  return { auth, tls, label, protocol: protocol || 'PLAINTEXT' }
}

function saslMechanisms(
  text: string | undefined,
  users: ReadonlyMap<string, string>,
): (typeof MECHANISMS)[number][] {
  if (text === undefined) return [...MECHANISMS]
  const out: (typeof MECHANISMS)[number][] = []
  for (const word of text.split(',')) {
    const name = word.trim().toUpperCase()
    if (!name) continue
    const known = MECHANISMS.find((m) => m === name)
    if (!known)
      throw new CommandError(
        `--sasl-mechanisms: unknown mechanism '${word.trim()}' (${MECHANISMS.join(', ')})`,
      )
    if (!out.includes(known)) out.push(known)
  }
  if (out.length === 0) throw new CommandError(`--sasl-mechanisms needs one of ${MECHANISMS.join(', ')}`)
  if (users.size === 0)
    throw new CommandError('--sasl-mechanisms needs users to authenticate: add --sasl-plain user:password')
  return out
}

function tlsOptions(certFile: string | undefined, keyFile: string | undefined): KafkaTlsOptions | undefined {
  if (!certFile && !keyFile) return undefined
  if (!certFile || !keyFile) throw new CommandError('TLS needs both --tls-cert and --tls-key')
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file, 'utf8')
    } catch (e) {
      throw new CommandError(`cannot read ${what} ${file}: ${(e as Error).message}`)
    }
  }
  const tls = { cert: read(certFile, '--tls-cert'), key: read(keyFile, '--tls-key') }
  try {
    // Fails here, with the file names, rather than at the first connection.
    createSecureContext(tls)
  } catch (e) {
    throw new CommandError(`--tls-cert ${certFile} / --tls-key ${keyFile}: ${(e as Error).message}`)
  }
  return tls
}
