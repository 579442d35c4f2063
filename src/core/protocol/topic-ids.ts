/**
 * @module Topic ids on the wire (KIP-516): Fetch v13+, Metadata v12 and DeleteTopics v6 name topics
 * by id, while the service is called by name. One connection keeps what it learnt of its principal's
 * topics; an id it does not know is looked up once in the service's metadata. An id that has gone
 * stale (the topic was deleted and made again) is caught where it matters: the service's fetch
 * compares it with the topic's current id, and Metadata and DeleteTopics look ids up afresh.
 */

import type { BrokerService } from '../service.ts'

/** Kafka's Uuid.ZERO_UUID as Uuid.toString prints it: "no topic id". */
export const ZERO_TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAA'

/** Whether a request's topic id names a topic (the zero id and an absent one do not). */
export const isTopicId = (id: string | null | undefined): id is string => !!id && id !== ZERO_TOPIC_ID

export class TopicIds {
  private readonly byId = new Map<string, string>()
  private readonly byName = new Map<string, string>()

  /** Remembers ids a response carried, so a consumer's fetches need no lookup of their own. */
  learn(topics: readonly { name: string; topicId: string }[]): void {
    for (const t of topics) {
      if (!isTopicId(t.topicId)) continue
      this.byId.set(t.topicId, t.name)
      this.byName.set(t.name, t.topicId)
    }
  }

  /**
   * Forgets what it knew and reads every topic's id again: for calls that act on the topic itself
   * (Metadata by id, DeleteTopics) rather than on data the service checks.
   */
  async refresh(service: BrokerService): Promise<void> {
    this.byId.clear()
    this.byName.clear()
    const md = await service.metadata({ topics: null, allowAutoTopicCreation: false })
    this.learn(md.topics.filter((t) => t.errorCode === 0))
  }

  /** The names of `ids` (those not found are absent), looked up once more if any is not known. */
  async names(service: BrokerService, ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.some((id) => !this.byId.has(id))) await this.refresh(service)
    const out = new Map<string, string>()
    for (const id of ids) {
      const name = this.byId.get(id)
      if (name !== undefined) out.set(id, name)
    }
    return out
  }

  nameOf(id: string): string | undefined {
    return this.byId.get(id)
  }

  idOf(name: string): string | undefined {
    return this.byName.get(name)
  }
}
