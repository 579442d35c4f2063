/**
 * @module Topic names and topic configs: Kafka's name rules, the configs brook knows (with Kafka's
 * defaults), their validation, and the parsed form the log uses.
 */

import { BrookError } from './errors.ts'

const MAX_NAME_LENGTH = 249
const ILLEGAL_CHAR = /[^a-zA-Z0-9._-]/u

/**
 * Why `name` is not a legal Kafka topic name (too long, which character where), or undefined
 * when it is one. Clients use it too, to say why a broker answered INVALID_TOPIC_EXCEPTION: the
 * Metadata response that carries that code has no room for a message.
 */
export function topicNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'topic name is empty'
  if (name === '.' || name === '..') return `topic name cannot be "${name}"`
  if (name.length > MAX_NAME_LENGTH)
    return `topic name "${clip(name)}" is ${name.length} characters long; the limit is ${MAX_NAME_LENGTH}`
  const bad = ILLEGAL_CHAR.exec(name)
  if (bad)
    return `topic name "${clip(name)}" contains ${describeChar(bad[0])} at index ${bad.index}; a topic name may contain only ASCII letters, digits, '.', '_' and '-'`
  return undefined
}

/** Throws INVALID_TOPIC_EXCEPTION unless `name` is a legal Kafka topic name. */
export function validateTopicName(name: unknown): asserts name is string {
  const problem = topicNameProblem(name)
  if (problem) throw new BrookError('INVALID_TOPIC_EXCEPTION', problem)
}

/** A name short enough to quote in a message. */
function clip(name: string): string {
  const chars = [...name]
  return chars.length <= 60 ? name : `${chars.slice(0, 40).join('')}…`
}

