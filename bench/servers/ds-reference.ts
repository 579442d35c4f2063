/**
 * @module The reference Durable Streams server (`@durable-streams/server`) in a process of its own.
 * argv: `memory`, or `file <dir>` (its FileBackedStreamStore: fdatasync per append). Prints
 * `ready <url>`.
 */

import { DurableStreamTestServer } from '@durable-streams/server'

const [kind, dir] = process.argv.slice(2)
const server = new DurableStreamTestServer({ port: 0, ...(kind === 'file' ? { dataDir: dir } : {}) })
const url = await server.start()
console.log(`ready ${url}`)
process.on('SIGTERM', async () => {
  await server.stop()
  process.exit(0)
})
