/**
 * Who may use the relay: static tokens, JWTs (HS256, RS256 with a key, a JWKS) and HTTP Basic with
 * the SASL/PLAIN users — on REST, SSE, WebSocket and /metrics. Missing, wrong, expired and forged
 * credentials get 401 and write nothing; /healthz stays open.
 */

import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { Broker } from '../../src/core/broker.ts'
import { MemoryStore } from '../../src/core/memory-store.ts'
import type { WebSocketConstructor } from '../../src/core/protocol/client-websocket.ts'
import { connect } from '../../src/edge/node/connect.ts'
import { type Relay, startRelay } from '../../src/edge/node/relay.ts'

const SECRET = 'a shared secret of at least 32 bytes!!'
let broker: Broker
let relay: Relay
let rsa: Awaited<ReturnType<typeof generateKeyPair>>
let jwksRelay: Relay
let ec: Awaited<ReturnType<typeof generateKeyPair>>

const hs = (claims: Record<string, unknown>, exp = '5m', secret = SECRET) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(secret))

beforeAll(async () => {
  broker = await Broker.open({ store: new MemoryStore(), autoCreateTopics: false })
  await broker.createTopics({ topics: [{ name: 'guarded', numPartitions: 1 }] })
  rsa = await generateKeyPair('RS256')
  ec = await generateKeyPair('ES256')
  relay = await startRelay({
    broker,
    port: 0,
    auth: {
      tokens: { 'static-token-1': 'svc-a' },
      basic: (u, p) => u === 'alice' && p === 'wonderland',
      jwt: { secret: SECRET, issuer: 'brook-test' },
    },
  })
  jwksRelay = await startRelay({
    broker,
    port: 0,
    auth: { jwt: { jwks: { keys: [{ ...(await exportJWK(ec.publicKey)), alg: 'ES256', kid: 'k1' }] } } },
  })
})
afterAll(async () => {
  await relay?.close()
  await jwksRelay?.close()
  await broker?.close()
})

const hw = async () =>
  (await broker.listOffsets({ topics: [{ name: 'guarded', partitions: [{ partition: 0, timestamp: -1 }] }] }))
    .topics[0]!.partitions[0]!.offset

async function produceWith(base: string, headers: Record<string, string>) {
  return fetch(`${base}v1/topics/guarded/records`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ records: [{ value: 'x' }] }),
  })
}

