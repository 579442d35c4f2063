/**
 * @module A folder served over HTTP, read-only: what `brook serve --demo` uses for the teaching
 * demo until the edge app (Hono) takes the port. GET and HEAD of files under the folder, nothing
 * else: no listing, no path outside it, no request body read, bounded waits.
 */

import { readFile, stat } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, resolve, sep } from 'node:path'

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

export interface StaticSite {
  host: string
  port: number
  close(): Promise<void>
}

export async function serveStaticSite(options: {
  dir: string
  host: string
  port: number
}): Promise<StaticSite> {
  const root = resolve(options.dir)
  const server: Server = createServer(async (req, res) => {
    const headers = { 'x-content-type-options': 'nosniff' }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, allow: 'GET, HEAD' }).end()
      return
    }
    let path: string
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://site').pathname)
    } catch {
      res.writeHead(400, headers).end()
      return
    }
    if (path.endsWith('/')) path += 'index.html'
    const file = resolve(root, normalize(`.${path}`))
    // Anything that resolves outside the folder is as absent as a file that is not there.
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(404, headers).end()
      return
    }
    try {
      if (!(await stat(file)).isFile()) throw new Error('not a file')
      const body = await readFile(file)
      const type = TYPES[extname(file)] ?? 'application/octet-stream'
      // Vite names built assets by content hash: they never change under their name.
      const cache = file.startsWith(join(root, 'assets') + sep)
        ? 'public, max-age=31536000, immutable'
        : 'no-cache'
      res.writeHead(200, {
        ...headers,
        'content-type': type,
        'cache-control': cache,
        'content-length': body.length,
      })
      res.end(req.method === 'HEAD' ? undefined : body)
    } catch {
      res.writeHead(404, headers).end()
    }
  })
  server.headersTimeout = 10_000
  server.requestTimeout = 30_000
  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(options.port, options.host, () => {
      server.off('error', fail)
      ok()
    })
  })
  const { port } = server.address() as AddressInfo
  return {
    host: options.host,
    port,
    async close() {
      server.closeAllConnections()
      await new Promise((ok) => server.close(ok))
    },
  }
}
