/**
 * A client that asks for a version brook does not support (issue 13: a current client retrying
 * Metadata v13 wrote 1,700 identical lines a minute): each connection is closed, as Kafka does,
 * and the broker says so once per client — named by client.id and host — not once per connection.
 */

import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SUPPORTED_APIS } from '../../src/core/protocol/server-apis.ts'
import { type Brook, startBrook } from './support.ts'

/** A Metadata request header (v1: key, version, correlation id, client.id) and a few body bytes. */
function frame(clientId: string, version: number): Buffer {
  const id = Buffer.from(clientId)
  const body = Buffer.alloc(2 + 2 + 4 + 2 + id.length + 5)
  body.writeInt16BE(3, 0)
  body.writeInt16BE(version, 2)
  body.writeInt32BE(7, 4)
  body.writeInt16BE(id.length, 8)
  id.copy(body, 10)
  const size = Buffer.alloc(4)
  size.writeInt32BE(body.length)
  return Buffer.concat([size, body])
}

/** Sends `frame` on a new connection and resolves when brook closes it. */
function refused(port: number, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(bytes))
    s.on('data', () => reject(new Error('brook answered an unsupported version')))
    s.on('close', () => resolve())
    s.on('error', () => {})
  })
}

describe('a client asking for an unsupported version', () => {
  let brook: Brook
  beforeAll(async () => {
    brook = await startBrook()
  })
  afterAll(async () => {
    await brook?.close()
  })

  it('has each connection closed, and is logged once per client, naming the API, version and range', async () => {
    const max = SUPPORTED_APIS.get(3)![1]
    for (let i = 0; i < 6; i++) await refused(brook.port, frame('too-new', max + 5))
    await refused(brook.port, frame('another', max + 5))
    const about = (who: string) => brook.logs.filter((l) => l.includes(`'${who}'`))
    expect(about('too-new')).toHaveLength(1)
    expect(about('too-new')[0]).toMatch(
      new RegExp(`asked for Metadata v${max + 5}; brook supports v0–${max}`),
    )
    expect(about('another')).toHaveLength(1)
  })
})
