/**
 * @module `brook/cloudflare`: brook on Cloudflare Workers. A deployment's worker module is
 * `export { default, BrookCoordinator, BrookPartition, BrookGateway, BrookStreams } from 'brook/cloudflare'`
 * with wrangler.toml binding the four Durable Object classes (see docs/cloudflare.md).
 */

export type { KafkaErrorName } from '../../core/errors.ts'
export {
  BrookError,
  errorCode,
  errorName,
  isBrookError,
  isRetriable,
  KAFKA_ERRORS,
} from '../../core/errors.ts'
export type { BrookEnv } from './cluster.ts'
export { clusterService } from './cluster.ts'
export { DurableObjectStore } from './do-store.ts'
export { BrookCoordinator, BrookGateway, BrookPartition, BrookStreams } from './objects.ts'
export { default } from './worker.ts'
