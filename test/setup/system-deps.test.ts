/**
 * @module `npm test`'s first step (scripts/system-deps.mjs) on a machine that lacks what the tests
 * drive and may not install it: it must stop at once, naming each missing program, its Debian
 * package and the command that installs them — never let half the test files fail later.
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'system-deps.mjs')

function check(env: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string }> {
  return new Promise((ok) => {
    execFile(process.execPath, [SCRIPT], { env: { ...process.env, ...env } }, (error, out, err) =>
      ok({ code: error ? Number(error.code) : 0, out, err }),
    )
  })
}

describe('the test run’s system dependencies', () => {
  it('stops with one message naming what is missing and how to install it', async () => {
    const r = await check({ CHROMIUM_PATH: '/nonexistent/chromium', BROOK_SYSTEM_DEPS_NO_INSTALL: '1' })
    expect(r.code).toBe(1)
    expect(r.err).toContain('Chromium at /nonexistent/chromium (browser tests): Debian package chromium')
    expect(r.err).toContain('sudo apt-get update && sudo apt-get install -y chromium')
    // Only what is missing: this machine has the rest (the check itself ran for them).
    expect(r.err).not.toContain('Debian package kcat')
  })

  it('passes quietly when everything is there', async () => {
    const r = await check({ BROOK_SYSTEM_DEPS_NO_INSTALL: '1' })
    expect(r).toEqual({ code: 0, out: '', err: '' })
  })

  it('can be skipped', async () => {
    const r = await check({ CHROMIUM_PATH: '/nonexistent/chromium', BROOK_SKIP_SYSTEM_DEPS: '1' })
    expect(r.code).toBe(0)
  })
})
