/** @module Reading numbers and names out of URLs and bodies, with errors that say what was wrong. */

import type { Context } from 'hono'
import { topicNameProblem } from '../../core/topic-config.ts'
import { requestBytes } from './body.ts'
import { badRequest, HttpError } from './http-errors.ts'

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** An integer query or path value in [min, max]; `fallback` when absent. */
export function intParam(
  raw: string | undefined,
  name: string,
  opts: { min?: number; max?: number; fallback?: number } = {},
): number {
  if (raw === undefined || raw === '') {
    if (opts.fallback !== undefined) return opts.fallback
    throw badRequest(`${name} is required`)
  }
  if (!/^-?\d+$/.test(raw)) throw badRequest(`${name} must be an integer, not ${JSON.stringify(raw)}`)
  const n = Number(raw)
  const min = opts.min ?? 0
  const max = opts.max ?? Number.MAX_SAFE_INTEGER
  if (!Number.isSafeInteger(n) || n < min || n > max) throw badRequest(`${name} must be in [${min}, ${max}]`)
  return n
}

/** A topic name from a path, checked as Kafka checks it. */
export function topicParam(raw: string): string {
  const problem = topicNameProblem(raw)
  if (problem) throw badRequest(problem)
  return raw
}

/** The JSON body of a request, which must be an object. */
export async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  // A page on another site can send text/plain or a form without asking first (no CORS
  // preflight); application/json it cannot. So only JSON sent as JSON changes anything.
  const type = c.req.header('content-type') ?? ''
  if (!/^application\/json\s*(;|$)/i.test(type))
    throw new HttpError(
      'INVALID_REQUEST',
      `send JSON with content-type: application/json (not ${type || 'none'})`,
      415,
    )
  let body: unknown
  try {
    body = JSON.parse(utf8.decode(await requestBytes(c)))
  } catch {
    throw badRequest('the body is not JSON')
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badRequest('the body must be a JSON object')
  return body as Record<string, unknown>
}
