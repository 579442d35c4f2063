/**
 * @module The physical limits of the sync benchmark (bench/sync.ts), measured in a SharedWorker of
 * the page — where brook's broker and its sync engine run: raw IndexedDB puts of 1,000-record
 * batches and a raw WebSocket to a Node server. (A page's own WebSocket is 2–3× slower under
 * Playwright, which copies every frame it sends or receives into CDP events; a worker's is not.)
 * The page calls it through `rawCall` (bench/sync-page.ts).
 */

import { encodeBatch } from '../src/core/format/record-batch.ts'

export interface Measured {
  records: number
  bytes: number
  seconds: number
}

export const VALUE_BYTES = 100
export const PER_BATCH = 1000

/** The records every part of the benchmark writes: 100-byte values, no key. */
export const values = Array.from({ length: PER_BATCH }, (_, i) => {
  const v = new Uint8Array(VALUE_BYTES)
  for (let j = 0; j < VALUE_BYTES; j++) v[j] = (i * 31 + j) & 0xff
  return v
})
const batch = encodeBatch({ records: values.map((value) => ({ value })) })

function openRaw(name: string): Promise<IDBDatabase> {
  return new Promise((ok, fail) => {
    const req = indexedDB.open(name, 1)
    req.onupgradeneeded = () => {
      req.result.createObjectStore('b')
      req.result.createObjectStore('m')
    }
    req.onsuccess = () => ok(req.result)
    req.onerror = () => fail(req.error)
  })
}

function tx(db: IDBDatabase, durability: IDBTransactionDurability, write: (t: IDBTransaction) => void) {
  return new Promise<void>((ok, fail) => {
    const t = db.transaction(['b', 'm'], 'readwrite', { durability })
    write(t)
    t.oncomplete = () => ok()
    t.onabort = () => fail(t.error)
  })
}

function openSocket(url: string): Promise<WebSocket> {
  return new Promise((ok, fail) => {
    const ws = new WebSocket(url)
    ws.binaryType = 'arraybuffer'
    ws.onopen = () => ok(ws)
    ws.onerror = () => fail(new Error(`cannot open ${url}`))
  })
}

export const raw = {
  /**
   * `batches` 1,000-record batches, each put in a readwrite transaction of its own, one after
   * another (brook's IdbStore stores an append as one value). With `offsetPut`, each batch is
   * followed by a second transaction putting a small value, as a sync round commits its position
   * after every batch.
   */
  async idb(durability: IDBTransactionDurability, batches: number, offsetPut: boolean): Promise<Measured> {
    const db = await openRaw(`bench-sync-raw-${durability}-${offsetPut}-${Date.now()}`)
    await tx(db, durability, (t) => t.objectStore('b').put(batch, -1)) // warm-up
    const start = performance.now()
    for (let i = 0; i < batches; i++) {
      await tx(db, durability, (t) => t.objectStore('b').put(batch, i))
      if (offsetPut)
        await tx(db, durability, (t) => t.objectStore('m').put({ offset: (i + 1) * PER_BATCH }, 'p'))
    }
    const seconds = (performance.now() - start) / 1000
    db.close()
    return { records: batches * PER_BATCH, bytes: batches * batch.byteLength, seconds }
  },

  /**
   * Sends `batches` batches to the Node server, which answers each with a 1-byte ack, keeping at
   * most `window` unacknowledged; timed until the last ack.
   */
  async wsUp(url: string, batches: number, window: number): Promise<Measured> {
    const ws = await openSocket(url)
    const run = (n: number) =>
      new Promise<number>((done, fail) => {
        let sent = 0
        let acked = 0
        const start = performance.now()
        ws.onclose = () => fail(new Error('the raw WebSocket closed'))
        ws.onmessage = () => {
          acked++
          if (acked === n) done((performance.now() - start) / 1000)
          else if (sent < n) {
            sent++
            ws.send(batch)
          }
        }
        for (; sent < Math.min(window, n); sent++) ws.send(batch)
      })
    await run(10) // warm-up
    const seconds = await run(batches)
    ws.onclose = null
    ws.close()
    return { records: batches * PER_BATCH, bytes: batches * batch.byteLength, seconds }
  },

  /** Asks the Node server for `batches` batches; timed until the last one arrived. */
  async wsDown(url: string, batches: number): Promise<Measured> {
    const ws = await openSocket(url)
    const run = (n: number) =>
      new Promise<Measured>((done, fail) => {
        let got = 0
        let bytes = 0
        const start = performance.now()
        ws.onclose = () => fail(new Error('the raw WebSocket closed'))
        ws.onmessage = (e) => {
          got++
          bytes += (e.data as ArrayBuffer).byteLength
          if (got === n) done({ records: n * PER_BATCH, bytes, seconds: (performance.now() - start) / 1000 })
        }
        ws.send(JSON.stringify({ down: n }))
      })
    await run(10) // warm-up
    const m = await run(batches)
    ws.onclose = null
    ws.close()
    return m
  },
}

export type RawBench = typeof raw
export type RawCall = { [K in keyof RawBench]: { fn: K; args: Parameters<RawBench[K]> } }[keyof RawBench]

interface SharedScope {
  onconnect: ((e: MessageEvent) => void) | null
}

// As a SharedWorker: answer each `RawCall` on the port with `{ ok, value }` or `{ ok: false, error }`.
if ('onconnect' in globalThis) {
  ;(globalThis as unknown as SharedScope).onconnect = (e) => {
    const port = e.ports[0]!
    port.onmessage = async (m: MessageEvent<RawCall>) => {
      try {
        const f = raw[m.data.fn] as (...a: unknown[]) => Promise<Measured>
        port.postMessage({ ok: true, value: await f(...m.data.args) })
      } catch (err) {
        port.postMessage({ ok: false, error: String(err) })
      }
    }
  }
}
