/**
 * @module The destination's copy of a source topic: created with the source's partition count and its
 * explicit configs (without them when the destination refuses them, as a Kafka cluster may refuse a
 * brook-only one), given more partitions when the source grew. A destination topic with more
 * partitions than the source keeps them, unused.
 */

import { BrookError } from '../errors.ts'
import type { Log } from '../log.ts'
import type { BrokerService } from '../service.ts'

const UNKNOWN_TOPIC = 3
const TOPIC_ALREADY_EXISTS = 36

/** Calls one side of the mirror (with its timeout and reconnection). */
export type SideCall = <T>(side: 'source' | 'destination', fn: (s: BrokerService) => Promise<T>) => Promise<T>

/** Makes `name` exist on the destination with at least `count` partitions; `log` hears what changed. */
export async function ensureTopic(call: SideCall, name: string, count: number, log: Log): Promise<void> {
  const md = await call('destination', (s) => s.metadata({ topics: [name], allowAutoTopicCreation: false }))
  const t = md.topics.find((x) => x.name === name)
  if (t && t.errorCode === 0) {
    if (t.partitions.length < count) {
      const [r] = await call('destination', (s) => s.createPartitions({ topics: [{ name, count }] }))
      if (r && r.errorCode !== 0) throw BrookError.fromCode(r.errorCode, `adding partitions to ${name}`)
      log(`${name} now has ${count} partitions`)
    }
    return
  }
  if (t && t.errorCode !== UNKNOWN_TOPIC) throw BrookError.fromCode(t.errorCode, `topic ${name}`)
  const configs: Record<string, string> = {}
  try {
    const [described] = await call('source', (s) => s.describeConfigs([name]))
    for (const c of described?.errorCode === 0 ? described.configs : [])
      if (!c.isDefault && !c.readOnly && c.value !== null) configs[c.name] = c.value
  } catch (e) {
    // Configs are a nicety: a source that will not describe them (an ACL) still gets its topic copied.
    if (!(e instanceof BrookError) || e.type === 'NETWORK_EXCEPTION' || e.type === 'REQUEST_TIMED_OUT')
      throw e
  }
  const create = (withConfigs: Record<string, string>) =>
    call('destination', (s) =>
      s.createTopics({ topics: [{ name, numPartitions: count, configs: withConfigs }] }),
    )
  let [r] = await create(configs)
  if (r && r.errorCode !== 0 && r.errorCode !== TOPIC_ALREADY_EXISTS && Object.keys(configs).length > 0) {
    log(`${name}: the destination refused its configs (${r.errorMessage}); creating it without them`, 'warn')
    ;[r] = await create({})
  }
  if (r && r.errorCode !== 0 && r.errorCode !== TOPIC_ALREADY_EXISTS)
    throw BrookError.fromCode(r.errorCode, r.errorMessage ?? `creating ${name}`)
  if (r?.errorCode === 0) log(`created ${name} (${count} partitions)`)
}
