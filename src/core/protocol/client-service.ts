/**
 * @module `KafkaProtocolService`: the BrokerService a client calls, carried over the Kafka wire protocol to
 * brook or to any Kafka cluster. Each call becomes the request of the version negotiated with the broker
 * (fields a version lacks are left out by the codec). Partition requests go to partition leaders, group
 * requests to the group's coordinator and topic admin to the controller, as Kafka clients do; with a
 * single broker (brook) everything shares the bootstrap connection.
 */
import { BrookError } from '../errors.ts'
import type {
  BrokerService,
  CreatePartitionsRequest,
  CreateTopicsRequest,
  DeleteRecordsRequest,
  DeleteRecordsResponse,
  DescribeConfigsResult,
  DescribedGroup,
  FetchRequest,
  FetchResponse,
  GroupState,
  HeartbeatRequest,
  InitProducerIdRequest,
  InitProducerIdResponse,
  JoinGroupRequest,
  JoinGroupResponse,
  LeaveGroupRequest,
  ListGroupsResponse,
  ListOffsetsRequest,
  ListOffsetsResponse,
  MetadataRequest,
  MetadataResponse,
  OffsetCommitRequest,
  OffsetCommitResponse,
  OffsetFetchRequest,
  OffsetFetchResponse,
  ProduceRequest,
  ProduceResponse,
  SyncGroupRequest,
  SyncGroupResponse,
  TopicResult,
} from '../service.ts'
import {
  BOOTSTRAP,
  byLeader,
  KafkaCluster,
  type KafkaProtocolServiceOptions,
  mergeTopics,
  STALE_COORDINATOR,
  wholeBatches,
} from './client-cluster.ts'
import type { KafkaConnection } from './client-connection.ts'
import { negotiate, versionOf } from './client-negotiate.ts'

export type { KafkaProtocolServiceOptions } from './client-cluster.ts'

export class KafkaProtocolService extends KafkaCluster implements BrokerService {
  /** Negotiates versions (and SASL) on `conn`, then serves BrokerService calls over it. */
  static async start(
    conn: KafkaConnection,
    options: KafkaProtocolServiceOptions = {},
  ): Promise<KafkaProtocolService> {
    const versions = await negotiate(conn, options)
    return new KafkaProtocolService({ conn, versions }, options)
  }

  // ---- topics and metadata ----

