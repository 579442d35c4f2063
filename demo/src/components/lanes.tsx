/**
 * @module A topic drawn as partition lanes: each record a cell with its offset (and key), the
 * log-start offset and high watermark at the lane's ends. Cells are buttons: a click or Enter
 * selects one. Records with the same key share a colour, so a key's partition is visible at once;
 * with `batches`, the records of one RecordBatch are framed together.
 */

import { t } from '../i18n.ts'
import { type Cell, KEEP, type Lane } from '../topic-view.ts'

/** A light colour per key (text stays dark on it: contrast AA). */
function keyColour(key: string | null): string {
  if (key === null) return 'hsl(220 14% 92%)'
  // FNV-1a, then the golden angle: keys that differ by one letter get far-apart hues.
  let h = 0x811c9dc5
  for (const ch of key) h = Math.imul(h ^ ch.codePointAt(0)!, 16777619)
  return `hsl(${Math.round(((h >>> 0) % 1000) * 137.508) % 360} 70% 86%)`
}

/** Consecutive cells of the same batch, together. */
function byBatch(cells: Cell[]): Cell[][] {
  const groups: Cell[][] = []
  for (const c of cells) {
    const last = groups.at(-1)
    if (last && last[0]!.batch.baseOffset === c.batch.baseOffset) last.push(c)
    else groups.push([c])
  }
  return groups
}

export function Lanes(props: {
  lanes: Lane[]
  selected: Cell | null
  onSelect: (cell: Cell) => void
  /** Draw only the newest records per lane (the view keeps up to 200). */
  max?: number
  /** Frame the records of each RecordBatch. */
  batches?: boolean
}) {
  const s = t()
  const max = props.max ?? 40

  const cell = (c: Cell) => (
    <button
      type="button"
      class="cell"
      data-offset={c.offset}
      data-key={c.key ?? ''}
      aria-pressed={props.selected?.partition === c.partition && props.selected.offset === c.offset}
      style={{ background: keyColour(c.key) }}
      onClick={() => props.onSelect(c)}
    >
      {/* The name a screen reader speaks holds what is seen (WCAG 2.5.3). */}
      <span class="sr-only">{s.offset} </span>
      <span class="cell-offset">{c.offset}</span>
      {c.key !== null && (
        <>
          <span class="sr-only">, {s.key} </span>
          <span class="cell-key">{c.key}</span>
        </>
      )}
      {c.value === null && (
        <span class="tomb" data-testid="tombstone">
          ✕<span class="sr-only"> {s.tombstoneMark}</span>
        </span>
      )}
    </button>
  )

  /** Offsets `from`–`to` hold no record: drawn narrow, named in full for screen readers. */
  const gap = (from: number, to: number) => (
    <span title={s.gapTitle(from, to)} data-testid="gap">
      ⋯<span class="sr-only"> {s.gapTitle(from, to)}</span>
    </span>
  )

  return (
    <div class="lanes">
      {props.lanes.map((lane) => {
        const shown = lane.cells.slice(-max)
        const first = shown[0]?.offset
        // Records the view holds but does not draw; when it holds KEEP, older ones exist beyond.
        const hidden = lane.cells.length - shown.length
        const beyond = lane.cells.length >= KEEP && lane.cells[0]!.offset > lane.logStart
        // Offsets with no record between the log start and the first drawn one: compacted away.
        const leadingGap = first !== undefined && hidden === 0 && !beyond && first > lane.logStart
        const between = (before: Cell | undefined, next: Cell) =>
          before && next.offset > before.offset + 1 ? (
            <li class="gap" key={`g${next.offset}`}>
              {gap(before.offset + 1, next.offset - 1)}
            </li>
          ) : null
        return (
          <section
            class="lane"
            key={lane.partition}
            data-partition={lane.partition}
            aria-label={s.laneSummary(lane.partition, lane.logStart, lane.highWatermark)}
          >
            <h3 class="lane-head">
              <span>{s.lane(lane.partition)}</span>
              <span class="lane-marks">
                <span data-testid="log-start">
                  {s.logStart} {lane.logStart}
                </span>
                <span data-testid="high-watermark">
                  {s.highWatermark} {lane.highWatermark}
                </span>
              </span>
            </h3>
            <ol class="cells">
              {(hidden > 0 || beyond) && (
                <li class="older">{beyond ? s.olderBeyond : s.olderHidden(hidden)}</li>
              )}
              {leadingGap && <li class="gap">{gap(lane.logStart, first - 1)}</li>}
              {shown.length === 0 && <li class="older">{s.emptyLane}</li>}
              {props.batches
                ? byBatch(shown).flatMap((group, i, groups) => [
                    between(groups[i - 1]?.at(-1), group[0]!),
                    <li
                      key={`b${group[0]!.batch.baseOffset}`}
                      class="batch"
                      data-batch={group[0]!.batch.baseOffset}
                      data-count={group[0]!.batch.count}
                    >
                      <span class="sr-only">
                        {s.batch}{' '}
                        {s.batchRange(
                          group[0]!.batch.baseOffset,
                          group[0]!.batch.lastOffset,
                          group[0]!.batch.count,
                        )}
                      </span>
                      <ol class="cells">
                        {group.map((c) => (
                          <li key={c.offset}>{cell(c)}</li>
                        ))}
                      </ol>
                    </li>,
                  ])
                : shown.flatMap((c, i) => [between(shown[i - 1], c), <li key={c.offset}>{cell(c)}</li>])}
            </ol>
          </section>
        )
      })}
    </div>
  )
}
