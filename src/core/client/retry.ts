/**
 * @module Timeouts and retries for remote calls. Every call a client makes goes through `call`, so a
 * dead transport (a Worker that was killed, a socket that went silent) ends in REQUEST_TIMED_OUT
 * instead of a promise that never settles.
 */
import type { Clock } from '../clock.ts'
import { BrookError, errorDetail, isBrookError } from '../errors.ts'
import type { RetryOptions } from './types.ts'

export interface RetryPolicy {
  retries: number
  initialRetryTime: number
  maxRetryTime: number
  factor: number
  multiplier: number
}

export function retryPolicy(opts: RetryOptions | undefined, base?: RetryPolicy): RetryPolicy {
  return {
    retries: opts?.retries ?? base?.retries ?? 5,
    initialRetryTime: opts?.initialRetryTime ?? base?.initialRetryTime ?? 300,
    maxRetryTime: opts?.maxRetryTime ?? base?.maxRetryTime ?? 30_000,
    factor: opts?.factor ?? base?.factor ?? 0.2,
    multiplier: opts?.multiplier ?? base?.multiplier ?? 2,
  }
}

/** Back-off before retry number `attempt` (0-based), with jitter so that many clients spread out. */
export function backoff(policy: RetryPolicy, attempt: number): number {
  const base = Math.min(policy.maxRetryTime, policy.initialRetryTime * policy.multiplier ** attempt)
  const jitter = base * policy.factor * (Math.random() * 2 - 1)
  return Math.max(0, Math.round(base + jitter))
}

export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms))
}

/** Turns anything a transport throws into a BrookError (a Kafka name a user can switch on). */
export function toBrookError(e: unknown): BrookError {
  if (e instanceof BrookError) return e
  if (isBrookError(e)) {
    // Crossed a structured-clone boundary: rebuild the class from its name.
    const t = (e as { type?: string }).type
    try {
      return new BrookError(t as BrookError['type'], errorDetail(e))
    } catch {
      /* fall through */
    }
  }
  const message = e instanceof Error ? e.message : String(e)
  return new BrookError('UNKNOWN_SERVER_ERROR', message, { cause: e })
}

/** Rejects with REQUEST_TIMED_OUT when `p` does not settle within `ms`; other failures as thrown. */
export function timeout<T>(clock: Clock, p: Promise<T>, ms: number, what: string): Promise<T> {
  if (!Number.isFinite(ms) || ms <= 0) return p
  return new Promise<T>((resolve, reject) => {
    const cancel = clock.setTimeout(
      () => reject(new BrookError('REQUEST_TIMED_OUT', `${what} got no answer within ${ms} ms`)),
      ms,
    )
    p.then(
      (v) => {
        cancel()
        resolve(v)
      },
      (e) => {
        cancel()
        reject(e)
      },
    )
  })
}

/** `timeout`, with every failure as a BrookError. */
export function withTimeout<T>(clock: Clock, p: Promise<T>, ms: number, what: string): Promise<T> {
  return timeout(clock, p, ms, what).catch((e) => {
    throw toBrookError(e)
  })
}

/**
 * Runs `fn` until it succeeds, a non-retriable error is thrown, or the retries are spent. `shouldRetry`
 * can widen what counts as retriable (e.g. a producer retries REQUEST_TIMED_OUT with the same sequence).
 */
export async function withRetry<T>(
  clock: Clock,
  policy: RetryPolicy,
  fn: (attempt: number) => Promise<T>,
  shouldRetry: (e: BrookError) => boolean = (e) => e.retriable,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (e) {
      const err = toBrookError(e)
      if (attempt >= policy.retries || !shouldRetry(err)) throw err
      await sleep(clock, backoff(policy, attempt))
    }
  }
}

/** Parses an offset or timestamp given as a number or a numeric string (kafkajs passes strings). */
export function toNumber(v: number | string | bigint, what: string): number {
  const n = typeof v === 'number' ? v : Number(v)
  if (!Number.isSafeInteger(n))
    throw new BrookError('INVALID_REQUEST', `${what} ${String(v)} is not an integer`)
  return n
}
