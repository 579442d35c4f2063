/**
 * @module The Kafka APIs brook serves: which keys and versions (`SUPPORTED_APIS`, what ApiVersions
 * advertises) and the handler of each (`API_HANDLERS`), a mapping from a decoded request body
 * (field names as in Kafka's JSON message specs, camelCased) to a `BrokerService` call and back to
 * a response body. The handlers live by concern: server-records, -groups, -topics, -configs, -acls.
 */
import { type ApiHandler, typed } from './api-context.ts'
import { API } from './api-keys.ts'
import { createAcls, deleteAcls, describeAcls } from './server-acls.ts'
import { alterConfigs, describeConfigs } from './server-configs.ts'
import {
  deleteGroups,
  describeGroups,
  findCoordinator,
  heartbeat,
  joinGroup,
  leaveGroup,
  listGroups,
  offsetCommit,
  offsetFetch,
  syncGroup,
} from './server-groups.ts'
import { deleteRecords, fetch, initProducerId, listOffsets, produce } from './server-records.ts'
import { createPartitions, createTopics, deleteTopics, metadata } from './server-topics.ts'

export { type ApiContext, type ApiHandler, type Body, codeOf } from './api-context.ts'
export { API }

/**
 * [min, max] per API key. brook stores only RecordBatch v2 (magic 2). Produce starts at v0 all the
 * same: librdkafka compresses only for a broker whose Produce range starts there, and the message
 * sets of magic 0 and 1 that v0–v2 carry are up-converted (format/legacy-messages.ts). Fetch starts
 * at v4: below it a consumer would need records down-converted to magic 0 or 1.
 * The maxima are those of Kafka 3.9 / 4.0 (clients/src/main/resources/common/message), so that
 * clients written for a current Kafka (@platformatic/kafka, kafka-python 3's version probe) find
 * what they use: topic ids (Fetch v13+, Metadata v10+, CreateTopics v7, DeleteTopics v6), batched
 * FindCoordinator (v4) and OffsetFetch (v8). Left below Kafka's maximum: none of the versions here
 * need KIP-848's consumer protocol (ConsumerGroupHeartbeat), which brook does not serve; the classic
 * group protocol answers OffsetCommit/OffsetFetch v9 as v8, as Kafka does for classic groups.
 */
export const SUPPORTED_APIS: ReadonlyMap<number, readonly [number, number]> = new Map([
  [API.Produce, [0, 11]],
  [API.Fetch, [4, 17]],
  [API.ListOffsets, [0, 10]],
  [API.Metadata, [0, 12]],
  [API.OffsetCommit, [0, 9]],
  [API.OffsetFetch, [0, 9]],
  [API.FindCoordinator, [0, 6]],
  [API.JoinGroup, [0, 9]],
  [API.Heartbeat, [0, 4]],
  [API.LeaveGroup, [0, 5]],
  [API.SyncGroup, [0, 5]],
  [API.DescribeGroups, [0, 5]],
  [API.ListGroups, [0, 5]],
  [API.SaslHandshake, [0, 1]],
  [API.ApiVersions, [0, 4]],
  [API.CreateTopics, [0, 7]],
  [API.DeleteTopics, [0, 6]],
  [API.DeleteRecords, [0, 2]],
  [API.InitProducerId, [0, 5]],
  [API.DescribeAcls, [0, 3]],
  [API.CreateAcls, [0, 3]],
  [API.DeleteAcls, [0, 3]],
  [API.DescribeConfigs, [0, 4]],
  [API.AlterConfigs, [0, 2]],
  [API.SaslAuthenticate, [0, 2]],
  [API.CreatePartitions, [0, 3]],
  [API.DeleteGroups, [0, 2]],
  [API.IncrementalAlterConfigs, [0, 1]],
])

export const API_HANDLERS: ReadonlyMap<number, ApiHandler> = new Map<number, ApiHandler>([
  typed(API.Produce, produce),
  typed(API.Fetch, fetch),
  typed(API.ListOffsets, listOffsets),
  typed(API.Metadata, metadata),
  typed(API.OffsetCommit, offsetCommit),
  typed(API.OffsetFetch, offsetFetch),
  typed(API.FindCoordinator, findCoordinator),
  typed(API.JoinGroup, joinGroup),
  typed(API.Heartbeat, heartbeat),
  typed(API.LeaveGroup, leaveGroup),
  typed(API.SyncGroup, syncGroup),
  typed(API.DescribeGroups, describeGroups),
  typed(API.ListGroups, listGroups),
  typed(API.CreateTopics, createTopics),
  typed(API.DeleteTopics, deleteTopics),
  typed(API.DeleteRecords, deleteRecords),
  typed(API.InitProducerId, initProducerId),
  typed(API.DescribeConfigs, describeConfigs),
  [API.AlterConfigs, alterConfigs(false)],
  [API.IncrementalAlterConfigs, alterConfigs(true)],
  typed(API.CreatePartitions, createPartitions),
  typed(API.DeleteGroups, deleteGroups),
  typed(API.DescribeAcls, describeAcls),
  typed(API.CreateAcls, createAcls),
  typed(API.DeleteAcls, deleteAcls),
])
