/**
 * @module `KafkaProtocolService`: the BrokerService a client calls, carried over the Kafka wire protocol to
 * brook or to any Kafka cluster. Each call becomes the request of the version negotiated with the broker
 * (fields a version lacks are left out by the codec). Partition requests go to partition leaders, group
 * requests to the group's coordinator and topic admin to the controller, as Kafka clients do; with a
 * single broker (brook) everything shares the bootstrap connection. Metadata, topic admin and records are
 * here; the group calls are inherited from client-groups.ts, the routing from client-cluster.ts.
 */

import type { AclBinding, AclFilter } from '../acl.ts'
import { BrookError } from '../errors.ts'
import type {
  AclCreateResult,
  AclDeleteResult,
  AclDescribeResult,
  AlterConfigsRequest,
  BrokerConfigAlteration,
  BrokerConfigScope,
  BrokerService,
  CreatePartitionsRequest,
  CreateTopicsRequest,
  DeleteRecordsRequest,
  DeleteRecordsResponse,
  DescribeConfigsResult,
  DescribedConfig,
  FetchRequest,
  FetchResponse,
  InitProducerIdRequest,
  InitProducerIdResponse,
  ListOffsetsRequest,
  ListOffsetsResponse,
  MetadataRequest,
  MetadataResponse,
  ProduceRequest,
  ProduceResponse,
  TopicResult,
} from '../service.ts'
import { BOOTSTRAP, type KafkaProtocolServiceOptions, wholeBatches } from './client-cluster.ts'
import type { KafkaConnection } from './client-connection.ts'
import { KafkaGroupClient } from './client-groups.ts'
import { negotiate, versionOf } from './client-negotiate.ts'
import {
  CONFIG_OPS,
  CONFIG_SOURCES,
  CONFIG_TYPES,
  RESOURCE_BROKER,
  RESOURCE_TOPIC,
} from './config-resources.ts'

const SOURCE_NAMES = new Map(
  Object.entries(CONFIG_SOURCES).map(([name, n]) => [n, name as DescribedConfig['source']]),
)
const TYPE_NAMES = new Map(
  Object.entries(CONFIG_TYPES).map(([name, n]) => [n, name as DescribedConfig['type']]),
)

interface WireConfig {
  name: string
  value: string | null
  readOnly: boolean
  isDefault: boolean
  configSource: number
  synonyms: { name: string; value: string | null; source: number }[]
  configType: number
}

/** A described config as the response's version carries it: source from v1, type from v3. */
function describedOf(c: WireConfig, version: number): DescribeConfigsResult['configs'][number] {
  const source = version >= 1 ? SOURCE_NAMES.get(c.configSource) : undefined
  return {
    name: c.name,
    value: c.value,
    // v1+ reports a source instead; for a topic, only DYNAMIC_TOPIC_CONFIG (1) was set on the topic.
    isDefault: version === 0 ? c.isDefault : c.configSource !== 1,
    readOnly: c.readOnly,
    source,
    type: version >= 3 ? TYPE_NAMES.get(c.configType) : undefined,
    synonyms:
      version >= 1
        ? c.synonyms.flatMap((s) => {
            const source = SOURCE_NAMES.get(s.source)
            return source ? [{ name: s.name, value: s.value, source }] : []
          })
        : undefined,
  }
}

export type { KafkaProtocolServiceOptions } from './client-cluster.ts'

export class KafkaProtocolService extends KafkaGroupClient implements BrokerService {
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

  /** IncrementalAlterConfigs (KIP-339) or AlterConfigs, to the controller as Kafka's admin does. */
  async alterConfigs(req: AlterConfigsRequest): Promise<TopicResult[]> {
    const resources = req.topics.map((t) => ({
      resourceType: RESOURCE_TOPIC,
      resourceName: t.name,
      configs: t.configs.map((c) => ({
        name: c.name,
        value: c.value,
        configOperation: CONFIG_OPS.indexOf(c.op ?? 'set'),
      })),
    }))
    const validateOnly = req.validateOnly ?? false
    const node = await this.controller()
    const { res } = req.incremental
      ? await this.call(node, 44, () => ({ resources, validateOnly }))
      : await this.call(node, 33, () => ({ resources, validateOnly }))
    return res.responses.map((r) => ({
      name: r.resourceName,
      errorCode: r.errorCode,
      errorMessage: r.errorMessage,
    }))
  }

  async describeConfigs(topics: string[]): Promise<DescribeConfigsResult[]> {
    const { version, res } = await this.call(BOOTSTRAP, 32, () => ({
      resources: topics.map((name) => ({ resourceType: 2, resourceName: name, configurationKeys: null })),
      includeSynonyms: true,
    }))
    return res.results.map((r) => ({
      name: r.resourceName,
      errorCode: r.errorCode,
      configs: r.configs.map((c) => describedOf(c, version)),
    }))
  }

  /** The broker resource of `scope`: this cluster's controller by its id, or "" for the cluster default. */
  private async brokerResource(scope: BrokerConfigScope): Promise<{ node: number; name: string }> {
    const node = await this.controller()
    if (scope === 'default') return { node, name: '' }
    const meta = await this.metadata({ topics: [] })
    const id = meta.controllerId >= 0 ? meta.controllerId : meta.brokers[0]?.nodeId
    if (id === undefined) throw new BrookError('BROKER_NOT_AVAILABLE', 'the cluster lists no broker')
    return { node, name: String(id) }
  }

