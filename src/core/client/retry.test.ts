/** @module Every remote call has a deadline: a transport that never answers ends in REQUEST_TIMED_OUT. */
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../clock.ts'
import { BrookError } from '../errors.ts'
import type { BrokerService } from '../service.ts'
import { createBrook } from './brook.ts'
import { retryPolicy, withRetry, withTimeout } from './retry.ts'

const never = new Proxy({} as BrokerService, { get: () => () => new Promise(() => {}) })

describe('timeouts and retries', () => {
  it('fails a call to a silent transport with REQUEST_TIMED_OUT after requestTimeoutMs', async () => {
    const clock = new ManualClock()
    const admin = createBrook({ service: never, clock, requestTimeoutMs: 5000 }).admin()
    const p = admin.listTopics()
    let settled = false
    p.catch(() => {}).finally(() => {
      settled = true
    })
    clock.advance(4999)
    await Promise.resolve()
    expect(settled).toBe(false)
    clock.advance(1)
    await expect(p).rejects.toMatchObject({ type: 'REQUEST_TIMED_OUT', retriable: true })
  })

  it('turns foreign errors from a transport into BrookError', async () => {
    const clock = new ManualClock()
    await expect(withTimeout(clock, Promise.reject(new TypeError('boom')), 100, 'x')).rejects.toBeInstanceOf(
      BrookError,
    )
  })

  it('retries retriable errors with back-off and gives up on the others', async () => {
    const clock = new ManualClock()
    let calls = 0
    const p = withRetry(clock, retryPolicy({ retries: 3, initialRetryTime: 100 }), async () => {
      calls++
      if (calls < 3) throw new BrookError('LEADER_NOT_AVAILABLE')
      return 'ok'
    })
    for (let i = 0; i < 10 && calls < 3; i++) {
      await new Promise((r) => setTimeout(r, 0))
      clock.advance(1000)
    }
    await expect(p).resolves.toBe('ok')
    let fatal = 0
    await expect(
      withRetry(clock, retryPolicy({ retries: 3 }), async () => {
        fatal++
        throw new BrookError('INVALID_TOPIC_EXCEPTION')
      }),
    ).rejects.toMatchObject({ type: 'INVALID_TOPIC_EXCEPTION' })
    expect(fatal).toBe(1)
  })
})
