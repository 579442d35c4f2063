/**
 * @module How the relay's HTTP doors report failure: a JSON body `{ error, message }` whose `error`
 * is the Kafka error code name (the same name a Kafka client would see), and the HTTP status that
 * fits it.
 */

import { BrookError, errorDetail, errorName, type KafkaErrorName } from '../../core/errors.ts'

const STATUS: Partial<Record<KafkaErrorName, number>> = {
  UNKNOWN_TOPIC_OR_PARTITION: 404,
  GROUP_ID_NOT_FOUND: 404,
  TOPIC_ALREADY_EXISTS: 409,
  NON_EMPTY_GROUP: 409,
  OFFSET_OUT_OF_RANGE: 416,
  MESSAGE_TOO_LARGE: 413,
  RECORD_LIST_TOO_LARGE: 413,
  POLICY_VIOLATION: 400,
  TOPIC_AUTHORIZATION_FAILED: 403,
  GROUP_AUTHORIZATION_FAILED: 403,
  CLUSTER_AUTHORIZATION_FAILED: 403,
  SASL_AUTHENTICATION_FAILED: 401,
  THROTTLING_QUOTA_EXCEEDED: 429,
  REQUEST_TIMED_OUT: 504,
  UNKNOWN_SERVER_ERROR: 500,
  KAFKA_STORAGE_ERROR: 500,
  BROKER_NOT_AVAILABLE: 503,
  NOT_COORDINATOR: 503,
  COORDINATOR_NOT_AVAILABLE: 503,
  COORDINATOR_LOAD_IN_PROGRESS: 503,
}

/** A failure to answer with: the Kafka name, the HTTP status, a message for people. */
export class HttpError extends Error {
  constructor(
    readonly error: KafkaErrorName,
    message: string,
    readonly status: number = STATUS[error] ?? 400,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
  }
}

/** A bad request: INVALID_REQUEST with this message. */
export function badRequest(message: string): HttpError {
  return new HttpError('INVALID_REQUEST', message, 400)
}

/** Throws the HttpError for a non-zero Kafka error code in a broker answer. */
export function throwIfKafkaError(code: number, message?: string | null): void {
  if (code === 0) return
  const name = errorName(code)
  throw new HttpError(name, message || `${name}`)
}

export function toHttpError(e: unknown): HttpError {
  if (e instanceof HttpError) return e
  if (e instanceof BrookError) return new HttpError(e.type, errorDetail(e))
  return new HttpError('UNKNOWN_SERVER_ERROR', 'the relay failed to answer', 500)
}
