/**
 * @module Reading a request's body. A runtime adapter may set a faster reader on the context
 * (`BODY_READER`; the Node relay reads the IncomingMessage directly); otherwise the web path.
 */

import type { Context } from 'hono'

/** The context variable holding a runtime's own body reader. */
export const BODY_READER = 'brookBodyReader'

export type BodyReader = (c: Context) => Promise<Uint8Array> | undefined

export async function requestBytes(c: Context): Promise<Uint8Array> {
  const read = c.get(BODY_READER as never) as BodyReader | undefined
  return (await read?.(c)) ?? new Uint8Array(await c.req.arrayBuffer())
}
