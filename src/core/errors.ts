/** @module Kafka error codes and brook's one error class. Codes from Kafka's `Errors.java`. */

interface ErrorSpec {
  readonly code: number
  readonly retriable: boolean
  readonly message: string
}

export const KAFKA_ERRORS = {
  UNKNOWN_SERVER_ERROR: { code: -1, retriable: false, message: 'The server experienced an unexpected error' },
  NONE: { code: 0, retriable: false, message: '' },
  OFFSET_OUT_OF_RANGE: {
    code: 1,
    retriable: false,
    message: 'The requested offset is outside the range held',
  },
  CORRUPT_MESSAGE: { code: 2, retriable: true, message: 'The message failed its CRC check or is malformed' },
  UNKNOWN_TOPIC_OR_PARTITION: { code: 3, retriable: true, message: 'This topic or partition does not exist' },
  INVALID_FETCH_SIZE: { code: 4, retriable: false, message: 'The requested fetch size is invalid' },
  LEADER_NOT_AVAILABLE: { code: 5, retriable: true, message: 'There is no leader for this partition yet' },
  NOT_LEADER_OR_FOLLOWER: {
    code: 6,
    retriable: true,
    message: 'This broker is not the leader for that partition',
  },
  REQUEST_TIMED_OUT: { code: 7, retriable: true, message: 'The request timed out' },
  BROKER_NOT_AVAILABLE: { code: 8, retriable: false, message: 'The broker is not available' },
  REPLICA_NOT_AVAILABLE: { code: 9, retriable: true, message: 'The replica is not available' },
  MESSAGE_TOO_LARGE: {
    code: 10,
    retriable: false,
    message: 'The record batch is larger than max.message.bytes',
  },
  STALE_CONTROLLER_EPOCH: { code: 11, retriable: false, message: 'The controller moved to another broker' },
  OFFSET_METADATA_TOO_LARGE: {
    code: 12,
    retriable: false,
    message: 'The offset commit metadata is too large',
  },
  NETWORK_EXCEPTION: {
    code: 13,
    retriable: true,
    message: 'The connection closed before a response arrived',
  },
  COORDINATOR_LOAD_IN_PROGRESS: { code: 14, retriable: true, message: 'The coordinator is loading' },
  COORDINATOR_NOT_AVAILABLE: { code: 15, retriable: true, message: 'The coordinator is not available' },
  NOT_COORDINATOR: { code: 16, retriable: true, message: 'This is not the coordinator for that group' },
  INVALID_TOPIC_EXCEPTION: { code: 17, retriable: false, message: 'The topic name is invalid' },
  RECORD_LIST_TOO_LARGE: {
    code: 18,
    retriable: false,
    message: 'The record list is larger than the segment size',
  },
  NOT_ENOUGH_REPLICAS: { code: 19, retriable: true, message: 'Not enough in-sync replicas' },
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: {
    code: 20,
    retriable: true,
    message: 'Written with fewer replicas than required',
  },
  INVALID_REQUIRED_ACKS: { code: 21, retriable: false, message: 'acks must be -1, 0 or 1' },
  ILLEGAL_GENERATION: {
    code: 22,
    retriable: false,
    message: 'The generation id is not current for this group',
  },
  INCONSISTENT_GROUP_PROTOCOL: { code: 23, retriable: false, message: 'The group protocol does not match' },
  INVALID_GROUP_ID: { code: 24, retriable: false, message: 'The group id is invalid' },
  UNKNOWN_MEMBER_ID: { code: 25, retriable: false, message: 'The member id is not known to the coordinator' },
  INVALID_SESSION_TIMEOUT: { code: 26, retriable: false, message: 'The session timeout is out of range' },
  REBALANCE_IN_PROGRESS: { code: 27, retriable: false, message: 'The group is rebalancing; rejoin' },
  INVALID_COMMIT_OFFSET_SIZE: {
    code: 28,
    retriable: false,
    message: 'The committing offset data size is invalid',
  },
  TOPIC_AUTHORIZATION_FAILED: { code: 29, retriable: false, message: 'Not authorized to access this topic' },
  GROUP_AUTHORIZATION_FAILED: { code: 30, retriable: false, message: 'Not authorized to access this group' },
  CLUSTER_AUTHORIZATION_FAILED: {
    code: 31,
    retriable: false,
    message: 'Not authorized for this cluster action',
  },
  INVALID_TIMESTAMP: { code: 32, retriable: false, message: 'The timestamp is out of the accepted range' },
  UNSUPPORTED_SASL_MECHANISM: { code: 33, retriable: false, message: 'The SASL mechanism is not supported' },
  ILLEGAL_SASL_STATE: { code: 34, retriable: false, message: 'This request is not valid in the SASL state' },
  UNSUPPORTED_VERSION: { code: 35, retriable: false, message: 'This API version is not supported' },
  TOPIC_ALREADY_EXISTS: { code: 36, retriable: false, message: 'The topic already exists' },
  INVALID_PARTITIONS: { code: 37, retriable: false, message: 'The number of partitions is invalid' },
  INVALID_REPLICATION_FACTOR: { code: 38, retriable: false, message: 'The replication factor is invalid' },
  INVALID_REPLICA_ASSIGNMENT: { code: 39, retriable: false, message: 'The replica assignment is invalid' },
  INVALID_CONFIG: { code: 40, retriable: false, message: 'The configuration is invalid' },
  NOT_CONTROLLER: { code: 41, retriable: true, message: 'This is not the controller' },
  INVALID_REQUEST: { code: 42, retriable: false, message: 'The request is malformed or not valid here' },
  UNSUPPORTED_FOR_MESSAGE_FORMAT: {
    code: 43,
    retriable: false,
    message: 'The message format does not support this',
  },
  POLICY_VIOLATION: { code: 44, retriable: false, message: 'The request breaks a configured policy' },
  OUT_OF_ORDER_SEQUENCE_NUMBER: {
    code: 45,
    retriable: false,
    message: 'The producer sequence number is out of order',
  },
  DUPLICATE_SEQUENCE_NUMBER: {
    code: 46,
    retriable: false,
    message: 'The producer sent a duplicate sequence number',
  },
  INVALID_PRODUCER_EPOCH: {
    code: 47,
    retriable: false,
    message: 'The producer epoch is older than the current one',
  },
  INVALID_TXN_STATE: { code: 48, retriable: false, message: 'Invalid transaction state' },
  INVALID_PRODUCER_ID_MAPPING: { code: 49, retriable: false, message: 'Invalid producer id mapping' },
  INVALID_TRANSACTION_TIMEOUT: { code: 50, retriable: false, message: 'Invalid transaction timeout' },
  CONCURRENT_TRANSACTIONS: { code: 51, retriable: true, message: 'Concurrent transactions' },
  TRANSACTION_COORDINATOR_FENCED: { code: 52, retriable: false, message: 'Transaction coordinator fenced' },
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: {
    code: 53,
    retriable: false,
    message: 'Transactional id not authorized',
  },
  SECURITY_DISABLED: { code: 54, retriable: false, message: 'Security features are disabled' },
  OPERATION_NOT_ATTEMPTED: { code: 55, retriable: false, message: 'The operation was not attempted' },
  KAFKA_STORAGE_ERROR: { code: 56, retriable: true, message: 'The storage failed or is full' },
  LOG_DIR_NOT_FOUND: { code: 57, retriable: false, message: 'The log directory was not found' },
  SASL_AUTHENTICATION_FAILED: { code: 58, retriable: false, message: 'SASL authentication failed' },
  UNKNOWN_PRODUCER_ID: { code: 59, retriable: false, message: 'The producer id is not known to the broker' },
  REASSIGNMENT_IN_PROGRESS: {
    code: 60,
    retriable: false,
    message: 'A partition reassignment is in progress',
  },
  DELEGATION_TOKEN_AUTH_DISABLED: { code: 61, retriable: false, message: 'Delegation tokens are disabled' },
  DELEGATION_TOKEN_NOT_FOUND: { code: 62, retriable: false, message: 'Delegation token not found' },
  DELEGATION_TOKEN_OWNER_MISMATCH: { code: 63, retriable: false, message: 'Delegation token owner mismatch' },
  DELEGATION_TOKEN_REQUEST_NOT_ALLOWED: {
    code: 64,
    retriable: false,
    message: 'Delegation token request not allowed',
  },
  DELEGATION_TOKEN_AUTHORIZATION_FAILED: {
    code: 65,
    retriable: false,
    message: 'Delegation token not authorized',
  },
  DELEGATION_TOKEN_EXPIRED: { code: 66, retriable: false, message: 'Delegation token expired' },
  INVALID_PRINCIPAL_TYPE: { code: 67, retriable: false, message: 'Invalid principal type' },
  NON_EMPTY_GROUP: { code: 68, retriable: false, message: 'The group is not empty' },
  GROUP_ID_NOT_FOUND: { code: 69, retriable: false, message: 'The group id does not exist' },
  FETCH_SESSION_ID_NOT_FOUND: { code: 70, retriable: true, message: 'The fetch session id was not found' },
  INVALID_FETCH_SESSION_EPOCH: { code: 71, retriable: true, message: 'The fetch session epoch is invalid' },
  LISTENER_NOT_FOUND: { code: 72, retriable: true, message: 'The listener was not found' },
  TOPIC_DELETION_DISABLED: { code: 73, retriable: false, message: 'Topic deletion is disabled' },
  FENCED_LEADER_EPOCH: { code: 74, retriable: true, message: 'The leader epoch is older than the broker’s' },
  UNKNOWN_LEADER_EPOCH: { code: 75, retriable: true, message: 'The leader epoch is newer than the broker’s' },
  UNSUPPORTED_COMPRESSION_TYPE: {
    code: 76,
    retriable: false,
    message: 'The compression codec is not supported',
  },
  STALE_BROKER_EPOCH: { code: 77, retriable: false, message: 'Stale broker epoch' },
  OFFSET_NOT_AVAILABLE: { code: 78, retriable: true, message: 'The offset is not available yet' },
  MEMBER_ID_REQUIRED: {
    code: 79,
    retriable: false,
    message: 'The group member needs a member id; rejoin with it',
  },
  PREFERRED_LEADER_NOT_AVAILABLE: { code: 80, retriable: true, message: 'Preferred leader not available' },
  GROUP_MAX_SIZE_REACHED: { code: 81, retriable: false, message: 'The group is at its maximum size' },
  FENCED_INSTANCE_ID: { code: 82, retriable: false, message: 'Another member with this instance id joined' },
  THROTTLING_QUOTA_EXCEEDED: { code: 89, retriable: true, message: 'The throttling quota was exceeded' },
  INVALID_RECORD: { code: 87, retriable: false, message: 'A record failed validation' },
  UNSTABLE_OFFSET_COMMIT: {
    code: 88,
    retriable: true,
    message: 'There are unstable offsets for this partition',
  },
  UNKNOWN_TOPIC_ID: { code: 100, retriable: true, message: 'This server does not host this topic id' },
} as const satisfies Record<string, ErrorSpec>

