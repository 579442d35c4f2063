/**
 * @module Runs once before the test files: builds the package (`dist/`) and packs it as a user
 * would receive it, so that the CLI tests run the compiled `brook` command, the browser tests load
 * the built `brook/worker`, and the packaging tests install exactly this tarball.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { TestProject } from 'vitest/node'
import { buildPackage } from '../scripts/build.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Absolute path of the packed `brook-<version>.tgz`. */
    tarball: string
  }
}

const ROOT = join(import.meta.dirname, '..')

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await buildPackage()
  const dir = await mkdtemp(join(tmpdir(), 'brook-tarball-'))
  // Scripts off: `prepack` would build again, under test files that already use `dist/`.
  const { stdout } = await promisify(execFile)(
    'npm',
    ['pack', '--json', '--ignore-scripts', '--pack-destination', dir],
    { cwd: ROOT },
  )
  const [packed] = JSON.parse(stdout) as { filename: string }[]
  project.provide('tarball', join(dir, packed!.filename))
  return () => rm(dir, { recursive: true, force: true })
}
