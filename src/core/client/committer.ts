/**
 * @module Sending a consumer's offsets to the coordinator. A commit refused because the generation
 * ended (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS) asks the member to rejoin; the
 * records it covered will be delivered again to their next owner.
 */
import { BrookError } from '../errors.ts'
import type { OffsetCommitRequest } from '../service.ts'
import type { Connection, Events } from './connection.ts'
import type { GroupMembership } from './consumer-group.ts'

const GENERATION_ENDED = new Set([22, 25, 27])

export async function sendCommit(
  conn: Connection,
  group: GroupMembership,
  events: Events,
  topics: OffsetCommitRequest['topics'],
  userCall: boolean,
): Promise<void> {
  const groupId = group.settings.groupId
  const inGroup = group.memberId !== '' && group.generationId >= 0
  const res = await conn.call('OffsetCommit', (s) =>
    s.offsetCommit({
      groupId,
      // Outside a generation (before run, after a crash) this is a simple-consumer commit.
      generationId: inGroup ? group.generationId : -1,
      memberId: inGroup ? group.memberId : '',
      topics,
    }),
  )
  for (const t of res.topics) {
    for (const p of t.partitions) {
      if (p.errorCode === 0) continue
      if (GENERATION_ENDED.has(p.errorCode)) group.requestRejoin()
      const err = BrookError.fromCode(p.errorCode, `OffsetCommit ${t.name}[${p.partition}]`)
      if (userCall || !err.retriable) throw err
    }
  }
  events.emit('consumer.commit_offsets', {
    groupId,
    memberId: group.memberId,
    groupGenerationId: group.generationId,
    topics: topics.map((t) => ({
      topic: t.name,
      partitions: t.partitions.map((p) => ({ partition: p.partition, offset: p.offset })),
    })),
  })
}
