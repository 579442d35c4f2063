/**
 * @module Live cross-check with kafka-python (Debian's python3-kafka, run by /usr/bin/python3):
 * batches it builds decode in brook with every field exact, batches brook builds read back in
 * kafka-python with valid CRCs, and both pick the same partition for a key.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Compression } from '../../src/core/format/compression.ts'
import {
  type BatchInput,
  decodeRecordsAsync,
  encodeBatchAsync,
  setBaseOffset,
  setLogAppendTime,
  setPartitionLeaderEpoch,
  verifyBatch,
} from '../../src/core/format/record-batch.ts'
import { murmur2 } from '../../src/core/partitioner.ts'
import { asKafkaPythonSees, hex, type KafkaPythonBatch as Read, unhex } from '../support/kafka-python-view.ts'

const PYTHON = '/usr/bin/python3'
const SCRIPT = join(import.meta.dirname, '../../scripts/fixtures/kafka_python_batches.py')

function python(mode: string, input: unknown): unknown {
  const out = execFileSync(PYTHON, [SCRIPT, mode], { input: JSON.stringify(input), maxBuffer: 64 << 20 })
  return JSON.parse(out.toString('utf8'))
}

const te = new TextEncoder()

describe('kafka-python interop (live)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'brook-kp-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('decodes freshly generated kafka-python batches with every field exact', async () => {
    execFileSync(PYTHON, [SCRIPT, 'generate', dir])
    let checked = 0
    for (const name of ['batches.json', 'batches-gzip.json']) {
      const { batches } = JSON.parse(readFileSync(join(dir, name), 'utf8')) as {
        batches: { name: string; hex: string; expected: Read }[]
      }
      for (const b of batches) {
        const bytes = unhex(b.hex)
        expect({ ...verifyBatch(bytes) }, b.name).toEqual(b.expected.header)
        expect(asKafkaPythonSees(await decodeRecordsAsync(bytes)), b.name).toEqual(b.expected.records)
        checked++
      }
    }
    expect(checked).toBeGreaterThan(40)
  })

  it('writes batches that kafka-python reads back with valid CRCs and the same fields', async () => {
    const inputs: BatchInput[] = []
    for (const compression of [Compression.none, Compression.gzip]) {
      inputs.push(
        {
          compression,
          records: [{ key: te.encode('k'), value: te.encode('v'), timestamp: 1_700_000_000_000 }],
        },
        {
          compression,
          baseTimestamp: 1_700_000_000_000,
          producerId: 987_654_321_012,
          producerEpoch: 3,
          baseSequence: 1_000_000,
          transactional: true,
          records: Array.from({ length: 250 }, (_, i) => ({
            key: i % 4 === 0 ? null : te.encode(`key-${i}`),
            value: i % 7 === 0 ? null : te.encode(`value ${i} `.repeat(i % 13)),
            headers:
              i % 3 === 0
                ? [
                    { key: 'content-type', value: te.encode('text/plain') },
                    { key: 'ключ-😀', value: null },
                    { key: '', value: new Uint8Array(0) },
                  ]
                : [],
            timestamp: 1_700_000_000_000 + ((i * 7919) % 100_000) - 50_000,
            offsetDelta: i * 2,
          })),
        },
        {
          compression,
          control: true,
          transactional: true,
          producerId: 1,
          producerEpoch: 0,
          records: [{ key: new Uint8Array([0, 0, 0, 1]), value: new Uint8Array([0, 0, 0, 0, 0, 5]) }],
        },
      )
    }
    const batches: Uint8Array[] = []
    for (const [i, input] of inputs.entries()) {
      const b = await encodeBatchAsync(input)
      // What a broker does on append: offsets, leader epoch, and LogAppendTime for one of them.
      setBaseOffset(b, 1_000_000 * i + 17)
      setPartitionLeaderEpoch(b, i)
      if (i === 2) setLogAppendTime(b, 1_800_000_000_000)
      batches.push(b)
    }
    const read = python('read', { batches: batches.map(hex) }) as Read[]
    expect(read).toHaveLength(batches.length)
    for (const [i, b] of batches.entries()) {
      const r = read[i]!
      expect(r.crcValid, `batch ${i}`).toBe(true)
      expect(r.header, `batch ${i}`).toEqual({ ...verifyBatch(b) })
      expect(r.compression).toBe(inputs[i]!.compression)
      expect(r.transactional).toBe(inputs[i]!.transactional ?? false)
      expect(r.control).toBe(inputs[i]!.control ?? false)
      expect(r.timestampType).toBe(i === 2 ? 1 : 0)
      expect(r.records, `batch ${i}`).toEqual(asKafkaPythonSees(await decodeRecordsAsync(b)))
      // And what brook put in is what came out, seen from Python.
      const input = inputs[i]!.records
      expect(r.records.map((x) => x.value)).toEqual(input.map((x) => hex(x.value)))
      expect(r.records.map((x) => x.key)).toEqual(input.map((x) => hex(x.key ?? null)))
      expect(r.records.map((x) => x.offset)).toEqual(
        input.map((x, j) => 1_000_000 * i + 17 + (x.offsetDelta ?? j)),
      )
    }
  })

  it("agrees with kafka-python's murmur2 on random keys", () => {
    const keys = Array.from({ length: 2000 }, () =>
      crypto.getRandomValues(new Uint8Array(Math.floor(Math.random() * 40))),
    )
    const theirs = python('murmur2', { keys: keys.map(hex) }) as number[]
    expect(keys.map((k) => murmur2(k) >>> 0)).toEqual(theirs)
  })
})
