/** @module The demo's frame: title, language switch, broker status, lesson list, lesson, code panel. */

import { signal } from '@preact/signals'
import type { ComponentType } from 'preact'
import { status } from './broker.ts'
import { CodePanel } from './components/code-panel.tsx'
import { LANGUAGE_NAMES, type Language, language, type Strings, t } from './i18n.ts'
import { CleanupLesson } from './lessons/cleanup.tsx'
import { CrashLesson } from './lessons/crash.tsx'
import { GroupsLesson } from './lessons/groups.tsx'
import { LogLesson } from './lessons/log.tsx'
import { OfflineLesson } from './lessons/offline.tsx'
import { ProducersLesson } from './lessons/producers.tsx'
import { RedeliverLesson } from './lessons/redeliver.tsx'
import { TimelineLesson } from './lessons/timeline.tsx'
import { TopicsLesson } from './lessons/topics.tsx'

interface Lesson {
  id: string
  title: (s: Strings) => string
  view: ComponentType
}

const LESSONS: Lesson[] = [
  { id: 'topics', title: (s) => s.l1, view: TopicsLesson },
  { id: 'log', title: (s) => s.l2, view: LogLesson },
  { id: 'producers', title: (s) => s.l3, view: ProducersLesson },
  { id: 'groups', title: (s) => s.l4, view: GroupsLesson },
  { id: 'redeliver', title: (s) => s.l5, view: RedeliverLesson },
  { id: 'cleanup', title: (s) => s.l6, view: CleanupLesson },
  { id: 'crash', title: (s) => s.l7, view: CrashLesson },
  { id: 'offline', title: (s) => s.l8, view: OfflineLesson },
  { id: 'timeline', title: (s) => s.tl, view: TimelineLesson },
]

function initialLesson(): string {
  // `#timeline?seed=7&at=12`: the lesson, then its own parameters.
  const id = location.hash.slice(1).split('?')[0]
  return LESSONS.some((l) => l.id === id) ? id : LESSONS[0]!.id
}

const current = signal(initialLesson())
addEventListener('hashchange', () => {
  current.value = initialLesson()
})

export function App() {
  const s = t()
  document.documentElement.lang = language.value === 'zh' ? 'zh-CN' : 'en'
  const st = status.value
  const lesson = LESSONS.find((l) => l.id === current.value) ?? LESSONS[0]!
  const View = lesson.view
  return (
    <div class="app">
      <header class="top">
        <div>
          <h1>
            {s.title} <span class="tagline">{s.tagline}</span>
          </h1>
          <p class="intro">{s.intro}</p>
        </div>
        <div class="top-side">
          <label>
            {s.language}
            <select
              value={language.value}
              onChange={(e) => (language.value = e.currentTarget.value as Language)}
            >
              {(Object.keys(LANGUAGE_NAMES) as Language[]).map((l) => (
                <option key={l} value={l}>
                  {LANGUAGE_NAMES[l]}
                </option>
              ))}
            </select>
          </label>
          <p class="status" role="status" data-state={st.state}>
            {st.state === 'connecting'
              ? s.connecting
              : st.state === 'ready'
                ? s.connected(st.role)
                : s.failed(st.error)}
          </p>
        </div>
      </header>
      <nav class="lesson-nav" aria-label={s.lessons}>
        <ol>
          {LESSONS.map((l) => (
            <li key={l.id}>
              <a href={`#${l.id}`} aria-current={l.id === lesson.id ? 'page' : undefined}>
                {l.title(s)}
              </a>
            </li>
          ))}
        </ol>
      </nav>
      <main class="lesson">{st.state === 'ready' && <View key={lesson.id} />}</main>
      <CodePanel />
    </div>
  )
}
