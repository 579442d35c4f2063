/** @module brook's portable core: the public API. Explicit named exports only. */

export type { AclBinding, AclFilter } from './acl.ts'
export { AclOperations, CLUSTER_NAME, PatternTypes, PermissionTypes, ResourceTypes } from './acl.ts'
export type { AuthorizerOptions } from './authorizer.ts'
export { Authorizer } from './authorizer.ts'
export type { BrokerOptions } from './broker.ts'
export { Broker } from './broker.ts'
export type { Assignor, AssignorMember, GroupAssignment } from './client/assignors.ts'
export {
  computeLag,
  DEFAULT_ASSIGNORS,
  rangeAssignor,
  roundRobinAssignor,
  toTopicPartitions,
} from './client/assignors.ts'
export type {
  AclEntry,
  AclEntryFilter,
  AclGrant,
  AlteredResource,
  Batch,
  BrookConfig,
  ConsumerConfig,
  ConsumerRunConfig,
  ConsumerSubscribeTopic,
  ConsumerSubscribeTopics,
  EachBatchHandler,
  EachBatchPayload,
  EachMessageHandler,
  EachMessagePayload,
  GroupDescription,
  GroupMemberDescription,
  GroupPartitionOffset,
  HeadersInput,
  ITopicConfig,
  KafkaMessage,
  Logger,
  Message,
  PartitionAssigner,
  PartitionOffsets,
  ProducerBatch,
  ProducerConfig,
  ProducerRecord,
  RecordMetadata,
  RelayBrook,
  RelayConnectOptions,
  RetryOptions,
  TopicMessages,
  TopicPartitionOffset,
  TopicPartitionOffsetAndMetadata,
} from './client/index.ts'
export {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Admin,
  Brook,
  CONSUMER_EVENTS,
  ConfigResourceTypes,
  Consumer,
  connect,
  connectInProcess,
  createBrook,
  PartitionAssigners,
  PRODUCER_EVENTS,
  Producer,
  ResourcePatternTypes,
} from './client/index.ts'
export type { Clock } from './clock.ts'
export { ManualClock, systemClock } from './clock.ts'
export type { KafkaErrorName } from './errors.ts'
export { BrookError, errorCode, errorName, isBrookError, isRetriable, KAFKA_ERRORS } from './errors.ts'
export type { Codec, CompressionCode, CompressionName } from './format/compression.ts'
export { Compression, registerCodec } from './format/compression.ts'
export type { Assignment, Subscription, TopicPartitions } from './format/consumer-protocol.ts'
export {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from './format/consumer-protocol.ts'
export { crc32c } from './format/crc32c.ts'
export type { BatchHeader, BatchInput, Record, RecordHeader, RecordInput } from './format/record-batch.ts'
export {
  decodeRecords,
  decodeRecordsAsync,
  encodeBatch,
  encodeBatchAsync,
  readBatchHeader,
  setBaseOffset,
  splitBatches,
  verifyBatch,
} from './format/record-batch.ts'
export type { GroupCoordinatorOptions } from './group-coordinator.ts'
export { GroupCoordinator } from './group-coordinator.ts'
export type { Log, LogLevel } from './log.ts'
export { LOG_LEVELS, logAtLevel, parseLogLevel } from './log.ts'
export { MemoryStore } from './memory-store.ts'
export type { AppendResult, PartitionLogOptions, RetentionPolicy } from './partition-log.ts'
export { PartitionLog } from './partition-log.ts'
export { murmur2, partitionForKey, StickyPartitioner, toPositive } from './partitioner.ts'
export type { ReconnectOptions, WebSocketConstructor, WebSocketLike } from './protocol/client-websocket.ts'
export { RelayConnection, relaySocketUrl } from './protocol/client-websocket.ts'
export type { FrameTransport, KafkaConnection, KafkaProtocolServiceOptions } from './protocol/index.ts'
export {
  API_KEYS,
  decodeRequest,
  decodeRequestHeader,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  FrameConnection,
  frame,
  KafkaProtocolService,
  supportedVersions,
} from './protocol/index.ts'
export { RelayReachability, type RelayReachabilityOptions } from './protocol/relay-reachability.ts'
export type { KafkaAuth, KafkaHandlerOptions, KafkaSession } from './protocol/server.ts'
export { createKafkaHandler, KafkaConnectionError, SUPPORTED_APIS } from './protocol/server.ts'
export type { PrincipalPolicy, QuotaOptions } from './quotas.ts'
export { ConnectionLimiter, ProduceQuota, principalService } from './quotas.ts'
export type * from './service.ts'
export { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, MAX_TIMESTAMP } from './service.ts'
export type { Json, Store } from './store.ts'
export type { LogConfig } from './topic-config.ts'
export { TOPIC_CONFIGS, validateTopicName } from './topic-config.ts'
