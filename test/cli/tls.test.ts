/**
 * @module `brook serve --tls-cert --tls-key` (SSL and SASL_SSL listeners) with a self-signed certificate
 * made by openssl: kcat produces and consumes over SASL_SSL with SCRAM, the `brook` CLI consumes and
 * lists over TLS from librdkafka- and Java-style properties, plaintext clients fail cleanly while others
 * are served, and TLS alone never counts as authentication. Also `--sasl-mechanisms`.
 */

import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN as bin, brookProcess, killServes, startServe } from '../support/cli.ts'
import { selfSignedCert } from '../support/tls.ts'

const exec = promisify(execFile)
const PY_SCRAM = fileURLToPath(new URL('../interop/python/sasl_scram.py', import.meta.url))
let dir: string
let cert: string
let key: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'brook-tls-'))
  ;({ cert, key } = await selfSignedCert(dir))
})
afterAll(async () => {
  killServes()
  await rm(dir, { recursive: true, force: true })
})

interface Result {
  code: number
  stdout: string
  stderr: string
}

/** kcat to completion, never throwing: the exit code is part of what the tests check. */
function kcat(args: string[], input = ''): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile('kcat', args, { timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
      resolve({ code, stdout, stderr })
    })
    child.stdin!.end(input)
  })
}

const sslScram = (mechanism: string, password = 'pw') => [
  '-X',
  'security.protocol=SASL_SSL',
  '-X',
  `ssl.ca.location=${cert}`,
  '-X',
  `sasl.mechanisms=${mechanism}`,
  '-X',
  'sasl.username=alice',
  '-X',
  `sasl.password=${password}`,
]

