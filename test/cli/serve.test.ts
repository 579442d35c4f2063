/**
 * @module `brook serve` as users start it (`bin/brook.js serve`, a child process): the start line,
 * kcat against it, clean shutdown on SIGTERM/SIGINT keeping the data for the next start, and the
 * refusals (non-loopback host without auth, port in use).
 */

import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { BIN as bin, killServes, startServe } from '../support/cli.ts'

const run = promisify(execFile)
const dirs: string[] = []
afterAll(async () => {
  killServes()
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'brook-serve-'))
  dirs.push(d)
  return d
}

async function kcat(args: string[], input?: string): Promise<string> {
  const p = run('kcat', args, { timeout: 15_000 })
  if (input !== undefined) {
    p.child.stdin!.end(input)
  }
  return (await p).stdout
}

describe('brook serve', () => {
  it('listens where it says, serves kcat, and keeps the data across a clean restart', async () => {
    const dir = await tempDir()
    const a = await startServe(['--port', '0', '--data-dir', dir])
    expect(a.line).toMatch(
      new RegExp(
        `^brook serve: Kafka listener on 127\\.0\\.0\\.1:${a.port}, data in ${dir}, auto\\.create\\.topics\\.enable=true num\\.partitions=1$`,
      ),
    )
    const b = `localhost:${a.port}`
    const meta = await kcat(['-b', b, '-L'])
    expect(meta).toMatch(/1 brokers:/)
    // The topic does not exist: produce creates it (auto.create.topics.enable).
    await kcat(['-b', b, '-t', 'greetings', '-P', '-K:'], 'k1:hello\nk2:world\n')
    expect(await kcat(['-b', b, '-t', 'greetings', '-C', '-e', '-f', '%k=%s@%o\\n'])).toBe(
      'k1=hello@0\nk2=world@1\n',
    )

    a.proc.kill('SIGTERM')
    const stopped = await a.exited
    expect(stopped.code).toBe(0)
    expect(stopped.stdout).toMatch(/brook serve: stopped \(all data flushed\)\n$/)

    const again = await startServe(['--port', '0', '--data-dir', dir])
    const b2 = `localhost:${again.port}`
    expect(await kcat(['-b', b2, '-t', 'greetings', '-C', '-e', '-f', '%k=%s@%o\\n'])).toBe(
      'k1=hello@0\nk2=world@1\n',
    )
    again.proc.kill('SIGINT')
    expect((await again.exited).code).toBe(0)
  }, 30_000)

  it('logs at levels: a start-up summary of what recovery did, connections with their client.id only at --log-level debug', async () => {
    const dir = await tempDir()
    const quiet = await startServe(['--port', '0', '--http-port', '-1', '--data-dir', dir])
    await kcat(['-b', `127.0.0.1:${quiet.port}`, '-t', 'levels', '-P'], 'one\n')
    quiet.proc.kill('SIGTERM')
    const first = (await quiet.exited).stderr
    expect(first).toMatch(
      new RegExp(
        `^INFO brook: opened ${dir}: 0 partitions, 0 segments, 0\\.0 MB, every CRC checked, in \\d+ ms; nothing to repair$`,
        'm',
      ),
    )
    expect(first).not.toMatch(/DEBUG|connection from/)

    const loud = await startServe([
      '--port',
      '0',
      '--http-port',
      '-1',
      '--data-dir',
      dir,
      '--log-level',
      'debug',
    ])
    await kcat(['-b', `127.0.0.1:${loud.port}`, '-t', 'levels', '-C', '-e', '-X', 'client.id=level-reader'])
    loud.proc.kill('SIGTERM')
    const second = (await loud.exited).stderr
    expect(second).toMatch(/^INFO brook: opened .*: 1 partitions, 1 segments, .*; nothing to repair$/m)
    expect(second).toMatch(/^DEBUG brook kafka: connection from 127\.0\.0\.1:\d+ opened$/m)
    expect(second).toMatch(
      /^DEBUG brook kafka: connection from 127\.0\.0\.1:\d+ closed \(client\.id 'level-reader', User:ANONYMOUS, \d+ requests\)$/m,
    )

    const wrong = await run(process.execPath, [bin, 'serve', '--log-level', 'loud']).catch((e) => e)
    expect(wrong.stderr).toBe(
      "Error: --log-level: unknown log level 'loud': one of debug, info, warn, error\n",
    )
  }, 30_000)

  it('runs the relay beside the Kafka listener on one broker; --http-token and --sasl-plain guard it', async () => {
    const dir = await tempDir()
    const a = await startServe([
      '--port',
      '0',
      '--data-dir',
      dir,
      '--http-token',
      'secret-token=svc',
      '--sasl-plain',
      'alice:pw',
    ])
    expect(a.stdout()).toMatch(/relay on http:\/\/127\.0\.0\.1:\d+\/v1 \(REST, SSE, WebSocket at ws:/)
    const relay = `http://127.0.0.1:${a.httpPort}/`
    expect((await fetch(`${relay}v1/topics`)).status).toBe(401)
    const asSvc = { authorization: 'Bearer secret-token', 'content-type': 'application/json' }
    const created = await fetch(`${relay}v1/topics`, {
      method: 'POST',
      headers: asSvc,
      body: '{"name":"both"}',
    })
    expect(created.status).toBe(201)
    const sent = await fetch(`${relay}v1/topics/both/records`, {
      method: 'POST',
      headers: { authorization: `Basic ${btoa('alice:pw')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ records: [{ key: 'k', valueText: 'over http' }] }),
    })
    expect(await sent.json()).toEqual({ offsets: [{ partition: 0, offset: 0 }] })
    // What the relay stored, kcat reads over the Kafka listener of the same broker.
    expect(
      await kcat([
        '-b',
        `127.0.0.1:${a.port}`,
        '-X',
        'security.protocol=SASL_PLAINTEXT',
        '-X',
        'sasl.mechanisms=PLAIN',
        '-X',
        'sasl.username=alice',
        '-X',
        'sasl.password=pw',
        '-t',
        'both',
        '-C',
        '-e',
        '-f',
        '%k=%s\\n',
      ]),
    ).toBe('k=over http\n')
    const metrics = () => fetch(`${relay}metrics`, { headers: asSvc }).then((r) => r.text())
    expect(await metrics()).toContain('brook_records_in_total{topic="both"} 1')
    // kcat has exited; the broker hears its connection close a moment later.
    await expect.poll(metrics).toMatch(/brook_connections\{door="kafka"\} 0/)
    a.proc.kill('SIGTERM')
    expect((await a.exited).code).toBe(0)
  }, 30_000)

  it('refuses a non-loopback host without authentication, and a port in use, with one line', async () => {
    const dir = await tempDir()
    const open = await run(process.execPath, [
      bin,
      'serve',
      '--host',
      '0.0.0.0',
      '--port',
      '0',
      '--data-dir',
      dir,
    ]).catch((e) => e)
    expect(open.code).toBe(1)
    expect(open.stderr).toMatch(
      /^Error: refusing to listen on 0\.0\.0\.0 without authentication.*--insecure\.\n$/,
    )

    const a = await startServe(['--port', '0', '--data-dir', dir])
    const clash = await run(process.execPath, [
      bin,
      'serve',
      '--port',
      String(a.port),
      '--data-dir',
      await tempDir(),
    ]).catch((e) => e)
    expect(clash.code).toBe(1)
    // The data directory was opened (and says so) before the port turned out to be taken.
    expect(clash.stderr).toMatch(
      new RegExp(
        `^INFO brook: opened .*; nothing to repair\\nError: 127\\.0\\.0\\.1:${a.port} is already in use \\(EADDRINUSE\\); is another broker running\\?\\n$`,
      ),
    )
    const sameDir = await run(process.execPath, [bin, 'serve', '--port', '0', '--data-dir', dir]).catch(
      (e) => e,
    )
    expect(sameDir.code).toBe(1)
    expect(sameDir.stderr).toMatch(
      new RegExp(
        `^Error: KAFKA_STORAGE_ERROR: data directory .* is in use by another brook process \\(pid ${a.proc.pid}\\)\n$`,
      ),
    )
    a.proc.kill('SIGTERM')
    await a.exited
  }, 30_000)

  it('takes broker-wide topic defaults with --config, and refuses bad ones before touching the data directory', async () => {
    const dir = join(await tempDir(), 'never-made')
    const refuse = async (config: string) => {
      const r = await run(process.execPath, [
        bin,
        'serve',
        '--port',
        '0',
        '--data-dir',
        dir,
        '--config',
        config,
      ]).catch((e) => e)
      expect(r.code).toBe(1)
      return r.stderr
    }
    expect(await refuse('log.retention.ms=soon')).toBe(
      'Error: --config: invalid value "soon" for log.retention.ms: must be an integer\n',
    )
    expect(await refuse('num.partitions=3')).toBe(
      'Error: --config num.partitions: set it with --num-partitions\n',
    )
    expect(await refuse('broker.id=7')).toMatch(
      /^Error: --config broker\.id: brook serve sets only the broker-wide topic defaults/,
    )
    expect(await refuse('retention')).toBe("Error: --config wants name=value, got 'retention'\n")
    await expect(stat(dir)).rejects.toMatchObject({ code: 'ENOENT' })

    // A topic without its own max.message.bytes takes the broker's: kcat's bigger message is refused.
    const a = await startServe([
      '--port',
      '0',
      '--data-dir',
      await tempDir(),
      '--config',
      'message.max.bytes=200',
    ])
    const b = `localhost:${a.port}`
    await kcat(['-b', b, '-t', 'small', '-P'], 'fits\n')
    await kcat(['-b', b, '-t', 'small', '-P'], `${'x'.repeat(1000)}\n`).catch(() => '')
    expect(await kcat(['-b', b, '-t', 'small', '-C', '-e', '-f', '%s\\n'])).toBe('fits\n')
    a.proc.kill('SIGTERM')
    expect((await a.exited).code).toBe(0)
  }, 30_000)

  it('serves the built demo with --demo: read-only, nothing outside its folder', async () => {
    const parent = await tempDir()
    const site = join(parent, 'site')
    await mkdir(join(site, 'assets'), { recursive: true })
    await writeFile(join(site, 'index.html'), '<!doctype html><title>demo</title>')
    await writeFile(join(site, 'assets', 'app-1.js'), 'console.log(1)')
    await writeFile(join(parent, 'secret.txt'), 'no')
    const a = await startServe([
      '--port',
      '0',
      '--data-dir',
      await tempDir(),
      '--demo',
      '--demo-dir',
      site,
      '--http-port',
      '0',
    ])
    await expect
      .poll(() => /the teaching demo at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(a.stdout())?.[1])
      .toBeTruthy()
    const url = /the teaching demo at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(a.stdout())![1]!
    const page = await fetch(url)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(await page.text()).toBe('<!doctype html><title>demo</title>')
    const asset = await fetch(`${url}assets/app-1.js`)
    expect(asset.headers.get('cache-control')).toContain('immutable')
    // A raw path with .. (fetch would normalise it away before sending).
    const raw = (path: string) =>
      new Promise<number>((ok, fail) =>
        request(`${url}`, { path }, (res) => {
          res.resume()
          ok(res.statusCode!)
        })
          .on('error', fail)
          .end(),
      )
    expect(await raw('/../secret.txt')).toBe(404)
    expect(await raw('/assets/../../secret.txt')).toBe(404)
    expect(await raw('/%2e%2e/secret.txt')).toBe(404)
    // An encoded slash survives URL parsing and decodes to "../": the server's own check stops it.
    expect(await raw('/..%2fsecret.txt')).toBe(404)
    expect(await raw('/assets/..%2f..%2fsecret.txt')).toBe(404)
    expect(await raw('/index.html')).toBe(200)
    expect((await fetch(`${url}missing.js`)).status).toBe(404)
    expect((await fetch(url, { method: 'POST', body: 'x' })).status).toBe(405)
    a.proc.kill('SIGTERM')
    expect((await a.exited).code).toBe(0)
  })

  it('says where the demo is missing instead of serving nothing', async () => {
    const empty = await tempDir()
    const r = await run(process.execPath, [
      bin,
      'serve',
      '--port',
      '0',
      '--data-dir',
      await tempDir(),
      '--demo',
      '--demo-dir',
      empty,
    ]).catch((e) => e)
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(
      `Error: no built demo in ${empty}: run npm run build:demo in a clone of brook (or give --demo-dir)\n`,
    )
  })
})
