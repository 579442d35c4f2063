/**
 * @module Consumers the lessons add and remove: each a real brook consumer in a group, on its own
 * client over the page's broker connection, so that one can be "crashed" — its calls stop being
 * answered, as when a process freezes or its network goes — without leaving the group. The broker
 * then notices only when the session times out, as Kafka's coordinator does.
 */

import { signal } from '@preact/signals'
import type { BrokerService, Consumer, PartitionAssigner } from 'brook'
import { createBrook, PartitionAssigners } from 'brook'
import { client } from './broker.ts'

export type AssignorName = 'range' | 'roundrobin'

export interface Received {
  partition: number
  offset: number
  value: string
  /** Someone had processed this offset before: it came again after a rebalance. */
  again: boolean
}

export interface DemoConsumer {
  name: string
  groupId: string
  topic: string
  state: 'joining' | 'active' | 'left' | 'crashed'
  memberId: string
  generation: number
  partitions: number[]
  /** Processed, newest last (at most KEEP). */
  received: Received[]
  /** Highest processed offset + 1 per partition, not committed yet. */
  uncommitted: Record<number, number>
}

/** What happens in a group, newest first: joins, generations, leaves, crashes. */
export interface GroupEvent {
  at: number
  groupId: string
  text:
    | {
        kind: 'join'
        name: string
        generation: number
        leader: boolean
        protocol: string
        partitions: number[]
        /** Owned before this generation and not now, and the other way round. */
        revoked: number[]
        assigned: number[]
        /** From the rebalance's start to the sync: no record is processed meanwhile. */
        pausedMs: number
      }
    | { kind: 'rebalancing'; name: string }
    | { kind: 'left'; name: string }
    | { kind: 'crashed'; name: string }
}

export const SESSION_TIMEOUT_MS = 6000
/** Tells this tab's clients from another tab's in the broker's member lists. */
export const TAB = Math.random().toString(36).slice(2, 5)
export const clientIdOf = (name: string) => `tab-${TAB}-${name}`
const KEEP = 60
const NAMES = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'

export const consumers = signal<DemoConsumer[]>([])
export const groupEvents = signal<GroupEvent[]>([])

/** Every (partition, offset) processed in this page per group: a second delivery is a redelivery. */
const processed = new Map<string, Set<string>>()
const handles = new Map<string, { consumer: Consumer; cut: () => void }>()

const text = new TextDecoder()

function update(name: string, fn: (c: DemoConsumer) => DemoConsumer): void {
  consumers.value = consumers.value.map((c) => (c.name === name ? fn(c) : c))
}

function log(event: Omit<GroupEvent, 'at'>): void {
  groupEvents.value = [{ ...event, at: Date.now() }, ...groupEvents.value].slice(0, 40)
}

/**
 * The page's broker service with a switch: once cut, no call is answered (nor pushed event
 * delivered), like a consumer whose process froze. Nothing is sent to the broker after that.
 */
