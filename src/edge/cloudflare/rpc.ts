/**
 * @module Calls into Durable Objects. A BrookError thrown inside one would reach the caller as a
 * plain Error (RPC keeps only the message), so it travels as data and is thrown again, the same
 * BrookError, on the calling side.
 */

import { BrookError, isBrookError, type KafkaErrorName } from '../../core/errors.ts'
import { ACL_METHODS, SERVICE_METHODS } from '../../core/service.ts'

export type Answer<T> = { ok: true; value: T } | { ok: false; type: KafkaErrorName; detail: string }

export async function answer<T>(run: () => Promise<T>): Promise<Answer<T>> {
  try {
    return { ok: true, value: await run() }
  } catch (e) {
    if (isBrookError(e)) return { ok: false, type: e.type, detail: e.detail }
    return { ok: false, type: 'UNKNOWN_SERVER_ERROR', detail: e instanceof Error ? e.message : String(e) }
  }
}

export function unwrap<T>(a: Answer<T>): T {
  if (a.ok) return a.value
  throw new BrookError(a.type, a.detail)
}

/** A Durable Object stub that answers `call(method, args)`. */
export interface CallStub {
  call(method: string, args: unknown[]): Promise<Answer<unknown>>
}

/** `target` over RPC: each method of `methods` becomes `stub.call(method, args)`. */
export function remote<T extends object>(stub: () => CallStub, methods: readonly string[]): T {
  const out: Record<string, unknown> = {}
  for (const m of methods) out[m] = async (...args: unknown[]) => unwrap(await stub().call(m, args))
  return out as T
}

/** Runs `method` of `target` if it is one of `methods`. */
export function dispatch(
  target: object,
  methods: readonly string[],
  method: string,
  args: unknown[],
): Promise<Answer<unknown>> {
  return answer(async () => {
    if (!methods.includes(method)) throw new BrookError('INVALID_REQUEST', `no method ${method}`)
    return (target as Record<string, (...a: unknown[]) => Promise<unknown>>)[method]!(...args)
  })
}

export const BROKER_METHODS = [...SERVICE_METHODS, ...ACL_METHODS] as const

export const PARTITION_METHODS = ['produce', 'fetch', 'listOffset', 'deleteRecords', 'drop'] as const
