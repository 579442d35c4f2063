/**
 * @module Lesson 8, offline: the broker in the page takes records with no network, and the broker's
 * worker syncs them with the relay when it can — `notes` up, `news` down, exactly once. The switch
 * tells the worker the network is down (or up), as brook itself does on the browser's `offline`
 * and `online` events: brook's sync has no pause of its own, so the browser's next event, or
 * another tab's connect(), overrides the switch. Buttons and state show what the worker reports.
 * Backlog and counters are what `brook.sync` reports; what the relay holds comes from its REST API.
 */

import { signal } from '@preact/signals'
import { useEffect, useRef, useState } from 'preact/hooks'
import { client, DOWNLOADED, relay, syncStatus, UPLOADED } from '../broker.ts'
import { LiveChart, pushSample } from '../components/live-chart.tsx'
import { language, type Strings, t } from '../i18n.ts'
import { usePoll } from '../poll.ts'
import { lastAction, snippets } from '../snippets.ts'
import { producer, useLanes } from '../state.ts'

const BATCH = 10
const NEWS = 3

/** What the browser says (`navigator.onLine` and its online/offline events). */
const browserOnline = signal(true)
/** Notes and news written from this page so far: they are numbered across visits of the lesson. */
let notesWritten = 0
let newsPosted = 0
let listening = false

function listen(): void {
  browserOnline.value = navigator.onLine
  if (listening) return
  listening = true
  addEventListener('online', () => {
    browserOnline.value = true
  })
  addEventListener('offline', () => {
    browserOnline.value = false
  })
}

/** Records of `topic` at the relay (0 when it has no such topic), from its REST API. */
async function relayCount(url: string, topic: string): Promise<number> {
  const res = await fetch(`${url}/v1/topics/${encodeURIComponent(topic)}`, { cache: 'no-store' })
  if (res.status === 404) return 0
  if (!res.ok) throw new Error(`HTTP ${res.status}`)
  const body = (await res.json()) as { partitions: { logStartOffset: number; highWatermark: number }[] }
  return body.partitions.reduce((n, p) => n + p.highWatermark - p.logStartOffset, 0)
}

/** Records in a topic of the page's broker (0 when it does not exist yet). */
async function localCount(topic: string): Promise<number> {
  try {
    const offsets = await client().admin().fetchTopicOffsets(topic)
    return offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0)
  } catch {
    return 0
  }
}

