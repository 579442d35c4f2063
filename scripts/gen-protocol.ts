/**
 * @module Generates `src/core/protocol/messages.generated.ts` from Apache Kafka's JSON message specs
 * (`clients/src/main/resources/common/message/*.json`). The specs are read from a directory given as the
 * first argument and never committed; get them with, for example:
 *
 *   mkdir -p /tmp/kafka-msgs && git --git-dir=<kafka.git> archive HEAD clients/src/main/resources/common/message \
 *     | tar -x -C /tmp/kafka-msgs --strip-components=6
 *   npx tsx scripts/gen-protocol.ts /tmp/kafka-msgs
 *
 * Common structs and named nested structs are inlined, version ranges are clipped to brook's cap per API
 * (fields that only exist above the cap are dropped), so the codec walks a plain tree.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** The APIs brook speaks and the highest version of each its codec handles. */
const APIS: [name: string, key: number, maxVersion: number][] = [
  ['Produce', 0, 11],
  ['Fetch', 1, 17],
  ['ListOffsets', 2, 10],
  ['Metadata', 3, 12],
  ['OffsetCommit', 8, 9],
  ['OffsetFetch', 9, 9],
  ['FindCoordinator', 10, 6],
  ['JoinGroup', 11, 9],
  ['Heartbeat', 12, 4],
  ['LeaveGroup', 13, 5],
  ['SyncGroup', 14, 5],
  ['DescribeGroups', 15, 5],
  ['ListGroups', 16, 5],
  ['SaslHandshake', 17, 1],
  ['ApiVersions', 18, 4],
  ['CreateTopics', 19, 7],
  ['DeleteTopics', 20, 6],
  ['DeleteRecords', 21, 2],
  ['InitProducerId', 22, 5],
  ['DescribeAcls', 29, 3],
  ['CreateAcls', 30, 3],
  ['DeleteAcls', 31, 3],
  ['DescribeConfigs', 32, 4],
  ['AlterConfigs', 33, 2],
  ['SaslAuthenticate', 36, 2],
  ['CreatePartitions', 37, 3],
  ['DeleteGroups', 42, 2],
  ['IncrementalAlterConfigs', 44, 1],
]

const NO_MAX = 0x7fff

interface SpecField {
  name: string
  type: string
  versions?: string
  nullableVersions?: string
  taggedVersions?: string
  tag?: number
  flexibleVersions?: string
  default?: string | number | boolean
  fields?: SpecField[]
}
interface Spec {
  apiKey?: number
  type: string
  name: string
  validVersions: string
  flexibleVersions: string
  fields: SpecField[]
  commonStructs?: { name: string; versions?: string; fields: SpecField[] }[]
}

type Range = [number, number]

/** Kafka's specs are JSON with `//` comments; strip them without touching strings. */
function stripComments(text: string): string {
  let out = ''
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (inString) {
      out += c
      if (c === '\\') out += text[++i] ?? ''
      else if (c === '"') inString = false
    } else if (c === '"') {
      inString = true
      out += c
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++
      out += '\n'
    } else out += c
  }
  return out
}

function parseRange(s: string | undefined, cap: number): Range | null {
  if (s === undefined || s === 'none' || s === '') return null
  let r: Range
  if (s.endsWith('+')) r = [Number(s.slice(0, -1)), NO_MAX]
  else if (s.includes('-')) {
    const [a, b] = s.split('-')
    r = [Number(a), Number(b)]
  } else r = [Number(s), Number(s)]
  if (r[0] > cap) return null
  return [r[0], Math.min(r[1], cap)]
}

const PRIMITIVES = new Set([
  'bool',
  'int8',
  'int16',
  'uint16',
  'int32',
  'int64',
  'float64',
  'string',
  'bytes',
  'records',
  'uuid',
])

function camel(name: string): string {
  return name[0]!.toLowerCase() + name.slice(1)
}