function describeChar(c: string): string {
  if (c === ' ') return 'a space'
  const cp = c.codePointAt(0)!
  const u = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`
  return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ? u : `'${c}' (${u})`
}

/** Kafka treats '.' and '_' as the same in metric names, so two such topics may not coexist. */
export function collisionKey(name: string): string {
  return name.replace(/\./g, '_')
}

export type Kind = 'long' | 'int' | 'double' | 'bool' | 'string' | 'list'

export interface ConfigSpec {
  kind: Kind
  default: string | null
  /** Extra check on the parsed value; returns an error text or undefined. */
  check?: (value: string) => string | undefined
}

const min =
  (n: number) =>
  (v: string): string | undefined =>
    Number(v) < n ? `must be at least ${n}` : undefined

const oneOf =
  (...allowed: string[]) =>
  (v: string): string | undefined =>
    allowed.includes(v) ? undefined : `must be one of ${allowed.join(', ')}`

function checkCleanupPolicy(v: string): string | undefined {
  const parts = v.split(',').map((p) => p.trim())
  if (parts.length === 0 || parts.some((p) => p !== 'delete' && p !== 'compact'))
    return 'must be delete, compact or "compact,delete"'
  return undefined
}

/**
 * Every Kafka topic config brook accepts. The ones marked in `USED` change brook's behaviour;
 * the others are stored and described so that tools which set them keep working.
 */
export const TOPIC_CONFIGS: Readonly<Record<string, ConfigSpec>> = {
  'cleanup.policy': { kind: 'list', default: 'delete', check: checkCleanupPolicy },
  'compression.type': {
    kind: 'string',
    default: 'producer',
    check: oneOf('producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'),
  },
  'delete.retention.ms': { kind: 'long', default: '86400000', check: min(0) },
  'file.delete.delay.ms': { kind: 'long', default: '60000', check: min(0) },
  'flush.messages': { kind: 'long', default: '9223372036854775807', check: min(1) },
  'flush.ms': { kind: 'long', default: '9223372036854775807', check: min(0) },
  'follower.replication.throttled.replicas': { kind: 'list', default: '' },
  'index.interval.bytes': { kind: 'int', default: '4096', check: min(0) },
  'leader.replication.throttled.replicas': { kind: 'list', default: '' },
  'local.retention.bytes': { kind: 'long', default: '-2', check: min(-2) },
  'local.retention.ms': { kind: 'long', default: '-2', check: min(-2) },
  'max.compaction.lag.ms': { kind: 'long', default: '9223372036854775807', check: min(1) },
  'max.message.bytes': { kind: 'int', default: '1048588', check: min(0) },
  'message.downconversion.enable': { kind: 'bool', default: 'true' },
  'message.format.version': { kind: 'string', default: '3.0-IV1' },
  'message.timestamp.difference.max.ms': { kind: 'long', default: '9223372036854775807', check: min(0) },
  'message.timestamp.type': {
    kind: 'string',
    default: 'CreateTime',
    check: oneOf('CreateTime', 'LogAppendTime'),
  },
  'min.cleanable.dirty.ratio': { kind: 'double', default: '0.5' },
  'min.compaction.lag.ms': { kind: 'long', default: '0', check: min(0) },
  'min.insync.replicas': { kind: 'int', default: '1', check: min(1) },
  preallocate: { kind: 'bool', default: 'false' },
  'remote.storage.enable': { kind: 'bool', default: 'false' },
  'retention.bytes': { kind: 'long', default: '-1', check: min(-1) },
  'retention.ms': { kind: 'long', default: '604800000', check: min(-1) },
  'segment.bytes': { kind: 'int', default: '1073741824', check: min(14) },
  'segment.index.bytes': { kind: 'int', default: '10485760', check: min(4) },
  'segment.jitter.ms': { kind: 'long', default: '0', check: min(0) },
  'segment.ms': { kind: 'long', default: '604800000', check: min(1) },
  'unclean.leader.election.enable': { kind: 'bool', default: 'false' },
}

const INTEGER = /^-?\d+$/
const INT32_MAX = 2_147_483_647

/** A config table (topic or broker) and the word its messages use for it. */
export interface ConfigTable {
  what: 'topic' | 'broker'
  specs: Readonly<Record<string, ConfigSpec>>
}

const TOPIC_TABLE: ConfigTable = { what: 'topic', specs: TOPIC_CONFIGS }

function checkValue(name: string, value: unknown, table: ConfigTable = TOPIC_TABLE): string {
  const spec = table.specs[name]
  if (!spec) throw new BrookError('INVALID_CONFIG', `unknown ${table.what} config "${name}"`)
  return checkSpecValue(name, spec, value)
}

/** The value, trimmed, if it suits `spec`; INVALID_CONFIG saying why otherwise. */
export function checkSpecValue(name: string, spec: ConfigSpec, value: unknown): string {
  if (typeof value !== 'string')
    throw new BrookError('INVALID_CONFIG', `config ${name} needs a string value, got ${typeof value}`)
  const v = value.trim()
  let problem: string | undefined
  switch (spec.kind) {
    case 'long':
    case 'int': {
      if (!INTEGER.test(v)) problem = 'must be an integer'
      else if (spec.kind === 'int' && Math.abs(Number(v)) > INT32_MAX) problem = 'must fit in 32 bits'
      break
    }
    case 'double':
      if (v === '' || !Number.isFinite(Number(v))) problem = 'must be a number'
      break
    case 'bool':
      if (v !== 'true' && v !== 'false') problem = 'must be true or false'
      break
    default:
      break
  }
  problem ??= spec.check?.(v)
  if (problem) throw new BrookError('INVALID_CONFIG', `invalid value "${value}" for ${name}: ${problem}`)
  return v
}

/** Validates configs given by a user; returns the normalised map (only keys that were given). */
export function validateConfigs(configs: unknown): Record<string, string> {
  if (configs === undefined || configs === null) return {}
  if (typeof configs !== 'object' || Array.isArray(configs))
    throw new BrookError('INVALID_CONFIG', 'configs must be an object of name → string value')
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(configs as Record<string, unknown>)) {
    out[name] = checkValue(name, value)
  }
  return out
}

export type AlterConfigOp = 'set' | 'delete' | 'append' | 'subtract'

/**
 * A topic's explicit configs after an alteration. Incremental (Kafka's IncrementalAlterConfigs,
 * KIP-339): each entry is set, deleted (back to its default), or — for list configs such as
 * cleanup.policy — has items appended or subtracted. Otherwise (AlterConfigs): the entries become
 * the explicit configs, and a config left out returns to its default. Throws INVALID_CONFIG for an
 * unknown name, a bad value or an operation the config's kind does not allow.
 */
export function alteredConfigs(
  explicit: Record<string, string>,
  entries: readonly { name: string; value: string | null; op?: AlterConfigOp }[],
  incremental: boolean,
  brokerDefaults: Record<string, string> = {},
  table: ConfigTable = TOPIC_TABLE,
): Record<string, string> {
  const out: Record<string, string> = incremental ? { ...explicit } : {}
  const list = Array.isArray(entries) ? entries : []
  const names = list.map((e) => e?.name)
  const twice = names.find((n, i) => names.indexOf(n) !== i)
  if (twice !== undefined) throw new BrookError('INVALID_REQUEST', `config "${String(twice)}" is given twice`)
  for (const e of list) {
    const name = e?.name
    const op = incremental ? (e.op ?? 'set') : 'set'
    const spec = typeof name === 'string' ? table.specs[name] : undefined
    if (!spec) throw new BrookError('INVALID_CONFIG', `unknown ${table.what} config "${String(name)}"`)
    if (op === 'delete') {
      delete out[name]
      continue
    }
    if (e.value === null || e.value === undefined) {
      // AlterConfigs with a null value removes the config, as Kafka's does.
      if (!incremental) continue
      throw new BrookError('INVALID_CONFIG', `config "${name}" needs a value to ${op}`)
    }
    if (op === 'set') {
      out[name] = checkValue(name, e.value, table)
      continue
    }
    if (op !== 'append' && op !== 'subtract')
      throw new BrookError('INVALID_REQUEST', `unknown config operation ${String(op)}`)
    if (spec.kind !== 'list')
      throw new BrookError(
        'INVALID_CONFIG',
        `config "${name}" is not a list: ${op} works on list configs only`,
      )
    const current = (out[name] ?? brokerDefaults[name] ?? spec.default ?? '')
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean)
    const items: string[] = String(e.value)
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean)
    const next =
      op === 'append'
        ? [...current, ...items.filter((v) => !current.includes(v))]
        : current.filter((v) => !items.includes(v))
    out[name] = checkValue(name, next.join(','), table)
  }
  return out
}

/** What the log and broker act on, parsed once from a topic's configs. */
export interface LogConfig {
  /** -1 = keep forever. */
  retentionMs: number
  /** -1 = no size limit. */
  retentionBytes: number
  /** cleanup.policy contains `delete`. */
  deleteEnabled: boolean
  /** cleanup.policy contains `compact`. */
  compactEnabled: boolean
  deleteRetentionMs: number
  maxMessageBytes: number
  logAppendTime: boolean
  /**
   * compression.type as a codec (0 = none … 4 = zstd) the broker stores batches in, recompressing
   * those that arrive in another; undefined for `producer` (batches kept as the producer sent them).
   */
  compression: number | undefined
}

/** compression.type values that name a codec, by its attribute code. */
const COMPRESSION_CODES: Record<string, number> = { uncompressed: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 }

/** Kafka's "infinite" longs (Long.MAX_VALUE) become Infinity rather than an inexact number. */
function long(v: string): number {
  const n = Number(v)
  return n >= Number.MAX_SAFE_INTEGER ? Number.POSITIVE_INFINITY : n
}

export function logConfigOf(
  explicit: Record<string, string>,
  brokerDefaults: Record<string, string> = {},
): LogConfig {
  const get = (name: string): string =>
    explicit[name] ?? brokerDefaults[name] ?? TOPIC_CONFIGS[name]!.default ?? ''
  const policy = get('cleanup.policy')
    .split(',')
    .map((p) => p.trim())
  return {
    retentionMs: long(get('retention.ms')),
    retentionBytes: long(get('retention.bytes')),
    deleteEnabled: policy.includes('delete'),
    compactEnabled: policy.includes('compact'),
    deleteRetentionMs: long(get('delete.retention.ms')),
    maxMessageBytes: long(get('max.message.bytes')),
    logAppendTime: get('message.timestamp.type') === 'LogAppendTime',
    compression: COMPRESSION_CODES[get('compression.type')],
  }
}
