/** @module SASL/PLAIN (RFC 4616): the one token a client sends, parsed without trusting its shape. */

export interface PlainCredentials {
  authzid: string
  username: string
  password: string
}

/** `[authzid] NUL authcid NUL passwd`, UTF-8; null when the token is not of that form. */
export function parsePlainToken(token: Uint8Array): PlainCredentials | null {
  const first = token.indexOf(0)
  if (first < 0) return null
  const second = token.indexOf(0, first + 1)
  if (second < 0 || token.indexOf(0, second + 1) >= 0) return null
  const dec = new TextDecoder('utf-8', { fatal: true })
  try {
    const username = dec.decode(token.subarray(first + 1, second))
    const password = dec.decode(token.subarray(second + 1))
    if (!username) return null
    return { authzid: dec.decode(token.subarray(0, first)), username, password }
  } catch {
    return null
  }
}
