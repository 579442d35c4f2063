/**
 * @module What a CLI command runs with: its output streams, stdin, a stop signal (Ctrl-C) and a
 * `Connector` that turns `--bootstrap-server` into a `BrokerService`. Tests pass an in-process
 * broker as the connector; the real one speaks the Kafka protocol over TCP.
 */

import { BrookError, isBrookError } from '../core/errors.ts'
import type { BrokerService } from '../core/service.ts'
import { UsageError } from './args.ts'

export interface Output {
  write(text: string): boolean
  once(event: 'drain', listener: () => void): unknown
}

export interface Connection {
  service: BrokerService
  close(): Promise<void>
}

export interface ConnectOptions {
  bootstrap: string
  clientId: string
  /** SASL credentials from the client config (`--command-config` and friends). */
  sasl?: { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; username: string; password: string }
  /** TLS from the client config (`security.protocol=SSL`/`SASL_SSL`): `true`, or PEM texts and checks. */
  ssl?:
    | boolean
    | {
        ca?: string
        cert?: string
        key?: string
        passphrase?: string
        /** False: any certificate is accepted (`enable.ssl.certificate.verification=false`). */
        rejectUnauthorized?: boolean
        /** False: the certificate need not name the host (`ssl.endpoint.identification.algorithm=`). */
        checkHostname?: boolean
      }
}

export type Connector = (options: ConnectOptions) => Promise<Connection>

export interface CliContext {
  stdout: Output
  stderr: Output
  stdin: AsyncIterable<Uint8Array | string>
  /** Aborted on SIGINT/SIGTERM: long-running commands stop cleanly. */
  signal: AbortSignal
  connect: Connector
  env: Record<string, string | undefined>
}

/** Writes, waiting for 'drain' when the stream's buffer is full (so piping to `head` stays bounded). */
export async function write(out: Output, text: string): Promise<void> {
  if (!out.write(text)) await new Promise<void>((resolve) => out.once('drain', resolve))
}

/** A failure that ends the command with one line on stderr and a non-zero exit. */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message)
    this.name = 'CommandError'
  }
}

/** One line for any failure, naming the Kafka error where there is one. */
export function errorLine(e: unknown): string {
  if (e instanceof UsageError) return `Error: ${e.message} (see --help)`
  if (e instanceof CommandError) return `Error: ${e.message}`
  if (isBrookError(e)) {
    const err = e as BrookError
    // A broker that wants SASL (or TLS) closes the connection on the first request of a client without it.
    const hint =
      err.type === 'NETWORK_EXCEPTION' && /closed the connection/.test(err.message)
        ? ' (if the broker requires SASL or TLS, pass its settings with --command-config / --producer.config / --consumer.config)'
        : ''
    return `Error: ${err.message}${hint}`
  }
  const code = (e as NodeJS.ErrnoException | undefined)?.code
  if (code === 'ECONNREFUSED') return `Error: cannot connect to the broker (${(e as Error).message})`
  return `Error: ${e instanceof Error ? e.message : String(e)}`
}

export const DEFAULT_BOOTSTRAP = 'localhost:9092'

export function checkedError(code: number, detail: string): void {
  if (code !== 0) throw BrookError.fromCode(code, detail)
}

/** Iterates `source` until it ends or `signal` aborts (stdin never ends on its own when typed into). */
export async function* untilAborted<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]()
  const aborted = new Promise<IteratorResult<T>>((resolve) => {
    if (signal.aborted) resolve({ done: true, value: undefined })
    signal.addEventListener('abort', () => resolve({ done: true, value: undefined }), { once: true })
  })
  try {
    for (;;) {
      const next = await Promise.race([it.next(), aborted])
      if (next.done) return
      yield next.value
    }
  } finally {
    void it.return?.()
  }
}
