/**
 * @module Lesson 2, the log and offsets: every partition's records with their offsets between the
 * log-start offset and the high watermark; a click shows all that is stored with a record; deleting
 * records before an offset moves the log start, as retention does.
 */

import { useState } from 'preact/hooks'
import { client } from '../broker.ts'
import { Lanes } from '../components/lanes.tsx'
import { RecordDetails } from '../components/record-details.tsx'
import { t } from '../i18n.ts'
import { lastAction, snippets } from '../snippets.ts'
import { currentTopic, useLanes } from '../state.ts'
import type { Cell } from '../topic-view.ts'

export function LogLesson() {
  const s = t()
  const [selected, setSelected] = useState<Cell | null>(null)
  const [partition, setPartition] = useState(0)
  const [offset, setOffset] = useState(1)
  const [note, setNote] = useState('')
  const lanes = useLanes(currentTopic.value)

  const deleteBefore = async () => {
    const topic = currentTopic.value
    try {
      await client()
        .admin()
        .deleteTopicRecords({ topic, partitions: [{ partition, offset }] })
      lastAction.value = snippets.deleteRecords(topic, partition, offset)
      const start = (await client().admin().fetchTopicOffsets(topic)).find((p) => p.partition === partition)
      setNote(s.deleted(partition, Number(start?.low ?? offset)))
    } catch (e) {
      setNote(e instanceof Error ? e.message : String(e))
    }
  }

  return (
    <article aria-labelledby="lesson-title">
      <h2 id="lesson-title">{s.l2}</h2>
      <p>{s.l2Intro}</p>
      <form
        class="controls"
        onSubmit={(e) => {
          e.preventDefault()
          void deleteBefore()
        }}
      >
        <label>
          {s.partition}
          <select value={partition} onChange={(e) => setPartition(Number(e.currentTarget.value))}>
            {(lanes ?? []).map((l) => (
              <option key={l.partition} value={l.partition}>
                {s.lane(l.partition)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {s.deleteBefore}
          <input
            type="number"
            min={0}
            value={offset}
            onInput={(e) => setOffset(Number(e.currentTarget.value))}
          />
        </label>
        <button type="submit" disabled={!lanes}>
          {s.deleteDo}
        </button>
      </form>
      <div class="notes" role="status" aria-live="polite">
        {note && <p>{note}</p>}
      </div>
      {lanes ? (
        <div class="log-layout">
          <Lanes lanes={lanes} selected={selected} onSelect={setSelected} />
          <RecordDetails cell={selected} />
        </div>
      ) : (
        <p class="muted">{s.noTopic(currentTopic.value)}</p>
      )}
    </article>
  )
}
