/** @module The JSON error answer of every HTTP door: `{ error, message }` with its status and headers. */

import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { toHttpError } from './http-errors.ts'

export function errorResponse(c: Context, e: unknown): Response {
  const err = toHttpError(e)
  for (const [k, v] of Object.entries(err.headers)) c.header(k, v)
  return c.json({ error: err.error, message: err.message }, err.status as ContentfulStatusCode)
}
