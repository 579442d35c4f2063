/**
 * @module The broker's request/response surface: what every transport carries and what the
 * client calls. Shapes follow Kafka's requests (camelCase, per-partition `errorCode`s) so that the
 * Kafka wire adapter is a field mapping, and the in-process, Worker and WebSocket transports all
 * carry the same calls. Request-level failures throw `BrookError`; per-partition failures come
 * back as an `errorCode` beside the partition, as in Kafka.
 */

import type { AclBinding, AclFilter } from './acl.ts'
import type { ConfigSource, ConfigSynonym, ConfigType, DescribedConfig } from './broker-config.ts'
import type { BrokerConfigAlteration, BrokerConfigScope } from './dynamic-configs.ts'
import type { AlterConfigOp } from './topic-config.ts'

export type {
  AclBinding,
  AclFilter,
  AlterConfigOp,
  BrokerConfigAlteration,
  BrokerConfigScope,
  ConfigSource,
  ConfigSynonym,
  ConfigType,
  DescribedConfig,
}

export type Acks = -1 | 0 | 1

export interface TopicConfigEntry {
  name: string
  value: string | null
}

// ---- Metadata ----
export interface MetadataRequest {
  /** null = all topics; [] = none (brokers only). */
  topics: string[] | null
  allowAutoTopicCreation?: boolean
}
export interface BrokerInfo {
  nodeId: number
  host: string
  port: number
}
export interface PartitionMetadata {
  errorCode: number
  partition: number
  leader: number
  replicas: number[]
  isr: number[]
}
export interface TopicMetadata {
  errorCode: number
  name: string
  topicId: string
  isInternal: boolean
  partitions: PartitionMetadata[]
}
export interface MetadataResponse {
  brokers: BrokerInfo[]
  clusterId: string
  controllerId: number
  topics: TopicMetadata[]
}

// ---- Topics ----
export interface CreateTopicRequest {
  name: string
  /** -1 or undefined = the broker's default (`num.partitions`). */
  numPartitions?: number
  configs?: Record<string, string>
}
export interface CreateTopicsRequest {
  topics: CreateTopicRequest[]
  validateOnly?: boolean
}
export interface TopicResult {
  name: string
  errorCode: number
  errorMessage?: string | null
}
export interface CreatePartitionsRequest {
  topics: { name: string; count: number }[]
  validateOnly?: boolean
}
export interface DescribeConfigsResult {
  name: string
  errorCode: number
  /** Where source, type and synonyms are absent (a service that does not know them), Kafka's UNKNOWN. */
  configs: ({ name: string; value: string | null; isDefault: boolean; readOnly: boolean } & Partial<
    Pick<DescribedConfig, 'source' | 'type' | 'synonyms'>
  >)[]
}

// ---- Produce ----
export interface ProduceRequest {
  acks: Acks
  timeoutMs: number
  /**
   * brook only, never on the wire (the sync download): a batch whose base offset is past the log
   * end keeps it, leaving a gap, as a follower replica's append does — so a downloaded topic has
   * the relay's offsets. A batch behind the log end gets the next offset as usual.
   */
  keepOffsets?: boolean
  topics: {
    name: string
    partitions: {
      partition: number
      /** One or more concatenated RecordBatch v2 (as on the wire). */
      records: Uint8Array
    }[]
  }[]
}
export interface ProducePartitionResult {
  partition: number
  errorCode: number
  errorMessage?: string | null
  baseOffset: number
  /** -1 unless the topic uses LogAppendTime. */
  logAppendTimeMs: number
  logStartOffset: number
}
export interface ProduceResponse {
  topics: { name: string; partitions: ProducePartitionResult[] }[]
  /** Set when a quota held the request back: how long the client should wait. */
  throttleTimeMs?: number
}

// ---- Fetch ----
export interface FetchRequest {
  maxWaitMs: number
  minBytes: number
  maxBytes: number
  /** 0 = read_uncommitted, 1 = read_committed (identical here: brook has no transactions yet). */
  isolationLevel?: number
  topics: {
    name: string
    /**
     * The id the client knows the topic by (Fetch v13+): a topic that now has another id (deleted
     * and made again) answers UNKNOWN_TOPIC_ID instead of serving the new topic's records.
     */
    topicId?: string
    partitions: { partition: number; fetchOffset: number; partitionMaxBytes: number }[]
  }[]
}
export interface FetchPartitionResult {
  partition: number
  errorCode: number
  highWatermark: number
  lastStableOffset: number
  logStartOffset: number
  /** Whole batches, concatenated; may start before `fetchOffset` (the batch containing it). */
  records: Uint8Array
}
export interface FetchResponse {
  topics: { name: string; partitions: FetchPartitionResult[] }[]
}

