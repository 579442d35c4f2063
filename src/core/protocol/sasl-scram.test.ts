/** SCRAM-SHA-256/512: RFC 7677's exchange, both sides against each other, and hostile messages. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  escapeSaslName,
  fromBase64,
  SCRAM_MECHANISMS,
  ScramClient,
  type ScramCredential,
  type ScramMechanism,
  ScramServer,
  scramCredential,
  scramLookup,
  unescapeSaslName,
} from './sasl-scram.ts'

const text = (b: Uint8Array) => new TextDecoder().decode(b)
const bytes = (s: string) => new TextEncoder().encode(s)

// RFC 7677 §3: user "user", password "pencil".
const V = {
  clientNonce: 'rOprNGfwEbeRWgbNEkqO',
  serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  salt: 'W22ZaJ0SNY7soEsUEjb6gQ==',
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal:
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
}

/** ClientProof of RFC 5802 §3 for SCRAM-SHA-256 at 4096 iterations, computed here independently. */
async function rfcProof(password: string, salt: Uint8Array, authMessage: string): Promise<string> {
  const subtle = globalThis.crypto.subtle
  const pw = await subtle.importKey('raw', bytes(password), 'PBKDF2', false, ['deriveBits'])
  const salted = await subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: new Uint8Array(salt), iterations: 4096 },
    pw,
    256,
  )
  const mac = async (key: ArrayBuffer, data: Uint8Array<ArrayBuffer>) =>
    new Uint8Array(
      await subtle.sign(
        'HMAC',
        await subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']),
        data,
      ),
    )
  const clientKey = await mac(salted, bytes('Client Key'))
  const storedKey = await subtle.digest('SHA-256', clientKey)
  const signature = await mac(storedKey, bytes(authMessage))
  return btoa(String.fromCharCode(...clientKey.map((b, i) => b ^ signature[i]!)))
}

async function vectorCredential(): Promise<ScramCredential> {
  return scramCredential('SCRAM-SHA-256', 'pencil', { salt: fromBase64(V.salt)!, iterations: 4096 })
}

/** A full exchange between brook's client and server; the server's result. */
async function exchange(
  mechanism: ScramMechanism,
  lookup: Map<string, string>,
  user: string,
  password: string,
) {
  const server = new ScramServer(mechanism, await scramLookup(lookup, [mechanism]))
  const client = new ScramClient(mechanism, user, password)
  const s1 = await server.step(client.first())
  if (s1.kind !== 'continue') return s1
  const s2 = await server.step(await client.final(s1.response))
  if (s2.kind === 'done') await client.verify(s2.response)
  return s2
}

describe('SCRAM-SHA-256, RFC 7677 §3', () => {
  it('the client sends exactly the RFC messages and accepts the server signature', async () => {
    const client = new ScramClient('SCRAM-SHA-256', 'user', 'pencil', V.clientNonce)
    expect(text(client.first())).toBe(V.clientFirst)
    expect(text(await client.final(bytes(V.serverFirst)))).toBe(V.clientFinal)
    await expect(client.verify(bytes(V.serverFinal))).resolves.toBeUndefined()
    await expect(client.verify(bytes('v=AAAA'))).rejects.toThrow(/SASL_AUTHENTICATION_FAILED/)
    await expect(client.verify(bytes('e=invalid-proof'))).rejects.toThrow(/invalid-proof/)
  })

  it('the server answers exactly the RFC messages from a stored credential', async () => {
    const cred = await vectorCredential()
    const server = new ScramServer('SCRAM-SHA-256', (u) => (u === 'user' ? cred : undefined), V.serverNonce)
    const first = await server.step(bytes(V.clientFirst))
    expect(first.kind).toBe('continue')
    expect(text((first as { response: Uint8Array }).response)).toBe(V.serverFirst)
    const final = await server.step(bytes(V.clientFinal))
    expect(final).toMatchObject({ kind: 'done', username: 'user' })
    expect(text((final as { response: Uint8Array }).response)).toBe(V.serverFinal)
    // Over: nothing more is accepted.
    expect((await server.step(bytes(V.clientFinal))).kind).toBe('fail')
  })

  it("accepts librdkafka's client-final, whose nonce repeats the client's part in front", async () => {
    // librdkafka 2.0.2 sends r=<client nonce><client nonce><server nonce>, and its proof covers that;
    // Kafka only checks that the nonce ends with its own.
    const cred = await vectorCredential()
    const server = new ScramServer('SCRAM-SHA-256', () => cred, V.serverNonce)
    expect((await server.step(bytes(V.clientFirst))).kind).toBe('continue')
    const withoutProof = `c=biws,r=${V.clientNonce}${V.clientNonce}${V.serverNonce}`
    const authMessage = `n=user,r=${V.clientNonce},${V.serverFirst},${withoutProof}`
    const proof = await rfcProof('pencil', fromBase64(V.salt)!, authMessage)
    expect((await server.step(bytes(`${withoutProof},p=${proof}`))).kind).toBe('done')
  })

  it('refuses a wrong proof, a wrong nonce and a wrong channel binding', async () => {
    const cred = await vectorCredential()
    const tampered = [
      V.clientFinal.replace('p=dHzb', 'p=dHzc'),
      V.clientFinal.replace('hNlF$k0', 'hNlF$k1'),
      V.clientFinal.replace('c=biws', 'c=eSws'),
      V.clientFinal.replace(/,p=.*/, ''),
    ]
    const errors: string[] = []
    for (const final of tampered) {
      const server = new ScramServer('SCRAM-SHA-256', () => cred, V.serverNonce)
      expect((await server.step(bytes(V.clientFirst))).kind).toBe('continue')
      const r = await server.step(bytes(final))
      expect(r.kind).toBe('fail')
      errors.push((r as { error: string }).error)
    }
    expect(errors).toEqual([
      'invalid-proof',
      'other-error',
      'channel-bindings-dont-match',
      'invalid-encoding',
    ])
  })
})

