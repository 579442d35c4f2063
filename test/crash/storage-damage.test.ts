/**
 * @module Issue 12: what `brook serve` does with data damaged on disk while it was stopped — real
 * files, real processes, the damage done by hand as a storage engineer would (truncate, flip a
 * byte), and Kafka clients (kcat) reading the result. Each case states what a Kafka user must see.
 */

import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { errorName } from '../../src/core/errors.ts'
import { encodeBatch } from '../../src/core/format/record-batch.ts'
import type { BrokerService } from '../../src/core/service.ts'
import { connectKafka } from '../../src/edge/kafka/connection.ts'
import { run } from '../interop/support.ts'
import { killServes, type ServeProcess, startServe } from '../support/cli.ts'

const dirs: string[] = []
afterAll(async () => {
  killServes()
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

const enc = new TextEncoder()

async function serveIn(dir: string, segmentBytes = 204_800): Promise<ServeProcess> {
  const args = ['--port', '0', '--http-port', '-1', '--data-dir', dir]
  return startServe([...args, '--segment-bytes', String(segmentBytes)])
}

/** Stops `serve` cleanly and returns what it wrote on stderr (its log). */
async function stop(serve: ServeProcess): Promise<string> {
  serve.proc.kill('SIGTERM')
  return (await serve.exited).stderr
}

/** Runs `fn` on a Kafka connection to the broker at `port`, closed afterwards. */
async function withKafka<T>(port: number, fn: (kafka: BrokerService) => Promise<T>): Promise<T> {
  const kafka = await connectKafka({ bootstrap: `127.0.0.1:${port}` })
  try {
    return await fn(kafka)
  } finally {
    await kafka.close()
  }
}

/** One batch of `values` to partition 0 of `topic`, acks=all: the partition's answer. */
async function produceBatch(kafka: BrokerService, topic: string, values: string[]) {
  const records = values.map((v) => ({ value: enc.encode(v) }))
  const res = await kafka.produce({
    acks: -1,
    timeoutMs: 10_000,
    topics: [{ name: topic, partitions: [{ partition: 0, records: encodeBatch({ records }) }] }],
  })
  return res.topics[0]!.partitions[0]!
}

/** `count` records `v-<from>…` to partition 0 of `topic`, 1,000 to a batch: their base offsets. */
function produce(port: number, topic: string, from: number, count: number): Promise<number[]> {
  return withKafka(port, async (kafka) => {
    const bases: number[] = []
    for (let i = from; i < from + count; i += 1000) {
      const n = Math.min(1000, from + count - i)
      const p = await produceBatch(
        kafka,
        topic,
        Array.from({ length: n }, (_, k) => `v-${i + k}`),
      )
      expect(p.errorCode).toBe(0)
      bases.push(p.baseOffset)
    }
    return bases
  })
}

/** One produce of `values` to partition 0 of `topic`: its error name ('NONE' when stored). */
function produceOnce(port: number, topic: string, values: string[]): Promise<string> {
  return withKafka(port, async (kafka) => errorName((await produceBatch(kafka, topic, values)).errorCode))
}

function latest(port: number, topic: string): Promise<number> {
  return withKafka(port, async (kafka) => {
    const res = await kafka.listOffsets({
      topics: [{ name: topic, partitions: [{ partition: 0, timestamp: -1 }] }],
    })
    return res.topics[0]!.partitions[0]!.offset
  })
}

/** What kcat reads of partition 0 from the beginning to the end (`-e`): offset and value per line. */
async function kcatAll(
  port: number,
  topic: string,
  extra: string[] = [],
): Promise<{ code: number | null; lines: string[] }> {
  const r = await run(
    'kcat',
    [
      ...extra,
      '-C',
      '-b',
      `127.0.0.1:${port}`,
      '-t',
      topic,
      '-p',
      '0',
      '-o',
      'beginning',
      '-e',
      '-q',
      '-f',
      '%o %s\\n',
    ],
    { timeoutMs: 30_000 },
  )
  return { code: r.code, lines: r.stdout.split('\n').filter((l) => l !== '') }
}

/** The segment files of partition 0 of the only topic, in offset order. */
async function segments(dir: string): Promise<string[]> {
  const partition = (await readdir(dir)).find((n) => n.endsWith('-0'))!
  const files = (await readdir(join(dir, partition))).filter((f) => f.endsWith('.log')).sort()
  return files.map((f) => join(dir, partition, f))
}

/** The batches of a segment file: byte position and the offsets each holds. */
function batchesOf(bytes: Uint8Array): { at: number; size: number; base: number; last: number }[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length)
  const out = []
  for (let at = 0; at < bytes.length; ) {
    const size = v.getInt32(at + 8) + 12
    const base = Number(v.getBigInt64(at))
    out.push({ at, size, base, last: base + v.getInt32(at + 23) })
    at += size
  }
  return out
}

describe('brook serve with data damaged on disk', { timeout: 120_000 }, () => {
  it('damage in earlier segments (a flipped byte, a broken batch length, a deleted file) is reported with file and offsets, never served, and costs only the damaged batches', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'brook-damage-middle-'))
    dirs.push(dir)
    let serve = await serveIn(dir, 65_536)
    await produce(serve.port, 'middle', 0, 50_000)
    await stop(serve)
    const files = await segments(dir)
    expect(files.length).toBeGreaterThan(6)

    // A byte flipped inside the records of the third batch of the second segment.
    const flipped = new Uint8Array(await readFile(files[1]!))
    const hit = batchesOf(flipped)[2]!
    flipped[hit.at + 200] ^= 0x01
    await writeFile(files[1]!, flipped)
    // The length of the second batch of the fourth segment made nonsense (past the file's end).
    const broken = new Uint8Array(await readFile(files[3]!))
    const cut = batchesOf(broken)[1]!
    // Good batches follow it in that segment: they must survive.
    expect(batchesOf(broken).length).toBeGreaterThan(2)
    broken.set([0x00, 0x7f, 0xff, 0xff], cut.at + 8)
    await writeFile(files[3]!, broken)
    // The sixth segment deleted.
    const gone = batchesOf(new Uint8Array(await readFile(files[5]!)))
    const goneFrom = gone[0]!.base
    const goneTo = gone.at(-1)!.last
    await rm(files[5]!)

    serve = await serveIn(dir, 65_536)
    const lost = (o: number) =>
      (o >= hit.base && o <= hit.last) || (o >= cut.base && o <= cut.last) || (o >= goneFrom && o <= goneTo)
    const expected = Array.from({ length: 50_000 }, (_, i) => i)
      .filter((o) => !lost(o))
      .map((o) => `${o} v-${o}`)
    // Nothing damaged reaches a consumer, whether it checks CRCs or not, and kcat -e finishes.
    for (const extra of [['-X', 'check.crcs=true'], []]) {
      const read = await kcatAll(serve.port, 'middle', extra)
      expect(read.code).toBe(0)
      expect(read.lines).toEqual(expected)
    }
    expect(await latest(serve.port, 'middle')).toBe(50_000)
    const log = await stop(serve)
    expect(log).toMatch(
      new RegExp(
        `ERROR brook: ${files[1]}: CORRUPT_MESSAGE: record batch CRC mismatch \\(stored \\d+, computed \\d+\\) at byte ${hit.at}; ${hit.size} damaged bytes \\(offsets ${hit.base}\\.\\.${hit.last}\\) are not served; the file as it was is kept as ${files[1]}\\.damaged-`,
      ),
    )
    expect(log).toMatch(
      new RegExp(
        `${files[3]}: batch of \\d+ bytes runs past the end of the file at byte ${cut.at}; \\d+ damaged bytes \\(offsets ${cut.base}\\.\\.${cut.last}\\) are not served`,
      ),
    )
    expect(log).toContain(
      `ERROR brook: ${files[5]} is missing: offsets ${goneFrom}..${goneTo} are lost and not served`,
    )
    // One line at start says what recovery did.
    expect(log).toMatch(
      /^WARN brook: opened .*: 1 partitions, \d+ segments, .* every CRC checked, in \d+ ms; repaired: 2 damaged runs of bytes moved aside, 1 missing segment file or partition directories reported$/m,
    )
    // Moved aside, not destroyed: the damaged files are kept as they were.
    const kept = (await readdir(join(files[1]!, '..'))).filter((f) => f.includes('.damaged-')).sort()
    expect(kept).toHaveLength(2)
    expect(new Uint8Array(await readFile(join(files[1]!, '..', kept[0]!)))).toEqual(flipped)
    expect(new Uint8Array(await readFile(join(files[1]!, '..', kept[1]!)))).toEqual(broken)

    // Started again: nothing more to report, nothing more lost.
    serve = await serveIn(dir, 65_536)
    expect((await kcatAll(serve.port, 'middle')).lines).toEqual(expected)
    expect(await stop(serve)).not.toMatch(/damaged|missing/)
  })

  it('a torn last segment: the log end comes from the data, kcat -e finishes, the next record follows without a hole', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'brook-damage-torn-'))
    dirs.push(dir)
    let serve = await serveIn(dir)
    await produce(serve.port, 'torn', 0, 50_000)
    expect(await latest(serve.port, 'torn')).toBe(50_000)
    await stop(serve)

    const files = await segments(dir)
    expect(files.length).toBeGreaterThan(1)
    const last = files.at(-1)!
    expect((await stat(last)).size).toBeGreaterThan(60_000)
    await truncate(last, 60_000)

    serve = await serveIn(dir)
    const end = await latest(serve.port, 'torn')
    expect(end).toBeLessThan(50_000)
    const read = await kcatAll(serve.port, 'torn')
    expect(read.code).toBe(0)
    // Every offset below the end is there, once, with its own value.
    expect(read.lines).toEqual(Array.from({ length: end }, (_, i) => `${i} v-${i}`))

    const [next] = await produce(serve.port, 'torn', 50_000, 1)
    expect(next).toBe(end)
    expect((await kcatAll(serve.port, 'torn')).lines.at(-1)).toBe(`${end} v-50000`)
    const log = await stop(serve)
    expect(log).toContain(`WARN brook: ${last}: `)
    expect(log).toMatch(/^WARN brook: opened .*; repaired: 1 torn tail cut$/m)
    expect(log).toMatch(new RegExp(`ends at offset ${end}, but offsets up to 49999 had been assigned`))
  })
})