export type KafkaErrorName = keyof typeof KAFKA_ERRORS

const byCode = new Map<number, KafkaErrorName>(
  (Object.entries(KAFKA_ERRORS) as [KafkaErrorName, ErrorSpec][]).map(([name, spec]) => [spec.code, name]),
)

/** The Kafka error name for a code; `UNKNOWN_SERVER_ERROR` for codes brook does not know. */
export function errorName(code: number): KafkaErrorName {
  return byCode.get(code) ?? 'UNKNOWN_SERVER_ERROR'
}

export function errorCode(name: KafkaErrorName): number {
  return KAFKA_ERRORS[name].code
}

export function isRetriable(codeOrName: number | KafkaErrorName): boolean {
  const name = typeof codeOrName === 'number' ? errorName(codeOrName) : codeOrName
  return KAFKA_ERRORS[name].retriable
}

/**
 * The one error brook throws for anything a user can cause. `type` is Kafka's error name so that
 * code written against kafkajs (`e.type === 'UNKNOWN_TOPIC_OR_PARTITION'`) keeps working.
 */
export class BrookError extends Error {
  readonly type: KafkaErrorName
  readonly code: number
  readonly retriable: boolean
  /**
   * The message without its `TYPE: ` prefix: what goes into a Kafka response's `error_message`,
   * and what a wrapper adds to, so that no message ever reads `TYPE: TYPE: …`.
   */
  readonly detail: string

