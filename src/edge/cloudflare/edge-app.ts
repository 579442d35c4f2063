/**
 * @module The edge app of a Cloudflare deployment, one per isolate: what the Worker serves and
 * what the BrookStreams object serves for Durable Streams. Closed by default: without credentials
 * configured (tokens, JWT) every request but /healthz is refused, unless BROOK_INSECURE=true.
 */

import { createEdgeApp, type EdgeApp } from '../app/app.ts'
import type { EdgeAuth } from '../app/auth.ts'
import { type BrookEnv, clusterAuthorizer, clusterService, PRINCIPAL_HEADER } from './cluster.ts'

function authFrom(env: BrookEnv): EdgeAuth | undefined {
  const tokens: Record<string, string> = {}
  for (const spec of (env.BROOK_TOKENS ?? '').split(',').filter(Boolean)) {
    const at = spec.lastIndexOf('=')
    if (at > 0) tokens[spec.slice(0, at)] = spec.slice(at + 1)
  }
  const jwt =
    env.BROOK_JWT_SECRET || env.BROOK_JWT_PUBLIC_KEY || env.BROOK_JWKS_URL
      ? {
          secret: env.BROOK_JWT_SECRET,
          publicKey: env.BROOK_JWT_PUBLIC_KEY,
          jwks: env.BROOK_JWKS_URL,
          issuer: env.BROOK_JWT_ISSUER,
          audience: env.BROOK_JWT_AUDIENCE,
        }
      : undefined
  if (Object.keys(tokens).length > 0 || jwt) return { tokens, jwt }
  if (env.BROOK_INSECURE === 'true') return undefined
  // Nothing configured and not told otherwise: no credential can match.
  return { tokens: {} }
}

const apps = new WeakMap<object, EdgeApp>()

/** The app for this deployment's bindings (cached per isolate). */
export function appFor(env: BrookEnv): EdgeApp {
  let app = apps.get(env.BROOK_COORDINATOR)
  if (!app) {
    app = createEdgeApp({
      broker: clusterService(env),
      auth: authFrom(env),
      origins: (env.BROOK_ALLOW_ORIGINS ?? '').split(',').filter(Boolean),
      authorizer: clusterAuthorizer(env),
      limits: env.BROOK_MAX_WAIT_MS ? { maxWaitMs: Number(env.BROOK_MAX_WAIT_MS) } : undefined,
      // The gateway learns the socket's principal from the Worker alone: a client's own header is replaced.
      webSocket: (request, principal) => {
        const headers = new Headers(request.headers)
        headers.set(PRINCIPAL_HEADER, principal ?? 'User:ANONYMOUS')
        return env.BROOK_GATEWAY.get(env.BROOK_GATEWAY.newUniqueId()).fetch(new Request(request, { headers }))
      },
    })
    apps.set(env.BROOK_COORDINATOR, app)
  }
  return app
}
