/**
 * @module Producers lesson 3 runs: each a real brook producer, sending at a set rate with its own
 * linger, acks and idempotence, over the page's broker connection with one switch — "lose the next
 * response": the broker stores the batch, but its answer never reaches the producer, which then
 * retries. Idempotent, the broker recognises the retry by producer id and sequence; otherwise the
 * record is stored twice.
 */

import { signal } from '@preact/signals'
import type { BrokerService, ProduceRequest, Producer } from 'brook'
import { BrookError, createBrook } from 'brook'
import { client } from './broker.ts'

export type Acks = 0 | 1 | -1

export interface ProducerSettings {
  rate: number
  lingerMs: number
  acks: Acks
  idempotent: boolean
}

export interface DemoProducer extends ProducerSettings {
  name: string
  running: boolean
  sent: number
  acked: number
  failed: number
  /** Mean time from send() to its answer, over the last sends (ms). */
  latencyMs: number
  /** Answers the demo dropped (each one made the producer retry). */
  lost: number
  lastError: string
}

export const producers = signal<DemoProducer[]>([])

/** The highest rate a producer card takes, and the shortest tick between its sends. */
export const MAX_RATE = 10_000
const MIN_TICK_MS = 50

interface Runtime {
  producer: Producer
  timer: ReturnType<typeof setInterval> | null
  lose: () => void
  latencies: number[]
  seq: number
}

const runtimes = new Map<string, Runtime>()

function update(name: string, fn: (p: DemoProducer) => DemoProducer): void {
  producers.value = producers.value.map((p) => (p.name === name ? fn(p) : p))
}

/**
 * The page's service, whose next produce answer can be lost after the broker applied the request —
 * as when a connection drops just after the write.
 */
function lossy(service: BrokerService, onLost: () => void): { service: BrokerService; lose: () => void } {
  let lose = 0
  const wrapped = new Proxy(service, {
    get(target, prop) {
      const value = Reflect.get(target, prop)
      if (prop !== 'produce' || typeof value !== 'function')
        return typeof value === 'function' ? value.bind(target) : value
      return async (req: ProduceRequest) => {
        const res = await value.call(target, req)
        if (lose > 0 && req.acks !== 0) {
          lose--
          onLost()
          throw new BrookError(
            'REQUEST_TIMED_OUT',
            'the answer was lost on its way back (the demo dropped it)',
          )
        }
        return res
      }
    },
  })
  return { service: wrapped, lose: () => lose++ }
}

function build(name: string, settings: ProducerSettings): Runtime {
  const { service, lose } = lossy(client().service, () => update(name, (p) => ({ ...p, lost: p.lost + 1 })))
  const brook = createBrook({ service, clientId: `producer-${name}` })
  const producer = brook.producer({
    lingerMs: settings.lingerMs,
    acks: settings.acks,
    idempotent: settings.idempotent && settings.acks === -1,
    retry: { retries: 5, initialRetryTime: 100 },
  })
  return { producer, timer: null, lose, latencies: [], seq: 0 }
}

export function addProducer(settings: ProducerSettings): string {
  const name = `P${producers.value.length + 1}`
  runtimes.set(name, build(name, settings))
  producers.value = [
    ...producers.value,
    { name, ...settings, running: false, sent: 0, acked: 0, failed: 0, latencyMs: 0, lost: 0, lastError: '' },
  ]
  return name
}

/** New settings: the producer is rebuilt (kafkajs fixes them at creation too) and keeps running if it was. */
export function configure(name: string, settings: Partial<ProducerSettings>): void {
  const current = producers.value.find((p) => p.name === name)
  if (!current) return
  const next = { ...current, ...settings }
  if (next.acks !== -1) next.idempotent = false
  const wasRunning = current.running
  stop(name)
  runtimes.set(name, build(name, next))
  update(name, () => ({ ...next, running: false }))
  if (wasRunning) start(name, currentTopicOf.get(name)!)
}

const currentTopicOf = new Map<string, string>()

export function start(name: string, topic: string): void {
  const rt = runtimes.get(name)
  const me = producers.value.find((p) => p.name === name)
  if (!rt || !me || rt.timer) return
  currentTopicOf.set(name, topic)
  // Timers fire at most every few ms: above 20 sends a second, each tick sends several records.
  const interval = Math.max(1000 / me.rate, MIN_TICK_MS)
  const perTick = Math.max(1, Math.round((me.rate * interval) / 1000))
  rt.timer = setInterval(() => {
    const started = performance.now()
    const messages = Array.from({ length: perTick }, () => ({ key: name, value: `${name}-${rt.seq++}` }))
    update(name, (p) => ({ ...p, sent: p.sent + perTick }))
    // Not awaited: sends that overlap are what linger gathers into one batch.
    rt.producer.send({ topic, messages }).then(
      () => {
        rt.latencies.push(performance.now() - started)
        if (rt.latencies.length > 20) rt.latencies.shift()
        const mean = rt.latencies.reduce((a, b) => a + b, 0) / rt.latencies.length
        update(name, (p) => ({ ...p, acked: p.acked + perTick, latencyMs: mean }))
      },
      (e: unknown) =>
        update(name, (p) => ({
          ...p,
          failed: p.failed + perTick,
          lastError: String((e as Error).message ?? e),
        })),
    )
  }, interval)
  update(name, (p) => ({ ...p, running: true }))
}

export function stop(name: string): void {
  const rt = runtimes.get(name)
  if (!rt?.timer) return
  clearInterval(rt.timer)
  rt.timer = null
  update(name, (p) => ({ ...p, running: false }))
}

export function loseNextAnswer(name: string): void {
  runtimes.get(name)?.lose()
}