// ---- ListOffsets ----
/** Kafka's special timestamps. */
export const LATEST_TIMESTAMP = -1
export const EARLIEST_TIMESTAMP = -2
export const MAX_TIMESTAMP = -3
export interface ListOffsetsRequest {
  isolationLevel?: number
  topics: { name: string; partitions: { partition: number; timestamp: number }[] }[]
}
export interface ListOffsetsResponse {
  topics: {
    name: string
    partitions: { partition: number; errorCode: number; timestamp: number; offset: number }[]
  }[]
}

// ---- DeleteRecords ----
export interface DeleteRecordsRequest {
  topics: { name: string; partitions: { partition: number; offset: number }[] }[]
}
export interface DeleteRecordsResponse {
  topics: { name: string; partitions: { partition: number; errorCode: number; lowWatermark: number }[] }[]
}

// ---- Producers ----
export interface InitProducerIdRequest {
  transactionalId?: string | null
  transactionTimeoutMs?: number
  /** For KIP-360 epoch bumps: the current id and epoch, or -1. */
  producerId?: number
  producerEpoch?: number
}
export interface InitProducerIdResponse {
  errorCode: number
  producerId: number
  producerEpoch: number
}

// ---- Groups ----
export interface JoinGroupRequest {
  groupId: string
  sessionTimeoutMs: number
  rebalanceTimeoutMs: number
  /** '' for a new member. */
  memberId: string
  groupInstanceId?: string | null
  protocolType: string
  protocols: { name: string; metadata: Uint8Array }[]
  /** True when the client understands MEMBER_ID_REQUIRED (JoinGroup v4+). */
  requireKnownMemberId?: boolean
  clientId?: string
  clientHost?: string
}
export interface JoinGroupResponse {
  errorCode: number
  generationId: number
  protocolType: string | null
  protocolName: string | null
  leader: string
  memberId: string
  /** Filled for the leader only. */
  members: { memberId: string; groupInstanceId: string | null; metadata: Uint8Array }[]
}
export interface SyncGroupRequest {
  groupId: string
  generationId: number
  memberId: string
  groupInstanceId?: string | null
  protocolType?: string | null
  protocolName?: string | null
  /** Sent by the leader only. */
  assignments: { memberId: string; assignment: Uint8Array }[]
}
export interface SyncGroupResponse {
  errorCode: number
  protocolType?: string | null
  protocolName?: string | null
  assignment: Uint8Array
}
export interface HeartbeatRequest {
  groupId: string
  generationId: number
  memberId: string
  groupInstanceId?: string | null
}
export interface LeaveGroupRequest {
  groupId: string
  members: { memberId: string; groupInstanceId?: string | null }[]
}
export interface OffsetCommitRequest {
  groupId: string
  /** -1 with memberId '' for a commit outside group management (simple consumer / admin). */
  generationId: number
  memberId: string
  groupInstanceId?: string | null
  topics: {
    name: string
    partitions: { partition: number; offset: number; metadata?: string | null }[]
  }[]
}
export interface OffsetCommitResponse {
  topics: { name: string; partitions: { partition: number; errorCode: number }[] }[]
}
export interface OffsetFetchRequest {
  groupId: string
  /** null = every partition the group has committed. */
  topics: { name: string; partitions: number[] }[] | null
}
export interface OffsetFetchResponse {
  errorCode: number
  topics: {
    name: string
    partitions: { partition: number; offset: number; metadata: string | null; errorCode: number }[]
  }[]
}
export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead'
export interface ListGroupsResponse {
  errorCode: number
  groups: { groupId: string; protocolType: string; state: GroupState }[]
}
export interface DescribedGroup {
  errorCode: number
  groupId: string
  state: GroupState
  protocolType: string
  protocol: string
  members: {
    memberId: string
    groupInstanceId: string | null
    clientId: string
    clientHost: string
    metadata: Uint8Array
    assignment: Uint8Array
  }[]
}

/**
 * Everything a client can ask a broker. Implemented by `Broker` in core (in-process) and by each
 * remote transport (Worker, Kafka over TCP, Kafka over WebSocket).
 */
// ---- AlterConfigs / IncrementalAlterConfigs ----
export interface AlterConfigsRequest {
  /**
   * true: IncrementalAlterConfigs — each entry is set, deleted, appended to or subtracted from.
   * false: AlterConfigs — the entries replace the topic's explicit configs (one left out goes back
   * to its default).
   */
  incremental: boolean
  validateOnly?: boolean
  topics: {
    name: string
    configs: { name: string; value: string | null; op?: AlterConfigOp }[]
  }[]
}

