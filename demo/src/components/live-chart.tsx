/**
 * @module A live line chart (uPlot, canvas): one line per series over the last minute, sampled
 * once a second — what is drawn stays small whatever the record rate. For screen readers the
 * figure is described by its latest values.
 */

import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

export interface Series {
  label: string
  values: number[]
}

const COLOURS = ['#0b57d0', '#b3261e', '#146c2e', '#8a4f00', '#6d3fc0', '#00696f']

export function LiveChart(props: { title: string; times: number[]; series: Series[]; summary: string }) {
  const box = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  const labels = props.series.map((s) => s.label).join('\u0000')

  // A new plot when the set of series changes; data updates reuse it.
  useEffect(() => {
    const el = box.current
    if (!el) return
    const p = new uPlot(
      {
        width: Math.max(240, el.clientWidth),
        height: 160,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: true } },
        axes: [{ stroke: '#4a5563' }, { stroke: '#4a5563', size: 56 }],
        series: [
          {},
          ...props.series.map((s, i) => ({ label: s.label, stroke: COLOURS[i % COLOURS.length], width: 2 })),
        ],
      },
      [props.times, ...props.series.map((s) => s.values)],
      el,
    )
    plot.current = p
    const resize = new ResizeObserver(() => p.setSize({ width: Math.max(240, el.clientWidth), height: 160 }))
    resize.observe(el)
    return () => {
      resize.disconnect()
      p.destroy()
      plot.current = null
    }
  }, [labels])

  useEffect(() => {
    plot.current?.setData([props.times, ...props.series.map((s) => s.values)])
  })

  return (
    <figure class="chart" role="img" aria-label={`${props.title}: ${props.summary}`}>
      <figcaption aria-hidden="true">
        {props.title}
        <span class="chart-keys">
          {props.series.map((s, i) => (
            <span key={s.label} style={{ color: COLOURS[i % COLOURS.length] }}>
              ■ {s.label}
            </span>
          ))}
        </span>
      </figcaption>
      <div ref={box} aria-hidden="true" />
    </figure>
  )
}

/** Samples of `read()` once a second, the last `keep` of them, in seconds since the epoch. */
export function pushSample(
  history: { times: number[]; values: Record<string, number[]> },
  sample: Record<string, number>,
  keep = 60,
): { times: number[]; values: Record<string, number[]> } {
  const times = [...history.times, Date.now() / 1000].slice(-keep)
  const values: Record<string, number[]> = {}
  for (const [name, v] of Object.entries(sample)) {
    const before = history.values[name] ?? []
    // A series that appears late is padded at the front, so that every line has a value per time.
    const padded =
      before.length < history.times.length
        ? [...Array(history.times.length - before.length).fill(0), ...before]
        : before
    values[name] = [...padded, v].slice(-keep)
  }
  return { times, values }
}