export function OfflineLesson() {
  const s = t()
  const url = relay.value
  const st = syncStatus.value
  const [text, setText] = useState('')
  // In the words of whichever language is on screen when it is read.
  const [note, setNote] = useState<((s: Strings) => string) | null>(null)
  const [error, setError] = useState('')
  const [every, setEvery] = useState(false)
  const [history, setHistory] = useState<{ times: number[]; values: Record<string, number[]> }>({
    times: [],
    values: {},
  })
  const news = useLanes(DOWNLOADED)
  useEffect(listen, [])

  const here = usePoll(
    async () => ({ up: await localCount(UPLOADED), down: await localCount(DOWNLOADED) }),
    500,
  )
  const atRelay = usePoll(
    async () => {
      if (!url) return null
      try {
        return { up: await relayCount(url, UPLOADED), down: await relayCount(url, DOWNLOADED) }
      } catch {
        return 'unreachable' as const
      }
    },
    1000,
    [url],
  )

  const backlog = st?.backlog[UPLOADED] ?? { records: 0, bytes: 0 }
  // Sampled once a second, however often the status changes.
  const latest = useRef(0)
  latest.current = backlog.records
  useEffect(() => {
    const timer = setInterval(() => setHistory((h) => pushSample(h, { [UPLOADED]: latest.current })), 1000)
    return () => clearInterval(timer)
  }, [])

  const act = async (fn: () => Promise<void>) => {
    try {
      setError('')
      await fn()
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e))
    }
  }

  const write = (values: string[]) =>
    act(async () => {
      await client()
        .admin()
        .createTopics({ topics: [{ topic: UPLOADED, numPartitions: 3 }] })
      await producer().send({ topic: UPLOADED, messages: values.map((value) => ({ value })) })
      notesWritten += values.length
      const total = notesWritten
      setNote(() => (s: Strings) => s.wrote(values.length, total))
      if (url) lastAction.value = snippets.writeNotes(url, values)
    })

  const writeNumbered = (n: number) => {
    const from = notesWritten
    return write(Array.from({ length: n }, (_, i) => `note-${from + i}`))
  }

  useEffect(() => {
    if (!every) return
    const timer = setInterval(() => void writeNumbered(1), 1000)
    return () => clearInterval(timer)
  }, [every])

  // What brook's connect() sends by itself on the browser's online and offline events.
  const setNetwork = (online: boolean) =>
    act(async () => {
      await client().service.sync({ op: 'network', online })
      if (url) lastAction.value = snippets.network(url, online)
    })

  const post = () =>
    act(async () => {
      if (!url) return
      const values = Array.from({ length: NEWS }, (_, i) => `news-${newsPosted + i}`)
      const res = await fetch(`${url}/v1/topics/${DOWNLOADED}/records`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ records: values.map((valueText) => ({ valueText })) }),
      })
      if (!res.ok) {
        const body = (await res.json().catch(() => null)) as { message?: string } | null
        throw new Error(body?.message ?? `HTTP ${res.status}`)
      }
      newsPosted += NEWS
      setNote(() => (s: Strings) => s.posted(NEWS))
      lastAction.value = snippets.postNews(url, values)
    })

  const head = (
    <>
      <h2 id="lesson-title">{s.l8}</h2>
      <p>{s.l8Intro}</p>
    </>
  )
  if (!url || !st)
    return (
      <article aria-labelledby="lesson-title">
        {head}
        <p class="why" data-testid="no-sync">
          {url ? s.noSync : s.noRelay}
        </p>
      </article>
    )

  const relayCell = (of: 'up' | 'down') =>
    atRelay === 'unreachable' ? s.unreachable : atRelay ? atRelay[of] : '–'
  const downloaded = (news ?? []).flatMap((lane) => lane.cells).sort((a, b) => a.timestamp - b.timestamp)
  const storage = st.storage
  return (
    <article aria-labelledby="lesson-title">
      {head}
      <p class="muted">{s.relayAt(url)}</p>
      <div class="controls">
        {st.network ? (
          <button type="button" onClick={() => void setNetwork(false)}>
            {s.goOffline}
          </button>
        ) : (
          <button type="button" disabled={!browserOnline.value} onClick={() => void setNetwork(true)}>
            {s.goOnline}
          </button>
        )}
        <button type="button" disabled={!browserOnline.value} onClick={() => void post()}>
          {s.postNews(NEWS)}
        </button>
      </div>
      <p class="muted">{browserOnline.value ? s.networkNote : s.browserOffline}</p>
      <form
        class="controls"
        onSubmit={(e) => {
          e.preventDefault()
          const value = text.trim() || `note-${notesWritten}`
          void write([value])
          setText('')
        }}
      >
        <label>
          {s.noteLabel}
          <input type="text" value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        <button type="submit">{s.write}</button>
        <button type="button" onClick={() => void writeNumbered(BATCH)}>
          {s.writeN(BATCH)}
        </button>
        <button type="button" aria-pressed={every} onClick={() => setEvery(!every)}>
          {every ? s.stopWriting : s.writeEverySecond}
        </button>
      </form>
      <div class="notes" role="status" aria-live="polite">
        {error && <p>{error}</p>}
        {note && <p>{note(s)}</p>}
      </div>
      <section aria-labelledby="sync-title">
        <h3 id="sync-title">{s.syncTitle}</h3>
        <dl class="stats counters" data-testid="sync" data-state={st.state} data-network={String(st.network)}>
          <dt>{s.syncState}</dt>
          <dd data-testid="sync-state">{s.stateName(st.state)}</dd>
          <dt>{s.network}</dt>
          <dd data-testid="sync-network">{s.networkUp(st.network)}</dd>
          <dt>{s.cUploaded}</dt>
          <dd data-testid="c-uploaded">{st.uploaded}</dd>
          <dt>{s.cDownloaded}</dt>
          <dd data-testid="c-downloaded">{st.downloaded}</dd>
          <dt>{s.cReclaimed}</dt>
          <dd data-testid="c-reclaimed">{st.reclaimed}</dd>
          <dt>{s.failuresInARow}</dt>
          <dd>{st.failures}</dd>
          <dt>{s.lastRound}</dt>
          <dd>
            {st.lastSyncAt
              ? new Date(st.lastSyncAt).toLocaleTimeString(language.value === 'zh' ? 'zh-CN' : 'en')
              : s.never}
          </dd>
          <dt>{s.storageLabel}</dt>
          <dd>
            {storage.usage !== undefined && storage.quota !== undefined
              ? s.storageUse(s.bytes(storage.usage), s.bytes(storage.quota), storage.persisted)
              : s.unknown}
          </dd>
        </dl>
        {st.lastError && (
          <p class="muted" data-testid="last-error">
            {s.lastError(st.lastError.type, st.lastError.message)}
          </p>
        )}
        <p class="muted">{s.countersNote}</p>
      </section>
      <section aria-labelledby="topics-title">
        <h3 id="topics-title">{s.topicsTitle}</h3>
        <table class="offsets" data-testid="sync-topics">
          <thead>
            <tr>
              <th scope="col">{s.colTopic}</th>
              <th scope="col">{s.colHere}</th>
              <th scope="col">{s.colBacklog}</th>
              <th scope="col">{s.colRelay}</th>
            </tr>
          </thead>
          <tbody>
            <tr data-topic={UPLOADED}>
              <th scope="row">
                {UPLOADED} <span class="muted">{s.upload}</span>
              </th>
              <td data-testid="here">{here?.up ?? 0}</td>
              <td>
                <span data-testid="backlog-records">{backlog.records}</span>
                {' · '}
                <span data-testid="backlog-bytes" data-value={backlog.bytes}>
                  {s.bytes(backlog.bytes)}
                </span>
              </td>
              <td data-testid="relay">{relayCell('up')}</td>
            </tr>
            <tr data-topic={DOWNLOADED}>
              <th scope="row">
                {DOWNLOADED} <span class="muted">{s.download}</span>
              </th>
              <td data-testid="here">{here?.down ?? 0}</td>
              <td>–</td>
              <td data-testid="relay">{relayCell('down')}</td>
            </tr>
          </tbody>
        </table>
        <p class="muted">{s.backlogNote}</p>
        <LiveChart
          title={s.backlogChart}
          times={history.times}
          series={[{ label: UPLOADED, values: history.values[UPLOADED] ?? [] }]}
          summary={s.latestValues(`${UPLOADED} ${backlog.records}`)}
        />
      </section>
      <section aria-labelledby="down-title">
        <h3 id="down-title">{s.cameDown}</h3>
        {downloaded.length === 0 ? (
          <p class="muted">{s.nothingDown}</p>
        ) : (
          <ul class="events" data-testid="downloaded">
            {downloaded.slice(-10).map((c) => (
              <li key={`${c.partition}:${c.offset}`}>
                {s.partition} {c.partition} · {s.offset} {c.offset}: {c.value}
              </li>
            ))}
          </ul>
        )}
      </section>
    </article>
  )
}
