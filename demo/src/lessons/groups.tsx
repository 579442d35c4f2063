/**
 * @module Lesson 4, consumer groups: add and remove consumers of one group — in this tab or
 * another — and watch join → sync → assignment, each rebalance's generation, and the difference
 * between leaving (LeaveGroup, at once) and crashing (the session timeout).
 */

import { useState } from 'preact/hooks'
import { ConsumerCard } from '../components/consumer-card.tsx'
import { GroupView } from '../components/group-view.tsx'
import { type AssignorName, addConsumer, clearGone, consumers, crash, leave } from '../consumers.ts'
import { t } from '../i18n.ts'
import { lastAction, snippets } from '../snippets.ts'
import { currentTopic, ensureTopic } from '../state.ts'

export function GroupsLesson() {
  const s = t()
  const [groupId, setGroupId] = useState('billing')
  const [assignor, setAssignor] = useState<AssignorName>('range')
  const [error, setError] = useState('')
  const topic = currentTopic.value
  const mine = consumers.value.filter((c) => c.groupId === groupId)
  const running = mine.some((c) => c.state === 'joining' || c.state === 'active')

  const add = async () => {
    try {
      setError('')
      await ensureTopic(topic)
      await addConsumer({ groupId, topic, assignor, autoCommit: true })
      lastAction.value = snippets.joinGroup(topic, groupId, assignor)
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e))
    }
  }

  return (
    <article aria-labelledby="lesson-title">
      <h2 id="lesson-title">{s.l4}</h2>
      <p>{s.l4Intro}</p>
      <form
        class="controls"
        onSubmit={(e) => {
          e.preventDefault()
          void add()
        }}
      >
        <label>
          {s.group}
          <input value={groupId} disabled={running} onInput={(e) => setGroupId(e.currentTarget.value)} />
        </label>
        <label>
          {s.assignor}
          <select
            value={assignor}
            disabled={running}
            onChange={(e) => setAssignor(e.currentTarget.value as AssignorName)}
          >
            <option value="range">range</option>
            <option value="roundrobin">roundrobin</option>
          </select>
        </label>
        <button type="submit">{s.addConsumer}</button>
        {mine.some((c) => c.state === 'left' || c.state === 'crashed') && (
          <button type="button" onClick={clearGone}>
            {s.clearGone}
          </button>
        )}
      </form>
      <p class="muted">
        {s.secondTab}{' '}
        <a href={location.href} target="_blank" rel="noopener">
          {s.openTab}
        </a>
      </p>
      <div class="notes" role="status" aria-live="polite">
        {error && <p>{error}</p>}
      </div>
      <div class="consumers">
        {mine.map((c) => (
          <ConsumerCard key={c.name} consumer={c}>
            <button type="button" onClick={() => void leave(c.name)}>
              {s.leave}
            </button>
            <button type="button" onClick={() => crash(c.name)}>
              {s.crash}
            </button>
          </ConsumerCard>
        ))}
      </div>
      <GroupView groupId={groupId} topic={topic} />
    </article>
  )
}
