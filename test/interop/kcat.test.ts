/** kcat (librdkafka 2.0.2) against brook's Kafka listener: metadata, produce, consume, balanced group. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeAssignment } from '../../src/core/format/consumer-protocol.ts'
import { type Brook, LineProcess, run, startBrook } from './support.ts'

describe('kcat interop', () => {
  let brook: Brook
  let bootstrap: string
  beforeAll(async () => {
    brook = await startBrook()
    bootstrap = `127.0.0.1:${brook.port}`
    await brook.broker.createTopics({ topics: [{ name: 'three', numPartitions: 3 }] })
  })
  afterAll(async () => {
    await brook?.close()
  })

  it('-L lists the broker, the controller and topics with their partitions', async () => {
    const r = await run('kcat', ['-b', bootstrap, '-L'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`broker 1 at 127.0.0.1:${brook.port} (controller)`)
    expect(r.stdout).toMatch(/topic "three" with 3 partitions:/)
    expect(r.stdout).toMatch(/partition 2, leader 1, replicas: 1, isrs: 1/)
  })

  it('-P with keys, headers and explicit partitions; -C -e reads them back in a format string', async () => {
    const p = await run(
      'kcat',
      ['-b', bootstrap, '-P', '-t', 'three', '-p', '2', '-K', ':', '-H', 'trace=abc'],
      {
        input: 'k1:hello\nk2:world\n',
      },
    )
    expect(p.stderr).toBe('')
    expect(p.code).toBe(0)
    await run('kcat', ['-b', bootstrap, '-P', '-t', 'three', '-p', '0'], { input: 'zero\n' })
    const c = await run('kcat', [
      '-b',
      bootstrap,
      '-C',
      '-t',
      'three',
      '-e',
      '-q',
      '-o',
      'beginning',
      '-f',
      '%p|%o|%k|%s|%h\n',
    ])
    expect(c.code).toBe(0)
    const lines = c.stdout.trim().split('\n').sort()
    expect(lines).toEqual(['0|0||zero|', '2|0|k1|hello|trace=abc', '2|1|k2|world|trace=abc'])
  })

  it('a record without a key is refused on a compacted topic (INVALID_RECORD), a keyed one in the same topic is stored', async () => {
    await brook.broker.createTopics({
      topics: [{ name: 'compacted', numPartitions: 1, configs: { 'cleanup.policy': 'compact' } }],
    })
    const keyless = await run('kcat', ['-b', bootstrap, '-P', '-t', 'compacted'], { input: 'no key\n' })
    expect(keyless.code).toBe(1)
    // librdkafka's words for INVALID_RECORD (87).
    expect(keyless.stderr).toContain('Broker: Broker failed to validate record')
    const keyed = await run('kcat', ['-b', bootstrap, '-P', '-t', 'compacted', '-K', ':'], { input: 'k:v\n' })
    expect(keyed.code, keyed.stderr).toBe(0)
    const c = await run('kcat', ['-b', bootstrap, '-C', '-t', 'compacted', '-e', '-q', '-f', '%o %k=%s\n'])
    expect(c.stdout).toBe('0 k=v\n')
  })

  it('-P to a new topic auto-creates it; -C -o -1 reads the last record', async () => {
    const p = await run('kcat', ['-b', bootstrap, '-P', '-t', 'fresh'], { input: 'one\ntwo\nthree\n' })
    expect(p.code).toBe(0)
    const c = await run('kcat', ['-b', bootstrap, '-C', '-t', 'fresh', '-e', '-q', '-o', '-1'])
    expect(c.stdout).toBe('three\n')
    const all = await run('kcat', [
      '-b',
      bootstrap,
      '-C',
      '-t',
      'fresh',
      '-e',
      '-q',
      '-o',
      'beginning',
      '-f',
      '%o:%s\n',
    ])
    expect(all.stdout).toBe('0:one\n1:two\n2:three\n')
  })

  it('-G balanced consumer group: two kcat members share the partitions and commit', async () => {
    const input = Array.from({ length: 30 }, (_, i) => `g${i}`).join('\n')
    await brook.broker.createTopics({ topics: [{ name: 'grouped', numPartitions: 2 }] })
    for (const p of [0, 1]) {
      const lines = input
        .split('\n')
        .filter((_, i) => i % 2 === p)
        .join('\n')
      await run('kcat', ['-b', bootstrap, '-P', '-t', 'grouped', '-p', String(p)], { input: `${lines}\n` })
    }
    const args = [
      '-b',
      bootstrap,
      '-G',
      'kgroup',
      '-X',
      'auto.offset.reset=earliest',
      '-f',
      '%p:%s\n',
      '-u',
      'grouped',
    ]
    const m1 = new LineProcess('kcat', args)
    const m2 = new LineProcess('kcat', args)
    try {
      const seen = () => new Set([...m1.lines, ...m2.lines].filter((l) => l.includes(':')))
      await m1.waitFor(() => seen().size === 30, 30_000, 'both members together to read all 30 records')
      let groups = await brook.broker.describeGroups(['kgroup'])
      for (let i = 0; i < 100 && (groups[0]!.state !== 'Stable' || groups[0]!.members.length !== 2); i++) {
        await new Promise((r) => setTimeout(r, 100))
        groups = await brook.broker.describeGroups(['kgroup'])
      }
      expect(groups[0]!.state).toBe('Stable')
      expect(groups[0]!.members).toHaveLength(2)
      // librdkafka's range assignor gave each member one partition of the two.
      const owned = groups[0]!.members.map((m) =>
        decodeAssignment(m.assignment).assignment.flatMap((tp) => tp.partitions),
      )
      expect(owned.map((p) => p.length)).toEqual([1, 1])
      expect(owned.flat().sort()).toEqual([0, 1])
    } finally {
      m1.kill('SIGTERM')
      m2.kill('SIGTERM')
      await Promise.all([m1.exited, m2.exited])
    }
    // kcat commits on exit (enable.auto.commit): the group's offsets reach the end of the log.
    const committed = await brook.broker.offsetFetch({
      groupId: 'kgroup',
      topics: [{ name: 'grouped', partitions: [0, 1] }],
    })
    expect(committed.topics[0]!.partitions.map((p) => p.offset)).toEqual([15, 15])
  }, 60_000)
})
