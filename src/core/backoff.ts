/** @module Exponential backoff with full jitter, shared by everything that reconnects. */

export interface BackoffOptions {
  /** The ceiling after the first failure. Default 100 ms. */
  initialDelayMs?: number
  /** The ceiling never grows past this. Default 10 s. */
  maxDelayMs?: number
}

/**
 * How long to wait after `failures` failures in a row: anywhere in [0, min(max, initial·2^n)]
 * ("full jitter", AWS architecture blog), so that many clients that lost a server together do not
 * all come back in one instant. At least 1 ms.
 */
export function fullJitterDelay(
  failures: number,
  opts: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const base = opts.initialDelayMs ?? 100
  const cap = opts.maxDelayMs ?? 10_000
  const ceiling = Math.min(cap, base * 2 ** Math.min(failures, 30))
  return Math.max(1, Math.floor(random() * ceiling))
}
