/**
 * @module In-page half of the sync benchmark (bundled by bench/sync.ts): `connect({ sync })`
 * brokers whose backlog the Node side times while it goes up or comes down, and `raw`, which runs
 * the physical baselines (bench/sync-raw.ts) in a SharedWorker, where brook's sync runs too.
 */

import type { WorkerBrook } from '../src/worker/index.ts'
import { connect } from '../src/worker/index.ts'
import { type Measured, PER_BATCH, type RawCall, values } from './sync-raw.ts'

const brokers = new Map<string, WorkerBrook>()
/** Per broker, when (wall clock, ms) its sync first reached each state: where start-up time goes. */
const states = new Map<string, Record<string, number>>()
const now = () => performance.timeOrigin + performance.now()
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
let rawWorker: SharedWorker | undefined

function deleteDatabase(name: string): Promise<void> {
  return new Promise((ok) => {
    const req = indexedDB.deleteDatabase(name)
    req.onsuccess = () => ok()
    req.onerror = () => ok()
    req.onblocked = () => ok()
  })
}

const syncBench = {
  /** One baseline, run in the benchmark's SharedWorker (one call at a time). */
  raw(call: RawCall): Promise<Measured> {
    rawWorker ??= new SharedWorker('/pages/sync-raw.js', { type: 'module', name: 'bench-sync-raw' })
    const port = rawWorker.port
    return new Promise((ok, fail) => {
      port.onmessage = (e: MessageEvent<{ ok: boolean; value: Measured; error: string }>) =>
        e.data.ok ? ok(e.data.value) : fail(new Error(e.data.error))
      port.start()
      port.postMessage(call)
    })
  },

  /** A broker of its own (its own SharedWorker and database) that syncs with `url`. */
  async open(name: string, url: string, upload: string[], download: string[]): Promise<void> {
    await deleteDatabase(name)
    const brook = await connect({
      name,
      sync: { url, upload, download, intervalMs: 20, backoff: { initialDelayMs: 20, maxDelayMs: 40 } },
    })
    brokers.set(name, brook)
    const seen: Record<string, number> = {}
    states.set(name, seen)
    brook.sync.onStatus((s) => {
      seen[s.state] ??= now()
    })
  },

  /** When the sync of `name` first reached each state (wall clock, ms). */
  states(name: string): Record<string, number> {
    return states.get(name) ?? {}
  },

  /** `total` records into `topic`, acks=all sends of 1,000 records to one partition after another. */
  async produce(name: string, topic: string, partitions: number, total: number): Promise<Measured> {
    const brook = brokers.get(name)!
    await brook.admin().createTopics({ topics: [{ topic, numPartitions: partitions }] })
    const producer = brook.producer({ lingerMs: 0 })
    await producer.connect()
    const start = performance.now()
    let sent = 0
    for (let i = 0; sent < total; i++) {
      const partition = i % partitions
      await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value, partition })) })
      sent += PER_BATCH
    }
    const seconds = (performance.now() - start) / 1000
    await producer.disconnect()
    return { records: sent, bytes: 0, seconds }
  },

  /** The sum of `topic`'s end offsets in the local broker; 0 while it does not exist. */
  async localEnd(name: string, topic: string): Promise<number> {
    try {
      const offsets = await brokers.get(name)!.admin().fetchTopicOffsets(topic)
      return offsets.reduce((n, p) => n + Number(p.high), 0)
    } catch {
      return 0
    }
  },

  /** The sum of `group`'s committed offsets on `topic` in the local broker. */
  async committed(name: string, group: string, topic: string): Promise<number> {
    const res = await brokers
      .get(name)!
      .admin()
      .fetchOffsets({ groupId: group, topics: [topic] })
    return res[0]!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0)
  },

  /**
   * Polls the local end offsets of `topic` every `everyMs` until they reach `total`, or until
   * `timeoutMs` passed (then `doneAt` is 0); wall-clock times (ms since the epoch) of the first
   * record seen and of the last.
   */
  async waitLocal(
    name: string,
    topic: string,
    total: number,
    everyMs: number,
    timeoutMs: number,
  ): Promise<{ firstAt: number; doneAt: number; seen: number }> {
    const deadline = now() + timeoutMs
    let firstAt = 0
    let seen = 0
    while (now() < deadline) {
      seen = await syncBench.localEnd(name, topic)
      if (seen > 0 && firstAt === 0) firstAt = now()
      if (seen >= total) return { firstAt, doneAt: now(), seen }
      await sleep(everyMs)
    }
    return { firstAt, doneAt: 0, seen }
  },

  close(name: string): void {
    brokers.get(name)?.close()
    brokers.delete(name)
  },
}

Object.assign(globalThis, { syncBench })
export type SyncBench = typeof syncBench
export type { Measured }
