/**
 * @module The cluster side of brook's Kafka client: one connection per broker (the bootstrap one reused for
 * a single-broker cluster such as brook), each with its negotiated versions, and the routing Kafka clients
 * do — partition requests to the partition's leader, group requests to the group's coordinator, topic admin
 * to the controller — with the leader and coordinator caches forgotten on the errors that say they moved.
 */
import { BrookError } from '../errors.ts'
import type { MetadataRequest, MetadataResponse } from '../service.ts'
import type { KafkaConnection } from './client-connection.ts'
import { type NegotiateOptions, negotiate, type Versions, versionOf } from './client-negotiate.ts'
import type { ApiKey, RequestInput, ResponseBody } from './types.generated.ts'

export interface KafkaProtocolServiceOptions extends NegotiateOptions {
  /** Opens a connection to another broker of the cluster; without it every request uses the bootstrap one. */
  connect?: (host: string, port: number) => Promise<KafkaConnection>
  /** `host:port` of the bootstrap connection, so the broker list can recognise it and reuse it. */
  bootstrapAddress?: string
}

export interface Node {
  conn: KafkaConnection
  versions: Versions
}

/** Errors after which a cached leader or coordinator is stale. */
export const STALE_LEADER = new Set([3, 5, 6, 74, 75])
export const STALE_COORDINATOR = new Set([14, 15, 16])
export const BOOTSTRAP = -1000

export abstract class KafkaCluster {
  protected readonly brokers = new Map<number, { host: string; port: number }>()
  protected readonly leaders = new Map<string, number>()
  protected readonly coordinators = new Map<string, number>()
  protected readonly nodes = new Map<number, Promise<Node>>()
  protected controllerId = -1

  protected constructor(
    protected readonly bootstrap: Node,
    protected readonly options: KafkaProtocolServiceOptions,
  ) {}

  /** The version negotiated with the bootstrap broker for `apiKey`, or undefined when it has none. */
  negotiatedVersion(apiKey: ApiKey): number | undefined {
    return this.bootstrap.versions.get(apiKey)
  }

  async close(): Promise<void> {
    const others = await Promise.allSettled(this.nodes.values())
    for (const n of others)
      if (n.status === 'fulfilled' && n.value !== this.bootstrap) await n.value.conn.close()
    await this.bootstrap.conn.close()
  }

  // ---- plumbing ----

  protected node(nodeId: number): Promise<Node> {
    const addr = this.brokers.get(nodeId)
    const connect = this.options.connect
    // A one-broker cluster (brook) is the bootstrap broker, whatever name it advertises.
    const single = this.brokers.size <= 1
    if (
      nodeId === BOOTSTRAP ||
      !addr ||
      !connect ||
      single ||
      `${addr.host}:${addr.port}` === this.options.bootstrapAddress
    ) {
      return Promise.resolve(this.bootstrap)
    }
    let node = this.nodes.get(nodeId)
    if (!node) {
      node = (async () => {
        const conn = await connect(addr.host, addr.port)
        return { conn, versions: await negotiate(conn, this.options) }
      })()
      node.catch(() => this.nodes.delete(nodeId))
      this.nodes.set(nodeId, node)
    }
    return node
  }

  protected async call<K extends ApiKey>(
    nodeId: number,
    apiKey: K,
    body: (version: number) => RequestInput<K>,
    timeoutMs?: number,
  ): Promise<{ version: number; res: ResponseBody<K> }> {
    const node = await this.node(nodeId)
    const version = versionOf(node.versions, apiKey)
    try {
      const res = await node.conn.request(apiKey, version, body(version), { timeoutMs })
      return { version, res }
    } catch (e) {
      if (node !== this.bootstrap && (e as BrookError).type === 'NETWORK_EXCEPTION') this.nodes.delete(nodeId)
      throw e
    }
  }

  protected remember(md: MetadataResponse): void {
    for (const b of md.brokers) this.brokers.set(b.nodeId, { host: b.host, port: b.port })
    this.controllerId = md.controllerId
    for (const t of md.topics) {
      for (const p of t.partitions) {
        if (p.leader >= 0) this.leaders.set(`${t.name}\u0000${p.partition}`, p.leader)
      }
    }
  }

  protected forget(topic: string, partition: number, errorCode: number): void {
    if (STALE_LEADER.has(errorCode)) this.leaders.delete(`${topic}\u0000${partition}`)
  }

