/** @module The edge app, runtime-neutral: what Node and Cloudflare Workers wire to their servers. */

export type { EdgeApp, EdgeAppOptions } from './app.ts'
export { createEdgeApp } from './app.ts'
export type { EdgeAuth, JwtAuth } from './auth.ts'
export { ANONYMOUS } from './auth.ts'
export { HttpError } from './http-errors.ts'
export type { EdgeLimits } from './limits.ts'
export { DEFAULT_LIMITS } from './limits.ts'
export type { GroupLagSample } from './metrics.ts'
export { Metrics } from './metrics.ts'
export type { JsonRecordIn, JsonRecordOut, ValueFormat } from './records-json.ts'
export { RECORD_BATCH_TYPE } from './records-json.ts'