function parseDefault(type: string, d: SpecField['default']): unknown {
  if (d === undefined) return undefined
  if (d === 'null') return null
  if (type === 'bool') return d === true || d === 'true'
  if (type.startsWith('int') || type === 'uint16' || type === 'float64') {
    const n = typeof d === 'number' ? d : Number(d)
    if (!Number.isFinite(n)) throw new Error(`bad default ${d}`)
    return n
  }
  if (type === 'string') return String(d)
  return undefined
}

function genFields(
  fields: SpecField[],
  cap: number,
  structs: Map<string, SpecField[]>,
  parent: Range,
): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = []
  for (const f of fields) {
    let versions = parseRange(f.versions ?? '0+', cap)
    if (!versions) continue
    versions = [Math.max(versions[0], parent[0]), Math.min(versions[1], parent[1])]
    if (versions[0] > versions[1]) continue
    const g: Record<string, unknown> = { name: camel(f.name) }
    const isArray = f.type.startsWith('[]')
    const elem = isArray ? f.type.slice(2) : f.type
    let sub: SpecField[] | undefined
    if (!PRIMITIVES.has(elem)) {
      sub = f.fields ?? structs.get(elem)
      if (!sub) throw new Error(`unknown struct type ${elem} for ${f.name}`)
      g.type = isArray ? '[]struct' : 'struct'
    } else g.type = f.type
    g.versions = versions
    const nullable = parseRange(f.nullableVersions, cap)
    if (nullable) g.nullable = nullable
    const tagged = parseRange(f.taggedVersions, cap)
    if (tagged) {
      g.tagged = tagged
      g.tag = f.tag
    }
    if (f.flexibleVersions === 'none') g.flexible = false
    const d = parseDefault(elem, f.default)
    if (d !== undefined && !isArray) g.default = d
    if (sub) g.fields = genFields(sub, cap, structs, versions)
    out.push(g)
  }
  return out
}

function genMessage(spec: Spec, cap: number): Record<string, unknown> {
  const valid = parseRange(spec.validVersions, cap)!
  const structs = new Map<string, SpecField[]>()
  const collect = (fs: SpecField[]) => {
    for (const f of fs) {
      if (f.fields) {
        structs.set(f.type.replace('[]', ''), f.fields)
        collect(f.fields)
      }
    }
  }
  for (const s of spec.commonStructs ?? []) {
    structs.set(s.name, s.fields)
    collect(s.fields)
  }
  collect(spec.fields)
  return {
    name: spec.name,
    versions: valid,
    flexible: parseRange(spec.flexibleVersions, cap),
    fields: genFields(spec.fields, cap, structs, valid),
  }
}

const TS_TYPES: Record<string, string> = {
  bool: 'boolean',
  int8: 'number',
  int16: 'number',
  uint16: 'number',
  int32: 'number',
  int64: 'number',
  float64: 'number',
  string: 'string',
  uuid: 'string',
  bytes: 'Uint8Array',
  records: 'Uint8Array',
}

/** A TypeScript type literal for a field list: every field present (decode fills defaults). */
function tsFields(fields: Record<string, unknown>[], indent: string): string {
  const lines = fields.map((f) => {
    const t = f.type as string
    const base = t.startsWith('[]') ? t.slice(2) : t
    let ts =
      base === 'struct' ? tsFields(f.fields as Record<string, unknown>[], `${indent}  `) : TS_TYPES[base]!
    if (t.startsWith('[]')) ts = base === 'struct' ? `Array<${ts}>` : `${ts}[]`
    if (f.nullable) ts += ' | null'
    return `${indent}  ${f.name}: ${ts}`
  })
  return `{\n${lines.join('\n')}\n${indent}}`
}

