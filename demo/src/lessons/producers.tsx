/**
 * @module Lesson 3, producers: several producers at their own rates; linger made visible as the
 * batches the broker stores; what acks 0, 1 and all wait for, as the time to each answer; and a
 * lost answer retried — stored once by an idempotent producer, twice by one that is not.
 */

import { useEffect, useRef, useState } from 'preact/hooks'
import { client } from '../broker.ts'
import { Lanes } from '../components/lanes.tsx'
import { LiveChart, pushSample } from '../components/live-chart.tsx'
import { RecordDetails } from '../components/record-details.tsx'
import { t } from '../i18n.ts'
import {
  type Acks,
  addProducer,
  configure,
  type DemoProducer,
  loseNextAnswer,
  MAX_RATE,
  producers,
  start,
  stop,
} from '../producers.ts'
import { lastAction, snippets } from '../snippets.ts'
import { useLanes } from '../state.ts'
import type { Cell } from '../topic-view.ts'

const TOPIC = 'sensors'

function ProducerCard(props: { p: DemoProducer }) {
  const s = t()
  const p = props.p
  const id = (what: string) => `${p.name}-${what}`
  return (
    <section class="producer" aria-label={s.producer(p.name)} data-producer={p.name}>
      <h3>{s.producer(p.name)}</h3>
      <div class="controls">
        <label for={id('rate')}>
          {s.rate}
          <input
            id={id('rate')}
            type="number"
            min={1}
            max={MAX_RATE}
            value={p.rate}
            onChange={(e) =>
              configure(p.name, { rate: Math.max(1, Math.min(MAX_RATE, Number(e.currentTarget.value))) })
            }
          />
        </label>
        <label for={id('linger')}>
          {s.linger}
          <input
            id={id('linger')}
            type="number"
            min={0}
            max={2000}
            value={p.lingerMs}
            onChange={(e) => configure(p.name, { lingerMs: Math.max(0, Number(e.currentTarget.value)) })}
          />
        </label>
        <label for={id('acks')}>
          {s.acks}
          <select
            id={id('acks')}
            value={String(p.acks)}
            onChange={(e) => configure(p.name, { acks: Number(e.currentTarget.value) as Acks })}
          >
            <option value="0">0</option>
            <option value="1">1</option>
            <option value="-1">{s.acksAll}</option>
          </select>
        </label>
        <label class="checkbox">
          <input
            type="checkbox"
            checked={p.idempotent}
            disabled={p.acks !== -1}
            onChange={(e) => configure(p.name, { idempotent: e.currentTarget.checked })}
          />
          {s.idempotent}
        </label>
      </div>
      <dl class="stats">
        <dt>{s.statSent}</dt>
        <dd data-testid="sent">{p.sent}</dd>
        <dt>{s.statAcked}</dt>
        <dd data-testid="acked">{p.acked}</dd>
        <dt>{s.statFailed}</dt>
        <dd data-testid="failed">{p.failed}</dd>
        <dt>{s.statLatency}</dt>
        <dd data-testid="latency">{s.ms(p.latencyMs)}</dd>
        <dt>{s.statLost}</dt>
        <dd data-testid="lost">{p.lost}</dd>
      </dl>
      {p.lastError && <p class="muted">{p.lastError}</p>}
      <div class="consumer-actions">
        {p.running ? (
          <button type="button" onClick={() => stop(p.name)}>
            {s.stop}
          </button>
        ) : (
          <button type="button" onClick={() => start(p.name, TOPIC)}>
            {s.start}
          </button>
        )}
        <button type="button" disabled={p.acks === 0} onClick={() => loseNextAnswer(p.name)}>
          {s.loseNext}
        </button>
      </div>
    </section>
  )
}

export function ProducersLesson() {
  const s = t()
  const [selected, setSelected] = useState<Cell | null>(null)
  const lanes = useLanes(TOPIC)
  useEffect(() => {
    void client()
      .admin()
      .createTopics({ topics: [{ topic: TOPIC, numPartitions: 3 }] })
  }, [])
  // Stop sending when the lesson is left: the rates are for watching.
  useEffect(
    () => () => {
      for (const p of producers.value) stop(p.name)
    },
    [],
  )
  // Once a second: each producer's acknowledgements since the last sample.
  const [history, setHistory] = useState<{ times: number[]; values: Record<string, number[]> }>({
    times: [],
    values: {},
  })
  const lastAcked = useRef(new Map<string, number>())
  useEffect(() => {
    const timer = setInterval(() => {
      const sample: Record<string, number> = {}
      for (const p of producers.value) {
        sample[p.name] = p.acked - (lastAcked.current.get(p.name) ?? p.acked)
        lastAcked.current.set(p.name, p.acked)
      }
      setHistory((h) => pushSample(h, sample))
    }, 1000)
    return () => clearInterval(timer)
  }, [])
  const values = new Map<string, number>()
  for (const lane of lanes ?? [])
    for (const c of lane.cells) values.set(c.value ?? '', (values.get(c.value ?? '') ?? 0) + 1)
  const duplicates = [...values.values()].filter((n) => n > 1).length

  return (
    <article aria-labelledby="lesson-title">
      <h2 id="lesson-title">{s.l3}</h2>
      <p>{s.l3Intro}</p>
      <div class="controls">
        <button
          type="button"
          onClick={() => {
            addProducer({ rate: 20, lingerMs: 100, acks: -1, idempotent: true })
            lastAction.value = snippets.producer(TOPIC, 100, -1, true)
          }}
        >
          {s.addProducer}
        </button>
      </div>
      <div class="producers">
        {producers.value.map((p) => (
          <ProducerCard key={p.name} p={p} />
        ))}
      </div>
      {producers.value.length > 0 && (
        <LiveChart
          title={s.throughputTitle}
          times={history.times}
          series={producers.value.map((p) => ({ label: p.name, values: history.values[p.name] ?? [] }))}
          summary={s.latestValues(
            producers.value.map((p) => `${p.name} ${history.values[p.name]?.at(-1) ?? 0}`).join(', '),
          )}
        />
      )}
      <p role="status" data-testid="duplicates">
        {s.duplicates(duplicates)}
      </p>
      {lanes && (
        <>
          <p class="muted">{s.batchesNote}</p>
          <div class="log-layout">
            <Lanes lanes={lanes} selected={selected} onSelect={setSelected} batches max={60} />
            <RecordDetails cell={selected} />
          </div>
        </>
      )}
    </article>
  )
}
