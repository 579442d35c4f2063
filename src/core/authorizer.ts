/**
 * @module ACL enforcement for every door at once: `Authorizer.forPrincipal` wraps a BrokerService
 * so that each call is checked as a Kafka broker with an authorizer checks it — per topic and per
 * group, with TOPIC_AUTHORIZATION_FAILED / GROUP_AUTHORIZATION_FAILED / CLUSTER_AUTHORIZATION_FAILED
 * beside what was refused, and what a principal may not describe left out of lists. The Kafka
 * listener, the relay's REST, SSE, WebSocket and Durable Streams doors all call the broker through
 * such a wrapper, so one set of ACLs means the same thing on each.
 */

import {
  type AclBinding,
  CLUSTER_NAME,
  decide,
  MATCH_ALL,
  AclOperations as Op,
  PermissionTypes,
  ResourceTypes as Res,
} from './acl.ts'
import { BrookError, errorCode } from './errors.ts'
import type { BrokerService, DescribeConfigsResult, FetchPartitionResult, TopicResult } from './service.ts'

const TOPIC_DENIED = errorCode('TOPIC_AUTHORIZATION_FAILED')
const GROUP_DENIED = errorCode('GROUP_AUTHORIZATION_FAILED')
const CLUSTER_DENIED = errorCode('CLUSTER_AUTHORIZATION_FAILED')
const TXN_DENIED = errorCode('TRANSACTIONAL_ID_AUTHORIZATION_FAILED')
const EMPTY = new Uint8Array(0)

export interface AuthorizerOptions {
  /** Principals (`User:admin`) allowed everything, whatever the ACLs say. */
  superUsers?: string[]
  /** How long a read of the ACLs is reused. Default 1,000 ms; changes made through this authorizer apply at once. */
  cacheMs?: number
  now?: () => number
}

export class Authorizer {
  private cached: { at: number; acls: AclBinding[] } | undefined
  private readonly superUsers: ReadonlySet<string>
  private readonly now: () => number

  constructor(
    private readonly service: BrokerService,
    private readonly opts: AuthorizerOptions = {},
  ) {
    this.superUsers = new Set(opts.superUsers ?? [])
    this.now = opts.now ?? Date.now
  }

  /** Every ACL, read through the service (cached briefly). */
  async acls(): Promise<AclBinding[]> {
    const c = this.cached
    if (c && this.now() - c.at < (this.opts.cacheMs ?? 1000)) return c.acls
    const res = await this.service.describeAcls?.(MATCH_ALL)
    const acls = res?.acls ?? []
    this.cached = { at: this.now(), acls }
    return acls
  }

  invalidate(): void {
    this.cached = undefined
  }

  /** A checker for one principal at one host, over one read of the ACLs. */
  async check(principal: string, host: string): Promise<Check> {
    const acls = await this.acls()
    const allowed = (operation: number, resourceType: number, resourceName: string) =>
      decide(acls, { principal, host, operation, resourceType, resourceName }, this.superUsers)
    const writesSomewhere = () =>
      this.superUsers.has(principal) ||
      acls.some(
        (b) =>
          b.resourceType === Res.TOPIC &&
          b.permissionType === PermissionTypes.ALLOW &&
          (b.operation === Op.WRITE || b.operation === Op.ALL) &&
          (b.principal === principal || b.principal === 'User:*'),
      )
    return {
      topic: (op, name) => allowed(op, Res.TOPIC, name),
      group: (op, name) => allowed(op, Res.GROUP, name),
      cluster: (op) => allowed(op, Res.CLUSTER, CLUSTER_NAME),
      transactionalId: (op, name) => allowed(op, Res.TRANSACTIONAL_ID, name),
      writesSomewhere,
    }
  }

  /** `service` as `principal` (`User:alice`) coming from `host` may use it. */
  forPrincipal(principal: string, host = ''): BrokerService {
    return authorizedService(this.service, this, principal, host)
  }
}

interface Check {
  topic(op: number, name: string): boolean
  group(op: number, name: string): boolean
  cluster(op: number): boolean
  transactionalId(op: number, name: string): boolean
  writesSomewhere(): boolean
}

