/**
 * @module Lesson 6, retention and compaction: set retention.ms / retention.bytes on a topic and
 * watch whole batches leave and the log start move; switch a topic to cleanup.policy=compact and
 * watch only the latest record per key stay, tombstones until delete.retention.ms. Any record
 * answers "why is this record still here?" from the configs the broker describes.
 */

import type { Consumer } from 'brook'
import { ConfigResourceTypes, createBrook } from 'brook'
import { useEffect, useState } from 'preact/hooks'
import { client } from '../broker.ts'
import { CleanerPasses } from '../components/cleaner-passes.tsx'
import { Lanes } from '../components/lanes.tsx'
import { RecordDetails } from '../components/record-details.tsx'
import { type Strings, t } from '../i18n.ts'
import { usePoll } from '../poll.ts'
import { lastAction, snippets } from '../snippets.ts'
import { producer, useLanes } from '../state.ts'
import type { Cell, Lane } from '../topic-view.ts'

const RETENTION_TOPIC = 'clicks-stream'
const COMPACT_TOPIC = 'profiles'
const KEYS = ['user-1', 'user-2', 'user-3', 'user-4']

type Configs = Record<string, string>

/** The topic's effective configs as the broker describes them; explicit ones flagged. */
function useConfigs(topic: string): { all: Configs; explicit: Configs } | undefined {
  return usePoll(
    async () => {
      const [r] = (
        await client()
          .admin()
          .describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] })
      ).resources
      if (r?.errorCode !== 0) throw new Error('no topic yet')
      const all: Configs = {}
      const explicit: Configs = {}
      for (const c of r.configEntries) {
        all[c.configName] = c.configValue ?? ''
        if (!c.isDefault) explicit[c.configName] = c.configValue ?? ''
      }
      return { all, explicit }
    },
    1000,
    [topic],
  )
}

/**
 * Sets each given config, or deletes it (back to the default) when its value is empty — if the
 * topic has it set; an empty field for a config at its default changes nothing.
 */
async function alter(topic: string, given: Configs, explicit: Configs): Promise<void> {
  const values = Object.fromEntries(
    Object.entries(given).filter(([name, value]) => value !== '' || name in explicit),
  )
  await client()
    .admin()
    .incrementalAlterConfigs({
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: topic,
          configEntries: Object.entries(values).map(([name, value]) =>
            value === ''
              ? { name, operation: 'delete' as const }
              : { name, value, operation: 'set' as const },
          ),
        },
      ],
    })
  const next = { ...explicit }
  for (const [name, value] of Object.entries(values)) {
    if (value === '') delete next[name]
    else next[name] = value
  }
  lastAction.value = snippets.alterConfigs(topic, values, next)
}

/** How long until `until`, in words; null once it has passed. */
function left(s: Strings, until: number): string | null {
  const secs = Math.ceil((until - Date.now()) / 1000)
  return secs > 0 ? s.duration(secs) : null
}

/** Why `cell` is still in `lane`, from the topic's configs. */
function whyStillHere(s: Strings, cell: Cell, lane: Lane, configs: Configs): string {
  const policy = (configs['cleanup.policy'] ?? 'delete').split(',')
  if (policy.includes('compact')) {
    if (lane.cells.at(-1)?.offset === cell.offset) return s.whyLast
    if (cell.key === null) return s.whyNoKey
    if (cell.value === null)
      return s.whyTombstone(left(s, cell.timestamp + Number(configs['delete.retention.ms'] ?? 86_400_000)))
    const latest = Math.max(...lane.cells.filter((c) => c.key === cell.key).map((c) => c.offset))
    return latest === cell.offset ? s.whyLatest(cell.key) : s.whyNotCleaned
  }
  const retentionMs = Number(configs['retention.ms'] ?? -1)
  if (retentionMs < 0) return s.whyForever
  // A batch leaves whole, once its newest record is old enough.
  const newest = Math.max(
    ...lane.cells.filter((c) => c.batch.baseOffset === cell.batch.baseOffset).map((c) => c.timestamp),
  )
  return s.whyRetention(left(s, newest + retentionMs))
}

function Why(props: { cell: Cell | null; lanes: Lane[] | null; configs: Configs | undefined }) {
  const s = t()
  const { cell, lanes, configs } = props
  const lane = cell && lanes?.find((l) => l.partition === cell.partition)
  if (!cell || !lane || !configs) return null
  const present = lane.cells.some((c) => c.offset === cell.offset)
  return (
    <div class="why">
      <h4>{s.why}</h4>
      <p data-testid="why">{present ? whyStillHere(s, cell, lane, configs) : s.gone}</p>
    </div>
  )
}

interface Reset {
  from: number
  to: number
  strategy: 'earliest' | 'latest'
}

