#!/usr/bin/env node
/**
 * @module Runs before `npm test` (the `pretest` script): makes sure the programs the tests drive are
 * on this machine — Debian's Chromium for the browser tests, kcat, kafka-python and confluent-kafka
 * for the interop tests. What is missing is installed with apt-get when this process may (root, or
 * password-less sudo); otherwise the run stops at once with one message naming what to install,
 * rather than half the test files failing later. Plain JavaScript so it runs before anything is built.
 *
 * `BROOK_SKIP_SYSTEM_DEPS=1` skips the check (for running a few unit tests on a machine without them).
 * `BROOK_SYSTEM_DEPS_NO_INSTALL=1` checks without installing (what its own test uses).
 */

import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const PYTHON = '/usr/bin/python3'
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** What the tests need: the Debian package that provides it, and how to tell it is here. */
const NEEDS = [
  { pkg: 'chromium', what: `Chromium at ${CHROMIUM} (browser tests)`, present: () => existsSync(CHROMIUM) },
  { pkg: 'kcat', what: 'kcat (interop tests)', present: () => runs('kcat', ['-V']) },
  {
    pkg: 'python3-kafka',
    what: `kafka-python for ${PYTHON} (interop tests)`,
    present: () => runs(PYTHON, ['-c', 'import kafka']),
  },
  {
    pkg: 'python3-confluent-kafka',
    what: `confluent-kafka for ${PYTHON} (interop tests)`,
    present: () => runs(PYTHON, ['-c', 'import confluent_kafka']),
  },
  // kafka-python's snappy, lz4 and zstd (kafka.codec) and the codec tests' reference encoders.
  {
    pkg: 'python3-snappy',
    what: `python-snappy for ${PYTHON} (compression tests)`,
    present: () => runs(PYTHON, ['-c', 'import snappy']),
  },
  {
    pkg: 'python3-lz4',
    what: `lz4 for ${PYTHON} (compression tests)`,
    present: () => runs(PYTHON, ['-c', 'import lz4.frame']),
  },
  {
    pkg: 'python3-zstandard',
    what: `zstandard for ${PYTHON} (compression tests)`,
    present: () => runs(PYTHON, ['-c', 'import zstandard']),
  },
]

function runs(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 20_000 })
  return r.status === 0
}

const missing = () => NEEDS.filter((n) => !n.present())

function fail(list, why) {
  const pkgs = list.map((n) => n.pkg).join(' ')
  process.stderr.write(
    [
      '',
      `brook's tests need programs this machine does not have${why ? ` (${why})` : ''}:`,
      ...list.map((n) => `  - ${n.what}: Debian package ${n.pkg}`),
      '',
      'Install them, then run npm test again:',
      `  sudo apt-get update && sudo apt-get install -y ${pkgs}`,
      '(or set BROOK_SKIP_SYSTEM_DEPS=1 to run without them; the browser and interop tests will fail)',
      '',
    ].join('\n'),
  )
  process.exit(1)
}

/** The command prefix that runs apt-get as root, or undefined when this process cannot. */
function asRoot() {
  if (process.env.BROOK_SYSTEM_DEPS_NO_INSTALL === '1') return undefined
  if (!runs('apt-get', ['--version'])) return undefined
  if (process.getuid?.() === 0) return []
  if (runs('sudo', ['-n', 'true'])) return ['sudo', '-n']
  return undefined
}

function apt(prefix, args) {
  const [cmd, ...rest] = [...prefix, 'apt-get', ...args]
  const r = spawnSync(cmd, rest, {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: 15 * 60_000,
  })
  return r.status === 0
}

if (process.env.BROOK_SKIP_SYSTEM_DEPS !== '1') {
  const before = missing()
  if (before.length > 0) {
    const prefix = asRoot()
    if (!prefix) fail(before, 'cannot run apt-get as root here')
    const pkgs = before.map((n) => n.pkg)
    process.stdout.write(`brook: installing what the tests need: ${pkgs.join(' ')} (apt-get)…\n`)
    if (!apt(prefix, ['update', '-qq']) || !apt(prefix, ['install', '-y', '-qq', ...pkgs]))
      fail(before, 'apt-get failed')
    const after = missing()
    if (after.length > 0) fail(after, 'still missing after apt-get install')
    process.stdout.write('brook: test dependencies installed\n')
  }
}