describe('relay authentication', () => {
  it('refuses missing, wrong, expired, forged and wrong-issuer credentials with 401, writing nothing', async () => {
    const before = await hw()
    const bad: [string, Record<string, string>][] = [
      ['none', {}],
      ['unknown token', { authorization: 'Bearer nope' }],
      ['wrong password', { authorization: `Basic ${btoa('alice:wrong')}` }],
      ['garbage basic', { authorization: 'Basic !!!' }],
      ['expired JWT', { authorization: `Bearer ${await hs({ sub: 'bob', iss: 'brook-test' }, '-1m')}` }],
      [
        'forged JWT',
        {
          authorization: `Bearer ${await hs({ sub: 'bob', iss: 'brook-test' }, '5m', 'another secret of 32 bytes or more')}`,
        },
      ],
      ['wrong issuer', { authorization: `Bearer ${await hs({ sub: 'bob', iss: 'elsewhere' })}` }],
      ['no subject', { authorization: `Bearer ${await hs({ iss: 'brook-test' })}` }],
      [
        'alg none',
        {
          authorization: `Bearer ${btoa('{"alg":"none"}').replace(/=/g, '')}.${btoa('{"sub":"bob","iss":"brook-test"}').replace(/=/g, '')}.`,
        },
      ],
    ]
    for (const [what, headers] of bad) {
      const res = await produceWith(relay.url, headers)
      expect(res.status, what).toBe(401)
      expect((await res.json()).error, what).toBe('SASL_AUTHENTICATION_FAILED')
      expect(res.headers.get('www-authenticate'), what).toMatch(/realm="brook"/)
    }
    for (const path of ['v1/topics', 'v1/groups', 'metrics', 'v1/topics/guarded/partitions/0/events'])
      expect((await fetch(`${relay.url}${path}`)).status, path).toBe(401)
    expect(await hw()).toBe(before)
    expect((await fetch(`${relay.url}healthz`)).status).toBe(200)
  })

  it('accepts a static token, Basic, an HS256 JWT, and ?access_token= for what cannot set headers', async () => {
    const before = await hw()
    expect((await produceWith(relay.url, { authorization: 'Bearer static-token-1' })).status).toBe(200)
    expect(
      (await produceWith(relay.url, { authorization: `Basic ${btoa('alice:wonderland')}` })).status,
    ).toBe(200)
    expect(
      (
        await produceWith(relay.url, {
          authorization: `Bearer ${await hs({ sub: 'carol', iss: 'brook-test' })}`,
        })
      ).status,
    ).toBe(200)
    expect((await fetch(`${relay.url}v1/topics?access_token=static-token-1`)).status).toBe(200)
    expect(await hw()).toBe(before + 3)
  })

  it('verifies RS256 with a public key and ES256 with a JWKS', async () => {
    const rsRelay = await startRelay({
      broker,
      port: 0,
      auth: { jwt: { publicKey: await exportSPKI(rsa.publicKey) } },
    })
    try {
      const good = await new SignJWT({ sub: 'dave' })
        .setProtectedHeader({ alg: 'RS256' })
        .setExpirationTime('5m')
        .sign(rsa.privateKey)
      expect(
        (await fetch(`${rsRelay.url}v1/topics`, { headers: { authorization: `Bearer ${good}` } })).status,
      ).toBe(200)
      // An HS256 token "signed" with the public key's text must not pass (algorithm confusion).
      const confused = await hs({ sub: 'eve' }, '5m', await exportSPKI(rsa.publicKey))
      expect(
        (await fetch(`${rsRelay.url}v1/topics`, { headers: { authorization: `Bearer ${confused}` } })).status,
      ).toBe(401)
    } finally {
      await rsRelay.close()
    }
    const es = await new SignJWT({ sub: 'frank' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setExpirationTime('5m')
      .sign(ec.privateKey)
    expect(
      (await fetch(`${jwksRelay.url}v1/topics`, { headers: { authorization: `Bearer ${es}` } })).status,
    ).toBe(200)
    const other = await generateKeyPair('ES256')
    const stranger = await new SignJWT({ sub: 'frank' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setExpirationTime('5m')
      .sign(other.privateKey)
    expect(
      (await fetch(`${jwksRelay.url}v1/topics`, { headers: { authorization: `Bearer ${stranger}` } })).status,
    ).toBe(401)
  })

  it('refuses a WebSocket without credentials; connect({ token }) gets in', async () => {
    const refused = await new Promise<number>((ok) => {
      const ws = new WebSocket(`${relay.url.replace('http', 'ws')}v1/ws`)
      ws.on('unexpected-response', (_req, res) => ok(res.statusCode ?? 0))
      ws.on('open', () => ok(101))
    })
    expect(refused).toBe(401)
    // The client asks the relay why (a WebSocket error says nothing), so a bad token is not an outage.
    await expect(connect({ url: relay.url, reconnect: false })).rejects.toThrow(
      /SASL_AUTHENTICATION_FAILED: the relay at .* refused the credentials/,
    )
    await expect(connect({ url: relay.url, token: 'wrong', reconnect: false })).rejects.toThrow(
      /SASL_AUTHENTICATION_FAILED/,
    )
    const brook = await connect({
      url: relay.url,
      token: 'static-token-1',
      WebSocket: WebSocket as unknown as WebSocketConstructor,
    })
    try {
      expect(await brook.admin().listTopics()).toContain('guarded')
    } finally {
      await brook.close()
    }
  })

  it('answers CORS only for the listed origins, and lets only them open the WebSocket', async () => {
    const open = await startRelay({ broker, port: 0, origins: ['https://app.example'] })
    try {
      const preflight = (origin: string) =>
        fetch(`${open.url}v1/topics/guarded/records`, {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'content-type',
          },
        })
      expect((await preflight('https://app.example')).headers.get('access-control-allow-origin')).toBe(
        'https://app.example',
      )
      expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull()
      const wsFrom = (origin: string) =>
        new Promise<number>((ok) => {
          const ws = new WebSocket(`${open.url.replace('http', 'ws')}v1/ws`, { origin })
          ws.on('unexpected-response', (_req, res) => ok(res.statusCode ?? 0))
          ws.on('open', () => {
            ws.close()
            ok(101)
          })
        })
      expect(await wsFrom('https://app.example')).toBe(101)
      expect(await wsFrom('https://evil.example')).toBe(403)
      // Durable Streams clients send and read their own headers: the allowlist covers them too.
      const ds = await fetch(`${open.url}v1/streams/notes`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://app.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,producer-id,producer-epoch,producer-seq',
        },
      })
      expect(ds.headers.get('access-control-allow-origin')).toBe('https://app.example')
      const allowed = (ds.headers.get('access-control-allow-headers') ?? '').toLowerCase()
      for (const h of ['producer-id', 'producer-epoch', 'producer-seq', 'stream-seq'])
        expect(allowed).toContain(h)
      const created = await fetch(`${open.url}v1/streams/cors-notes`, {
        method: 'PUT',
        headers: { origin: 'https://app.example', 'content-type': 'text/plain' },
      })
      expect(created.status).toBe(201)
      expect((created.headers.get('access-control-expose-headers') ?? '').toLowerCase()).toContain(
        'stream-next-offset',
      )
    } finally {
      await open.close()
    }
  })
})
