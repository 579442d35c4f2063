/**
 * @module Who is asking, on the HTTP and WebSocket doors: a principal from a static bearer token, a
 * JWT (`jose`: HS256 with a shared secret, RS256/ES256 with a public key or a JWKS URL; the
 * principal is its `sub`), or HTTP Basic checked like SASL/PLAIN — the same users as the Kafka
 * listener. Browsers cannot set headers on a WebSocket or an EventSource, so `?access_token=` is
 * read too. With no auth configured every request is the principal `ANONYMOUS`.
 */

export interface JwtAuth {
  /** HS256/384/512 shared secret. */
  secret?: string
  /** PEM public key (SPKI) for RS256 / ES256. */
  publicKey?: string
  /** Algorithm of `publicKey`. Default RS256. */
  algorithm?: string
  /** A JWKS document's URL, or the document itself. */
  jwks?: string | { keys: object[] }
  issuer?: string
  audience?: string
}

export interface EdgeAuth {
  /** Static bearer tokens: token → principal name. */
  tokens?: Record<string, string>
  /** HTTP Basic: the same check as SASL/PLAIN. The principal is the user name. */
  basic?: (user: string, password: string) => boolean | Promise<boolean>
  jwt?: JwtAuth
}

export const ANONYMOUS = 'ANONYMOUS'