  async metadata(req: MetadataRequest): Promise<MetadataResponse> {
    const { version, res } = await this.call(BOOTSTRAP, 3, () => ({
      topics: req.topics === null ? null : req.topics.map((name) => ({ name })),
      allowAutoTopicCreation: req.allowAutoTopicCreation ?? true,
    }))
    const md: MetadataResponse = {
      brokers: res.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port })),
      clusterId: res.clusterId ?? '',
      controllerId: version >= 1 ? res.controllerId : -1,
      topics: res.topics.map((t) => ({
        errorCode: t.errorCode,
        name: t.name ?? '',
        topicId: t.topicId,
        isInternal: t.isInternal,
        partitions: t.partitions.map((p) => ({
          errorCode: p.errorCode,
          partition: p.partitionIndex,
          leader: p.leaderId,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
        })),
      })),
    }
    this.remember(md)
    return md
  }

  async createTopics(req: CreateTopicsRequest): Promise<TopicResult[]> {
    const { res } = await this.call(await this.controller(), 19, (v) => ({
      topics: req.topics.map((t) => ({
        name: t.name,
        // v4+ lets the broker pick (-1); older versions need explicit numbers.
        numPartitions: t.numPartitions ?? (v >= 4 ? -1 : 1),
        replicationFactor: v >= 4 ? -1 : 1,
        assignments: [],
        configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
      })),
      timeoutMs: 30_000,
      validateOnly: req.validateOnly ?? false,
    }))
    return res.topics.map((t) => ({ name: t.name, errorCode: t.errorCode, errorMessage: t.errorMessage }))
  }

  async deleteTopics(names: string[]): Promise<TopicResult[]> {
    const { res } = await this.call(await this.controller(), 20, () => ({
      topicNames: names,
      topics: names.map((name) => ({ name })),
      timeoutMs: 30_000,
    }))
    return res.responses.map((t) => ({
      name: t.name ?? '',
      errorCode: t.errorCode,
      errorMessage: t.errorMessage,
    }))
  }

  async createPartitions(req: CreatePartitionsRequest): Promise<TopicResult[]> {
    const { res } = await this.call(await this.controller(), 37, () => ({
      topics: req.topics.map((t) => ({ name: t.name, count: t.count, assignments: null })),
      timeoutMs: 30_000,
      validateOnly: req.validateOnly ?? false,
    }))
    return res.results.map((t) => ({ name: t.name, errorCode: t.errorCode, errorMessage: t.errorMessage }))
  }

  async describeConfigs(topics: string[]): Promise<DescribeConfigsResult[]> {
    const { version, res } = await this.call(BOOTSTRAP, 32, () => ({
      resources: topics.map((name) => ({ resourceType: 2, resourceName: name, configurationKeys: null })),
      includeSynonyms: false,
    }))
    return res.results.map((r) => ({
      name: r.resourceName,
      errorCode: r.errorCode,
      configs: r.configs.map((c) => ({
        name: c.name,
        value: c.value,
        // v1+ reports a source instead; for a topic, only DYNAMIC_TOPIC_CONFIG (1) was set on the topic.
        isDefault: version === 0 ? c.isDefault : c.configSource !== 1,
        readOnly: c.readOnly,
      })),
    }))
  }

  // ---- records ----

  async produce(req: ProduceRequest): Promise<ProduceResponse> {
    const leaderOf = await this.leaderOf(req.topics.map((t) => t.name))
    const parts = byLeader(req.topics, leaderOf)
    const results = await Promise.all(
      [...parts].map(async ([nodeId, topics]) => {
        const body = {
          transactionalId: null,
          acks: req.acks,
          timeoutMs: req.timeoutMs,
          topicData: topics.map((t) => ({
            name: t.name,
            partitionData: t.partitions.map((p) => ({ index: p.partition, records: p.records })),
          })),
        }
        if (req.acks === 0) {
          const node = await this.node(nodeId)
          await node.conn.request(0, versionOf(node.versions, 0), body, { expectResponse: false })
          return topics.map((t) => ({
            name: t.name,
            partitions: t.partitions.map((p) => ({
              partition: p.partition,
              errorCode: 0,
              baseOffset: -1,
              logAppendTimeMs: -1,
              logStartOffset: -1,
            })),
          }))
        }
        const { res } = await this.call(nodeId, 0, () => body, req.timeoutMs + 30_000)
        return res.responses.map((t) => ({
          name: t.name,
          partitions: t.partitionResponses.map((p) => {
            this.forget(t.name, p.index, p.errorCode)
            return {
              partition: p.index,
              errorCode: p.errorCode,
              errorMessage: p.errorMessage,
              baseOffset: p.baseOffset,
              logAppendTimeMs: p.logAppendTimeMs,
              logStartOffset: p.logStartOffset,
            }
          }),
        }))
      }),
    )
    return { topics: mergeTopics(results.flat()) }
  }

  async fetch(req: FetchRequest): Promise<FetchResponse> {
    const leaderOf = await this.leaderOf(req.topics.map((t) => t.name))
    const parts = byLeader(req.topics, leaderOf)
    const results = await Promise.all(
      [...parts].map(async ([nodeId, topics]) => {
        const { res } = await this.call(
          nodeId,
          1,
          () => ({
            replicaId: -1,
            maxWaitMs: req.maxWaitMs,
            minBytes: req.minBytes,
            maxBytes: req.maxBytes,
            isolationLevel: req.isolationLevel ?? 0,
            // No fetch session (KIP-227): id 0 with epoch -1 asks for a full, sessionless fetch.
            sessionId: 0,
            sessionEpoch: -1,
            topics: topics.map((t) => ({
              topic: t.name,
              partitions: t.partitions.map((p) => ({
                partition: p.partition,
                currentLeaderEpoch: -1,
                fetchOffset: p.fetchOffset,
                lastFetchedEpoch: -1,
                logStartOffset: -1,
                partitionMaxBytes: p.partitionMaxBytes,
              })),
            })),
            forgottenTopicsData: [],
            rackId: '',
          }),
          req.maxWaitMs + 30_000,
        )
        if (res.errorCode !== 0) throw BrookError.fromCode(res.errorCode, 'fetch')
        return res.responses.map((t) => ({
          name: t.topic,
          partitions: t.partitions.map((p) => {
            this.forget(t.topic, p.partitionIndex, p.errorCode)
            return {
              partition: p.partitionIndex,
              errorCode: p.errorCode,
              highWatermark: p.highWatermark,
              lastStableOffset: p.lastStableOffset,
              logStartOffset: p.logStartOffset,
              records: wholeBatches(p.records),
            }
          }),
        }))
      }),
    )
    return { topics: mergeTopics(results.flat()) }
  }

  async listOffsets(req: ListOffsetsRequest): Promise<ListOffsetsResponse> {
    const leaderOf = await this.leaderOf(req.topics.map((t) => t.name))
    const parts = byLeader(req.topics, leaderOf)
    const results = await Promise.all(
      [...parts].map(async ([nodeId, topics]) => {
        const { res } = await this.call(nodeId, 2, () => ({
          replicaId: -1,
          isolationLevel: req.isolationLevel ?? 0,
          topics: topics.map((t) => ({
            name: t.name,
            partitions: t.partitions.map((p) => ({
              partitionIndex: p.partition,
              currentLeaderEpoch: -1,
              timestamp: p.timestamp,
            })),
          })),
        }))
        return res.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => {
            this.forget(t.name, p.partitionIndex, p.errorCode)
            return {
              partition: p.partitionIndex,
              errorCode: p.errorCode,
              timestamp: p.timestamp,
              offset: p.offset,
            }
          }),
        }))
      }),
    )
    return { topics: mergeTopics(results.flat()) }
  }

  async deleteRecords(req: DeleteRecordsRequest): Promise<DeleteRecordsResponse> {
    const leaderOf = await this.leaderOf(req.topics.map((t) => t.name))
    const parts = byLeader(req.topics, leaderOf)
    const results = await Promise.all(
      [...parts].map(async ([nodeId, topics]) => {
        const { res } = await this.call(nodeId, 21, () => ({
          topics: topics.map((t) => ({
            name: t.name,
            partitions: t.partitions.map((p) => ({ partitionIndex: p.partition, offset: p.offset })),
          })),
          timeoutMs: 30_000,
        }))
        return res.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partition: p.partitionIndex,
            errorCode: p.errorCode,
            lowWatermark: p.lowWatermark,
          })),
        }))
      }),
    )
    return { topics: mergeTopics(results.flat()) }
  }

  async initProducerId(req: InitProducerIdRequest): Promise<InitProducerIdResponse> {
    const { res } = await this.call(BOOTSTRAP, 22, () => ({
      transactionalId: req.transactionalId ?? null,
      transactionTimeoutMs: req.transactionTimeoutMs ?? -1,
      producerId: req.producerId ?? -1,
      producerEpoch: req.producerEpoch ?? -1,
    }))
    return { errorCode: res.errorCode, producerId: res.producerId, producerEpoch: res.producerEpoch }
  }

  // ---- groups ----

  async findCoordinator(
    groupId: string,
  ): Promise<{ errorCode: number; nodeId: number; host: string; port: number }> {
    const { res } = await this.call(BOOTSTRAP, 10, () => ({ key: groupId, keyType: 0 }))
    if (res.errorCode === 0) {
      this.brokers.set(res.nodeId, { host: res.host, port: res.port })
      this.coordinators.set(groupId, res.nodeId)
    }
    return { errorCode: res.errorCode, nodeId: res.nodeId, host: res.host, port: res.port }
  }

  async joinGroup(req: JoinGroupRequest): Promise<JoinGroupResponse> {
    const nodeId = await this.coordinator(req.groupId)
    const node = await this.node(nodeId)
    let version = versionOf(node.versions, 11)
    // From v4 a broker answers a new member with MEMBER_ID_REQUIRED; only callers that handle it get v4+.
    if (!req.requireKnownMemberId) version = Math.min(version, 3)
    const res = await node.conn.request(
      11,
      version,
      {
        groupId: req.groupId,
        sessionTimeoutMs: req.sessionTimeoutMs,
        rebalanceTimeoutMs: req.rebalanceTimeoutMs,
        memberId: req.memberId,
        groupInstanceId: req.groupInstanceId ?? null,
        protocolType: req.protocolType,
        protocols: req.protocols,
        reason: null,
      },
      { timeoutMs: req.rebalanceTimeoutMs + 30_000 },
    )
    this.checkCoordinator(req.groupId, res.errorCode)
    return {
      errorCode: res.errorCode,
      generationId: res.generationId,
      // Before v7 the response does not repeat the protocol type: it is the one the member asked for.
      protocolType: version >= 7 ? res.protocolType : req.protocolType,
      protocolName: res.protocolName,
      leader: res.leader,
      memberId: res.memberId,
      members: res.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        metadata: m.metadata,
      })),
    }
  }

  async syncGroup(req: SyncGroupRequest): Promise<SyncGroupResponse> {
    const { version, res } = await this.call(
      await this.coordinator(req.groupId),
      14,
      () => ({
        groupId: req.groupId,
        generationId: req.generationId,
        memberId: req.memberId,
        groupInstanceId: req.groupInstanceId ?? null,
        protocolType: req.protocolType ?? null,
        protocolName: req.protocolName ?? null,
        assignments: req.assignments,
      }),
      60_000,
    )
    this.checkCoordinator(req.groupId, res.errorCode)
    return {
      errorCode: res.errorCode,
      protocolType: version >= 5 ? res.protocolType : (req.protocolType ?? null),
      protocolName: version >= 5 ? res.protocolName : (req.protocolName ?? null),
      assignment: res.assignment,
    }
  }

  async heartbeat(req: HeartbeatRequest): Promise<{ errorCode: number }> {
    const { res } = await this.call(await this.coordinator(req.groupId), 12, () => ({
      groupId: req.groupId,
      generationId: req.generationId,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId ?? null,
    }))
    this.checkCoordinator(req.groupId, res.errorCode)
    return { errorCode: res.errorCode }
  }

  async leaveGroup(
    req: LeaveGroupRequest,
  ): Promise<{ errorCode: number; members: { memberId: string; errorCode: number }[] }> {
    const nodeId = await this.coordinator(req.groupId)
    const node = await this.node(nodeId)
    const version = versionOf(node.versions, 13)
    if (version >= 3) {
      const res = await node.conn.request(13, version, {
        groupId: req.groupId,
        members: req.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId ?? null,
        })),
      })
      this.checkCoordinator(req.groupId, res.errorCode)
      return {
        errorCode: res.errorCode,
        members: res.members.map((m) => ({ memberId: m.memberId, errorCode: m.errorCode })),
      }
    }
    // v0–v2 take one member per request.
    const members: { memberId: string; errorCode: number }[] = []
    let errorCode = 0
    for (const m of req.members) {
      const res = await node.conn.request(13, version, { groupId: req.groupId, memberId: m.memberId })
      this.checkCoordinator(req.groupId, res.errorCode)
      members.push({ memberId: m.memberId, errorCode: res.errorCode })
      if (res.errorCode !== 0 && errorCode === 0) errorCode = res.errorCode
    }
    return { errorCode, members }
  }

  async offsetCommit(req: OffsetCommitRequest): Promise<OffsetCommitResponse> {
    const { res } = await this.call(await this.coordinator(req.groupId), 8, () => ({
      groupId: req.groupId,
      generationIdOrMemberEpoch: req.generationId,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId ?? null,
      retentionTimeMs: -1,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partition,
          committedOffset: p.offset,
          committedLeaderEpoch: -1,
          commitTimestamp: -1,
          committedMetadata: p.metadata ?? '',
        })),
      })),
    }))
    const topics = res.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        this.checkCoordinator(req.groupId, p.errorCode)
        return { partition: p.partitionIndex, errorCode: p.errorCode }
      }),
    }))
    return { topics }
  }

  async offsetFetch(req: OffsetFetchRequest): Promise<OffsetFetchResponse> {
    const { version, res } = await this.call(await this.coordinator(req.groupId), 9, (v) => {
      if (req.topics === null && v < 2) {
        throw new BrookError('UNSUPPORTED_VERSION', 'fetching all committed offsets needs OffsetFetch v2+')
      }
      return {
        groupId: req.groupId,
        topics: req.topics?.map((t) => ({ name: t.name, partitionIndexes: t.partitions })) ?? null,
        requireStable: false,
      }
    })
    const partitionErrors = res.topics.flatMap((t) => t.partitions.map((p) => p.errorCode))
    // v0–v1 have no top-level error code; a group-wide error shows on every partition.
    const errorCode =
      version >= 2 ? res.errorCode : (partitionErrors.find((c) => STALE_COORDINATOR.has(c)) ?? 0)
    this.checkCoordinator(req.groupId, errorCode)
    return {
      errorCode,
      topics: res.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partition: p.partitionIndex,
          offset: p.committedOffset,
          metadata: p.metadata,
          errorCode: p.errorCode,
        })),
      })),
    }
  }

  async listGroups(): Promise<ListGroupsResponse> {
    // Each broker lists only the groups it coordinates, so ask every known broker.
    if (this.options.connect && this.brokers.size === 0) await this.metadata({ topics: [] })
    const ids = this.options.connect && this.brokers.size > 0 ? [...this.brokers.keys()] : [BOOTSTRAP]
    const results = await Promise.all(
      ids.map((id) => this.call(id, 16, () => ({ statesFilter: [], typesFilter: [] }))),
    )
    let errorCode = 0
    const groups: ListGroupsResponse['groups'] = []
    for (const { res } of results) {
      if (res.errorCode !== 0 && errorCode === 0) errorCode = res.errorCode
      for (const g of res.groups) {
        // Before v4 there is no state; '' says "not reported".
        groups.push({ groupId: g.groupId, protocolType: g.protocolType, state: g.groupState as GroupState })
      }
    }
    return { errorCode, groups }
  }

  async describeGroups(groupIds: string[]): Promise<DescribedGroup[]> {
    const byNode = new Map<number, string[]>()
    for (const g of groupIds) {
      const n = await this.coordinator(g)
      byNode.set(n, [...(byNode.get(n) ?? []), g])
    }
    const results = await Promise.all(
      [...byNode].map(([nodeId, groups]) =>
        this.call(nodeId, 15, () => ({ groups, includeAuthorizedOperations: false })),
      ),
    )
    const described = new Map<string, DescribedGroup>()
    for (const { res } of results) {
      for (const g of res.groups) {
        this.checkCoordinator(g.groupId, g.errorCode)
        described.set(g.groupId, {
          errorCode: g.errorCode,
          groupId: g.groupId,
          state: g.groupState as GroupState,
          protocolType: g.protocolType,
          protocol: g.protocolData,
          members: g.members.map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            metadata: m.memberMetadata,
            assignment: m.memberAssignment,
          })),
        })
      }
    }
    return groupIds.flatMap((g) => described.get(g) ?? [])
  }

  async deleteGroups(groupIds: string[]): Promise<{ groupId: string; errorCode: number }[]> {
    const byNode = new Map<number, string[]>()
    for (const g of groupIds) {
      const n = await this.coordinator(g)
      byNode.set(n, [...(byNode.get(n) ?? []), g])
    }
    const results = await Promise.all(
      [...byNode].map(([nodeId, groupsNames]) => this.call(nodeId, 42, () => ({ groupsNames }))),
    )
    return results.flatMap(({ res }) =>
      res.results.map((r) => {
        this.checkCoordinator(r.groupId, r.errorCode)
        return { groupId: r.groupId, errorCode: r.errorCode }
      }),
    )
  }
}
