/** @module One consumer of a lesson: its state, generation, partitions, what it processed; its buttons. */

import type { ComponentChildren } from 'preact'
import { type DemoConsumer, SESSION_TIMEOUT_MS } from '../consumers.ts'
import { t } from '../i18n.ts'

export function ConsumerCard(props: {
  consumer: DemoConsumer
  children?: ComponentChildren
  showReceived?: boolean
}) {
  const s = t()
  const c = props.consumer
  const gone = c.state === 'left' || c.state === 'crashed'
  const state =
    c.state === 'joining'
      ? s.joining
      : c.state === 'active'
        ? s.active
        : c.state === 'left'
          ? s.hasLeft
          : s.crashed(SESSION_TIMEOUT_MS / 1000)
  return (
    <section class={`consumer ${gone ? 'gone' : ''}`} aria-label={s.consumer(c.name)} data-consumer={c.name}>
      <h3>
        {s.consumer(c.name)}{' '}
        <span class="consumer-state" data-state={c.state}>
          {state}
        </span>
      </h3>
      {!gone && (
        <p class="consumer-owns" data-testid="owns" data-partitions={c.partitions.join(',')}>
          {c.generation >= 0 && <span>{s.generation(c.generation)} · </span>}
          {c.partitions.length > 0 ? s.owns(c.partitions.join(', ')) : s.ownsNothing}
        </p>
      )}
      {props.showReceived && c.received.length > 0 && (
        <div>
          <h4>{s.processed}</h4>
          <ol class="received">
            {c.received.slice(-24).map((r) => (
              <li
                key={`${r.partition}:${r.offset}:${r.again}`}
                class={r.again ? 'again' : ''}
                data-partition={r.partition}
                data-offset={r.offset}
                data-again={r.again}
              >
                {r.partition}:{r.offset}
                {r.again && <span class="again-tag"> {s.again}</span>}
              </li>
            ))}
          </ol>
        </div>
      )}
      {!gone && <div class="consumer-actions">{props.children}</div>}
    </section>
  )
}