// ---- ACLs (CreateAcls / DescribeAcls / DeleteAcls) ----
export interface AclCreateResult {
  errorCode: number
  errorMessage: string | null
}
export interface AclDescribeResult {
  errorCode: number
  errorMessage: string | null
  acls: AclBinding[]
}
export interface AclDeleteResult {
  errorCode: number
  errorMessage: string | null
  deleted: AclBinding[]
}

export interface BrokerService {
  metadata(req: MetadataRequest): Promise<MetadataResponse>
  createTopics(req: CreateTopicsRequest): Promise<TopicResult[]>
  deleteTopics(names: string[]): Promise<TopicResult[]>
  createPartitions(req: CreatePartitionsRequest): Promise<TopicResult[]>
  describeConfigs(topics: string[]): Promise<DescribeConfigsResult[]>
  alterConfigs(req: AlterConfigsRequest): Promise<TopicResult[]>
  produce(req: ProduceRequest): Promise<ProduceResponse>
  fetch(req: FetchRequest): Promise<FetchResponse>
  listOffsets(req: ListOffsetsRequest): Promise<ListOffsetsResponse>
  deleteRecords(req: DeleteRecordsRequest): Promise<DeleteRecordsResponse>
  initProducerId(req: InitProducerIdRequest): Promise<InitProducerIdResponse>

  findCoordinator(groupId: string): Promise<{ errorCode: number; nodeId: number; host: string; port: number }>
  joinGroup(req: JoinGroupRequest): Promise<JoinGroupResponse>
  syncGroup(req: SyncGroupRequest): Promise<SyncGroupResponse>
  heartbeat(req: HeartbeatRequest): Promise<{ errorCode: number }>
  leaveGroup(
    req: LeaveGroupRequest,
  ): Promise<{ errorCode: number; members: { memberId: string; errorCode: number }[] }>
  offsetCommit(req: OffsetCommitRequest): Promise<OffsetCommitResponse>
  offsetFetch(req: OffsetFetchRequest): Promise<OffsetFetchResponse>
  listGroups(): Promise<ListGroupsResponse>
  describeGroups(groupIds: string[]): Promise<DescribedGroup[]>
  deleteGroups(groupIds: string[]): Promise<{ groupId: string; errorCode: number }[]>

  /** ACLs, where the service keeps them (the broker, and what reaches one); absent: SECURITY_DISABLED. */
  createAcls?(bindings: AclBinding[]): Promise<AclCreateResult[]>
  describeAcls?(filter: AclFilter): Promise<AclDescribeResult>
  deleteAcls?(filters: AclFilter[]): Promise<AclDeleteResult[]>

  /**
   * Broker configs, where the service has them (a broker, and what reaches one): describe this
   * broker's (`broker`) or the cluster-wide dynamic defaults (`default`), and change the dynamic
   * ones. Absent: a broker resource gets no configs, and altering one is INVALID_REQUEST.
   */
  describeBrokerConfigs?(scope: BrokerConfigScope): Promise<DescribedConfig[]>
  alterBrokerConfigs?(
    req: BrokerConfigAlteration,
  ): Promise<{ errorCode: number; errorMessage: string | null }>

  /**
   * Optional push, where the transport can carry one (in-process, the browser worker; Kafka's
   * protocol cannot): `listener` gets the id of every group that starts a rebalance, so its members
   * heartbeat — and rejoin — at once instead of at their next heartbeat; `null` means every group
   * (a new broker took over and knows no member). Returns an unsubscribe.
   */
  onGroupRebalance?(listener: (groupId: string | null) => void): () => void
}

/** The methods of `BrokerService` every broker has, for transports that forward calls by name. */
export const SERVICE_METHODS = [
  'metadata',
  'createTopics',
  'deleteTopics',
  'createPartitions',
  'describeConfigs',
  'alterConfigs',
  'produce',
  'fetch',
  'listOffsets',
  'deleteRecords',
  'initProducerId',
  'findCoordinator',
  'joinGroup',
  'syncGroup',
  'heartbeat',
  'leaveGroup',
  'offsetCommit',
  'offsetFetch',
  'listGroups',
  'describeGroups',
  'deleteGroups',
] as const satisfies readonly (keyof BrokerService)[]

/** The ACL methods, which a broker may leave out. */
export const ACL_METHODS = [
  'createAcls',
  'describeAcls',
  'deleteAcls',
] as const satisfies readonly (keyof BrokerService)[]
