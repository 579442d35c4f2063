/**
 * @module Throwaway consumer projects for the packaging tests: a temp folder with its own
 * package.json, the packed tarball installed with `npm install` as a user would, and the tools a
 * user would have (vite, webpack, TypeScript, @types/node) linked from this repository's
 * devDependencies so that the tests need no network. Plus a static file server and the code blocks
 * of README.md, which the tests run exactly as written.
 */

import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, extname, join, normalize, resolve } from 'node:path'
import { inject } from 'vitest'

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

const MIME: Record<string, string> = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.html': 'text/html',
  '.json': 'application/json',
  '.map': 'application/json',
}

export interface StaticServer {
  url: string
  close(): Promise<void>
}

/** Serves `dir` on 127.0.0.1; `cors` adds the header a CDN sends, for cross-origin module loads. */
export async function serveStatic(dir: string, opts: { cors?: boolean } = {}): Promise<StaticServer> {
  const server = createServer(async (req, res) => {
    let path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    if (path.endsWith('/')) path += 'index.html'
    const file = resolve(dir, normalize(`.${path}`))
    const headers: Record<string, string> = opts.cors ? { 'access-control-allow-origin': '*' } : {}
    if (!file.startsWith(dir)) {
      res.writeHead(403, headers).end()
      return
    }
    try {
      const body = await readFile(file)
      const type = MIME[extname(file)] ?? 'application/octet-stream'
      res.writeHead(200, { ...headers, 'content-type': type }).end(body)
    } catch {
      res.writeHead(404, headers).end()
    }
  })
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections()
      await new Promise((ok) => server.close(ok))
    },
  }
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
