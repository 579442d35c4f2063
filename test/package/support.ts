/**
 * @module Throwaway consumer projects for the packaging tests: a temp folder with its own
 * package.json, the packed tarball installed with `npm install` as a user would, and the tools a
 * user would have (vite, webpack, TypeScript, @types/node) linked from this repository's
 * devDependencies so that the tests need no network. Plus the code blocks of README.md, which the
 * tests run exactly as written.
 */

import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { inject } from 'vitest'

export { type StaticServer, serveStatic } from '../support/static-server.ts'

export const ROOT = join(import.meta.dirname, '..', '..')
export const TARBALL = inject('tarball')

export interface RunResult {
  code: number
  out: string
  err: string
}

export function run(
  cmd: string,
  args: string[],
  opts: { cwd: string; timeout?: number; env?: NodeJS.ProcessEnv },
): Promise<RunResult> {
  return new Promise((ok) => {
    execFile(
      cmd,
      args,
      { cwd: opts.cwd, timeout: opts.timeout ?? 120_000, env: opts.env ?? process.env, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        ok({ code, out: stdout, err: stderr })
      },
    )
  })
}

export interface Project {
  dir: string
  close(): Promise<void>
}

/**
 * A new project folder holding `files`, with the tarball installed by npm, then `links` (package
 * names of this repository's devDependencies) linked into its node_modules. Links come after the
 * install: npm prunes what it did not install itself.
 */
export async function consumerProject(files: Record<string, string>, links: string[] = []): Promise<Project> {
  const dir = await mkdtemp(join(tmpdir(), 'brook-consumer-'))
  const pkg = { name: 'brook-consumer', version: '0.0.0', private: true, type: 'module' }
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`)
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true })
    await writeFile(join(dir, name), text)
  }
  const npm = await run('npm', ['install', TARBALL, '--no-audit', '--no-fund', '--no-update-notifier'], {
    cwd: dir,
  })
  if (npm.code !== 0) throw new Error(`npm install of the tarball failed:\n${npm.err}`)
  for (const name of links) {
    const to = join(dir, 'node_modules', name)
    await mkdir(dirname(to), { recursive: true })
    await symlink(join(ROOT, 'node_modules', name), to, 'dir')
  }
  return { dir, close: () => rm(dir, { recursive: true, force: true }) }
}

/** The code blocks of README.md in the section headed `heading`, in order. */
export async function readmeBlocks(heading: string): Promise<{ lang: string; code: string }[]> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8')
  const start = readme.indexOf(`\n## ${heading}\n`)
  if (start < 0) throw new Error(`README.md has no section "## ${heading}"`)
  const next = readme.indexOf('\n## ', start + 1)
  const section = readme.slice(start, next < 0 ? undefined : next)
  return [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, code: m[2]! }))
}
