/** @module Topic lookups both sync directions share. */

import { BrookError, errorCode } from '../errors.ts'
import type { BrokerService } from '../service.ts'

const TOPIC_EXISTS = errorCode('TOPIC_ALREADY_EXISTS')

/** A topic's partitions as `service` knows them; none when it does not exist. */
export async function partitionsOf(service: BrokerService, topic: string): Promise<number[]> {
  const md = await service.metadata({ topics: [topic], allowAutoTopicCreation: false })
  const t = md.topics.find((x) => x.name === topic)
  if (t?.errorCode !== 0) return []
  return t.partitions.map((p) => p.partition).sort((a, b) => a - b)
}

/** Creates `topic` with `partitions` on `service` unless it exists. */
export async function ensureTopic(
  service: BrokerService,
  topic: string,
  partitions: number,
  where: string,
): Promise<void> {
  if (partitions === 0) return
  const res = await service.createTopics({ topics: [{ name: topic, numPartitions: partitions }] })
  const code = res[0]?.errorCode ?? 0
  if (code !== 0 && code !== TOPIC_EXISTS) throw BrookError.fromCode(code, `creating ${topic} ${where}`)
}