  async describeBrokerConfigs(scope: BrokerConfigScope): Promise<DescribedConfig[]> {
    const { node, name } = await this.brokerResource(scope)
    const { version, res } = await this.call(node, 32, () => ({
      resources: [{ resourceType: RESOURCE_BROKER, resourceName: name, configurationKeys: null }],
      includeSynonyms: true,
    }))
    const r = res.results[0]
    if (!r) throw new BrookError('UNKNOWN_SERVER_ERROR', 'DescribeConfigs answered no resource')
    if (r.errorCode !== 0) throw BrookError.fromCode(r.errorCode, r.errorMessage ?? undefined)
    return r.configs.map((c) => {
      const d = describedOf(c, version)
      return {
        ...d,
        isDefault: d.source ? d.source === 'DEFAULT_CONFIG' : c.isDefault,
        source: d.source ?? 'STATIC_BROKER_CONFIG',
        type: d.type ?? 'STRING',
        synonyms: d.synonyms ?? [],
      }
    })
  }

  async alterBrokerConfigs(
    req: BrokerConfigAlteration,
  ): Promise<{ errorCode: number; errorMessage: string | null }> {
    const { node, name } = await this.brokerResource(req.scope)
    const resources = [
      {
        resourceType: RESOURCE_BROKER,
        resourceName: name,
        configs: req.configs.map((c) => ({
          name: c.name,
          value: c.value,
          configOperation: CONFIG_OPS.indexOf(c.op ?? 'set'),
        })),
      },
    ]
    const validateOnly = req.validateOnly ?? false
    const { res } = req.incremental
      ? await this.call(node, 44, () => ({ resources, validateOnly }))
      : await this.call(node, 33, () => ({ resources, validateOnly }))
    const r = res.responses[0]
    return { errorCode: r?.errorCode ?? -1, errorMessage: r?.errorMessage ?? null }
  }

  // ---- records ----

  async produce(req: ProduceRequest): Promise<ProduceResponse> {
    return this.perLeader(req.topics, async (nodeId, topics) => {
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
    })
  }

  async fetch(req: FetchRequest): Promise<FetchResponse> {
    return this.perLeader(req.topics, async (nodeId, topics) => {
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
    })
  }

  async listOffsets(req: ListOffsetsRequest): Promise<ListOffsetsResponse> {
    return this.perLeader(req.topics, async (nodeId, topics) => {
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
    })
  }

  async deleteRecords(req: DeleteRecordsRequest): Promise<DeleteRecordsResponse> {
    return this.perLeader(req.topics, async (nodeId, topics) => {
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
    })
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

  // ---- ACLs ----

  async describeAcls(filter: AclFilter): Promise<AclDescribeResult> {
    const { res } = await this.call(await this.controller(), 29, () => ({
      resourceTypeFilter: filter.resourceType,
      resourceNameFilter: filter.resourceName,
      patternTypeFilter: filter.patternType,
      principalFilter: filter.principal,
      hostFilter: filter.host,
      operation: filter.operation,
      permissionType: filter.permissionType,
    }))
    return {
      errorCode: res.errorCode,
      errorMessage: res.errorMessage,
      acls: res.resources.flatMap((r) =>
        r.acls.map((a) => ({
          resourceType: r.resourceType,
          resourceName: r.resourceName,
          patternType: r.patternType,
          principal: a.principal,
          host: a.host,
          operation: a.operation,
          permissionType: a.permissionType,
        })),
      ),
    }
  }

  async createAcls(bindings: AclBinding[]): Promise<AclCreateResult[]> {
    const { res } = await this.call(await this.controller(), 30, () => ({
      creations: bindings.map((b) => ({
        resourceType: b.resourceType,
        resourceName: b.resourceName,
        resourcePatternType: b.patternType,
        principal: b.principal,
        host: b.host,
        operation: b.operation,
        permissionType: b.permissionType,
      })),
    }))
    return res.results.map((r) => ({ errorCode: r.errorCode, errorMessage: r.errorMessage }))
  }

  async deleteAcls(filters: AclFilter[]): Promise<AclDeleteResult[]> {
    const { res } = await this.call(await this.controller(), 31, () => ({
      filters: filters.map((f) => ({
        resourceTypeFilter: f.resourceType,
        resourceNameFilter: f.resourceName,
        patternTypeFilter: f.patternType,
        principalFilter: f.principal,
        hostFilter: f.host,
        operation: f.operation,
        permissionType: f.permissionType,
      })),
    }))
    return res.filterResults.map((r) => ({
      errorCode: r.errorCode,
      errorMessage: r.errorMessage,
      deleted: r.matchingAcls.map((a) => ({
        resourceType: a.resourceType,
        resourceName: a.resourceName,
        patternType: a.patternType,
        principal: a.principal,
        host: a.host,
        operation: a.operation,
        permissionType: a.permissionType,
      })),
    }))
  }
}
