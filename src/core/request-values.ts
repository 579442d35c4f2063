/**
 * @module Reading values out of requests that may come from anywhere (a transport, a page, a
 * fuzzer): never trusting their types, never throwing anything but BrookError while doing so.
 */

import type { KafkaErrorName } from './errors.ts'
import { errorCode, errorDetail, isBrookError } from './errors.ts'

export const NONE = 0

export const code = (name: KafkaErrorName): number => errorCode(name)

export function errorCodeOf(e: unknown): number {
  return isBrookError(e) ? e.code : code('UNKNOWN_SERVER_ERROR')
}

/** A response's `error_message`: the detail, without the Kafka name its error code already gives. */
export function errorMessageOf(e: unknown): string {
  return e instanceof Error || isBrookError(e) ? errorDetail(e) : show(e)
}

/** Text for any value a caller sent, even one without a prototype (String() would throw). */
export function show(x: unknown): string {
  if (typeof x === 'string') return x
  if (typeof x === 'number' || typeof x === 'boolean' || x === null || x === undefined) return `${x}`
  return typeof x
}

/** A request entry's topic name; '' when it is not a string. */
export function nameOf(t: unknown): string {
  const name = (t as { name?: unknown } | null | undefined)?.name
  return typeof name === 'string' ? name : ''
}

export function isInt(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n)
}
