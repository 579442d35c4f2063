/**
 * @module The `brook` CLI (child processes) against a broker that requires SASL/PLAIN: credentials from
 * a Kafka client properties file or from `--consumer-property`, and clear failures without them.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Broker } from '../../src/core/broker.ts'
import { MemoryStore } from '../../src/core/memory-store.ts'
import { startKafkaServer } from '../../src/edge/kafka/server.ts'
import { brookProcess } from '../support/cli.ts'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'brook-cli-sasl-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const brook = (args: string[], stdin: string | undefined, to: string) => brookProcess(args, to, stdin)

describe('brook CLI against a broker that requires SASL/PLAIN', () => {
  it('authenticates with a Kafka client properties file, and says why it failed without one', async () => {
    const secured = await Broker.open({ store: new MemoryStore(), autoCreateTopics: true })
    const srv = await startKafkaServer({
      broker: secured,
      host: '127.0.0.1',
      port: 0,
      auth: { plain: (u, p) => u === 'alice' && p === 's3cret' },
      log: () => {},
    })
    try {
      const to = `localhost:${srv.port}`
      const good = join(dir, 'client.properties')
      await writeFile(
        good,
        'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n' +
          'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="s3cret";\n',
      )
      const bad = join(dir, 'bad.properties')
      await writeFile(bad, 'sasl.mechanism=PLAIN\nsasl.username=alice\nsasl.password=nope\n')
      const [created, refused, anonymous] = await Promise.all([
        brook(['topics', '--create', '--topic', 'secret', '--command-config', good], undefined, to),
        brook(['topics', '--list', '--command-config', bad], undefined, to),
        brook(['topics', '--list'], undefined, to),
      ])
      expect(created).toEqual({ code: 0, out: 'Created topic secret.\n', err: '' })
      expect(refused.code).toBe(1)
      expect(refused.err).toMatch(/^Error: SASL_AUTHENTICATION_FAILED: .*\n$/)
      expect(anonymous.code).toBe(1)
      expect(anonymous.err).toMatch(/^Error: NETWORK_EXCEPTION: .*requires SASL.*\n$/)
      const produced = await brook(['produce', '--topic', 'secret', '--producer.config', good], 'psst\n', to)
      expect(produced.code).toBe(0)
      const consumed = await brook(
        [
          'consume',
          '--topic',
          'secret',
          '--from-beginning',
          '--max-messages',
          '1',
          '--consumer-property',
          'sasl.username=alice',
          'sasl.password=s3cret',
        ],
        undefined,
        to,
      )
      expect(consumed.out).toBe('psst\n')
    } finally {
      await srv.close()
      await secured.close()
    }
  }, 30_000)
})
