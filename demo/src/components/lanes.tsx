/**
 * @module A topic drawn as partition lanes: each record a cell with its offset (and key), the
 * log-start offset and high watermark at the lane's ends. Cells are buttons: a click or Enter
 * selects one. Records with the same key share a colour, so a key's partition is visible at once.
 */

import { t } from '../i18n.ts'
import type { Cell, Lane } from '../topic-view.ts'

/** A light colour per key (text stays dark on it: contrast AA). */
function keyColour(key: string | null): string {
  if (key === null) return 'hsl(220 14% 92%)'
  let h = 0
  for (const ch of key) h = (h * 31 + ch.codePointAt(0)!) >>> 0
  return `hsl(${h % 360} 70% 88%)`
}

export function Lanes(props: {
  lanes: Lane[]
  selected: Cell | null
  onSelect: (cell: Cell) => void
  /** Draw only the newest records per lane (the view keeps up to 200). */
  max?: number
}) {
  const s = t()
  const max = props.max ?? 40
  return (
    <div class="lanes">
      {props.lanes.map((lane) => {
        const shown = lane.cells.slice(-max)
        const hidden = lane.highWatermark - lane.logStart - shown.length
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
              {hidden > 0 && <li class="older">{s.olderHidden(hidden)}</li>}
              {shown.length === 0 && <li class="older">{s.emptyLane}</li>}
              {shown.map((c) => (
                <li key={c.offset}>
                  <button
                    type="button"
                    class="cell"
                    data-offset={c.offset}
                    data-key={c.key ?? ''}
                    aria-pressed={
                      props.selected?.partition === c.partition && props.selected.offset === c.offset
                    }
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
                  </button>
                </li>
              ))}
            </ol>
          </section>
        )
      })}
    </div>
  )
}