/**
 * A consumer of the retention topic in its own group, that can be paused: the way to fall behind
 * the log start and meet OFFSET_OUT_OF_RANGE (reported by the client's `consumer.offset_reset`).
 */
function SlowReader() {
  const s = t()
  const [strategy, setStrategy] = useState<'earliest' | 'latest'>('earliest')
  const [reader, setReader] = useState<Consumer | null>(null)
  const [paused, setPaused] = useState(false)
  const [read, setRead] = useState(0)
  const [position, setPosition] = useState<number | null>(null)
  const [resets, setResets] = useState<Reset[]>([])
  useEffect(() => () => void reader?.disconnect(), [reader])

  const start = async () => {
    const consumer = createBrook({ service: client().service, clientId: 'slow-reader' }).consumer({
      groupId: `slow-reader-${Math.random().toString(36).slice(2, 7)}`,
      maxWaitTimeInMs: 300,
    })
    consumer.on('consumer.offset_reset', (e) => {
      const r = e.payload as Reset
      setResets((list) => [r, ...list].slice(0, 10))
      setPosition(r.to)
    })
    await consumer.subscribe({ topic: RETENTION_TOPIC, fromBeginning: strategy === 'earliest' })
    await consumer.run({
      eachMessage: async ({ message }) => {
        setRead((n) => n + 1)
        setPosition(message.offset + 1)
      },
    })
    setReader(consumer)
    lastAction.value = snippets.joinGroup(RETENTION_TOPIC, 'slow-reader', 'range')
  }

  const toggle = () => {
    if (!reader) return
    if (paused) reader.resume([{ topic: RETENTION_TOPIC }])
    else reader.pause([{ topic: RETENTION_TOPIC }])
    setPaused(!paused)
  }

  return (
    <div class="reader" data-testid="reader">
      <h4>{s.slowReader}</h4>
      <p class="muted">{s.readerIntro}</p>
      <div class="controls">
        <label>
          {s.autoOffsetReset}
          <select
            value={strategy}
            disabled={reader !== null}
            onChange={(e) => setStrategy(e.currentTarget.value as 'earliest' | 'latest')}
          >
            <option value="earliest">earliest</option>
            <option value="latest">latest</option>
          </select>
        </label>
        {reader ? (
          <button type="button" onClick={toggle}>
            {paused ? s.resumeReader : s.pauseReader}
          </button>
        ) : (
          <button type="button" onClick={() => void start()}>
            {s.startReader}
          </button>
        )}
      </div>
      {reader && <p data-testid="reader-state">{s.readerState(position, read)}</p>}
      <ol class="events" data-testid="resets">
        {resets.map((r) => (
          <li key={`${r.from}-${r.to}`}>{s.resetEvent(r.from, r.to, r.strategy, r.to - r.from)}</li>
        ))}
      </ol>
    </div>
  )
}

function RetentionPart() {
  const s = t()
  const lanes = useLanes(RETENTION_TOPIC)
  const configs = useConfigs(RETENTION_TOPIC)
  const [ms, setMs] = useState('')
  const [bytes, setBytes] = useState('')
  const [ticking, setTicking] = useState(false)
  const [selected, setSelected] = useState<Cell | null>(null)
  const [note, setNote] = useState('')
  const [sent, setSent] = useState(0)

  useEffect(() => {
    if (!ticking) return
    let n = 0
    const timer = setInterval(() => {
      void producer().send({ topic: RETENTION_TOPIC, messages: [{ value: `tick-${n++}` }] })
    }, 1000)
    return () => clearInterval(timer)
  }, [ticking])

  const sendFive = async () => {
    const values = Array.from({ length: 5 }, (_, i) => `click-${sent + i}`)
    await producer().send({ topic: RETENTION_TOPIC, messages: values.map((value) => ({ value })) })
    setSent(sent + 5)
    lastAction.value = snippets.produceMany(
      RETENTION_TOPIC,
      values.map((value) => ({ value })),
    )
  }

  const apply = async () => {
    try {
      await alter(RETENTION_TOPIC, { 'retention.ms': ms, 'retention.bytes': bytes }, configs?.explicit ?? {})
      setNote(s.applied(RETENTION_TOPIC))
    } catch (e) {
      setNote(e instanceof Error ? e.message : String(e))
    }
  }

  return (
    <section aria-labelledby="retention-title" data-part="retention">
      <h3 id="retention-title">
        {s.retentionTitle}: {RETENTION_TOPIC}
      </h3>
      <form
        class="controls"
        onSubmit={(e) => {
          e.preventDefault()
          void apply()
        }}
      >
        <label>
          {s.retentionMs}
          <input
            type="number"
            min={-1}
            value={ms}
            placeholder={configs?.all['retention.ms'] ?? ''}
            aria-describedby="retention-hint"
            onInput={(e) => setMs(e.currentTarget.value)}
          />
        </label>
        <label>
          {s.retentionBytes}
          <input
            type="number"
            min={-1}
            value={bytes}
            placeholder={configs?.all['retention.bytes'] ?? ''}
            aria-describedby="retention-hint"
            onInput={(e) => setBytes(e.currentTarget.value)}
          />
        </label>
        <button type="submit">{s.apply}</button>
      </form>
      <p id="retention-hint" class="muted">
        {s.emptyIsDefault}
      </p>
      <div class="controls">
        <button type="button" onClick={() => void sendFive()}>
          {s.sendFive}
        </button>
        <label class="checkbox">
          <input type="checkbox" checked={ticking} onChange={(e) => setTicking(e.currentTarget.checked)} />
          {s.sendEverySecond}
        </label>
      </div>
      <div class="notes" role="status" aria-live="polite">
        {note && <p>{note}</p>}
      </div>
      <SlowReader />
      {lanes && (
        <div class="log-layout">
          <Lanes lanes={lanes} selected={selected} onSelect={setSelected} batches max={60} />
          <div>
            <RecordDetails cell={selected} />
            <Why cell={selected} lanes={lanes} configs={configs?.all} />
          </div>
        </div>
      )}
    </section>
  )
}

