/** SASL/PLAIN over the Kafka listener: kcat and kafkajs (SaslHandshake v1 + SaslAuthenticate), kafka-python (v0 + raw token). */
import { Kafka, logLevel } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Brook, PY_DIR, PYTHON, run, startBrook } from './support.ts'

describe('SASL/PLAIN', () => {
  let brook: Brook
  beforeAll(async () => {
    brook = await startBrook({ auth: { plain: (u, p) => u === 'alice' && p === 'secret' } })
  })
  afterAll(async () => {
    await brook?.close()
  })
  const sasl = (user: string, password: string) => [
    '-X',
    'security.protocol=SASL_PLAINTEXT',
    '-X',
    'sasl.mechanisms=PLAIN',
    '-X',
    `sasl.username=${user}`,
    '-X',
    `sasl.password=${password}`,
  ]

  it('kcat authenticates with the right password and is refused with a wrong one', async () => {
    const b = ['-b', `127.0.0.1:${brook.port}`]
    const p = await run('kcat', [...b, ...sasl('alice', 'secret'), '-P', '-t', 'secured'], {
      input: 'from kcat\n',
    })
    expect(p.code, p.stderr).toBe(0)
    const c = await run('kcat', [
      ...b,
      ...sasl('alice', 'secret'),
      '-C',
      '-t',
      'secured',
      '-e',
      '-q',
      '-o',
      'beginning',
    ])
    expect(c.stdout).toContain('from kcat\n')
    const bad = await run('kcat', [...b, ...sasl('alice', 'nope'), '-L', '-m', '3'])
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toMatch(/Authentication failed|SASL/i)
  })

  it('kafkajs authenticates; a wrong password is refused', async () => {
    const kafka = (password: string) =>
      new Kafka({
        brokers: [`127.0.0.1:${brook.port}`],
        sasl: { mechanism: 'plain', username: 'alice', password },
        logLevel: logLevel.NOTHING,
        retry: { retries: 0 },
      })
    const admin = kafka('secret').admin()
    await admin.connect()
    expect(Array.isArray(await admin.listTopics())).toBe(true)
    await admin.disconnect()
    const bad = kafka('wrong').admin()
    await expect(bad.connect()).rejects.toThrow(/SASL|Authentication/i)
  })

  it('kafka-python authenticates with SaslHandshake v0 and a raw PLAIN token', async () => {
    const r = await run(PYTHON, [`${PY_DIR}sasl_plain.py`, String(brook.port), 'alice', 'secret'], {
      timeoutMs: 30_000,
    })
    expect(r.stdout, r.stderr).toBe('over sasl\n')
  })
})
