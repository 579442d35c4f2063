/** @module How the HTTP doors find the principal of a request (see auth.ts for what is accepted). */

import type { Context, MiddlewareHandler } from 'hono'
import { createLocalJWKSet, createRemoteJWKSet, importSPKI, type JWTVerifyGetKey, jwtVerify } from 'jose'
import { ANONYMOUS, type EdgeAuth, type JwtAuth } from './auth.ts'
import { HttpError } from './http-errors.ts'

export type AuthEnv = { Variables: { principal: string } }

type Verifier = (token: string) => Promise<string | null>

function jwtVerifier(cfg: JwtAuth): Verifier {
  const opts = { issuer: cfg.issuer, audience: cfg.audience }
  let key: Promise<Uint8Array | CryptoKey | JWTVerifyGetKey>
  if (cfg.secret) key = Promise.resolve(new TextEncoder().encode(cfg.secret))
  else if (cfg.publicKey) key = importSPKI(cfg.publicKey, cfg.algorithm ?? 'RS256')
  else if (typeof cfg.jwks === 'string') key = Promise.resolve(createRemoteJWKSet(new URL(cfg.jwks)))
  else if (cfg.jwks) key = Promise.resolve(createLocalJWKSet(cfg.jwks as never))
  else throw new Error('jwt auth needs a secret, a publicKey or a jwks')
  return async (token) => {
    try {
      const k = await key
      const { payload } = await jwtVerify(token, k as never, opts)
      return typeof payload.sub === 'string' && payload.sub.length > 0 ? payload.sub : null
    } catch {
      return null
    }
  }
}

/** The principal of a request, or null when its credentials are missing or wrong. */
export function authenticator(auth: EdgeAuth | undefined): (c: Context) => Promise<string | null> {
  if (!auth) return async () => ANONYMOUS
  const jwt = auth.jwt ? jwtVerifier(auth.jwt) : undefined
  const tokens = new Map(Object.entries(auth.tokens ?? {}))
  return async (c) => {
    const header = c.req.header('authorization') ?? ''
    const [scheme, value = ''] = header.split(/\s+/, 2) as [string, string?]
    if (scheme.toLowerCase() === 'basic' && auth.basic) {
      let decoded: string
      try {
        decoded = atob(value)
      } catch {
        return null
      }
      const at = decoded.indexOf(':')
      if (at <= 0) return null
      const user = decoded.slice(0, at)
      try {
        return (await auth.basic(user, decoded.slice(at + 1))) === true ? user : null
      } catch {
        return null
      }
    }
    const token = scheme.toLowerCase() === 'bearer' ? value : (c.req.query('access_token') ?? '')
    if (!token) return null
    const named = tokens.get(token)
    if (named !== undefined) return named
    return jwt ? jwt(token) : null
  }
}

/** Rejects unauthenticated requests with 401 (SASL_AUTHENTICATION_FAILED); sets `principal`. */
export function requireAuth(auth: EdgeAuth | undefined): MiddlewareHandler<AuthEnv> {
  const who = authenticator(auth)
  return async (c, next) => {
    const principal = await who(c)
    if (principal === null)
      throw new HttpError('SASL_AUTHENTICATION_FAILED', 'missing or wrong credentials', 401, {
        'www-authenticate': auth?.basic ? 'Basic realm="brook", charset="UTF-8"' : 'Bearer realm="brook"',
      })
    c.set('principal', principal)
    await next()
  }
}
