/**
 * @module The replayable timeline: a seed makes a script, the script runs on a broker of its own
 * (see timeline/run.ts), and the trace — what the broker answered at each step — can be scrubbed
 * and shared as a link (`#timeline?seed=7&at=12`). The state shown for a step is built from the
 * trace up to it: the records stored and kept, the commits, the last generation's owners.
 */

import { useEffect, useState } from 'preact/hooks'
import { type Strings, t } from '../i18n.ts'
import { fingerprint, runTimeline, type Trace, type TraceEvent } from '../timeline/run.ts'
import { type Step, scriptFor } from '../timeline/script.ts'

const PARTITIONS = [0, 1, 2]
const LENGTH = 30

function params(): { seed: number | null; at: number | null } {
  const query = new URLSearchParams(location.hash.split('?')[1] ?? '')
  const num = (v: string | null) => (v !== null && /^\d+$/.test(v) ? Number(v) : null)
  return { seed: num(query.get('seed')), at: num(query.get('at')) }
}

function stepText(s: Strings, step: Step): string {
  switch (step.t) {
    case 'produce':
      return s.doProduce(step.key, step.value, step.partition)
    case 'join':
      return s.doJoin(step.member)
    case 'leave':
      return s.doLeave(step.member)
    case 'crash':
      return s.doCrash(step.member)
    case 'commit':
      return s.doCommit(step.member)
    case 'wait':
      return s.doWait(step.ms)
    case 'clean':
      return s.doClean
  }
}

function eventText(s: Strings, e: TraceEvent): string {
  switch (e.kind) {
    case 'append':
      return s.tlAppend(e.partition, e.offset, e.key, e.value)
    case 'generation':
      return s.tlGeneration(
        e.generation,
        e.assignment.map(([m, ps]) => `${m} → ${ps.join(', ') || '–'}`).join('; '),
      )
    case 'processed':
      return s.tlProcessed(e.member, e.partition, e.offset, e.again)
    case 'commit':
      return s.tlCommit(e.member, e.partition, e.offset)
    case 'clean':
      return s.tlCleaned(e.removed)
    case 'join':
      return s.tlJoin(e.member)
    case 'leave':
      return s.tlLeave(e.member)
    case 'crash':
      return s.tlCrash(e.member)
    case 'wait':
      return s.tlWait(e.ms)
  }
}

interface PartitionState {
  records: { offset: number; key: string | null; value: string }[]
  committed: number | null
  owner: string | null
}

/** The partitions as the trace up to step `at` leaves them. */
function stateAt(trace: Trace, at: number): PartitionState[] {
  const state = PARTITIONS.map((): PartitionState => ({ records: [], committed: null, owner: null }))
  for (const events of trace.slice(0, at + 1)) {
    for (const e of events) {
      if (e.kind === 'append')
        state[e.partition]!.records.push({ offset: e.offset, key: e.key, value: e.value })
      else if (e.kind === 'commit') state[e.partition]!.committed = e.offset
      else if (e.kind === 'clean')
        for (const [p, kept] of e.kept)
          state[p]!.records = state[p]!.records.filter((r) => kept.includes(r.offset))
      else if (e.kind === 'generation') {
        for (const p of state) p.owner = null
        for (const [m, ps] of e.assignment) for (const p of ps) state[p]!.owner = m
      }
    }
  }
  return state
}

export function TimelineLesson() {
  const s = t()
  const initial = params()
  const [seed, setSeed] = useState(initial.seed ?? 7)
  const [script, setScript] = useState<Step[] | null>(null)
  const [trace, setTrace] = useState<Trace | null>(null)
  const [done, setDone] = useState(0)
  const [at, setAt] = useState(0)
  const [copied, setCopied] = useState(false)

  const run = async (which: number, jumpTo: number | null = null) => {
    const steps = scriptFor(which, LENGTH)
    setScript(steps)
    setTrace(null)
    setDone(0)
    const result = await runTimeline(steps, setDone)
    setTrace(result)
    setAt(Math.min(jumpTo ?? result.length - 1, result.length - 1))
  }

  // A shared link runs its seed at once and opens its step.
  useEffect(() => {
    if (initial.seed !== null) void run(initial.seed, initial.at)
  }, [])

  const link = () => {
    const url = new URL(location.href)
    url.hash = `timeline?seed=${seed}&at=${at}`
    return url.href
  }

  const state = trace ? stateAt(trace, at) : null
  return (
    <article aria-labelledby="lesson-title">
      <h2 id="lesson-title">{s.tl}</h2>
      <p>{s.tlIntro}</p>
      <form
        class="controls"
        onSubmit={(e) => {
          e.preventDefault()
          void run(seed)
        }}
      >
        <label>
          {s.seed}
          <input
            type="number"
            min={0}
            value={seed}
            onInput={(e) => setSeed(Math.max(0, Math.floor(Number(e.currentTarget.value))))}
          />
        </label>
        <button type="submit" disabled={script !== null && trace === null}>
          {s.run}
        </button>
      </form>
      <div class="notes" role="status" aria-live="polite">
        {script && !trace && <p>{s.running(done, script.length)}</p>}
        {trace && <p data-testid="fingerprint">{s.traceFingerprint(fingerprint(trace))}</p>}
      </div>
      {trace && script && state && (
        <div class="timeline">
          <div class="controls">
            <button type="button" disabled={at === 0} onClick={() => setAt(at - 1)}>
              {s.previous}
            </button>
            <label class="scrub">
              <span data-testid="step-of">{s.stepOf(at, trace.length)}</span>
              <input
                type="range"
                min={0}
                max={trace.length - 1}
                value={at}
                onInput={(e) => setAt(Number(e.currentTarget.value))}
              />
            </label>
            <button type="button" disabled={at === trace.length - 1} onClick={() => setAt(at + 1)}>
              {s.next}
            </button>
            <button
              type="button"
              onClick={() => {
                history.replaceState(null, '', link())
                void navigator.clipboard?.writeText(link()).then(() => setCopied(true))
              }}
            >
              {copied ? s.linkCopied : s.shareStep}
            </button>
          </div>
          <div class="timeline-grid">
            <section aria-labelledby="script-title">
              <h3 id="script-title">{s.script}</h3>
              <ol class="events script">
                {script.map((step, i) => (
                  <li key={i} aria-current={i === at ? 'step' : undefined}>
                    <button type="button" class="link-button" onClick={() => setAt(i)}>
                      {stepText(s, step)}
                    </button>
                  </li>
                ))}
              </ol>
            </section>
            <section aria-labelledby="happened-title">
              <h3 id="happened-title">{s.happened}</h3>
              <ul class="events" data-testid="happened">
                {trace[at]!.map((e, i) => (
                  <li key={i}>{eventText(s, e)}</li>
                ))}
              </ul>
              <h3>{s.after}</h3>
              <div class="timeline-lanes" data-testid="after">
                {state.map((p, i) => (
                  <div key={i} class="lane" data-partition={i}>
                    <h4 class="lane-head">
                      <span>{s.lane(i)}</span>
                      <span class="lane-marks">
                        <span>{p.owner ? s.owner(p.owner) : s.noOwner}</span>
                        <span data-testid="committed">{s.committedAt(p.committed)}</span>
                      </span>
                    </h4>
                    <p class="timeline-records" data-testid="records">
                      {p.records.map((r) => `${r.offset}:${r.key ?? '·'}`).join('  ') || s.emptyLane}
                    </p>
                  </div>
                ))}
              </div>
            </section>
          </div>
        </div>
      )}
    </article>
  )
}
