/** @module Everything the broker stores with one record: key, value, headers, timestamp, batch. */

import { t } from '../i18n.ts'
import type { Cell } from '../topic-view.ts'

export function RecordDetails(props: { cell: Cell | null }) {
  const s = t()
  const c = props.cell
  if (!c) return <p class="muted">{s.noRecord}</p>
  return (
    <dl class="record" aria-label={s.record}>
      <dt>{s.lane(c.partition)}</dt>
      <dd>
        {s.offset} {c.offset}
      </dd>
      <dt>{s.key}</dt>
      <dd data-testid="record-key">{c.key ?? s.none}</dd>
      <dt>{s.value}</dt>
      <dd data-testid="record-value">{c.value ?? s.none}</dd>
      <dt>{s.headers}</dt>
      <dd>{c.headers.length === 0 ? s.none : c.headers.map(([k, v]) => `${k}=${v ?? ''}`).join(', ')}</dd>
      <dt>{s.timestamp}</dt>
      <dd>
        <time dateTime={new Date(c.timestamp).toISOString()}>{new Date(c.timestamp).toISOString()}</time>
      </dd>
      <dt>{s.batch}</dt>
      <dd data-testid="record-batch">
        {s.batchRange(c.batch.baseOffset, c.batch.lastOffset, c.batch.count)}
      </dd>
      <dt>{s.producerId}</dt>
      <dd>{c.batch.producerId}</dd>
    </dl>
  )
}
