/**
 * @module The shape of brook's Kafka message descriptions (see messages.generated.ts). It mirrors Kafka's
 * JSON message specs, with version strings turned into inclusive [min, max] ranges clipped to brook's cap.
 */

/** Inclusive version range; 0x7fff stands for "and every later version". */
export type VersionRange = readonly [number, number]

export type PrimitiveType =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'int64'
  | 'float64'
  | 'string'
  | 'bytes'
  | 'records'
  | 'uuid'

export type FieldType = PrimitiveType | `[]${PrimitiveType}` | 'struct' | '[]struct'

export interface FieldDesc {
  /** camelCase of the spec's name (`PartitionIndex` → `partitionIndex`). */
  readonly name: string
  readonly type: FieldType
  readonly versions: VersionRange
  readonly nullable?: VersionRange
  /** Versions in which the field travels as a tagged field, under `tag`. */
  readonly tagged?: VersionRange
  readonly tag?: number
  /** false where the spec says `"flexibleVersions": "none"` (the request header's client id). */
  readonly flexible?: boolean
  readonly default?: unknown
  readonly fields?: readonly FieldDesc[]
}

export interface MessageDesc {
  readonly name: string
  readonly versions: VersionRange
  readonly flexible: VersionRange | null
  readonly fields: readonly FieldDesc[]
}

export interface ApiDesc {
  readonly name: string
  readonly apiKey: number
  readonly request: MessageDesc
  readonly response: MessageDesc
}

export function inRange(r: VersionRange | null | undefined, v: number): boolean {
  return r != null && v >= r[0] && v <= r[1]
}
