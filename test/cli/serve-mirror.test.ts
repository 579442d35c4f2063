/**
 * @module `brook serve --upstream` both ways, as processes: an upstream `brook serve` that requires
 * SASL/PLAIN, and a relay that copies its `local.*` topics up and the upstream's `events` down (kcat
 * reads both sides); a topic matching both directions only goes up; an upstream over TLS with SCRAM,
 * configured with Kafka client properties; and the refusals of the flags.
 */

import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { BIN, killServes, startServe } from '../support/cli.ts'
import { selfSignedCert } from '../support/tls.ts'

const run = promisify(execFile)
const dirs: string[] = []
afterAll(async () => {
  killServes()
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'brook-serve-mirror-'))
  dirs.push(d)
  return d
}

const SASL = ['-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanisms=PLAIN']
const ADMIN = [...SASL, '-X', 'sasl.username=admin', '-X', 'sasl.password=s3cret']

async function kcat(args: string[], input?: string): Promise<string> {
  const p = run('kcat', args, { timeout: 20_000, maxBuffer: 16 << 20 })
  if (input !== undefined) p.child.stdin!.end(input)
  return (await p).stdout
}

const readAll = (port: number, topic: string, partition: number, auth: string[] = []) =>
  kcat([
    '-C',
    '-b',
    `127.0.0.1:${port}`,
    ...auth,
    '-t',
    topic,
    '-p',
    String(partition),
    '-o',
    'beginning',
    '-e',
    '-q',
    '-f',
    '%k|%s|%h\\n',
  ]).catch(() => '')

