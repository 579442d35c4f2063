/**
 * @module The bridge to another Kafka-protocol cluster: `Mirror` copies matching topics from a source
 * broker to a destination broker exactly once across restarts (mirror.ts explains how).
 */

export type { CopiedBatch } from './convert.ts'
export { copyRecords } from './convert.ts'
export { Mirror, startMirror } from './mirror.ts'
export type {
  MirrorConnection,
  MirrorEndpoint,
  MirrorOptions,
  MirrorPartitionStatus,
  MirrorStatus,
} from './options.ts'
export type { TopicMatcher } from './pattern.ts'
export { topicMatcher } from './pattern.ts'
export type { ResumePoint } from './position.ts'
export { MIRROR_OFFSET_HEADER, mirroredOffset, offsetHeader, readResumePoint } from './position.ts'
