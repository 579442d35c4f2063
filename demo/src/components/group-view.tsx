/**
 * @module A group as the broker describes it (DescribeGroups, asked twice a second): its state,
 * assignor and members with their partitions — other tabs' members included — and the rebalances
 * this page's consumers went through.
 */

import { client } from '../broker.ts'
import { clientIdOf, consumers, groupEvents, SESSION_TIMEOUT_MS } from '../consumers.ts'
import { t } from '../i18n.ts'
import { usePoll } from '../poll.ts'

export function GroupView(props: { groupId: string; topic: string }) {
  const s = t()
  const group = usePoll(async () => (await client().admin().describeGroups([props.groupId])).groups[0], 500, [
    props.groupId,
  ])
  // The newest dozen: the list stays short enough to read without scrolling.
  const events = groupEvents.value.filter((e) => e.groupId === props.groupId).slice(0, 12)
  const secs = SESSION_TIMEOUT_MS / 1000
  const ours = new Map(consumers.value.map((c) => [clientIdOf(c.name), c.name]))
  return (
    <div class="group-view">
      <section aria-labelledby="broker-view-title">
        <h3 id="broker-view-title">{s.brokerView}</h3>
        {group && (
          <p data-testid="group-state">{s.groupState(group.state, group.protocol, group.members.length)}</p>
        )}
        {group && group.members.length > 0 ? (
          <table class="members">
            <thead>
              <tr>
                <th scope="col">{s.client}</th>
                <th scope="col">{s.member}</th>
                <th scope="col">{s.assigned}</th>
              </tr>
            </thead>
            <tbody>
              {group.members.map((m) => (
                <tr key={m.memberId} data-client={m.clientId}>
                  <td>
                    {m.clientId}
                    {ours.has(m.clientId) && ` (${s.thisTab(ours.get(m.clientId)!)})`}
                  </td>
                  <td class="member-id">{m.memberId.slice(m.clientId.length + 1, m.clientId.length + 9)}…</td>
                  <td data-testid="member-partitions">{(m.assignment?.[props.topic] ?? []).join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p class="muted">{s.noMembers}</p>
        )}
      </section>
      <section aria-labelledby="events-title">
        <h3 id="events-title">{s.events}</h3>
        <ol class="events" data-testid="events">
          {events.map((e) => (
            <li key={`${e.at}-${e.text.kind}-${e.text.name}`}>
              {e.text.kind === 'join'
                ? s.evJoin(
                    e.text.name,
                    e.text.generation,
                    e.text.leader,
                    e.text.protocol,
                    e.text.partitions.join(', '),
                  ) +
                  ` · ${s.evMoves(e.text.revoked.join(', '), e.text.assigned.join(', '), Math.round(e.text.pausedMs))}`
                : e.text.kind === 'rebalancing'
                  ? s.evRebalancing(e.text.name)
                  : e.text.kind === 'left'
                    ? s.evLeft(e.text.name)
                    : s.evCrashed(e.text.name, secs)}
            </li>
          ))}
        </ol>
      </section>
    </div>
  )
}
