/**
 * @module Lesson 1, topics and partitions: create a topic, send records with and without keys and
 * see where each lands — for a key, the murmur2 hash and the modulo that chose its partition; for
 * records without a key, one partition per batch — and add partitions to see which keys move.
 */

import { murmur2, partitionForKey, toPositive } from 'brook'
import { useState } from 'preact/hooks'
import { client } from '../broker.ts'
import { Lanes } from '../components/lanes.tsx'
import { RecordDetails } from '../components/record-details.tsx'
import { t } from '../i18n.ts'
import { lastAction, snippets } from '../snippets.ts'
import { currentTopic, producer, sentKeys, showTopic, useLanes } from '../state.ts'
import type { Cell } from '../topic-view.ts'

const enc = new TextEncoder()
const UNKEYED = 10

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`
}

export function TopicsLesson() {
  const s = t()
  const [topic, setTopic] = useState(currentTopic.value)
  const [partitions, setPartitions] = useState(3)
  const [key, setKey] = useState('alice')
  const [value, setValue] = useState('hello')
  const [addTo, setAddTo] = useState(4)
  const [notes, setNotes] = useState<string[]>([])
  const [selected, setSelected] = useState<Cell | null>(null)
  const lanes = useLanes(currentTopic.value)
  const say = (...lines: string[]) => setNotes(lines)

  const act = async (fn: () => Promise<void>) => {
    try {
      await fn()
    } catch (e) {
      say(e instanceof Error ? e.message : String(e))
    }
  }

  const create = () =>
    act(async () => {
      const created = await client()
        .admin()
        .createTopics({ topics: [{ topic, numPartitions: partitions }] })
      showTopic(topic)
      lastAction.value = snippets.createTopic(topic, partitions)
      say(created ? s.created(topic, partitions) : s.exists(topic))
    })

  const send = () =>
    act(async () => {
      const name = currentTopic.value
      const k = key === '' ? null : key
      const [meta] = await producer().send({ topic: name, messages: [{ key: k ?? undefined, value }] })
      lastAction.value = snippets.produce(name, k, value)
      const lines = [s.sent(meta!.partition, meta!.baseOffset)]
      if (k !== null) {
        const bytes = enc.encode(k)
        const n = lanes?.length ?? partitions
        lines.unshift(
          s.route(k, hex(murmur2(bytes)), toPositive(murmur2(bytes)), n, partitionForKey(bytes, n)),
        )
        const keys = sentKeys.get(name) ?? new Set<string>()
        keys.add(k)
        sentKeys.set(name, keys)
      }
      say(...lines)
    })

  const sendUnkeyed = () =>
    act(async () => {
      const name = currentTopic.value
      const values = Array.from({ length: UNKEYED }, (_, i) => `${value}-${i + 1}`)
      const [meta] = await producer().send({ topic: name, messages: values.map((v) => ({ value: v })) })
      lastAction.value = snippets.produceMany(
        name,
        values.map((value) => ({ value })),
      )
      say(s.stickyNote(UNKEYED, meta!.partition))
    })

  const addPartitions = () =>
    act(async () => {
      const name = currentTopic.value
      const before = lanes?.length ?? 0
      await client()
        .admin()
        .createPartitions({ topicPartitions: [{ topic: name, count: addTo }] })
      lastAction.value = snippets.addPartitions(name, addTo)
      const moved = [...(sentKeys.get(name) ?? [])].filter((k) => {
        const bytes = enc.encode(k)
        return partitionForKey(bytes, before) !== partitionForKey(bytes, addTo)
      })
      say(moved.length > 0 ? s.moved(moved.join(', ')) : s.noneMoved)
    })

  return (
    <article aria-labelledby="lesson-title">
      <h2 id="lesson-title">{s.l1}</h2>
      <p>{s.l1Intro}</p>
      <form
        class="controls"
        onSubmit={(e) => {
          e.preventDefault()
          void create()
        }}
      >
        <label>
          {s.topic}
          <input value={topic} onInput={(e) => setTopic(e.currentTarget.value)} required />
        </label>
        <label>
          {s.partitions}
          <input
            type="number"
            min={1}
            max={12}
            value={partitions}
            onInput={(e) => setPartitions(Number(e.currentTarget.value))}
          />
        </label>
        <button type="submit">{s.createTopic}</button>
      </form>
      <form
        class="controls"
        onSubmit={(e) => {
          e.preventDefault()
          void send()
        }}
      >
        <label>
          {s.key}
          <input value={key} placeholder={s.keyHint} onInput={(e) => setKey(e.currentTarget.value)} />
        </label>
        <label>
          {s.value}
          <input value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={!lanes}>
          {s.send}
        </button>
        <button type="button" disabled={!lanes} onClick={() => void sendUnkeyed()}>
          {s.sendUnkeyed(UNKEYED)}
        </button>
      </form>
      <form
        class="controls"
        onSubmit={(e) => {
          e.preventDefault()
          void addPartitions()
        }}
      >
        <label>
          {s.addTo}
          <input
            type="number"
            min={1}
            max={12}
            value={addTo}
            onInput={(e) => setAddTo(Number(e.currentTarget.value))}
          />
        </label>
        <button type="submit" disabled={!lanes}>
          {s.addPartitions}
        </button>
      </form>
      <div class="notes" role="status" aria-live="polite">
        {notes.map((n) => (
          <p key={n}>{n}</p>
        ))}
      </div>
      {lanes && <Lanes lanes={lanes} selected={selected} onSelect={setSelected} />}
      {lanes && <RecordDetails cell={selected} />}
    </article>
  )
}
