// @platformatic/kafka against brook, run by test/interop/platformatic.test.ts under Node 22:
// `node client.mjs <bootstrap> <scenario> [args]`. Prints one JSON line with what it saw.
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka'

const [bootstrap, scenario, ...args] = process.argv.slice(2)
const bootstrapBrokers = [bootstrap]
const json = (v) =>
  JSON.stringify(v, (_, x) =>
    typeof x === 'bigint' ? Number(x) : x instanceof Map ? Object.fromEntries(x) : x,
  )
/** An error and, flattened, the Kafka error codes of the responses inside it. */
const errorOf = (e) => {
  const codes = []
  const walk = (x) => {
    if (x?.apiCode !== undefined) codes.push(x.apiCode)
    for (const inner of x?.errors ?? []) walk(inner)
  }
  walk(e)
  return { message: e.message, code: e.code, apiCodes: codes }
}

async function admin() {
  const [topic] = args
  const a = new Admin({ clientId: 'plt-admin', bootstrapBrokers })
  try {
    const created = await a.createTopics({
      topics: [topic],
      partitions: 2,
      replicas: 1,
      configs: [{ name: 'retention.ms', value: '3600000' }],
    })
    const metadata = await a.metadata({ topics: [topic] })
    let again = null
    try {
      await a.createTopics({ topics: [topic], partitions: 2, replicas: 1 })
    } catch (e) {
      again = errorOf(e)
    }
    await a.createPartitions({ topics: [{ name: topic, count: 3 }] })
    const grown = await a.metadata({ topics: [topic], forceUpdate: true })
    await a.deleteTopics({ topics: [topic] })
    const listed = await a.listTopics()
    return {
      created: created.map((t) => ({
        id: t.id,
        name: t.name,
        partitions: t.partitions,
        configuration: t.configuration,
      })),
      metadataId: metadata.topics.get(topic)?.id,
      partitions: metadata.topics.get(topic)?.partitionsCount,
      again,
      grown: grown.topics.get(topic)?.partitionsCount,
      listedAfterDelete: listed.includes(topic),
    }
  } finally {
    await a.close()
  }
}

async function produce() {
  const [topic, compression, count, partitions = '1'] = args
  const p = new Producer({ clientId: 'plt-producer', bootstrapBrokers, serializers: stringSerializers })
  try {
    const messages = Array.from({ length: Number(count) }, (_, i) => ({
      topic,
      partition: i % Number(partitions),
      key: `k${i}`,
      value: `${compression} record ${i} ${'lorem ipsum '.repeat(8)}`,
      headers: new Map([['n', String(i)]]),
    }))
    const r = await p.send({ compression, messages })
    return { offsets: r.offsets }
  } finally {
    await p.close()
  }
}

async function consume() {
  const [topic, groupId, count] = args
  const c = new Consumer({
    groupId,
    clientId: 'plt-consumer',
    bootstrapBrokers,
    deserializers: stringDeserializers,
    maxWaitTime: 200,
  })
  const seen = []
  try {
    const stream = await c.consume({ topics: [topic], mode: 'earliest', autocommit: false })
    for await (const m of stream) {
      seen.push({
        partition: m.partition,
        offset: Number(m.offset),
        key: m.key,
        value: m.value,
        n: m.headers.get('n'),
      })
      await m.commit()
      if (seen.length >= Number(count)) break
    }
    await stream.close()
  } finally {
    await c.close()
  }
  return { seen }
}

/**
 * Two members of one group on a 4-partition topic that holds `before` records: the first member
 * takes every partition and reads them all, committing each, then the second joins and the group
 * rebalances to two partitions each; `after` more records are produced. Each member reports what it
 * read and which partitions it owns after the rebalance.
 */
async function group() {
  const [topic, groupId, before, after] = args.map((a, i) => (i < 2 ? a : Number(a)))
  const make = (clientId) =>
    new Consumer({
      groupId,
      clientId,
      bootstrapBrokers,
      deserializers: stringDeserializers,
      maxWaitTime: 200,
      sessionTimeout: 10_000,
      heartbeatInterval: 500,
    })
  const seen = []
  const read = async (c, member) => {
    const stream = await c.consume({
      topics: [topic],
      mode: 'committed',
      fallbackMode: 'earliest',
      autocommit: false,
    })
    ;(async () => {
      for await (const m of stream) {
        seen.push({ member, partition: m.partition, offset: Number(m.offset), value: m.value })
        // This client can deliver records of a partition it just lost, from a fetch sent before
        // the rebalance; committing those could move the new owner's offset back. A careful
        // application commits only what its member owns now.
        const owns = (c.assignments ?? []).some(
          (a) => a.topic === topic && a.partitions.includes(m.partition),
        )
        if (owns) await m.commit()
      }
    })().catch(() => {})
    return stream
  }
  const until = async (what, ok, ms = 30_000) => {
    const end = Date.now() + ms
    while (!ok()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(seen)}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  const first = make('plt-member-1')
  const second = make('plt-member-2')
  const producer = new Producer({
    clientId: 'plt-producer',
    bootstrapBrokers,
    serializers: stringSerializers,
  })
  const partitionsOf = (c) => (c.assignments ?? []).flatMap((a) => a.partitions).sort()
  const owned = (c) => partitionsOf(c).length
  const streams = []
  try {
    streams.push(await read(first, 'first'))
    await until('the first member to own every partition', () => owned(first) === 4)
    await until('the records already there', () => seen.length >= before)
    streams.push(await read(second, 'second'))
    await until('the rebalance', () => owned(first) === 2 && owned(second) === 2)
    const split = { first: partitionsOf(first), second: partitionsOf(second) }
    await producer.send({
      messages: Array.from({ length: after }, (_, i) => ({ topic, partition: i % 4, value: `after ${i}` })),
    })
    await until(
      'the records produced after the rebalance',
      () =>
        new Set(seen.filter((s) => s.value.startsWith('after')).map((s) => `${s.partition}:${s.offset}`))
          .size === after,
    )
    return { split, seen }
  } finally {
    for (const s of streams.reverse()) await s.close().catch(() => {})
    await producer.close()
    await second.close()
    await first.close()
  }
}

const scenarios = { admin, produce, consume, group }
try {
  console.log(json({ ok: true, ...(await scenarios[scenario]()) }))
} catch (e) {
  console.log(json({ ok: false, error: errorOf(e) }))
}
