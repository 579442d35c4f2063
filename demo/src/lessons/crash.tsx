/**
 * @module Lesson 7, crash here: one consumer at a time reads payments, processing and committing
 * each in the chosen order, and can stop in the gap between the two. A crash there — the consumer
 * stops answering, as a dead process does — and the next consumer (after the session timeout)
 * processes a record twice or skips it. The counters compare what was sent with what was processed.
 */

import type { Consumer } from 'brook'
import { createBrook } from 'brook'
import { useState } from 'preact/hooks'
import { client } from '../broker.ts'
import { cuttable, SESSION_TIMEOUT_MS } from '../consumers.ts'
import { t } from '../i18n.ts'
import { usePoll } from '../poll.ts'
import { lastAction, snippets } from '../snippets.ts'
import { producer } from '../state.ts'

const TOPIC = 'payments'
const GROUP = 'payments-app'
const BATCH = 3

type Order = 'least' | 'most'
type Step =
  | { kind: 'processed'; value: string }
  | { kind: 'committed'; offset: number }
  | { kind: 'crashed'; where: 'processed' | 'committed' }
  | { kind: 'started'; name: string }

interface Gate {
  value: string
  at: 'processed' | 'committed'
  resume: () => void
  crash: () => void
}

let consumerCount = 0

export function CrashLesson() {
  const s = t()
  const [order, setOrder] = useState<Order>('least')
  const [pause, setPause] = useState(true)
  const [sent, setSent] = useState<{ value: string; offset: number }[]>([])
  const [processed, setProcessed] = useState<Record<string, number>>({})
  const [steps, setSteps] = useState<Step[]>([])
  const [gate, setGate] = useState<Gate | null>(null)
  const [running, setRunning] = useState<{ consumer: Consumer; cut: () => void } | null>(null)
  const [error, setError] = useState('')
  const log = (step: Step) => setSteps((list) => [step, ...list].slice(0, 30))

  // Everything in the topic, from the broker: what was sent, whichever tab or run sent it.
  const total = usePoll(async () => {
    const [p] = await client().admin().fetchTopicOffsets(TOPIC)
    return Number(p?.high ?? 0) - Number(p?.low ?? 0)
  }, 500)

  const send = async () => {
    try {
      await client()
        .admin()
        .createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }] })
      const values = Array.from({ length: BATCH }, (_, i) => `pay-${sent.length + i}`)
      const [meta] = await producer().send({ topic: TOPIC, messages: values.map((value) => ({ value })) })
      setSent([...sent, ...values.map((value, i) => ({ value, offset: meta!.baseOffset + i }))])
      lastAction.value = snippets.produceMany(
        TOPIC,
        values.map((value) => ({ value })),
      )
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e))
    }
  }

  const startConsumer = async () => {
    const name = String.fromCharCode(65 + (consumerCount++ % 26))
    const { service, cut } = cuttable(client().service)
    const consumer = createBrook({ service, clientId: `payments-${name}` }).consumer({
      groupId: GROUP,
      sessionTimeout: SESSION_TIMEOUT_MS,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 300,
    })
    let dead = false
    const wait = (value: string, at: Gate['at']) =>
      new Promise<void>((resume) => {
        if (!pause) return resume()
        setGate({
          value,
          at,
          resume: () => {
            setGate(null)
            resume()
          },
          crash: () => {
            // The process dies here: no commit, no leave; the handler never returns.
            dead = true
            cut()
            setGate(null)
            setRunning(null)
            log({ kind: 'crashed', where: at })
          },
        })
      })
    const process = (value: string) => {
      setProcessed((p) => ({ ...p, [value]: (p[value] ?? 0) + 1 }))
      log({ kind: 'processed', value })
    }
    const commitNext = async (offset: number) => {
      await consumer.commitOffsets([{ topic: TOPIC, partition: 0, offset: String(offset + 1) }])
      log({ kind: 'committed', offset: offset + 1 })
    }
    await client()
      .admin()
      .createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }] })
    await consumer.subscribe({ topics: [TOPIC], fromBeginning: true })
    setRunning({ consumer, cut })
    log({ kind: 'started', name })
    lastAction.value = snippets.joinGroup(TOPIC, GROUP, 'range')
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        if (dead) return new Promise<void>(() => {})
        const value = message.value ? new TextDecoder().decode(message.value) : ''
        if (order === 'least') {
          process(value)
          await wait(value, 'processed')
          if (dead) return new Promise<void>(() => {})
          await commitNext(message.offset)
        } else {
          await commitNext(message.offset)
          await wait(value, 'committed')
          if (dead) return new Promise<void>(() => {})
          process(value)
        }
      },
    })
  }

  const counts = Object.values(processed)
  const once = counts.filter((n) => n === 1).length
  const duplicates = counts.reduce((sum, n) => sum + Math.max(0, n - 1), 0)
  const committed = usePoll(async () => {
    const [r] = await client()
      .admin()
      .fetchOffsets({ groupId: GROUP, topics: [TOPIC] })
    return Number(r?.partitions[0]?.offset ?? -1)
  }, 500)
  // Sent in this page, before the committed offset, and never processed: skipped for good.
  const lost = sent.filter((r) => r.offset < (committed ?? -1) && !processed[r.value]).length

  const stepText = (step: Step) =>
    step.kind === 'processed'
      ? s.stepProcessed(step.value)
      : step.kind === 'committed'
        ? s.stepCommitted(step.offset)
        : step.kind === 'crashed'
          ? s.stepCrashed(step.where === 'processed' ? s.gapProcessed : s.gapCommitted)
          : s.stepStarted(step.name)

  return (
    <article aria-labelledby="lesson-title">
      <h2 id="lesson-title">{s.l7}</h2>
      <p>{s.l7Intro}</p>
      <fieldset class="controls" disabled={running !== null}>
        <legend>{s.orderLabel}</legend>
        <label class="checkbox">
          <input type="radio" name="order" checked={order === 'least'} onChange={() => setOrder('least')} />
          {s.atLeastOnce}
        </label>
        <label class="checkbox">
          <input type="radio" name="order" checked={order === 'most'} onChange={() => setOrder('most')} />
          {s.atMostOnce}
        </label>
        <label class="checkbox">
          <input type="checkbox" checked={pause} onChange={(e) => setPause(e.currentTarget.checked)} />
          {s.pauseAtGap}
        </label>
      </fieldset>
      <div class="controls">
        <button type="button" onClick={() => void send()}>
          {s.sendPayments(BATCH)}
        </button>
        <button type="button" disabled={running !== null} onClick={() => void startConsumer()}>
          {s.startConsumer}
        </button>
      </div>
      <div class="notes" role="status" aria-live="polite">
        {error && <p>{error}</p>}
        {gate && (
          <div class="gate" data-testid="gate" data-at={gate.at}>
            <p>{s.waitingAt(gate.at === 'processed' ? s.gapProcessed : s.gapCommitted, gate.value)}</p>
            <button type="button" onClick={gate.resume}>
              {s.continueStep}
            </button>
            <button type="button" class="danger" onClick={gate.crash}>
              {s.crashHere}
            </button>
          </div>
        )}
      </div>
      <section aria-labelledby="counters-title">
        <h3 id="counters-title">{s.counters}</h3>
        <dl class="stats counters">
          <dt>{s.cProduced}</dt>
          <dd data-testid="c-sent">{total ?? 0}</dd>
          <dt>{s.cOnce}</dt>
          <dd data-testid="c-once">{once}</dd>
          <dt>{s.cDuplicates}</dt>
          <dd data-testid="c-duplicates">{duplicates}</dd>
          <dt>{s.cLost}</dt>
          <dd data-testid="c-lost">{lost}</dd>
        </dl>
      </section>
      <ol class="events" data-testid="steps">
        {steps.map((step, i) => (
          <li key={`${steps.length - i}`}>{stepText(step)}</li>
        ))}
      </ol>
    </article>
  )
}