/** Commits `offset` for `group` on partition 0 of `topic`, through the Kafka listener. */
function commit(port: number, group: string, topic: string, offset: number): Promise<void> {
  return withKafka(port, async (kafka) => {
    const res = await kafka.offsetCommit({
      groupId: group,
      generationId: -1,
      memberId: '',
      topics: [{ name: topic, partitions: [{ partition: 0, offset }] }],
    })
    expect(res.topics[0]!.partitions[0]!.errorCode).toBe(0)
  })
}

function committed(port: number, group: string, topic: string): Promise<number> {
  return withKafka(port, async (kafka) => {
    const res = await kafka.offsetFetch({ groupId: group, topics: [{ name: topic, partitions: [0] }] })
    return res.topics[0]!.partitions[0]!.offset
  })
}

describe('brook serve with its metadata damaged on disk', { timeout: 120_000 }, () => {
  it('4 damaged bytes in meta.log cost that one entry: later entries (committed offsets) stay, a copy of the damaged file is kept', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'brook-damage-meta-'))
    dirs.push(dir)
    let serve = await serveIn(dir)
    await produce(serve.port, 'meta', 0, 2_000)
    // Many entries: groups a..t each commit a few times; g-last commits 1234 last of all.
    for (let g = 0; g < 20; g++)
      for (let n = 1; n <= 3; n++) await commit(serve.port, `g-${g}`, 'meta', n * 10)
    await commit(serve.port, 'g-last', 'meta', 1234)
    await stop(serve)

    const path = join(dir, 'meta.log')
    const before = await readFile(path)
    expect(before.length).toBeGreaterThan(2_000)
    const damaged = Buffer.from(before)
    for (let i = 300; i < 304; i++) damaged[i] = damaged[i]! ^ 0xff
    await writeFile(path, damaged)

    serve = await serveIn(dir)
    expect(await committed(serve.port, 'g-last', 'meta')).toBe(1234)
    expect(await latest(serve.port, 'meta')).toBe(2_000)
    // At most one entry went: of the 60 commits of g-0..g-19, every group but possibly one still
    // has its last offset.
    let kept = 0
    for (let g = 0; g < 20; g++) if ((await committed(serve.port, `g-${g}`, 'meta')) === 30) kept++
    expect(kept).toBeGreaterThanOrEqual(19)
    const log = await stop(serve)
    expect(log).toMatch(/meta\.log: damaged entries skipped \(bytes \d+\.\.\d+\)/)
    const copies = (await readdir(dir)).filter((f) => f.startsWith('meta.log.damaged-'))
    expect(copies).toHaveLength(1)
    expect(await readFile(join(dir, copies[0]!))).toEqual(damaged)

    // Started again, the metadata is clean: nothing more is reported, nothing more is lost.
    serve = await serveIn(dir)
    expect(await committed(serve.port, 'g-last', 'meta')).toBe(1234)
    expect(await stop(serve)).not.toMatch(/damaged/)
  })

  it('refuses to start on partition data whose meta.log is gone, and names a damaged meta.snapshot', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'brook-damage-nometa-'))
    dirs.push(dir)
    const serve = await serveIn(dir)
    await produce(serve.port, 'orphan', 0, 5_000)
    await stop(serve)

    await writeFile(join(dir, 'meta.snapshot'), '{"values": {"topic/x": ')
    await expect(serveIn(dir)).rejects.toThrow(/meta\.snapshot is damaged/)

    await rm(join(dir, 'meta.snapshot'))
    await rm(join(dir, 'meta.log'))
    await expect(serveIn(dir)).rejects.toThrow(/meta\.log is missing while 1 partition directories hold data/)
    // Nothing was created in its place: the next start refuses the same way.
    await expect(serveIn(dir)).rejects.toThrow(/meta\.log is missing/)
  })
})