export function cuttable(service: BrokerService): { service: BrokerService; cut: () => void } {
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

export async function addConsumer(opts: {
  groupId: string
  topic: string
  assignor: AssignorName
  /** Commit each record once processed (else only `commit()` does). */
  autoCommit: boolean
}): Promise<string> {
  const used = new Set(consumers.value.map((c) => c.name))
  const name = [...NAMES].find((n) => !used.has(n)) ?? `C${used.size}`
  const { service, cut } = cuttable(client().service)
  const brook = createBrook({ service, clientId: clientIdOf(name) })
  const assigner: PartitionAssigner =
    opts.assignor === 'range' ? PartitionAssigners.range : PartitionAssigners.roundRobin
  const consumer = brook.consumer({
    groupId: opts.groupId,
    sessionTimeout: SESSION_TIMEOUT_MS,
    heartbeatInterval: 1000,
    maxWaitTimeInMs: 500,
    partitionAssigners: [assigner],
  })
  handles.set(name, { consumer, cut })
  consumers.value = [
    ...consumers.value,
    {
      name,
      groupId: opts.groupId,
      topic: opts.topic,
      state: 'joining',
      memberId: '',
      generation: -1,
      partitions: [],
      received: [],
      uncommitted: {},
    },
  ]
  const seen = processed.get(opts.groupId) ?? new Set<string>()
  processed.set(opts.groupId, seen)
  consumer.on('consumer.rebalancing', () => {
    update(name, (c) => (c.state === 'active' ? { ...c, state: 'joining' } : c))
    log({ groupId: opts.groupId, text: { kind: 'rebalancing', name } })
  })
  consumer.on('consumer.group_join', (e) => {
    const p = e.payload as {
      memberId: string
      generationId: number
      isLeader: boolean
      groupProtocol: string
      memberAssignment: Record<string, number[]>
    }
    const partitions = [...(p.memberAssignment[opts.topic] ?? [])].sort((a, b) => a - b)
    const before = consumers.value.find((c) => c.name === name)?.partitions ?? []
    update(name, (c) => ({
      ...c,
      state: 'active',
      memberId: p.memberId,
      generation: p.generationId,
      partitions,
      uncommitted: {},
    }))
    log({
      groupId: opts.groupId,
      text: {
        kind: 'join',
        name,
        generation: p.generationId,
        leader: p.isLeader,
        protocol: p.groupProtocol,
        partitions,
        revoked: before.filter((x) => !partitions.includes(x)),
        assigned: partitions.filter((x) => !before.includes(x)),
        pausedMs: (e.payload as { duration: number }).duration,
      },
    })
  })
  await consumer.subscribe({ topics: [opts.topic], fromBeginning: true })
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      const key = `${partition}:${message.offset}`
      const again = seen.has(key)
      seen.add(key)
      const value = message.value === null ? '' : text.decode(message.value)
      update(name, (c) => ({
        ...c,
        received: [...c.received, { partition, offset: message.offset, value, again }].slice(-KEEP),
        uncommitted: { ...c.uncommitted, [partition]: message.offset + 1 },
      }))
      if (opts.autoCommit) await commit(name)
    },
  })
  return name
}

/** Commits what `name` has processed and not committed yet. */
export async function commit(name: string): Promise<void> {
  const me = consumers.value.find((c) => c.name === name)
  const handle = handles.get(name)
  if (!me || !handle || me.state === 'crashed') return
  const entries = Object.entries(me.uncommitted)
  if (entries.length === 0) return
  await handle.consumer.commitOffsets(
    entries.map(([partition, offset]) => ({
      topic: me.topic,
      partition: Number(partition),
      offset: String(offset),
    })),
  )
  update(name, (c) => {
    const left = { ...c.uncommitted }
    for (const [p, o] of entries) if (left[Number(p)] === o) delete left[Number(p)]
    return { ...c, uncommitted: left }
  })
}

/** LeaveGroup: the others rebalance at once. */
export async function leave(name: string): Promise<void> {
  const handle = handles.get(name)
  if (!handle) return
  handles.delete(name)
  await handle.consumer.disconnect()
  const me = consumers.value.find((c) => c.name === name)
  update(name, (c) => ({ ...c, state: 'left', partitions: [] }))
  if (me) log({ groupId: me.groupId, text: { kind: 'left', name } })
}

/** The consumer stops answering; the group notices after the session timeout. */
export function crash(name: string): void {
  const handle = handles.get(name)
  if (!handle) return
  handles.delete(name)
  handle.cut()
  const me = consumers.value.find((c) => c.name === name)
  update(name, (c) => ({ ...c, state: 'crashed', partitions: [] }))
  if (me) log({ groupId: me.groupId, text: { kind: 'crashed', name } })
}

/** Forgets consumers that are gone (left or crashed) from the cards. */
export function clearGone(): void {
  consumers.value = consumers.value.filter((c) => c.state !== 'left' && c.state !== 'crashed')
}