describe('SCRAM between brook client and server', () => {
  const users = new Map([
    ['alice', 'wonderland'],
    ['a,b=c', 'odd name'],
    ['émile', 'mot de passe ✓'],
  ])

  for (const mechanism of SCRAM_MECHANISMS) {
    it(`${mechanism}: the right password authenticates, a wrong one or an unknown user fails at the proof`, async () => {
      for (const [user, password] of users) {
        expect(await exchange(mechanism, users, user, password)).toMatchObject({
          kind: 'done',
          username: user,
        })
      }
      expect(await exchange(mechanism, users, 'alice', 'nope')).toMatchObject({
        kind: 'fail',
        error: 'invalid-proof',
      })
      // An unknown user is told apart from a wrong password by nothing, not even the salt's stability.
      expect(await exchange(mechanism, users, 'mallory', 'x')).toMatchObject({
        kind: 'fail',
        error: 'invalid-proof',
      })
      const salts = await Promise.all(
        [0, 1].map(async () => {
          const s = new ScramServer(mechanism, undefined)
          const r = await s.step(new ScramClient(mechanism, 'mallory', 'x').first())
          return /,s=([^,]+),/.exec(text((r as { response: Uint8Array }).response))![1]
        }),
      )
      expect(salts[0]).toBe(salts[1])
    })
  }

  it('escapes and unescapes saslnames', () => {
    expect(escapeSaslName('a,b=c')).toBe('a=2Cb=3Dc')
    expect(unescapeSaslName('a=2Cb=3Dc')).toBe('a,b=c')
    expect(unescapeSaslName('a=2')).toBeNull()
    expect(unescapeSaslName('a=41')).toBeNull()
    expect(unescapeSaslName('')).toBeNull()
  })

  it('accepts an authzid equal to the username and the y flag; refuses the rest of the GS2 header', async () => {
    const cred = await vectorCredential()
    const lookup = () => cred
    const run = async (first: string) =>
      (await new ScramServer('SCRAM-SHA-256', lookup).step(bytes(first))).kind
    expect(await run('n,a=user,n=user,r=abc')).toBe('continue')
    expect(await run('y,,n=user,r=abc')).toBe('continue')
    expect(await run('n,a=other,n=user,r=abc')).toBe('fail')
    expect(await run('p=tls-unique,,n=user,r=abc')).toBe('fail')
    expect(await run('n,,m=ext,n=user,r=abc')).toBe('fail')
    expect(await run('n,,n=user,r=abc,tokenauth=true')).toBe('fail')
    expect(await run('n,,n=user,r=ab,c')).toBe('fail')
    expect(await run(`n,,n=${'u'.repeat(9000)},r=abc`)).toBe('fail')
  })

  it('the client refuses a server that does not extend its nonce or asks for too many iterations', async () => {
    const c = () => new ScramClient('SCRAM-SHA-256', 'user', 'pencil', V.clientNonce)
    await expect(c().final(bytes(V.serverFirst.replace('rOprNG', 'xOprNG')))).rejects.toThrow(/nonce/)
    await expect(c().final(bytes(V.serverFirst.replace('i=4096', 'i=100000000')))).rejects.toThrow(
      /iteration/,
    )
    await expect(c().final(bytes(V.serverFirst.replace('i=4096', 'i=1')))).rejects.toThrow(/iteration/)
    await expect(c().final(bytes('e=unknown-user'))).rejects.toThrow(/unknown-user/)
    await expect(c().final(bytes('garbage'))).rejects.toThrow(/malformed/)
  })
})

describe('SCRAM against hostile input', () => {
  it('any client-first and client-final bytes give a clean step, never an exception', async () => {
    const cred = await vectorCredential()
    // Random bytes, and near-valid messages built from the grammar's own pieces.
    const piece = fc.constantFrom(
      'n',
      'y',
      'p=x',
      'a=user',
      'n=user',
      'r=',
      'c=biws',
      'p=',
      's=',
      'i=',
      'm=',
      '=2C',
      '=',
    )
    const near = fc
      .array(fc.oneof(piece, fc.string({ maxLength: 8 })), { maxLength: 8 })
      .map((a) => bytes(a.join(',')))
    const message = fc.oneof(fc.uint8Array({ maxLength: 300 }), near)
    await fc.assert(
      fc.asyncProperty(fc.boolean(), message, message, async (validFirst, first, final) => {
        const server = new ScramServer('SCRAM-SHA-256', (u) => (u === 'user' ? cred : undefined))
        const r1 = await server.step(validFirst ? bytes(V.clientFirst) : first)
        expect(['continue', 'fail']).toContain(r1.kind)
        const r2 = await server.step(final)
        expect(r2.kind).toBe('fail')
      }),
      { numRuns: 300 },
    )
  })

  it('any server messages make the client fail cleanly with SASL_AUTHENTICATION_FAILED', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }), async (a, b) => {
        const client = new ScramClient('SCRAM-SHA-256', 'user', 'pencil')
        client.first()
        await expect(client.final(a)).rejects.toMatchObject({ type: 'SASL_AUTHENTICATION_FAILED' })
        await expect(client.verify(b)).rejects.toMatchObject({ type: 'SASL_AUTHENTICATION_FAILED' })
      }),
      { numRuns: 300 },
    )
  })
})