function authorizedService(
  inner: BrokerService,
  auth: Authorizer,
  principal: string,
  host: string,
): BrokerService {
  const can = () => auth.check(principal, host)
  const deniedTopic = (name: string): TopicResult => ({
    name,
    errorCode: TOPIC_DENIED,
    errorMessage: `${principal} may not do this to topic ${name}`,
  })

  /** Runs `inner` on the allowed items only and puts the refusals back in request order. */
  async function split<T, R>(
    items: T[],
    ok: (item: T) => boolean,
    run: (allowed: T[]) => Promise<R[]>,
    refused: (item: T) => R,
  ): Promise<R[]> {
    const allowed = items.filter(ok)
    const answers = allowed.length > 0 ? await run(allowed) : []
    let i = 0
    return items.map((item) => (ok(item) ? answers[i++]! : refused(item)))
  }

  const service: BrokerService = {
    async metadata(req) {
      const c = await can()
      if (req.topics === null || req.topics === undefined) {
        const res = await inner.metadata(req)
        return { ...res, topics: res.topics.filter((t) => c.topic(Op.DESCRIBE, t.name)) }
      }
      const visible = req.topics.filter((n) => c.topic(Op.DESCRIBE, n))
      const mayCreate = (n: string) => c.cluster(Op.CREATE) || c.topic(Op.CREATE, n)
      const creating = req.allowAutoTopicCreation ? visible.filter(mayCreate) : []
      const plain = visible.filter((n) => !creating.includes(n))
      const answers = await Promise.all([
        creating.length > 0 ? inner.metadata({ topics: creating, allowAutoTopicCreation: true }) : undefined,
        plain.length > 0 || creating.length === 0
          ? inner.metadata({ topics: plain, allowAutoTopicCreation: false })
          : undefined,
      ])
      const base = (answers[0] ?? answers[1])!
      const found = new Map(answers.flatMap((a) => a?.topics ?? []).map((t) => [t.name, t]))
      return {
        ...base,
        topics: req.topics.map(
          (name) =>
            found.get(name) ?? {
              errorCode: TOPIC_DENIED,
              name,
              topicId: '',
              isInternal: false,
              partitions: [],
            },
        ),
      }
    },

    async createTopics(req) {
      const c = await can()
      const ok = (t: { name: string }) => c.cluster(Op.CREATE) || c.topic(Op.CREATE, t.name)
      return split(
        req.topics,
        ok,
        (topics) => inner.createTopics({ ...req, topics }),
        (t) => deniedTopic(t.name),
      )
    },

    async deleteTopics(names) {
      const c = await can()
      return split(
        names,
        (n) => c.topic(Op.DELETE, n),
        (n) => inner.deleteTopics(n),
        deniedTopic,
      )
    },

    async createPartitions(req) {
      const c = await can()
      return split(
        req.topics,
        (t) => c.topic(Op.ALTER, t.name),
        (topics) => inner.createPartitions({ ...req, topics }),
        (t) => deniedTopic(t.name),
      )
    },

    async describeConfigs(topics) {
      const c = await can()
      return split(
        topics,
        (n) => c.topic(Op.DESCRIBE_CONFIGS, n),
        (n) => inner.describeConfigs(n),
        (name): DescribeConfigsResult => ({ name, errorCode: TOPIC_DENIED, configs: [] }),
      )
    },

    async alterConfigs(req) {
      const c = await can()
      return split(
        req.topics,
        (t) => c.topic(Op.ALTER_CONFIGS, t.name),
        (topics) => inner.alterConfigs({ ...req, topics }),
        (t) => deniedTopic(t.name),
      )
    },

    async produce(req) {
      const c = await can()
      const allowed = req.topics.filter((t) => c.topic(Op.WRITE, t.name))
      const res = allowed.length > 0 ? await inner.produce({ ...req, topics: allowed }) : { topics: [] }
      const byName = new Map(res.topics.map((t) => [t.name, t]))
      return {
        topics: req.topics.map(
          (t) =>
            byName.get(t.name) ?? {
              name: t.name,
              partitions: t.partitions.map((p) => ({
                partition: p.partition,
                errorCode: TOPIC_DENIED,
                errorMessage: `${principal} may not write to ${t.name}`,
                baseOffset: -1,
                logAppendTimeMs: -1,
                logStartOffset: -1,
              })),
            },
        ),
      }
    },

    async fetch(req) {
      const c = await can()
      const allowed = req.topics.filter((t) => c.topic(Op.READ, t.name))
      const res = allowed.length > 0 ? await inner.fetch({ ...req, topics: allowed }) : { topics: [] }
      const denied = req.topics
        .filter((t) => !c.topic(Op.READ, t.name))
        .map((t) => ({
          name: t.name,
          partitions: t.partitions.map(
            (p): FetchPartitionResult => ({
              partition: p.partition,
              errorCode: TOPIC_DENIED,
              highWatermark: -1,
              lastStableOffset: -1,
              logStartOffset: -1,
              records: EMPTY,
            }),
          ),
        }))
      return { topics: [...res.topics, ...denied] }
    },

    async listOffsets(req) {
      const c = await can()
      const allowed = req.topics.filter((t) => c.topic(Op.DESCRIBE, t.name))
      const res = allowed.length > 0 ? await inner.listOffsets({ ...req, topics: allowed }) : { topics: [] }
      const denied = req.topics
        .filter((t) => !c.topic(Op.DESCRIBE, t.name))
        .map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partition: p.partition,
            errorCode: TOPIC_DENIED,
            timestamp: -1,
            offset: -1,
          })),
        }))
      return { topics: [...res.topics, ...denied] }
    },

    async deleteRecords(req) {
      const c = await can()
      const allowed = req.topics.filter((t) => c.topic(Op.DELETE, t.name))
      const res = allowed.length > 0 ? await inner.deleteRecords({ ...req, topics: allowed }) : { topics: [] }
      const denied = req.topics
        .filter((t) => !c.topic(Op.DELETE, t.name))
        .map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partition: p.partition,
            errorCode: TOPIC_DENIED,
            lowWatermark: -1,
          })),
        }))
      return { topics: [...res.topics, ...denied] }
    },

    async initProducerId(req) {
      const c = await can()
      if (req.transactionalId) {
        if (!c.transactionalId(Op.WRITE, req.transactionalId))
          return { errorCode: TXN_DENIED, producerId: -1, producerEpoch: -1 }
      } else if (!c.cluster(Op.IDEMPOTENT_WRITE) && !c.writesSomewhere())
        return { errorCode: CLUSTER_DENIED, producerId: -1, producerEpoch: -1 }
      return inner.initProducerId(req)
    },

    async findCoordinator(groupId) {
      const c = await can()
      if (!c.group(Op.DESCRIBE, groupId)) return { errorCode: GROUP_DENIED, nodeId: -1, host: '', port: -1 }
      return inner.findCoordinator(groupId)
    },

    async joinGroup(req) {
      const c = await can()
      if (!c.group(Op.READ, req.groupId))
        return {
          errorCode: GROUP_DENIED,
          generationId: -1,
          protocolType: null,
          protocolName: null,
          leader: '',
          memberId: req.memberId,
          members: [],
        }
      return inner.joinGroup(req)
    },

    async syncGroup(req) {
      const c = await can()
      if (!c.group(Op.READ, req.groupId)) return { errorCode: GROUP_DENIED, assignment: EMPTY }
      return inner.syncGroup(req)
    },

    async heartbeat(req) {
      const c = await can()
      if (!c.group(Op.READ, req.groupId)) return { errorCode: GROUP_DENIED }
      return inner.heartbeat(req)
    },

    async leaveGroup(req) {
      const c = await can()
      if (!c.group(Op.READ, req.groupId)) return { errorCode: GROUP_DENIED, members: [] }
      return inner.leaveGroup(req)
    },

    async offsetCommit(req) {
      const c = await can()
      const groupOk = c.group(Op.READ, req.groupId)
      const allowed = groupOk ? req.topics.filter((t) => c.topic(Op.READ, t.name)) : []
      const res = allowed.length > 0 ? await inner.offsetCommit({ ...req, topics: allowed }) : { topics: [] }
      const denied = req.topics
        .filter((t) => !allowed.includes(t))
        .map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partition: p.partition,
            errorCode: groupOk ? TOPIC_DENIED : GROUP_DENIED,
          })),
        }))
      return { topics: [...res.topics, ...denied] }
    },

    async offsetFetch(req) {
      const c = await can()
      if (!c.group(Op.DESCRIBE, req.groupId)) return { errorCode: GROUP_DENIED, topics: [] }
      if (req.topics === null) {
        const res = await inner.offsetFetch(req)
        return { ...res, topics: res.topics.filter((t) => c.topic(Op.DESCRIBE, t.name)) }
      }
      const allowed = req.topics.filter((t) => c.topic(Op.DESCRIBE, t.name))
      const res =
        allowed.length > 0
          ? await inner.offsetFetch({ ...req, topics: allowed })
          : { errorCode: 0, topics: [] }
      const denied = req.topics
        .filter((t) => !c.topic(Op.DESCRIBE, t.name))
        .map((t) => ({
          name: t.name,
          partitions: t.partitions.map((partition) => ({
            partition,
            offset: -1,
            metadata: null,
            errorCode: TOPIC_DENIED,
          })),
        }))
      return { ...res, topics: [...res.topics, ...denied] }
    },

    async listGroups() {
      const c = await can()
      const res = await inner.listGroups()
      if (c.cluster(Op.DESCRIBE)) return res
      return { ...res, groups: res.groups.filter((g) => c.group(Op.DESCRIBE, g.groupId)) }
    },

    async describeGroups(ids) {
      const c = await can()
      return split(
        ids,
        (id) => c.group(Op.DESCRIBE, id),
        (allowed) => inner.describeGroups(allowed),
        (groupId) => ({
          errorCode: GROUP_DENIED,
          groupId,
          state: 'Dead' as const,
          protocolType: '',
          protocol: '',
          members: [],
        }),
      )
    },

    async deleteGroups(ids) {
      const c = await can()
      return split(
        ids,
        (id) => c.group(Op.DELETE, id),
        (allowed) => inner.deleteGroups(allowed),
        (groupId) => ({ groupId, errorCode: GROUP_DENIED }),
      )
    },

    onGroupRebalance: inner.onGroupRebalance?.bind(inner),
  }

  if (inner.describeAcls) {
    const describeAcls = inner.describeAcls.bind(inner)
    service.describeAcls = async (filter) => {
      if (!(await can()).cluster(Op.DESCRIBE))
        return { errorCode: CLUSTER_DENIED, errorMessage: `${principal} may not describe ACLs`, acls: [] }
      return describeAcls(filter)
    }
  }
  if (inner.createAcls) {
    const createAcls = inner.createAcls.bind(inner)
    service.createAcls = async (bindings) => {
      if (!(await can()).cluster(Op.ALTER))
        return bindings.map(() => ({
          errorCode: CLUSTER_DENIED,
          errorMessage: `${principal} may not create ACLs`,
        }))
      const res = await createAcls(bindings)
      auth.invalidate()
      return res
    }
  }
  if (inner.deleteAcls) {
    const deleteAcls = inner.deleteAcls.bind(inner)
    service.deleteAcls = async (filters) => {
      if (!(await can()).cluster(Op.ALTER))
        return filters.map(() => ({
          errorCode: CLUSTER_DENIED,
          errorMessage: `${principal} may not delete ACLs`,
          deleted: [],
        }))
      const res = await deleteAcls(filters)
      auth.invalidate()
      return res
    }
  }
  // Broker configs belong to the cluster resource, as in Kafka's ConfigHelper and ConfigAdminManager.
  if (inner.describeBrokerConfigs) {
    const describeBrokerConfigs = inner.describeBrokerConfigs.bind(inner)
    service.describeBrokerConfigs = async (scope) => {
      if (!(await can()).cluster(Op.DESCRIBE_CONFIGS))
        throw new BrookError('CLUSTER_AUTHORIZATION_FAILED', `${principal} may not describe broker configs`)
      return describeBrokerConfigs(scope)
    }
  }
  if (inner.alterBrokerConfigs) {
    const alterBrokerConfigs = inner.alterBrokerConfigs.bind(inner)
    service.alterBrokerConfigs = async (req) => {
      if (!(await can()).cluster(Op.ALTER_CONFIGS))
        return { errorCode: CLUSTER_DENIED, errorMessage: `${principal} may not alter broker configs` }
      return alterBrokerConfigs(req)
    }
  }
  if (!service.onGroupRebalance) delete service.onGroupRebalance
  return service
}