  /** Partition → leader node; refreshes metadata once when some leader is unknown. */
  protected async leaderOf(topics: string[]): Promise<(topic: string, partition: number) => number> {
    if (!this.options.connect) return () => BOOTSTRAP
    const known = (t: string, p: number) => this.leaders.get(`${t}\u0000${p}`)
    if (topics.some((t) => ![...this.leaders.keys()].some((k) => k.startsWith(`${t}\u0000`)))) {
      await this.metadata({ topics: [...new Set(topics)], allowAutoTopicCreation: false })
    }
    return (t, p) => known(t, p) ?? BOOTSTRAP
  }

  /** One request per partition leader (`send`), the answers joined back into one entry per topic. */
  protected async perLeader<P extends { partition: number }, R>(
    topics: { name: string; partitions: P[] }[],
    send: (nodeId: number, topics: { name: string; partitions: P[] }[]) => Promise<TopicEntries<R>>,
  ): Promise<{ topics: TopicEntries<R> }> {
    const leaderOf = await this.leaderOf(topics.map((t) => t.name))
    const results = await Promise.all(
      [...byLeader(topics, leaderOf)].map(([nodeId, mine]) => send(nodeId, mine)),
    )
    return { topics: mergeTopics(results.flat()) }
  }

  /** One request per group coordinator (`send`), with the groups it coordinates. */
  protected async perCoordinator<R>(
    groupIds: string[],
    send: (nodeId: number, groupIds: string[]) => Promise<R>,
  ): Promise<R[]> {
    const byNode = new Map<number, string[]>()
    for (const g of groupIds) {
      const n = await this.coordinator(g)
      byNode.set(n, [...(byNode.get(n) ?? []), g])
    }
    return Promise.all([...byNode].map(([nodeId, groups]) => send(nodeId, groups)))
  }

  protected async coordinator(groupId: string): Promise<number> {
    if (!this.options.connect) return BOOTSTRAP
    const known = this.coordinators.get(groupId)
    if (known !== undefined) return known
    const c = await this.findCoordinator(groupId)
    if (c.errorCode !== 0) throw BrookError.fromCode(c.errorCode, `finding the coordinator of ${groupId}`)
    return c.nodeId
  }

  protected async controller(): Promise<number> {
    if (!this.options.connect) return BOOTSTRAP
    if (this.controllerId < 0) await this.metadata({ topics: [] })
    return this.controllerId >= 0 ? this.controllerId : BOOTSTRAP
  }

  protected checkCoordinator(groupId: string, errorCode: number): void {
    if (STALE_COORDINATOR.has(errorCode)) this.coordinators.delete(groupId)
  }

  abstract metadata(req: MetadataRequest): Promise<MetadataResponse>
  abstract findCoordinator(
    groupId: string,
  ): Promise<{ errorCode: number; nodeId: number; host: string; port: number }>
}

type TopicEntries<P> = { name: string; partitions: P[] }[]

/** Groups `topics[].partitions[]` by the node that leads each partition, keeping the topic shape. */
export function byLeader<P extends { partition: number }>(
  topics: { name: string; partitions: P[] }[],
  leaderOf: (topic: string, partition: number) => number,
): Map<number, { name: string; partitions: P[] }[]> {
  const out = new Map<number, Map<string, P[]>>()
  for (const t of topics) {
    for (const p of t.partitions) {
      const node = leaderOf(t.name, p.partition)
      let byTopic = out.get(node)
      if (!byTopic) {
        byTopic = new Map()
        out.set(node, byTopic)
      }
      let ps = byTopic.get(t.name)
      if (!ps) {
        ps = []
        byTopic.set(t.name, ps)
      }
      ps.push(p)
    }
  }
  return new Map(
    [...out].map(([node, m]) => [node, [...m].map(([name, partitions]) => ({ name, partitions }))]),
  )
}

/** Joins per-node answers back into one entry per topic. */
export function mergeTopics<P>(
  topics: { name: string; partitions: P[] }[],
): { name: string; partitions: P[] }[] {
  const m = new Map<string, P[]>()
  for (const t of topics) m.set(t.name, [...(m.get(t.name) ?? []), ...t.partitions])
  return [...m].map(([name, partitions]) => ({ name, partitions }))
}

const EMPTY = new Uint8Array(0)

/**
 * The whole record batches at the front of `records`. A broker may cut the last batch of a Fetch answer
 * at the byte limit; callers of BrokerService are promised whole batches, so the cut tail is dropped
 * (the next fetch starts at it again). The view is kept: no copy.
 */
export function wholeBatches(records: Uint8Array | null): Uint8Array {
  if (!records || records.length === 0) return EMPTY
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength)
  let pos = 0
  // Batch: baseOffset (8), batchLength (4), then batchLength bytes.
  while (pos + 12 <= records.length) {
    const size = 12 + view.getInt32(pos + 8)
    if (size < 12 || pos + size > records.length) break
    pos += size
  }
  return pos === records.length ? records : records.subarray(0, pos)
}
