/**
 * @module Lesson 5, acknowledge and redeliver: consumers process without committing; commit, or
 * crash, and the partition's next owner receives again everything after the last commit. The
 * offsets table is kafka-consumer-groups.sh's: log start, committed, position, log end and a lag
 * that also counts partitions the group never committed.
 */

import { useEffect, useState } from 'preact/hooks'
import { client } from '../broker.ts'
import { ConsumerCard } from '../components/consumer-card.tsx'
import { GroupView } from '../components/group-view.tsx'
import { LiveChart, pushSample } from '../components/live-chart.tsx'
import { addConsumer, commit, consumers, crash, leave } from '../consumers.ts'
import { t } from '../i18n.ts'
import { usePoll } from '../poll.ts'
import { lastAction, snippets } from '../snippets.ts'
import { currentTopic, ensureTopic, producer } from '../state.ts'

const GROUP = 'audit'
const BATCH = 6

interface Row {
  partition: number
  logStart: number
  committed: number | null
  end: number
}

export function RedeliverLesson() {
  const s = t()
  const [error, setError] = useState('')
  const [sent, setSent] = useState(0)
  const topic = currentTopic.value
  const mine = consumers.value.filter((c) => c.groupId === GROUP)
  const rows = usePoll(
    async (): Promise<Row[]> => {
      const admin = client().admin()
      const [ends, [committed]] = await Promise.all([
        admin.fetchTopicOffsets(topic),
        admin.fetchOffsets({ groupId: GROUP, topics: [topic] }),
      ])
      return ends
        .map((e) => {
          const c = committed?.partitions.find((p) => p.partition === e.partition)
          const offset = c ? Number(c.offset) : -1
          return {
            partition: e.partition,
            logStart: Number(e.low),
            committed: offset >= 0 ? offset : null,
            end: Number(e.high),
          }
        })
        .sort((a, b) => a.partition - b.partition)
    },
    500,
    [topic],
  )

  const [history, setHistory] = useState<{ times: number[]; values: Record<string, number[]> }>({
    times: [],
    values: {},
  })
  useEffect(() => {
    if (!rows) return
    const timer = setTimeout(() => {
      const sample: Record<string, number> = {}
      for (const r of rows) sample[String(r.partition)] = r.end - (r.committed ?? r.logStart)
      setHistory((h) => pushSample(h, sample))
    }, 1000)
    return () => clearTimeout(timer)
  }, [rows, history])

  const act = async (fn: () => Promise<void>) => {
    try {
      setError('')
      await fn()
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e))
    }
  }

  const send = () =>
    act(async () => {
      await ensureTopic(topic)
      const messages = Array.from({ length: BATCH }, (_, i) => ({
        key: `k${sent + i}`,
        value: `r${sent + i}`,
      }))
      await producer().send({ topic, messages })
      setSent(sent + BATCH)
      lastAction.value = snippets.produceMany(topic, messages)
    })

  const add = () =>
    act(async () => {
      await ensureTopic(topic)
      await addConsumer({ groupId: GROUP, topic, assignor: 'range', autoCommit: false })
      lastAction.value = snippets.joinGroup(topic, GROUP, 'range')
    })

  const owner = (partition: number) =>
    mine.find((c) => (c.state === 'active' || c.state === 'joining') && c.partitions.includes(partition))
  const position = (partition: number) => {
    const o = owner(partition)
    const last = o?.received.filter((r) => r.partition === partition).at(-1)
    return last ? last.offset + 1 : null
  }

  return (
    <article aria-labelledby="lesson-title">
      <h2 id="lesson-title">{s.l5}</h2>
      <p>{s.l5Intro}</p>
      <div class="controls">
        <button type="button" onClick={() => void send()}>
          {s.sendN(BATCH)}
        </button>
        <button type="button" onClick={() => void add()}>
          {s.addConsumer}
        </button>
      </div>
      <div class="notes" role="status" aria-live="polite">
        {error && <p>{error}</p>}
      </div>
      <div class="consumers">
        {mine.map((c) => {
          const pending = Object.keys(c.uncommitted).length
          return (
            <ConsumerCard key={c.name} consumer={c} showReceived>
              {pending > 0 && <p class="muted">{s.uncommitted(pending)}</p>}
              <button
                type="button"
                disabled={pending === 0}
                onClick={() =>
                  void act(async () => {
                    const offsets = { ...c.uncommitted }
                    await commit(c.name)
                    lastAction.value = snippets.commit(topic, GROUP, offsets)
                  })
                }
              >
                {s.commitProcessed}
              </button>
              <button type="button" onClick={() => crash(c.name)}>
                {s.crash}
              </button>
              <button type="button" onClick={() => void leave(c.name)}>
                {s.leave}
              </button>
            </ConsumerCard>
          )
        })}
      </div>
      <section aria-labelledby="offsets-title">
        <h3 id="offsets-title">{s.offsetsTitle}</h3>
        <table class="offsets" data-testid="offsets">
          <thead>
            <tr>
              <th scope="col">{s.colPartition}</th>
              <th scope="col">{s.colLogStart}</th>
              <th scope="col">{s.colCommitted}</th>
              <th scope="col">{s.colPosition}</th>
              <th scope="col">{s.colEnd}</th>
              <th scope="col">{s.colLag}</th>
              <th scope="col">{s.colOwner}</th>
            </tr>
          </thead>
          <tbody>
            {(rows ?? []).map((r) => {
              const pos = position(r.partition)
              return (
                <tr key={r.partition} data-partition={r.partition}>
                  <th scope="row">{r.partition}</th>
                  <td>{r.logStart}</td>
                  <td data-testid="committed">{r.committed ?? s.neverCommitted}</td>
                  <td>{pos ?? '–'}</td>
                  <td data-testid="end">{r.end}</td>
                  <td data-testid="lag">{r.end - (r.committed ?? r.logStart)}</td>
                  <td>{owner(r.partition)?.name ?? '–'}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
        <p class="muted">{s.lagNote}</p>
        {rows && rows.length > 0 && (
          <LiveChart
            title={s.lagTitle}
            times={history.times}
            series={rows.map((r) => ({
              label: s.lane(r.partition),
              values: history.values[String(r.partition)] ?? [],
            }))}
            summary={s.latestValues(
              rows.map((r) => `${s.lane(r.partition)} ${r.end - (r.committed ?? r.logStart)}`).join(', '),
            )}
          />
        )}
      </section>
      <GroupView groupId={GROUP} topic={topic} />
    </article>
  )
}