function CompactionPart() {
  const s = t()
  const lanes = useLanes(COMPACT_TOPIC)
  const configs = useConfigs(COMPACT_TOPIC)
  const [policy, setPolicy] = useState('compact')
  const [tombstoneMs, setTombstoneMs] = useState('')
  const [key, setKey] = useState(KEYS[0]!)
  const [value, setValue] = useState('v1')
  const [selected, setSelected] = useState<Cell | null>(null)
  const [note, setNote] = useState('')

  const send = async (v: string | null) => {
    await producer().send({ topic: COMPACT_TOPIC, messages: [{ key, value: v }] })
    lastAction.value = snippets.produce(COMPACT_TOPIC, key, v ?? '')
  }

  const apply = async () => {
    try {
      await alter(
        COMPACT_TOPIC,
        { 'cleanup.policy': policy, 'delete.retention.ms': tombstoneMs },
        configs?.explicit ?? {},
      )
      setNote(s.applied(COMPACT_TOPIC))
    } catch (e) {
      setNote(e instanceof Error ? e.message : String(e))
    }
  }

  return (
    <section aria-labelledby="compaction-title" data-part="compaction">
      <h3 id="compaction-title">
        {s.compactionTitle}: {COMPACT_TOPIC}
      </h3>
      <form
        class="controls"
        onSubmit={(e) => {
          e.preventDefault()
          void apply()
        }}
      >
        <label>
          {s.policy}
          <select value={policy} onChange={(e) => setPolicy(e.currentTarget.value)}>
            <option value="delete">delete</option>
            <option value="compact">compact</option>
            <option value="compact,delete">compact,delete</option>
          </select>
        </label>
        <label>
          {s.deleteRetentionMs}
          <input
            type="number"
            min={0}
            value={tombstoneMs}
            placeholder={configs?.all['delete.retention.ms'] ?? ''}
            onInput={(e) => setTombstoneMs(e.currentTarget.value)}
          />
        </label>
        <button type="submit">{s.apply}</button>
      </form>
      <form
        class="controls"
        onSubmit={(e) => {
          e.preventDefault()
          void send(value)
        }}
      >
        <label>
          {s.key}
          <select value={key} onChange={(e) => setKey(e.currentTarget.value)}>
            {KEYS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label>
          {s.value}
          <input value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        </label>
        <button type="submit">{s.sendValue}</button>
        <button type="button" onClick={() => void send(null)}>
          {s.tombstone}
        </button>
      </form>
      <div class="notes" role="status" aria-live="polite">
        {note && <p>{note}</p>}
      </div>
      {lanes && (
        <div class="log-layout">
          <Lanes lanes={lanes} selected={selected} onSelect={setSelected} max={60} />
          <div>
            <RecordDetails cell={selected} />
            <Why cell={selected} lanes={lanes} configs={configs?.all} />
            <CleanerPasses lanes={lanes} />
          </div>
        </div>
      )}
    </section>
  )
}

export function CleanupLesson() {
  const s = t()
  useEffect(() => {
    void client()
      .admin()
      .createTopics({
        topics: [
          { topic: RETENTION_TOPIC, numPartitions: 1 },
          { topic: COMPACT_TOPIC, numPartitions: 1 },
        ],
      })
  }, [])
  return (
    <article aria-labelledby="lesson-title">
      <h2 id="lesson-title">{s.l6}</h2>
      <p>{s.l6Intro}</p>
      <RetentionPart />
      <CompactionPart />
    </article>
  )
}