function genTypes(apis: Record<string, unknown>[]): string {
  const out = [
    '/**',
    ' * @module TypeScript shapes of the Kafka message bodies, GENERATED by scripts/gen-protocol.ts with',
    ' * messages.generated.ts. Decoded bodies carry every field (defaults where a version lacks one);',
    ' * inputs to the encoders may leave any field out (it encodes as its default). Do not edit.',
    ' */',
    '',
    `export type ApiKey = ${apis.map((a) => a.apiKey).join(' | ')}`,
    '',
  ]
  for (const a of apis) {
    for (const side of ['request', 'response'] as const) {
      const m = a[side] as Record<string, unknown>
      out.push(
        `export interface ${a.name}${side === 'request' ? 'Request' : 'Response'}Data ${tsFields(m.fields as Record<string, unknown>[], '')}`,
        '',
      )
    }
  }
  for (const side of ['Request', 'Response']) {
    out.push(`export interface ${side}Bodies {`)
    for (const a of apis) out.push(`  ${a.apiKey}: ${a.name}${side}Data`)
    out.push('}', '')
  }
  out.push(
    '/** Every field optional, at every depth: what the encoders accept. */',
    'export type DeepPartial<T> = T extends Uint8Array',
    '  ? T',
    '  : T extends (infer U)[]',
    '    ? DeepPartial<U>[]',
    '    : T extends object',
    '      ? { [P in keyof T]?: DeepPartial<T[P]> }',
    '      : T',
    '',
    'export type RequestBody<K extends ApiKey> = RequestBodies[K]',
    'export type ResponseBody<K extends ApiKey> = ResponseBodies[K]',
    'export type RequestInput<K extends ApiKey> = DeepPartial<RequestBodies[K]>',
    'export type ResponseInput<K extends ApiKey> = DeepPartial<ResponseBodies[K]>',
    '',
  )
  return out.join('\n')
}

function main(): void {
  const dir = process.argv[2]
  const outPath = process.argv[3] ?? 'src/core/protocol/messages.generated.ts'
  if (!dir) throw new Error('usage: tsx scripts/gen-protocol.ts <kafka message spec dir> [out]')
  const load = (n: string): Spec => JSON.parse(stripComments(readFileSync(join(dir, `${n}.json`), 'utf8')))
  const apis: Record<string, unknown>[] = []
  for (const [name, key, cap] of APIS) {
    const req = load(`${name}Request`)
    const res = load(`${name}Response`)
    if (req.apiKey !== key || res.apiKey !== key) throw new Error(`${name}: api key mismatch`)
    apis.push({ name, apiKey: key, request: genMessage(req, cap), response: genMessage(res, cap) })
  }
  const reqHeader = genMessage(load('RequestHeader'), 2)
  const resHeader = genMessage(load('ResponseHeader'), 1)
  const json = (v: unknown) => JSON.stringify(v).replace(/"(\w+)":/g, '$1:')
  const lines = [
    '/**',
    " * @module Kafka message descriptions, GENERATED by scripts/gen-protocol.ts from Apache Kafka's",
    ' * clients/src/main/resources/common/message/*.json. Do not edit; re-run the generator.',
    ' */',
    "import type { ApiDesc, MessageDesc } from './desc.ts'",
    '',
    `export const REQUEST_HEADER: MessageDesc = ${json(reqHeader)}`,
    '',
    `export const RESPONSE_HEADER: MessageDesc = ${json(resHeader)}`,
    '',
    'export const APIS: readonly ApiDesc[] = [',
    ...apis.map((a) => `  ${json(a)},`),
    ']',
    '',
  ]
  writeFileSync(outPath, lines.join('\n'))
  const typesPath = outPath.replace('messages.generated.ts', 'types.generated.ts')
  writeFileSync(typesPath, genTypes(apis))
  // Biome lays the literal out one field per line, which keeps diffs of a regenerated file readable.
  execFileSync('npx', ['biome', 'format', '--write', outPath, typesPath], { stdio: 'inherit' })
  console.log(`wrote ${outPath}: ${apis.length} APIs`)
}

main()
