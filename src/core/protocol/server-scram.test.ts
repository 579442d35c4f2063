/** The Kafka handler's SASL/SCRAM: the mechanisms offered, both exchange paths, failure and the principal. */
import { describe, expect, it } from 'vitest'
import type { BrokerService } from '../service.ts'
import { decodeResponse, encodeRequest } from './frames.ts'
import { ScramClient, scramLookup } from './sasl-scram.ts'
import { createKafkaHandler, type KafkaAuth, saslMechanisms } from './server.ts'

const advertised = { nodeId: 1, host: 'brook.local', port: 9092 }
const listGroups = async () => ({ errorCode: 0, groups: [] })
const service = { listGroups } as unknown as BrokerService

function req(apiKey: number, apiVersion: number, body: object, correlationId = 1): Uint8Array {
  return encodeRequest({ apiKey, apiVersion, correlationId, clientId: 'test' } as never, body as never)
}

// biome-ignore lint/suspicious/noExplicitAny: test reads loosely typed bodies
function res(apiKey: number, apiVersion: number, bytes: Uint8Array | null): any {
  if (!bytes) throw new Error('no response')
  return decodeResponse(apiKey as never, apiVersion, bytes).body
}

async function auth(over: Partial<KafkaAuth> = {}): Promise<KafkaAuth> {
  return {
    plain: (u, p) => u === 'alice' && p === 'secret',
    scram: await scramLookup(new Map([['alice', 'secret']])),
    ...over,
  }
}

describe('SASL/SCRAM in the Kafka handler', () => {
  it('offers exactly the mechanisms configured', async () => {
    expect(saslMechanisms(await auth())).toEqual(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'])
    expect(saslMechanisms(await auth({ plain: undefined, scramMechanisms: ['SCRAM-SHA-512'] }))).toEqual([
      'SCRAM-SHA-512',
    ])
    const s = createKafkaHandler({
      service,
      advertised,
      auth: await auth({ scramMechanisms: ['SCRAM-SHA-256'] }),
    })
    const hs = res(17, 1, await s.handle(req(17, 1, { mechanism: 'SCRAM-SHA-512' })))
    expect(hs).toEqual({ errorCode: 33, mechanisms: ['PLAIN', 'SCRAM-SHA-256'] })
  })

  for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    it(`${mechanism} over SaslAuthenticate: two rounds, then requests run as User:alice`, async () => {
      const principals: string[] = []
      const s = createKafkaHandler({
        service,
        advertised,
        auth: await auth(),
        serviceFor: (p) => {
          principals.push(p)
          return service
        },
      })
      expect(res(17, 1, await s.handle(req(17, 1, { mechanism }))).errorCode).toBe(0)
      expect(s.authenticated?.()).toBe(false)
      const client = new ScramClient(mechanism, 'alice', 'secret')
      const first = res(36, 2, await s.handle(req(36, 2, { authBytes: client.first() })))
      expect(first.errorCode).toBe(0)
      const final = res(36, 2, await s.handle(req(36, 2, { authBytes: await client.final(first.authBytes) })))
      expect(final.errorCode).toBe(0)
      await client.verify(final.authBytes)
      expect(s.authenticated?.()).toBe(true)
      expect(principals.at(-1)).toBe('User:alice')
      expect(res(16, 0, await s.handle(req(16, 0, {}))).errorCode).toBe(0)
    })
  }

  it('a wrong password answers SASL_AUTHENTICATION_FAILED (58) and the connection is done', async () => {
    const s = createKafkaHandler({ service, advertised, auth: await auth() })
    res(17, 1, await s.handle(req(17, 1, { mechanism: 'SCRAM-SHA-256' })))
    const client = new ScramClient('SCRAM-SHA-256', 'alice', 'wrong')
    const first = res(36, 1, await s.handle(req(36, 1, { authBytes: client.first() })))
    expect(first.errorCode).toBe(0)
    const final = res(36, 1, await s.handle(req(36, 1, { authBytes: await client.final(first.authBytes) })))
    expect(final.errorCode).toBe(58)
    expect(final.errorMessage).toMatch(/invalid credentials with SASL mechanism SCRAM-SHA-256/)
    expect(final.authBytes).toEqual(new Uint8Array(0))
    expect(s.failed?.()).toBe(true)
    await expect(s.handle(req(16, 0, {}))).rejects.toThrow(/failed SASL/)
  })

  it('garbage as the first SCRAM message fails the same way', async () => {
    const s = createKafkaHandler({ service, advertised, auth: await auth() })
    res(17, 1, await s.handle(req(17, 1, { mechanism: 'SCRAM-SHA-512' })))
    const r = res(36, 1, await s.handle(req(36, 1, { authBytes: new Uint8Array([1, 2, 3]) })))
    expect(r.errorCode).toBe(58)
    expect(s.failed?.()).toBe(true)
  })

  it('kafka-python: SaslHandshake v0, then bare SCRAM tokens; a bad proof closes the connection', async () => {
    const s = createKafkaHandler({ service, advertised, auth: await auth() })
    expect(res(17, 0, await s.handle(req(17, 0, { mechanism: 'SCRAM-SHA-512' }))).errorCode).toBe(0)
    const client = new ScramClient('SCRAM-SHA-512', 'alice', 'secret')
    const serverFirst = await s.handle(client.first())
    const serverFinal = await s.handle(await client.final(serverFirst!))
    await client.verify(serverFinal!)
    expect(res(16, 0, await s.handle(req(16, 0, {}))).errorCode).toBe(0)

    const bad = createKafkaHandler({ service, advertised, auth: await auth() })
    res(17, 0, await bad.handle(req(17, 0, { mechanism: 'SCRAM-SHA-512' })))
    const wrong = new ScramClient('SCRAM-SHA-512', 'alice', 'nope')
    const sf = await bad.handle(wrong.first())
    await expect(bad.handle(await wrong.final(sf!))).rejects.toThrow(
      /SASL\/SCRAM-SHA-512 authentication failed/,
    )
  })

  it('raw tokens go out size-prefixed through handleFrame', async () => {
    const s = createKafkaHandler({ service, advertised, auth: await auth() })
    await s.handle(req(17, 0, { mechanism: 'SCRAM-SHA-256' }))
    const client = new ScramClient('SCRAM-SHA-256', 'alice', 'secret')
    const chunks = (await s.handleFrame!(client.first()))!
    const size = new DataView(chunks[0]!.buffer, chunks[0]!.byteOffset).getInt32(0)
    expect(size).toBe(chunks[1]!.byteLength)
    expect(new TextDecoder().decode(chunks[1])).toMatch(/^r=.+,s=.+,i=4096$/)
  })
})