  constructor(type: KafkaErrorName, detail?: string, options?: ErrorOptions) {
    const spec = KAFKA_ERRORS[type]
    const text = detail || spec.message
    super(`${type}: ${text}`, options)
    this.name = 'BrookError'
    this.type = type
    this.code = spec.code
    this.retriable = spec.retriable
    this.detail = text
  }

  static fromCode(code: number, detail?: string): BrookError {
    return new BrookError(errorName(code), detail)
  }
}

export function isBrookError(e: unknown): e is BrookError {
  return (
    e instanceof BrookError ||
    (typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'BrookError')
  )
}

/**
 * What an error says beyond its Kafka name: a BrookError's `detail` (also for one that lost its
 * class crossing postMessage), otherwise the message.
 */
export function errorDetail(e: unknown): string {
  if (isBrookError(e)) {
    const { detail, type, message } = e as Partial<BrookError> & { message: string }
    if (typeof detail === 'string') return detail
    return type && message.startsWith(`${type}: `) ? message.slice(type.length + 2) : message
  }
  if (e instanceof Error) return e.message
  return String(e)
}

/** Throws a BrookError when `code` is not 0; used by clients reading per-partition results. */
export function throwIfError(code: number, detail?: string): void {
  if (code !== 0) throw BrookError.fromCode(code, detail)
}
