/**
 * @module Runs a timeline script against a broker of its own — brook's core, in this page, on a
 * MemoryStore and a manual clock — through brook's client, and records what the broker answered:
 * appends (partition, offset), each generation's assignment, what each consumer processed (and
 * whether again), commits, crashes, leaves, cleaner passes. After each step it waits until the
 * group is stable and every live consumer has processed what it owns, and orders what happened
 * within the step, so the same script always gives the same trace.
 */

import type { BrokerService, Brook, Consumer } from 'brook'
import { Broker, createBrook, decodeRecords, ManualClock, MemoryStore, splitBatches } from 'brook'
import type { Step } from './script.ts'

export const TOPIC = 'timeline'
const PARTITIONS = 3
const SESSION_MS = 6000
const START = Date.UTC(2026, 0, 1)

export type TraceEvent =
  | { kind: 'append'; partition: number; offset: number; key: string | null; value: string }
  | { kind: 'generation'; generation: number; assignment: [member: string, partitions: number[]][] }
  | { kind: 'processed'; member: string; partition: number; offset: number; again: boolean }
  | { kind: 'commit'; member: string; partition: number; offset: number }
  | { kind: 'join'; member: string }
  | { kind: 'leave'; member: string }
  | { kind: 'crash'; member: string }
  | { kind: 'wait'; ms: number }
  /** `kept`: the offsets each partition still holds after the pass, as Fetch answers them. */
  | { kind: 'clean'; removed: number; kept: [partition: number, offsets: number[]][] }

/** The events of each step, in order: `trace[i]` is what step i made happen. */
export type Trace = TraceEvent[][]

interface Member {
  name: string
  consumer: Consumer
  cut: () => void
  /** partition → next offset to process. */
  position: Map<number, number>
  owns: number[]
  generation: number
}

/** One turn of the task queue, unclamped (a browser slows nested zero-delay timers to 4 ms). */
function turn(): Promise<void> {
  return new Promise((done) => {
    const channel = new MessageChannel()
    channel.port1.onmessage = () => {
      channel.port1.close()
      done()
    }
    channel.port2.postMessage(0)
  })
}

/** Lets every promise and queued task that is ready run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await turn()
}

/** A service whose calls stop being answered once cut: a frozen process. */
function cuttable(service: BrokerService): { service: BrokerService; cut: () => void } {
  let cut = false
  const never = new Promise<never>(() => {})
  const wrapped = new Proxy(service, {
    get(target, prop) {
      const value = Reflect.get(target, prop)
      if (typeof value !== 'function') return value
      if (prop === 'onGroupRebalance')
        return (listener: (g: string | null) => void) =>
          value.call(target, (g: string | null) => {
            if (!cut) listener(g)
          })
      return (...args: unknown[]) => (cut ? never : value.apply(target, args))
    },
  })
  return { service: wrapped, cut: () => (cut = true) }
}

