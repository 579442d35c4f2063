/**
 * @module The cleaner's passes as the log shows them: records that were there on one read and
 * are missing on the next, while the log end stayed, were removed by the cleaner (or by
 * retention, when they fell below the log start). Nothing here asks the broker about its
 * cleaner — no Kafka API tells — so what is drawn is only what any consumer could see.
 */

import { useEffect, useRef, useState } from 'preact/hooks'
import { type Strings, t } from '../i18n.ts'
import { type Cell, KEEP, type Lane } from '../topic-view.ts'

export interface Removal {
  offset: number
  key: string | null
  /** Why it left: a newer record of its key (its offset), an expired tombstone, or retention. */
  reason:
    | { kind: 'superseded'; by: number; tombstone: boolean }
    | { kind: 'tombstone' }
    | { kind: 'deleted' }
    | { kind: 'no-key' }
    | { kind: 'retention' }
}

export interface Pass {
  at: number
  partition: number
  removed: Removal[]
}

/** What left `before` by the time of `after` (same partition), with the reason the log shows. */
export function removals(before: Lane, after: Lane): Removal[] {
  const now = new Set(after.cells.map((c) => c.offset))
  // The view keeps only the newest KEEP records: when it is full, older ones scrolled out.
  const from = after.cells.length >= KEEP ? after.cells[0]!.offset : 0
  const latest = new Map<string, Cell>()
  for (const c of after.cells)
    if (c.key !== null && c.offset > (latest.get(c.key)?.offset ?? -1)) latest.set(c.key, c)
  const out: Removal[] = []
  for (const c of before.cells) {
    if (now.has(c.offset)) continue
    if (c.offset < after.logStart) out.push({ offset: c.offset, key: c.key, reason: { kind: 'retention' } })
    else if (c.offset >= from) out.push({ offset: c.offset, key: c.key, reason: reasonFor(c, latest) })
  }
  return out
}

function reasonFor(c: Cell, latest: Map<string, Cell>): Removal['reason'] {
  if (c.key === null) return { kind: 'no-key' }
  const by = latest.get(c.key)
  if (by && by.offset > c.offset) return { kind: 'superseded', by: by.offset, tombstone: by.value === null }
  return c.value === null ? { kind: 'tombstone' } : { kind: 'deleted' }
}

const KEEP_PASSES = 6

/** Remembers the passes seen while the component is shown, newest first. */
export function useCleanerPasses(lanes: Lane[] | null): Pass[] {
  const previous = useRef<Map<number, Lane>>(new Map())
  const [passes, setPasses] = useState<Pass[]>([])
  useEffect(() => {
    if (!lanes) return
    const found: Pass[] = []
    for (const lane of lanes) {
      const before = previous.current.get(lane.partition)
      if (before && before !== lane) {
        const removed = removals(before, lane)
        if (removed.length > 0) found.push({ at: Date.now(), partition: lane.partition, removed })
      }
      previous.current.set(lane.partition, lane)
    }
    if (found.length > 0) setPasses((p) => [...found, ...p].slice(0, KEEP_PASSES))
  }, [lanes])
  return passes
}

function describe(s: Strings, r: Removal): string {
  switch (r.reason.kind) {
    case 'superseded':
      return r.reason.tombstone
        ? s.removedByTombstone(r.offset, r.key ?? '', r.reason.by)
        : s.removedSuperseded(r.offset, r.key ?? '', r.reason.by)
    case 'tombstone':
      return s.removedTombstone(r.offset, r.key ?? '')
    case 'deleted':
      return s.removedDeleted(r.offset, r.key ?? '')
    case 'no-key':
      return s.removedNoKey(r.offset)
    case 'retention':
      return s.removedRetention(r.offset)
  }
}

/** The passes, and where the log's never-cleaned end is. */
export function CleanerPasses(props: { lanes: Lane[] | null }) {
  const s = t()
  const passes = useCleanerPasses(props.lanes)
  const ends = (props.lanes ?? []).filter((l) => l.cells.length > 0)
  return (
    <div class="cleaner" data-testid="cleaner">
      <h4>{s.cleanerTitle}</h4>
      {ends.map((l) => (
        <p key={l.partition} data-testid="active-end">
          {s.activeEnd(l.partition, l.cells.at(-1)!.offset)}
        </p>
      ))}
      {passes.length === 0 ? (
        <p>{s.noPassYet}</p>
      ) : (
        <ol aria-label={s.cleanerTitle}>
          {passes.map((p) => (
            <li key={`${p.at}-${p.partition}-${p.removed[0]?.offset}`} data-testid="cleaner-pass">
              <time dateTime={new Date(p.at).toISOString()}>{new Date(p.at).toLocaleTimeString()}</time>{' '}
              {s.passSummary(p.partition, p.removed.length)}
              <ul>
                {p.removed.map((r) => (
                  <li key={r.offset}>{describe(s, r)}</li>
                ))}
              </ul>
            </li>
          ))}
        </ol>
      )}
    </div>
  )
}