describe('brook serve over TLS', () => {
  it('serves SASL_SSL: kcat with SCRAM, the brook CLI over TLS; plaintext clients fail cleanly', async () => {
    const data = await mkdtemp(join(dir, 'data-'))
    const serve = await startServe([
      '--port',
      '0',
      '--data-dir',
      data,
      '--sasl-plain',
      'alice:pw',
      '--tls-cert',
      cert,
      '--tls-key',
      key,
    ])
    expect(serve.line).toMatch(
      /^brook serve: Kafka listener on 127\.0\.0\.1:\d+ \(SASL_SSL: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512\), data in /,
    )
    // The certificate names localhost and 127.0.0.1: librdkafka checks the name (2.0's default).
    const b = ['-b', `localhost:${serve.port}`]
    const p = await kcat([...b, ...sslScram('SCRAM-SHA-256'), '-P', '-t', 'sealed'], 'over tls\n')
    expect(p.code, p.stderr).toBe(0)
    const c = await kcat([
      ...b,
      ...sslScram('SCRAM-SHA-512'),
      '-C',
      '-t',
      'sealed',
      '-e',
      '-q',
      '-o',
      'beginning',
    ])
    expect(c.stdout, c.stderr).toBe('over tls\n')

    // The brook CLI: librdkafka's property names on the command line...
    const to = `localhost:${serve.port}`
    const consumed = await brookProcess(
      [
        'consume',
        '--topic',
        'sealed',
        '--from-beginning',
        '--max-messages',
        '1',
        '--consumer-property',
        'security.protocol=SASL_SSL',
        'sasl.mechanism=SCRAM-SHA-256',
        'sasl.username=alice',
        'sasl.password=pw',
        `ssl.ca.location=${cert}`,
      ],
      to,
    )
    expect(consumed).toMatchObject({ code: 0, out: 'over tls\n' })
    // ...and Java's in a properties file (a PEM truststore, SCRAM's JAAS line).
    const props = join(dir, 'client.properties')
    await writeFile(
      props,
      'security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n' +
        'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="pw";\n' +
        `ssl.truststore.type=PEM\nssl.truststore.location=${cert}\n`,
    )
    const produced = await brookProcess(
      ['produce', '--topic', 'sealed', '--producer.config', props],
      to,
      'from cli\n',
    )
    expect(produced.code, produced.err).toBe(0)
    const listed = await brookProcess(['topics', '--list', '--command-config', props], to)
    expect(listed).toEqual({ code: 0, out: 'sealed\n', err: '' })

    // A wrong password over TLS is still a SASL refusal.
    const refused = await brookProcess(
      [
        'consume',
        '--topic',
        'sealed',
        '--consumer-property',
        'security.protocol=SASL_SSL',
        'sasl.mechanism=SCRAM-SHA-256',
        'sasl.username=alice',
        'sasl.password=wrong',
        `ssl.ca.location=${cert}`,
      ],
      to,
    )
    expect(refused.code).toBe(1)
    expect(refused.err).toMatch(/^Error: SASL_AUTHENTICATION_FAILED: /)

    // Plaintext clients on the TLS port fail, each with a clear error, and nothing hangs.
    const plainKcat = await kcat([
      ...b,
      '-X',
      'security.protocol=SASL_PLAINTEXT',
      '-X',
      'sasl.mechanisms=PLAIN',
      '-X',
      'sasl.username=alice',
      '-X',
      'sasl.password=pw',
      '-L',
      '-m',
      '3',
    ])
    expect(plainKcat.code).not.toBe(0)
    expect(plainKcat.stderr).toMatch(/SSL listener|Disconnected|transport failure/)
    const plainProps = join(dir, 'plain.properties')
    await writeFile(plainProps, 'security.protocol=SASL_PLAINTEXT\nsasl.username=alice\nsasl.password=pw\n')
    const plainCli = await brookProcess(['topics', '--list', '--command-config', plainProps], to)
    expect(plainCli.code).toBe(1)
    expect(plainCli.err).toMatch(/^Error: NETWORK_EXCEPTION: .*if the broker requires SASL or TLS/)
    // TLS without the CA: the client refuses the self-signed certificate.
    const untrustedProps = join(dir, 'untrusted.properties')
    await writeFile(untrustedProps, 'security.protocol=SASL_SSL\nsasl.username=alice\nsasl.password=pw\n')
    const untrusted = await brookProcess(['topics', '--list', '--command-config', untrustedProps], to)
    expect(untrusted.code).toBe(1)
    expect(untrusted.err).toMatch(/self[- ]signed certificate/)

    // kafka-python: SaslHandshake v0 and bare SCRAM tokens, inside TLS.
    const py = await new Promise<Result>((resolve) =>
      execFile(
        '/usr/bin/python3',
        [PY_SCRAM, String(serve.port), 'alice', 'pw', 'SCRAM-SHA-512', 'sealed-py', cert],
        { timeout: 30_000 },
        (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr }),
      ),
    )
    expect(py.stdout, py.stderr).toBe('over scram\n')

    // Others are still served.
    const again = await kcat([
      ...b,
      ...sslScram('SCRAM-SHA-256'),
      '-C',
      '-t',
      'sealed',
      '-e',
      '-q',
      '-o',
      'beginning',
    ])
    expect(again.stdout).toBe('over tls\nfrom cli\n')
    serve.proc.kill('SIGTERM')
    const stopped = await serve.exited
    expect(stopped.code).toBe(0)
    expect(stopped.stderr).toMatch(/TLS handshake with 127\.0\.0\.1:\d+ failed: not TLS/)
  }, 60_000)

  it('serves SSL without SASL on loopback; TLS alone does not open a non-loopback host', async () => {
    const data = await mkdtemp(join(dir, 'data-'))
    const serve = await startServe(['--port', '0', '--data-dir', data, '--tls-cert', cert, '--tls-key', key])
    expect(serve.line).toMatch(/Kafka listener on 127\.0\.0\.1:\d+ \(SSL\), data in /)
    const ssl = [
      '-b',
      `127.0.0.1:${serve.port}`,
      '-X',
      'security.protocol=SSL',
      '-X',
      `ssl.ca.location=${cert}`,
    ]
    expect((await kcat([...ssl, '-P', '-t', 'open'], 'x\n')).code).toBe(0)
    expect((await kcat([...ssl, '-C', '-t', 'open', '-e', '-q', '-o', 'beginning'])).stdout).toBe('x\n')
    serve.proc.kill('SIGTERM')
    await serve.exited

    const refuse = (args: string[]) =>
      exec(process.execPath, [bin, 'serve', '--port', '0', '--data-dir', data, ...args]).catch((e) => e)
    const open = await refuse(['--host', '0.0.0.0', '--tls-cert', cert, '--tls-key', key])
    expect(open.code).toBe(1)
    expect(open.stderr).toMatch(/^Error: refusing to listen on 0\.0\.0\.0 without authentication/)
    const half = await refuse(['--tls-cert', cert])
    expect(half.stderr).toBe('Error: TLS needs both --tls-cert and --tls-key\n')
    const swapped = await refuse(['--tls-cert', key, '--tls-key', cert])
    expect(swapped.code).toBe(1)
    expect(swapped.stderr).toMatch(/^Error: --tls-cert .* --tls-key .*: /)
    const unknown = await refuse(['--sasl-plain', 'a:b', '--sasl-mechanisms', 'PLAIN,GSSAPI'])
    expect(unknown.stderr).toMatch(/^Error: --sasl-mechanisms: unknown mechanism 'GSSAPI'/)
  }, 60_000)

  it('--sasl-mechanisms limits what the users may use', async () => {
    const data = await mkdtemp(join(dir, 'data-'))
    const serve = await startServe([
      '--port',
      '0',
      '--data-dir',
      data,
      '--sasl-plain',
      'alice:pw',
      '--sasl-mechanisms',
      'SCRAM-SHA-512',
    ])
    expect(serve.line).toMatch(
      /Kafka listener on 127\.0\.0\.1:\d+ \(SASL_PLAINTEXT: SCRAM-SHA-512\), data in /,
    )
    const b = ['-b', `127.0.0.1:${serve.port}`]
    const auth = (m: string) => [
      '-X',
      'security.protocol=SASL_PLAINTEXT',
      '-X',
      `sasl.mechanisms=${m}`,
      '-X',
      'sasl.username=alice',
      '-X',
      'sasl.password=pw',
    ]
    expect((await kcat([...b, ...auth('SCRAM-SHA-512'), '-L'])).stdout).toMatch(/1 brokers:/)
    const plain = await kcat([...b, ...auth('PLAIN'), '-L', '-m', '3'])
    expect(plain.code).not.toBe(0)
    expect(plain.stderr).toMatch(/SCRAM-SHA-512/)
    serve.proc.kill('SIGTERM')
    await serve.exited
  }, 30_000)
})
