/**
 * @module Request bodies on Node, read straight from the `IncomingMessage` that @hono/node-server
 * passes as `c.env.incoming`: building a web `Request` around it (what `c.req.arrayBuffer()` does)
 * costs more than the rest of a small append. Falls back to the web path when something has
 * already started reading the stream.
 */

import type { IncomingMessage } from 'node:http'
import type { Context } from 'hono'

export function readNodeBody(c: Context, maxBytes: number): Promise<Uint8Array> | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming
  if (!incoming || incoming.readableDidRead || incoming.readableEnded) return undefined
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      // The relay's own limit was checked on Content-Length; a body longer than it said is refused.
      if (size > maxBytes) {
        cleanup()
        incoming.destroy()
        reject(new Error('the request body is over the limit'))
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => {
      cleanup()
      const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)
      resolve(new Uint8Array(all.buffer, all.byteOffset, all.byteLength))
    }
    const onError = (e: Error) => {
      cleanup()
      reject(e)
    }
    const cleanup = () => {
      incoming.off('data', onData)
      incoming.off('end', onEnd)
      incoming.off('error', onError)
    }
    incoming.on('data', onData)
    incoming.on('end', onEnd)
    incoming.on('error', onError)
  })
}
