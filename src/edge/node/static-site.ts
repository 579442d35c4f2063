/**
 * @module A folder served read-only over the relay's HTTP port: what `brook serve --demo` mounts at
 * `/` for the teaching demo. GET and HEAD of files under the folder, nothing else: no listing, no
 * path outside it, no request body read.
 */

import { readFile, stat } from 'node:fs/promises'
import { extname, join, normalize, resolve, sep } from 'node:path'
import type { Context } from 'hono'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
}

/** A Hono handler for the files under `dir`. */
export function staticSite(dir: string): (c: Context) => Promise<Response> {
  const root = resolve(dir)
  return async (c) => {
    const headers: Record<string, string> = { 'x-content-type-options': 'nosniff' }
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD')
      return c.body(null, 405, { ...headers, allow: 'GET, HEAD' })
    let path: string
    try {
      path = decodeURIComponent(new URL(c.req.url).pathname)
    } catch {
      return c.body(null, 400, headers)
    }
    if (path.endsWith('/')) path += 'index.html'
    const file = resolve(root, normalize(`.${path}`))
    // Anything that resolves outside the folder is as absent as a file that is not there.
    if (file !== root && !file.startsWith(root + sep)) return c.body(null, 404, headers)
    try {
      if (!(await stat(file)).isFile()) throw new Error('not a file')
      const body = await readFile(file)
      // Vite names built assets by content hash: they never change under their name.
      const cache = file.startsWith(join(root, 'assets') + sep)
        ? 'public, max-age=31536000, immutable'
        : 'no-cache'
      // Node sends no body for HEAD, whatever is given.
      return c.body(new Uint8Array(body), 200, {
        ...headers,
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'cache-control': cache,
        'content-length': String(body.length),
      })
    } catch {
      return c.body(null, 404, headers)
    }
  }
}
