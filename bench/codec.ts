/**
 * @module Raw codec benchmark: RecordBatch v2 encode and decode of 1,000-record batches with 100-byte values,
 * and CRC-32C alone. These are the ceilings the client's produce/consume paths run under.
 * Run alone with `npx tsx bench/codec.ts`.
 */
import { pathToFileURL } from 'node:url'
import { crc32c } from '../src/core/format/crc32c.ts'
import { decodeRecords, encodeBatch, type RecordInput } from '../src/core/format/record-batch.ts'
import { type BenchRow, printTable } from './table.ts'

const RECORDS_PER_BATCH = 1000
const VALUE_BYTES = 100

/**
 * Runs `fn` (which handles `records`/`bytes` per call) in rounds for about `ms` in all after a warm-up,
 * and keeps the best round: on a shared machine the best round is the one least disturbed by others.
 */
function measure(
  name: string,
  ms: number,
  records: number,
  bytes: number,
  fn: () => void,
  note?: string,
): BenchRow {
  const warmUntil = performance.now() + Math.min(300, ms / 3)
  while (performance.now() < warmUntil) fn()
  const rounds = 10
  let best = Number.POSITIVE_INFINITY
  for (let r = 0; r < rounds; r++) {
    let calls = 0
    const start = performance.now()
    const stop = start + ms / rounds
    let now = start
    // Checks the clock every few calls so timing overhead stays out of the figure.
    while (now < stop) {
      for (let i = 0; i < 4; i++) fn()
      calls += 4
      now = performance.now()
    }
    best = Math.min(best, (now - start) / 1000 / calls)
  }
  return { name, records, bytes, seconds: best, note }
}

function sampleRecords(): RecordInput[] {
  const records: RecordInput[] = []
  const ts = Date.UTC(2026, 0, 1)
  for (let i = 0; i < RECORDS_PER_BATCH; i++) {
    const value = new Uint8Array(VALUE_BYTES)
    for (let j = 0; j < VALUE_BYTES; j++) value[j] = (i * 31 + j) & 0xff
    records.push({ value, timestamp: ts + i })
  }
  return records
}

export async function benchCodec(ms = 1500): Promise<BenchRow[]> {
  const records = sampleRecords()
  const input = { records, producerId: 1000, producerEpoch: 0, baseSequence: 0 }
  const batch = encodeBatch(input)
  // Built as literals, as a producer would: spread copies here would give each object its own hidden
  // class once V8 generalizes a field, and measure that instead of the codec.
  const te = new TextEncoder()
  const keyed = records.map((r, i) => ({
    key: te.encode(`key-${i}`),
    value: r.value,
    timestamp: r.timestamp,
  }))
  const keyedBatch = encodeBatch({ records: keyed })
  const big = new Uint8Array(1 << 20)
  for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24
  const n = RECORDS_PER_BATCH
  const note = `${n} × ${VALUE_BYTES} B values, batch ${batch.length} B`
  let sink = 0
  const rows = [
    measure('encode', ms, n, batch.length, () => (sink += encodeBatch(input).length), note),
    measure(
      'encode keyed',
      ms,
      n,
      keyedBatch.length,
      () => (sink += encodeBatch({ records: keyed }).length),
      'keys of 5–7 B',
    ),
    measure('decode (CRC checked)', ms, n, batch.length, () => (sink += decodeRecords(batch).length), note),
    measure('decode (no CRC)', ms, n, batch.length, () => (sink += decodeRecords(batch, false).length)),
    measure('crc32c 1 MiB', ms, 0, big.length, () => (sink ^= crc32c(big))),
    measure(
      'crc32c one batch',
      ms,
      0,
      batch.length - 21,
      () => (sink ^= crc32c(batch, 21)),
      `${batch.length - 21} B`,
    ),
  ]
  // Keeps the results observable so no call can be optimized away.
  if (sink === Math.PI) console.log(sink)
  return rows
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printTable(await benchCodec(), 'encode')
}