export async function runTimeline(steps: Step[], onStep?: (done: number) => void): Promise<Trace> {
  const clock = new ManualClock(START)
  const broker = await Broker.open({
    store: new MemoryStore(),
    clock,
    initialRebalanceDelayMs: 0,
    autoCreateTopics: false,
  })
  await broker.createTopics({
    topics: [{ name: TOPIC, numPartitions: PARTITIONS, configs: { 'cleanup.policy': 'compact' } }],
  })
  const producerClient: Brook = createBrook({ service: broker, clock, clientId: 'timeline-producer' })
  const producer = producerClient.producer()
  const members = new Map<string, Member>()
  const processed = new Set<string>()
  const trace: Trace = []
  let current: TraceEvent[] = []
  const generations = new Map<number, Map<string, number[]>>()

  const join = async (name: string) => {
    const { service, cut } = cuttable(broker)
    const consumer = createBrook({ service, clock, clientId: `timeline-${name}` }).consumer({
      groupId: 'timeline-group',
      sessionTimeout: SESSION_MS,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 500,
    })
    const m: Member = { name, consumer, cut, position: new Map(), owns: [], generation: -1 }
    members.set(name, m)
    consumer.on('consumer.group_join', (e) => {
      const p = e.payload as { generationId: number; memberAssignment: Record<string, number[]> }
      m.owns = [...(p.memberAssignment[TOPIC] ?? [])].sort((a, b) => a - b)
      m.generation = p.generationId
      const g = generations.get(p.generationId) ?? new Map<string, number[]>()
      g.set(name, m.owns)
      generations.set(p.generationId, g)
    })
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true })
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const key = `${partition}:${message.offset}`
        current.push({
          kind: 'processed',
          member: name,
          partition,
          offset: message.offset,
          again: processed.has(key),
        })
        processed.add(key)
        m.position.set(partition, message.offset + 1)
      },
    })
  }

  /** Until the group is stable and each live member has processed all it owns (bounded). */
  const quiet = async () => {
    for (let i = 0; i < 400; i++) {
      await settle()
      const live = [...members.values()]
      const [group] = await broker.describeGroups(['timeline-group'])
      const stable = group?.state === 'Stable' || (group?.state === 'Empty' && live.length === 0)
      const generation = Math.max(-1, ...live.map((m) => m.generation))
      const synced = live.every((m) => m.generation === generation) && group?.members.length === live.length
      const caughtUp = live.every((m) =>
        m.owns.every((p) => (m.position.get(p) ?? 0) >= broker.log(TOPIC, p)!.highWatermark),
      )
      if (stable && synced && caughtUp) return
    }
  }

  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!
    current = []
    const seenGenerations = new Set(generations.keys())
    switch (step.t) {
      case 'produce': {
        const [meta] = await producer.send({
          topic: TOPIC,
          messages: [{ key: step.key ?? undefined, value: step.value, partition: step.partition }],
        })
        current.push({
          kind: 'append',
          partition: meta!.partition,
          offset: meta!.baseOffset,
          key: step.key,
          value: step.value,
        })
        break
      }
      case 'join':
        current.push({ kind: 'join', member: step.member })
        await join(step.member)
        break
      case 'leave': {
        const m = members.get(step.member)
        if (!m) break
        members.delete(step.member)
        current.push({ kind: 'leave', member: step.member })
        await m.consumer.disconnect()
        break
      }
      case 'crash': {
        const m = members.get(step.member)
        if (!m) break
        members.delete(step.member)
        m.cut()
        current.push({ kind: 'crash', member: step.member })
        break
      }
      case 'commit': {
        const m = members.get(step.member)
        if (!m) break
        const offsets = m.owns
          .filter((p) => m.position.has(p))
          .map((p) => ({ partition: p, offset: m.position.get(p)! }))
        if (offsets.length === 0) break
        await m.consumer.commitOffsets(
          offsets.map((o) => ({ topic: TOPIC, partition: o.partition, offset: String(o.offset) })),
        )
        for (const o of offsets) current.push({ kind: 'commit', member: m.name, ...o })
        break
      }
      case 'wait':
        current.push({ kind: 'wait', ms: step.ms })
        // In small moves, so that live members heartbeat in between and only the dead time out.
        for (let t = 0; t < step.ms; t += 250) {
          clock.advance(250)
          await settle()
        }
        break
      case 'clean': {
        const removed = await broker.compact(TOPIC)
        const kept: [number, number[]][] = []
        for (let p = 0; p < PARTITIONS; p++) kept.push([p, await offsetsIn(broker, p)])
        current.push({ kind: 'clean', removed, kept })
        break
      }
    }
    await quiet()
    for (const [generation, assignment] of generations) {
      if (seenGenerations.has(generation)) continue
      current.push({
        kind: 'generation',
        generation,
        assignment: [...assignment].sort(([a], [b]) => (a < b ? -1 : 1)),
      })
    }
    trace.push(order(current))
    onStep?.(i + 1)
  }
  for (const m of members.values()) m.cut()
  await broker.close().catch(() => {})
  return trace
}

/** The offsets partition `p` holds, read with Fetch as a consumer would. */
async function offsetsIn(broker: Broker, p: number): Promise<number[]> {
  const log = broker.log(TOPIC, p)!
  const res = await broker.fetch({
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    topics: [
      {
        name: TOPIC,
        partitions: [{ partition: p, fetchOffset: log.logStartOffset, partitionMaxBytes: 1 << 20 }],
      },
    ],
  })
  const out: number[] = []
  for (const batch of splitBatches(res.topics[0]!.partitions[0]!.records, { partialTail: true }))
    for (const r of decodeRecords(batch)) out.push(r.offset)
  return out
}

const RANK: Record<TraceEvent['kind'], number> = {
  join: 0,
  leave: 0,
  crash: 0,
  wait: 0,
  append: 1,
  clean: 1,
  generation: 2,
  processed: 3,
  commit: 4,
}

/** A step's events in an order that does not depend on which promise ran first. */
function order(events: TraceEvent[]): TraceEvent[] {
  const key = (e: TraceEvent) =>
    'member' in e
      ? `${e.member}:${'partition' in e ? String(e.partition).padStart(3, '0') : ''}:${'offset' in e ? String(e.offset).padStart(9, '0') : ''}`
      : ''
  return [...events].sort(
    (a, b) => RANK[a.kind] - RANK[b.kind] || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0),
  )
}

/** FNV-1a of the trace: equal fingerprints, equal traces. */
export function fingerprint(trace: Trace): string {
  let h = 0x811c9dc5
  for (const ch of JSON.stringify(trace)) h = Math.imul(h ^ ch.charCodeAt(0), 16777619)
  return (h >>> 0).toString(16).padStart(8, '0')
}