describe('brook serve --upstream', () => {
  it('copies --mirror topics up and --mirror-down topics down, with SASL/PLAIN to the upstream', async () => {
    const upstream = await startServe([
      '--port',
      '0',
      '--data-dir',
      await tempDir(),
      '--http-port',
      '-1',
      '--sasl-plain',
      'admin:s3cret',
      '--num-partitions',
      '2',
    ])
    const up = `127.0.0.1:${upstream.port}`
    // Upstream topics: events (2 partitions) to come down, local.both that must not come down.
    for (const p of [0, 1])
      await kcat(
        ['-P', '-b', up, ...ADMIN, '-t', 'events', '-p', String(p), '-K', ':', '-H', `from=up${p}`],
        Array.from({ length: 500 }, (_, i) => `k${i}:e${p}-${i}`).join('\n'),
      )
    const relay = await startServe([
      '--port',
      '0',
      '--data-dir',
      await tempDir(),
      '--http-port',
      '-1',
      '--upstream',
      up,
      '--upstream-sasl-plain',
      'admin:s3cret',
      '--mirror',
      'local\\..*',
      '--mirror-down',
      'events|local\\.both',
    ])
    const here = `127.0.0.1:${relay.port}`
    await expect
      .poll(() => relay.stdout())
      .toContain(`brook serve: mirroring topics matching 'events|local\\.both' down from ${up}`)
    expect(relay.stdout()).toContain(`brook serve: mirroring topics matching 'local\\..*' to ${up}`)

    // Down: the upstream's events arrive with their keys, values and headers, partition by partition.
    for (const p of [0, 1]) {
      const want = Array.from(
        { length: 500 },
        (_, i) => `k${i}|e${p}-${i}|from=up${p},brook.mirror.offset=${i}`,
      ).join('\n')
      await expect
        .poll(async () => (await readAll(relay.port, 'events', p)).trimEnd(), { timeout: 20_000 })
        .toBe(want)
    }

    // Up: a local topic goes to the upstream; local.both matches both ways and goes up only.
    await kcat(['-P', '-b', here, '-t', 'local.one', '-K', ':'], 'a:1\nb:2\n')
    await kcat(['-P', '-b', here, '-t', 'local.both'], 'x\n')
    await expect
      .poll(async () => (await readAll(upstream.port, 'local.one', 0, ADMIN)).trimEnd(), { timeout: 20_000 })
      .toBe('a|1|brook.mirror.offset=0\nb|2|brook.mirror.offset=1')
    await expect
      .poll(async () => (await readAll(upstream.port, 'local.both', 0, ADMIN)).trimEnd(), { timeout: 20_000 })
      .toBe('|x|brook.mirror.offset=0')
    // Had it come back down, the relay's local.both would hold two records.
    const groups = await run(process.execPath, [
      BIN,
      'consumer-groups',
      '--bootstrap-server',
      here,
      '--describe',
      '--group',
      'brook-mirror',
    ])
    expect(groups.stdout).toMatch(/brook-mirror\s+local\.both\s+0\s+1\s+1\s+0/)
    expect((await readAll(relay.port, 'local.both', 0)).trimEnd()).toBe('|x|')

    relay.proc.kill('SIGTERM')
    const stopped = await relay.exited
    expect(stopped.code).toBe(0)
    expect(stopped.stdout).toContain('brook serve: stopped')
    upstream.proc.kill('SIGTERM')
    await upstream.exited
  }, 90_000)

  it('reaches an upstream over TLS with SCRAM (--upstream-property, as Kafka client properties)', async () => {
    const dir = await tempDir()
    const { cert, key } = await selfSignedCert(dir)
    const upstream = await startServe([
      '--port',
      '0',
      '--data-dir',
      join(dir, 'up'),
      '--http-port',
      '-1',
      '--sasl-plain',
      'alice:pw',
      '--tls-cert',
      cert,
      '--tls-key',
      key,
    ])
    const relay = await startServe([
      '--port',
      '0',
      '--data-dir',
      join(dir, 'relay'),
      '--http-port',
      '-1',
      '--upstream',
      `localhost:${upstream.port}`,
      '--mirror',
      'sealed',
      '--upstream-property',
      'security.protocol=SASL_SSL',
      'sasl.mechanism=SCRAM-SHA-512',
      'sasl.username=alice',
      'sasl.password=pw',
      `ssl.ca.location=${cert}`,
    ])
    await kcat(['-P', '-b', `127.0.0.1:${relay.port}`, '-t', 'sealed'], 'one\ntwo\n')
    const tls = [
      '-X',
      'security.protocol=SASL_SSL',
      '-X',
      `ssl.ca.location=${cert}`,
      '-X',
      'sasl.mechanisms=SCRAM-SHA-256',
      '-X',
      'sasl.username=alice',
      '-X',
      'sasl.password=pw',
    ]
    await expect
      .poll(
        () =>
          kcat([
            '-C',
            '-b',
            `localhost:${upstream.port}`,
            ...tls,
            '-t',
            'sealed',
            '-e',
            '-q',
            '-o',
            'beginning',
          ]).catch(() => ''),
        { timeout: 20_000 },
      )
      .toBe('one\ntwo\n')
    relay.proc.kill('SIGTERM')
    expect((await relay.exited).code).toBe(0)
    upstream.proc.kill('SIGTERM')
    await upstream.exited
  }, 60_000)

  it('refuses --mirror without --upstream, an --upstream with nothing to copy, and a bad pattern', async () => {
    const dir = await tempDir()
    const serve = (args: string[]) =>
      run(process.execPath, [BIN, 'serve', '--port', '0', '--http-port', '-1', '--data-dir', dir, ...args], {
        timeout: 20_000,
      }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
      )
    const a = await serve(['--mirror', 'x'])
    expect(a).toEqual({ code: 1, stderr: 'Error: --mirror and --mirror-down need --upstream host:port\n' })
    const b = await serve(['--upstream', '127.0.0.1:1'])
    expect(b.code).toBe(1)
    expect(b.stderr).toMatch(/--upstream needs something to copy/)
    const c = await serve(['--upstream', '127.0.0.1:1', '--mirror', 'a('])
    expect(c.code).toBe(1)
    expect(c.stderr).toMatch(/topic pattern "a\(":/)
  })
})