describe('brook serve data-directory lock', { timeout: 60_000 }, () => {
  it('is held by the OS: a second serve is refused, a restart right after kill -9 is not, nor is a stale .lock naming a live process', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'brook-lock-'))
    dirs.push(dir)
    // PID 1 is always alive: a PID file would take it for the owner (after a reboot, in a container).
    await writeFile(join(dir, '.lock'), '1\n')
    const first = await serveIn(dir)
    await produce(first.port, 'locked', 0, 1_000)
    await expect(serveIn(dir)).rejects.toThrow(
      new RegExp(`in use by another brook process \\(pid ${first.proc.pid}\\)`),
    )
    first.proc.kill('SIGKILL')
    await first.exited
    // At once: nothing to wait for, no stale file to remove by hand.
    const second = await serveIn(dir)
    expect(await latest(second.port, 'locked')).toBe(1_000)
    await stop(second)
  })
})

describe('brook serve when the disk refuses writes', { timeout: 60_000 }, () => {
  it('answers KAFKA_STORAGE_ERROR (a new topic too), logs the episode once, and goes on when space is back, losing nothing acknowledged', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'brook-full-'))
    dirs.push(dir)
    const serve = await serveIn(dir)
    await produce(serve.port, 'full', 0, 2_000)
    // The disk fills: no file may grow past the size of the smallest one the broker writes
    // (RLIMIT_FSIZE set on the running process; writes past it fail as on a full disk).
    const limit = (await stat(join(dir, 'meta.log'))).size
    const pid = String(serve.proc.pid)
    // Soft limit only: the hard one stays, so that it can be raised again without privilege.
    const lower = await run('prlimit', ['--pid', pid, `--fsize=${limit}:unlimited`])
    expect(lower.code, lower.stderr).toBe(0)

    for (let i = 0; i < 5; i++)
      expect(await produceOnce(serve.port, 'full', [`refused-${i}`])).toBe('KAFKA_STORAGE_ERROR')
    // A client's first step with a new topic, Metadata with auto-creation: the creation fails for
    // the same reason, and says so (it was UNKNOWN_SERVER_ERROR).
    const md = await withKafka(serve.port, (kafka) =>
      kafka.metadata({ topics: ['brand-new'], allowAutoTopicCreation: true }),
    )
    expect(errorName(md.topics[0]!.errorCode)).toBe('KAFKA_STORAGE_ERROR')

    // Space is back: the next produce is stored, after the acknowledged ones, with no gap.
    const raise = await run('prlimit', ['--pid', pid, '--fsize=unlimited:unlimited'])
    expect(raise.code, raise.stderr).toBe(0)
    expect(await produceOnce(serve.port, 'full', ['after'])).toBe('NONE')
    const read = await kcatAll(serve.port, 'full')
    expect(read.lines).toEqual([...Array.from({ length: 2_000 }, (_, i) => `${i} v-${i}`), '2000 after'])
    const log = await stop(serve)
    expect(log.match(/the store refuses writes/g)).toHaveLength(1)
    expect(log).toMatch(/the store refuses writes \(append failed in .*: .*EFBIG/)
    expect(log.match(/the store accepts writes again/g)).toHaveLength(1)
  })
})
