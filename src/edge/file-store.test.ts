/** @module FileStore: the Store contract on real files, plus segment roll, recovery and durability. */

import { execFileSync } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { describeStoreContract } from '../../test/conformance/store-contract.ts'
import { ManualClock } from '../core/clock.ts'
import { Compression } from '../core/format/compression.ts'
import { encodeBatch, encodeBatchAsync, readBatchHeader } from '../core/format/record-batch.ts'
import { MemoryStore } from '../core/memory-store.ts'
import type { Store } from '../core/store.ts'
import { dirName, FileStore, type FileStoreOptions } from './file-store.ts'

const dirs: string[] = []
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'brook-fs-'))
  dirs.push(d)
  return d
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

const quiet = () => {}
const enc = new TextEncoder()

function batch(baseOffset: number, count = 1, valueSize = 20): Uint8Array {
  const records = []
  for (let i = 0; i < count; i++) {
    records.push({
      key: enc.encode(`k${i}`),
      value: enc.encode(`v${baseOffset + i}:`.padEnd(valueSize, '.')),
    })
  }
  return encodeBatch({ baseOffset, records, baseTimestamp: 1_700_000_000_000 })
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<number[]> {
  const out: number[] = []
  for await (const b of it) out.push(readBatchHeader(b).baseOffset)
  return out
}

const reopened = new Map<Store, FileStoreOptions>()
async function openStore(options: Partial<FileStoreOptions> = {}): Promise<FileStore> {
  const opts = { dir: await tempDir(), log: quiet, ...options }
  const s = await FileStore.open(opts)
  reopened.set(s, opts)
  return s
}

describeStoreContract('FileStore', () => openStore(), {
  reopen: async (old) => {
    const opts = reopened.get(old)!
    await old.close()
    return FileStore.open(opts)
  },
})

describeStoreContract('FileStore, tiny segments and index', () =>
  openStore({ segmentBytes: 200, indexIntervalBytes: 1 }),
)

describe('FileStore on disk', () => {
  it('writes Kafka-named segment files holding exactly the appended batch bytes', async () => {
    const s = await openStore()
    const a = batch(0, 3)
    const b = batch(3, 2)
    await s.append('orders', 2, [a, b])
    await s.flush()
    const files = await readdir(join(s.dir, 'orders-2'))
    expect(files).toEqual(['00000000000000000000.log'])
    const bytes = new Uint8Array(await readFile(join(s.dir, 'orders-2', files[0]!)))
    expect(bytes).toEqual(new Uint8Array([...a, ...b]))
    await s.close()
  })

  it('rolls segments by size, naming each by its first offset, and reads across them', async () => {
    const s = await openStore({ segmentBytes: 400 })
    const all = Array.from({ length: 20 }, (_, i) => batch(i * 2, 2))
    for (const b of all) await s.append('t', 0, [b])
    const files = (await readdir(join(s.dir, 't-0'))).sort()
    expect(files.length).toBeGreaterThan(3)
    for (const f of files) {
      const size = (await stat(join(s.dir, 't-0', f))).size
      expect(size).toBeLessThanOrEqual(400)
      const first = readBatchHeader(new Uint8Array(await readFile(join(s.dir, 't-0', f)))).baseOffset
      expect(f).toBe(`${String(first).padStart(20, '0')}.log`)
    }
    expect(await collect(s.scan('t', 0))).toEqual(all.map((_, i) => i * 2))
    expect(await s.read('t', 0, 17, 1 << 20)).toEqual(all.slice(9))
    await s.close()
  })

  it('rolls a segment by age (segment.ms) measured on the injected clock', async () => {
    const clock = new ManualClock()
    const s = await openStore({ segmentMs: 60_000, clock })
    await s.append('t', 0, [batch(0)])
    clock.advance(30_000)
    await s.append('t', 0, [batch(1)])
    expect(await readdir(join(s.dir, 't-0'))).toHaveLength(1)
    clock.advance(30_000)
    await s.append('t', 0, [batch(2)])
    expect((await readdir(join(s.dir, 't-0'))).sort()).toEqual([
      '00000000000000000000.log',
      '00000000000000000002.log',
    ])
    await s.close()
  })

  it('deletes whole segments below the retention point and hides the rest after a restart', async () => {
    const s = await openStore({ segmentBytes: 300 })
    for (let i = 0; i < 12; i++) await s.append('t', 0, [batch(i * 2, 2)])
    const before = (await readdir(join(s.dir, 't-0'))).length
    await s.deleteBefore('t', 0, 13) // batch 12 starts at 12 < 13: gone too
    const after = (await readdir(join(s.dir, 't-0'))).sort()
    expect(after.length).toBeLessThan(before)
    expect(await collect(s.scan('t', 0))).toEqual([14, 16, 18, 20, 22])
    await s.close()
    const r = await FileStore.open({ dir: s.dir, log: quiet })
    expect(await collect(r.scan('t', 0))).toEqual([14, 16, 18, 20, 22])
    await r.close()
  })

  it('keeps topic ids with any characters apart in their own directories', async () => {
    const s = await openStore()
    await s.append('a/b', 0, [batch(0)])
    await s.append('a-b', 0, [batch(0, 2)])
    await s.append('..', 1, [batch(0, 3)])
    expect(dirName('a/b', 0)).toBe('a%2Fb-0')
    await s.close()
    const r = await FileStore.open({ dir: s.dir, log: quiet })
    expect((await r.read('a/b', 0, 0, 1 << 20))[0]).toEqual(batch(0))
    expect((await r.read('a-b', 0, 0, 1 << 20))[0]).toEqual(batch(0, 2))
    expect((await r.read('..', 1, 0, 1 << 20))[0]).toEqual(batch(0, 3))
    await r.close()
  })

  it('keeps the number of open files bounded with many partitions', async () => {
    const s = await openStore({ maxOpenFiles: 8 })
    for (let p = 0; p < 40; p++) await s.append('t', p, [batch(0)])
    expect(s.openFiles).toBeLessThanOrEqual(8)
    for (let p = 0; p < 40; p++) expect(await s.read('t', p, 0, 1 << 20)).toEqual([batch(0)])
    expect(s.openFiles).toBeLessThanOrEqual(8)
    await s.close()
  })

  it('refuses an append that would make offsets go backwards, leaving the log as it was', async () => {
    const s = await openStore()
    await s.append('t', 0, [batch(0, 5)])
    await expect(s.append('t', 0, [batch(3)])).rejects.toThrow(/INVALID_RECORD/)
    expect(await collect(s.scan('t', 0))).toEqual([0])
    await s.close()
  })

  it('refuses a second store on the same data directory; a stale .lock naming a live process does not', async () => {
    const dir = await tempDir()
    // PID 1 always exists: a PID file would take it for the owner (after a reboot, in a container).
    await writeFile(join(dir, '.lock'), '1\n')
    const first = await FileStore.open({ dir, log: quiet })
    await expect(FileStore.open({ dir, log: quiet })).rejects.toThrow(
      new RegExp(`in use by another brook process \\(pid ${process.pid}\\)`),
    )
    await first.close()
    const again = await FileStore.open({ dir, log: quiet })
    await again.close()
  })

  it('compacts the metadata journal and keeps the latest value of every key', async () => {
    const s = await openStore()
    for (let i = 0; i < 3000; i++)
      await s.setMeta(`offsets/g/t/${i % 50}`, { offset: i, metadata: 'x'.repeat(300) })
    await s.deleteMeta('offsets/g/t/7')
    await s.close()
    const journal = (await stat(join(s.dir, 'meta.log'))).size
    expect(journal).toBeLessThan(3000 * 300) // it was rewritten as a snapshot at least once
    const r = await FileStore.open({ dir: s.dir, log: quiet })
    const list = await r.listMeta('offsets/g/t/')
    expect(list).toHaveLength(49)
    expect(await r.getMeta('offsets/g/t/49')).toEqual({ offset: 2999, metadata: 'x'.repeat(300) })
    expect(await r.getMeta('offsets/g/t/7')).toBeUndefined()
    await r.close()
  })
})

describe('FileStore fsync policy', () => {
  it('fsyncs after flushMessages records (Kafka flush.messages)', async () => {
    const s = await openStore({ flushMessages: 5, flushMs: Number.POSITIVE_INFINITY })
    await s.append('t', 0, [batch(0, 3)])
    expect(s.syncs).toBe(0)
    await s.append('t', 0, [batch(3, 2)]) // 5 records: the append resolves after the fsync
    expect(s.syncs).toBe(1)
    await s.append('t', 0, [batch(5, 1)])
    expect(s.syncs).toBe(1)
    await s.close()
  })

  it('fsyncs flushMs after a write (Kafka flush.ms), on the injected clock', async () => {
    const clock = new ManualClock()
    const s = await openStore({ flushMs: 1000, clock })
    await s.append('t', 0, [batch(0)])
    await s.setMeta('k', 1)
    clock.advance(999)
    await new Promise((r) => setTimeout(r, 20))
    expect(s.syncs).toBe(0)
    clock.advance(1)
    await expect.poll(() => s.syncs).toBe(1)
    await s.close()
  })

  it('shares fsync rounds between flush() calls that arrive together (group commit)', async () => {
    const s = await openStore({ flushMs: Number.POSITIVE_INFINITY })
    await s.append('t', 0, [batch(0)])
    await Promise.all(Array.from({ length: 20 }, () => s.flush()))
    expect(s.syncs).toBeLessThanOrEqual(2)
    await s.close()
  })
})

describe('FileStore start-up recovery', () => {
  async function written(n: number): Promise<{ dir: string; file: string; batches: Uint8Array[] }> {
    const s = await openStore()
    const batches = Array.from({ length: n }, (_, i) => batch(i * 3, 3, 50))
    await s.append('t', 0, batches)
    await s.close()
    return { dir: s.dir, file: join(s.dir, 't-0', '00000000000000000000.log'), batches }
  }

  it('cuts a torn last batch and logs what it did', async () => {
    const { dir, file, batches } = await written(4)
    const size = (await stat(file)).size
    await truncate(file, size - 7)
    const lines: string[] = []
    const r = await FileStore.open({ dir, log: (l) => lines.push(l) })
    expect(await r.read('t', 0, 0, 1 << 20)).toEqual(batches.slice(0, 3))
    expect(lines.join('\n')).toMatch(/truncated \d+ bytes to the last good batch/)
    expect((await stat(file)).size).toBe(size - batches[3]!.length)
    // Appending continues cleanly after the cut.
    await r.append('t', 0, [batch(9)])
    expect(await collect(r.scan('t', 0))).toEqual([0, 3, 6, 9])
    await r.close()
  })

  it('moves a damaged batch (CRC mismatch) aside and keeps the good batches after it', async () => {
    const { dir, file, batches } = await written(4)
    const original = new Uint8Array(await readFile(file))
    const bytes = original.slice()
    const third = batches[0]!.length + batches[1]!.length
    bytes[third + 70] ^= 0xff // inside the records of batch 3 (offsets 6..8)
    await writeFile(file, bytes)
    const lines: string[] = []
    const r = await FileStore.open({ dir, log: (l) => lines.push(l) })
    expect(await r.read('t', 0, 0, 1 << 20)).toEqual([batches[0], batches[1], batches[3]])
    const line = lines.join('\n')
    expect(line).toContain(file)
    expect(line).toMatch(
      new RegExp(
        `CORRUPT_MESSAGE: record batch CRC mismatch \\(stored \\d+, computed \\d+\\) at byte ${third}; ${batches[2]!.length} damaged bytes \\(offsets 6\\.\\.8\\) are not served`,
      ),
    )
    // Nothing was destroyed: the file as it was sits beside the segment.
    const aside = (await readdir(join(dir, 't-0'))).filter((f) => f.includes('.damaged-'))
    expect(aside).toHaveLength(1)
    expect(new Uint8Array(await readFile(join(dir, 't-0', aside[0]!)))).toEqual(bytes)
    // Appends go on after the last good batch, and a restart finds nothing more to report.
    await r.append('t', 0, [batch(12)])
    await r.close()
    const again: string[] = []
    const s = await FileStore.open({ dir, log: (l, level) => again.push(`${level} ${l}`) })
    expect(await collect(s.scan('t', 0))).toEqual([0, 3, 9, 12])
    expect(again).toEqual([
      expect.stringMatching(
        /^info brook: opened .*: 1 partitions, \d+ segments, .* every CRC checked, in \d+ ms; nothing to repair$/,
      ),
    ])
    await s.close()
  })

  it('a damaged batch length in an earlier segment costs only that batch, not the rest of the segment', async () => {
    const s = await openStore({ segmentBytes: 1200 })
    const batches = Array.from({ length: 12 }, (_, i) => batch(i * 3, 3, 50))
    for (const b of batches) await s.append('t', 0, [b])
    await s.close()
    const files = (await readdir(join(s.dir, 't-0'))).filter((f) => f.endsWith('.log')).sort()
    expect(files.length).toBeGreaterThan(1)
    const first = join(s.dir, 't-0', files[0]!)
    const bytes = new Uint8Array(await readFile(first))
    // The length field (bytes 8..11) of the segment's second batch becomes nonsense.
    const second = batches[0]!.length
    bytes.set([0x7f, 0xff, 0xff, 0xf0], second + 8)
    await writeFile(first, bytes)
    const lines: string[] = []
    const r = await FileStore.open({ dir: s.dir, log: (l) => lines.push(l) })
    const kept = await collect(r.scan('t', 0))
    expect(kept).toEqual(batches.map((_, i) => i * 3).filter((o) => o !== 3))
    expect(lines.join('\n')).toMatch(
      /runs past the end of the file at byte \d+; \d+ damaged bytes \(offsets 3\.\.5\) are not served/,
    )
    await r.close()
  })

  it('reports a segment file that is gone, with the offsets it held, and serves the rest', async () => {
    const s = await openStore({ segmentBytes: 700 })
    const batches = Array.from({ length: 12 }, (_, i) => batch(i * 3, 3, 50))
    for (const b of batches) await s.append('t', 0, [b])
    await s.close()
    const files = (await readdir(join(s.dir, 't-0'))).filter((f) => f.endsWith('.log')).sort()
    expect(files.length).toBeGreaterThan(2)
    const gone = join(s.dir, 't-0', files[1]!)
    const from = Number(files[1]!.slice(0, 20))
    const to = Number(files[2]!.slice(0, 20))
    await rm(gone)
    const lines: string[] = []
    const r = await FileStore.open({ dir: s.dir, log: (l, level) => lines.push(`${level} ${l}`) })
    expect(lines).toEqual([
      `error brook: ${gone} is missing: offsets ${from}..${to - 1} are lost and not served`,
      expect.stringMatching(
        /^warn brook: opened .*; repaired: 1 missing segment file or partition directories reported$/,
      ),
    ])
    const kept = await collect(r.scan('t', 0))
    expect(kept).toEqual(batches.map((_, i) => i * 3).filter((o) => o < from || o >= to))
    await r.close()
    // Said once: the store now knows the file is gone.
    const again: string[] = []
    await (await FileStore.open({ dir: s.dir, log: (l, level) => level !== 'info' && again.push(l) })).close()
    expect(again).toEqual([])
  })

  it('drops garbage appended after the last batch (zeros from a lost page)', async () => {
    const { dir, file, batches } = await written(2)
    const bytes = new Uint8Array(await readFile(file))
    await writeFile(file, new Uint8Array([...bytes, ...new Uint8Array(4096)]))
    const r = await FileStore.open({ dir, log: quiet })
    expect(await r.read('t', 0, 0, 1 << 20)).toEqual(batches)
    expect((await stat(file)).size).toBe(bytes.length)
    await r.close()
  })

  it('drops a torn metadata journal entry and keeps the ones before it', async () => {
    const s = await openStore()
    await s.setMeta('a', 1)
    await s.setMeta('b', 2)
    await s.close()
    const journal = join(s.dir, 'meta.log')
    await truncate(journal, (await stat(journal)).size - 3)
    const lines: string[] = []
    const r = await FileStore.open({ dir: s.dir, log: (l) => lines.push(l) })
    expect(await r.getMeta('a')).toBe(1)
    expect(await r.getMeta('b')).toBeUndefined()
    expect(lines.join('\n')).toMatch(/meta\.log/)
    await r.setMeta('c', 3)
    await r.close()
    const again = await FileStore.open({ dir: s.dir, log: quiet })
    expect(await again.listMeta('')).toEqual([
      ['a', 1],
      ['c', 3],
    ])
    await again.close()
  })

  it('finishes a compaction swap that a crash interrupted', async () => {
    const s = await openStore({ segmentBytes: 250 })
    for (let i = 0; i < 6; i++) await s.append('t', 0, [batch(i * 2, 2)])
    const files = (await readdir(join(s.dir, 't-0'))).sort()
    expect(files.length).toBeGreaterThan(2)
    await s.close()
    // As if the process died right after the commit rename: segments [0, end) replaced by one batch.
    const replacement = batch(5, 1)
    await writeFile(join(s.dir, 't-0', `${'0'.repeat(20)}.end.swap`), replacement)
    const r = await FileStore.open({ dir: s.dir, log: quiet })
    expect(await r.read('t', 0, 0, 1 << 20)).toEqual([replacement])
    expect(await readdir(join(s.dir, 't-0'))).toEqual(['00000000000000000000.log'])
    await r.close()
  })
})

describe('FileStore segment files are Kafka log segments', () => {
  // kafka-python's own record reader (an independent implementation) walks the segment file.
  const reader = `
import json, sys
from kafka.record import MemoryRecords
data = open(sys.argv[1], 'rb').read()
records = MemoryRecords(data)
out = []
while records.has_next():
    batch = records.next_batch()
    assert batch.validate_crc(), 'crc'
    for r in batch:
        out.append({'batch': batch.base_offset, 'offset': r.offset, 'timestamp': r.timestamp,
                    'key': r.key.decode() if r.key is not None else None, 'value': r.value.decode(),
                    'headers': [[k, v.decode()] for k, v in r.headers]})
print(json.dumps({'records': out, 'valid': records.valid_bytes(), 'size': len(data)}))
`

  it('reads back with kafka-python MemoryRecords, offsets, keys, headers, gzip and all', async () => {
    const s = await openStore()
    const t = 1_700_000_123_000
    await s.append('k', 0, [
      encodeBatch({
        baseOffset: 0,
        baseTimestamp: t,
        records: [
          { key: enc.encode('a'), value: enc.encode('one'), headers: [{ key: 'h', value: enc.encode('x') }] },
          { key: null, value: enc.encode('two'), timestamp: t + 5 },
        ],
      }),
    ])
    await s.append('k', 0, [
      await encodeBatchAsync({
        baseOffset: 2,
        baseTimestamp: t + 10,
        compression: Compression.gzip,
        records: [{ key: enc.encode('b'), value: enc.encode('three') }],
      }),
      encodeBatch({ baseOffset: 3, baseTimestamp: t + 20, records: [{ value: enc.encode('four') }] }),
    ])
    await s.flush()
    const file = join(s.dir, 'k-0', '00000000000000000000.log')
    const got = JSON.parse(execFileSync('/usr/bin/python3', ['-c', reader, file], { encoding: 'utf8' }))
    expect(got.valid).toBe(got.size)
    expect(got.records).toEqual([
      { batch: 0, offset: 0, timestamp: t, key: 'a', value: 'one', headers: [['h', 'x']] },
      { batch: 0, offset: 1, timestamp: t + 5, key: null, value: 'two', headers: [] },
      { batch: 2, offset: 2, timestamp: t + 10, key: 'b', value: 'three', headers: [] },
      { batch: 3, offset: 3, timestamp: t + 20, key: null, value: 'four', headers: [] },
    ])
    await s.close()
  })
})

describe('FileStore matches MemoryStore under random operations', () => {
  type Op =
    | { kind: 'append'; sizes: number[] }
    | { kind: 'read'; from: number; maxBytes: number }
    | { kind: 'delete'; before: number }
    | { kind: 'compact'; from: number; span: number; keep: boolean[] }
    | { kind: 'reopen' }
  const op: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('append' as const),
        sizes: fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 4 }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('read' as const),
        from: fc.nat(120),
        maxBytes: fc.integer({ min: 1, max: 20_000 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), before: fc.nat(130) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('compact' as const),
        from: fc.nat(120),
        span: fc.nat(40),
        keep: fc.array(fc.boolean(), { maxLength: 30 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('reopen' as const) }) },
  )

  it('reads, scans, retention, compaction and restarts agree with the reference store', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 150, max: 8000 }),
        fc.integer({ min: 1, max: 4096 }),
        async (ops, segmentBytes, indexIntervalBytes) => {
          const options = {
            dir: await tempDir(),
            log: quiet,
            segmentBytes,
            indexIntervalBytes,
            flushMs: Number.POSITIVE_INFINITY,
          }
          let store = await FileStore.open(options)
          const model = new MemoryStore()
          let next = 0
          const all = async (s: Store) => {
            const out: Uint8Array[] = []
            for await (const b of s.scan('t', 0)) out.push(b)
            return out
          }
          try {
            for (const o of ops) {
              if (o.kind === 'append') {
                const batches = o.sizes.map((size, i) => {
                  const count = 1 + (i % 3)
                  const b = encodeBatch({
                    baseOffset: next,
                    baseTimestamp: 1_700_000_000_000,
                    records: Array.from({ length: count }, (_, j) => ({
                      value: new Uint8Array(size).fill((next + j) % 251),
                    })),
                  })
                  next += count
                  return b
                })
                await store.append('t', 0, batches)
                await model.append('t', 0, batches)
              } else if (o.kind === 'read') {
                expect(await store.read('t', 0, o.from, o.maxBytes)).toEqual(
                  await model.read('t', 0, o.from, o.maxBytes),
                )
              } else if (o.kind === 'delete') {
                await store.deleteBefore('t', 0, o.before)
                await model.deleteBefore('t', 0, o.before)
              } else if (o.kind === 'compact') {
                const to = o.from + o.span
                const inRange = (await all(model)).filter((b) => {
                  const base = readBatchHeader(b).baseOffset
                  return base >= o.from && base < to
                })
                const kept = inRange.filter((_, i) => o.keep[i] ?? true)
                await store.replaceRange('t', 0, o.from, to, kept)
                await model.replaceRange('t', 0, o.from, to, kept)
              } else {
                await store.close()
                store = await FileStore.open(options)
              }
              expect(await all(store)).toEqual(await all(model))
            }
          } finally {
            await store.close()
          }
        },
      ),
      { numRuns: 15 },
    )
  }, 60_000)
})
