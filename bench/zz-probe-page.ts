import { Broker } from '../src/core/broker.ts'
import { encodeBatch } from '../src/core/record-batch.ts'
import { IdbStore } from '../src/worker/idb-store.ts'
const enc = new TextEncoder()
let txs = 0
const orig = IDBDatabase.prototype.transaction
IDBDatabase.prototype.transaction = function (this: IDBDatabase, ...a: Parameters<typeof orig>) { if (a[1] === 'readwrite') txs++; return orig.apply(this, a) } as typeof orig
Object.assign(globalThis, { probe: {
  async store(d: 'strict' | 'relaxed', loops: number, ms: number) {
    const s = await IdbStore.open({ name: 'ps-' + d, durability: d })
    const b = encodeBatch({ records: [{ key: null, value: enc.encode('x'.repeat(100)) }] })
    let n = 0; const t0 = performance.now(); const end = t0 + ms; const tx0 = txs
    await Promise.all(Array.from({ length: loops }, async (_, i) => { let off = 0; while (performance.now() < end) { const c = new Uint8Array(b); new DataView(c.buffer).setUint32(4, i * 1e6 + off++); await s.append('t', i, [c]); await s.flush(); n++ } }))
    return { rate: n / ((performance.now() - t0) / 1000), txs: txs - tx0, n }
  },
  async broker(d: 'strict' | 'relaxed', loops: number, ms: number) {
    const s = await IdbStore.open({ name: 'pb-' + d, durability: d })
    const br = await Broker.open({ store: s, autoCreateTopics: true })
    await br.createTopics({ topics: [{ name: 't', numPartitions: 4 }] })
    const records = encodeBatch({ records: [{ key: null, value: enc.encode('x'.repeat(100)) }] })
    let n = 0; const t0 = performance.now(); const end = t0 + ms; const tx0 = txs
    await Promise.all(Array.from({ length: loops }, async (_, i) => { while (performance.now() < end) { await br.produce({ acks: -1, timeoutMs: 30000, topics: [{ name: 't', partitions: [{ partition: i % 4, records }] }] }); n++ } }))
    return { rate: n / ((performance.now() - t0) / 1000), txs: txs - tx0, n }
  },
} })
