/** @module brook's portable core: the public API. Explicit named exports only. */

export type { Clock } from './clock.ts'
export { ManualClock, systemClock } from './clock.ts'
export type { Codec, CompressionCode, CompressionName } from './compression.ts'
export { Compression, registerCodec } from './compression.ts'
export { crc32c } from './crc32c.ts'
export type { KafkaErrorName } from './errors.ts'
export { BrookError, errorCode, errorName, isBrookError, isRetriable, KAFKA_ERRORS } from './errors.ts'
export type { BatchHeader, BatchInput, Record, RecordHeader, RecordInput } from './record-batch.ts'
export {
  decodeRecords,
  decodeRecordsAsync,
  encodeBatch,
  encodeBatchAsync,
  readBatchHeader,
  setBaseOffset,
  splitBatches,
  verifyBatch,
} from './record-batch.ts'
export type * from './service.ts'
export { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, MAX_TIMESTAMP } from './service.ts'
export type { Json, Store } from './store.ts'
