/** @module A static file server on 127.0.0.1 for browser tests: a built site, as any host would serve it. */

import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, normalize, resolve } from 'node:path'

const MIME: Record<string, string> = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.html': 'text/html',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
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
