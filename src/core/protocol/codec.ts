/**
 * @module The generic codec: it walks a message description (messages.generated.ts) to encode or decode a
 * body of one version. Each (message, version) is compiled once into a plan — the fields present in that
 * version with nullability, compactness and tags resolved — so the hot path is a loop over a flat list.
 * Fields absent from a version decode to their spec default; fields left undefined encode as their default.
 */
import { BrookError, type KafkaErrorName } from '../errors.ts'
import { type FieldDesc, inRange, type MessageDesc } from './desc.ts'
import { type WireReader, WireWriter } from './io.ts'

export type Body = Record<string, unknown>

enum K {
  Bool,
  Int8,
  Int16,
  Uint16,
  Int32,
  Int64,
  Float64,
  String,
  Bytes,
  Records,
  Uuid,
  Struct,
}

const KIND: Record<string, K> = {
  bool: K.Bool,
  int8: K.Int8,
  int16: K.Int16,
  uint16: K.Uint16,
  int32: K.Int32,
  int64: K.Int64,
  float64: K.Float64,
  string: K.String,
  bytes: K.Bytes,
  records: K.Records,
  uuid: K.Uuid,
  struct: K.Struct,
}

interface PField {
  readonly name: string
  readonly kind: K
  readonly array: boolean
  readonly nullable: boolean
  /** Compact (varint-length) encoding for strings, bytes and arrays. */
  readonly compact: boolean
  readonly tag: number
  readonly desc: FieldDesc
  readonly sub: Plan | null
}

export interface Plan {
  readonly flexible: boolean
  readonly fields: readonly PField[]
  /** Tagged fields of this version, by ascending tag. */
  readonly tagged: readonly PField[]
  readonly taggedByTag: ReadonlyMap<number, PField>
  /** Fields the spec has in other versions only; decode fills in their defaults. */
  readonly absent: readonly FieldDesc[]
  readonly version: number
}

function compile(fields: readonly FieldDesc[], version: number, flexible: boolean): Plan {
  const present: PField[] = []
  const tagged: PField[] = []
  const absent: FieldDesc[] = []
  for (const f of fields) {
    if (!inRange(f.versions, version)) {
      absent.push(f)
      continue
    }
    const array = f.type.startsWith('[]')
    const base = array ? f.type.slice(2) : f.type
    const kind = KIND[base]!
    const isTagged = flexible && inRange(f.tagged, version)
    const p: PField = {
      name: f.name,
      kind,
      array,
      nullable: inRange(f.nullable, version),
      compact: flexible && f.flexible !== false,
      tag: isTagged ? f.tag! : -1,
      desc: f,
      sub: kind === K.Struct ? compile(f.fields ?? [], version, flexible) : null,
    }
    if (isTagged) tagged.push(p)
    else present.push(p)
  }
  tagged.sort((a, b) => a.tag - b.tag)
  return {
    flexible,
    fields: present,
    tagged,
    taggedByTag: new Map(tagged.map((t) => [t.tag, t])),
    absent,
    version,
  }
}

const plans = new WeakMap<MessageDesc, Plan[]>()

/** The compiled plan of `msg` at `version`; the caller has checked the version is valid. */
export function planFor(msg: MessageDesc, version: number): Plan {
  let byVersion = plans.get(msg)
  if (!byVersion) {
    byVersion = []
    plans.set(msg, byVersion)
  }
  let plan = byVersion[version]
  if (!plan) {
    plan = compile(msg.fields, version, inRange(msg.flexible, version))
    byVersion[version] = plan
  }
  return plan
}

// ---- defaults ----

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA'

function scalarDefault(kind: K): unknown {
  switch (kind) {
    case K.Bool:
      return false
    case K.String:
      return ''
    case K.Bytes:
    case K.Records:
      return new Uint8Array(0)
    case K.Uuid:
      return ZERO_UUID
    default:
      return 0
  }
}

/** The value a field has when a version does not carry it (Kafka's generated classes do the same). */
export function defaultValue(f: FieldDesc, version: number): unknown {
  if (f.type.startsWith('[]')) return []
  if (f.default !== undefined) return f.default
  if (f.type === 'struct') return defaultStruct(f.fields ?? [], version)
  if (f.type === 'records') return null
  return scalarDefault(KIND[f.type]!)
}

function defaultStruct(fields: readonly FieldDesc[], version: number): Body {
  const out: Body = {}
  for (const f of fields) out[f.name] = defaultValue(f, version)
  return out
}

// ---- decode ----

export function decodeWith(plan: Plan, r: WireReader): Body {
  const out: Body = {}
  for (const f of plan.fields) out[f.name] = readField(f, r)
  if (plan.flexible) readTagged(plan, r, out)
  for (const f of plan.absent) out[f.name] = defaultValue(f, plan.version)
  return out
}

function readTagged(plan: Plan, r: WireReader, out: Body): void {
  const n = r.uvarint('tagged field count')
  if (n > r.remaining) r.fail(`tagged field count ${n} exceeds the frame`)
  let last = -1
  for (let i = 0; i < n; i++) {
    const tag = r.uvarint('tag')
    if (tag <= last) r.fail(`tagged fields out of order (${tag} after ${last})`)
    last = tag
    const size = r.uvarint('tagged field size')
    r.need(size, `tagged field ${tag}`)
    const end = r.pos + size
    const f = plan.taggedByTag.get(tag)
    if (f) {
      const outerEnd = r.end
      r.end = end
      out[f.name] = readField(f, r)
      r.end = outerEnd
    }
    r.pos = end
  }
  for (const f of plan.tagged) if (!(f.name in out)) out[f.name] = defaultValue(f.desc, plan.version)
}

function readLength(f: PField, r: WireReader, what: string): number {
  let n: number
  if (f.compact) n = r.uvarint(what) - 1
  else n = r.int32(what)
  if (n < -1) r.fail(`${f.name}: negative ${what} ${n}`)
  return n
}

function readField(f: PField, r: WireReader): unknown {
  if (f.array) {
    const n = readLength(f, r, 'array length')
    if (n === -1) {
      if (!f.nullable) r.fail(`${f.name}: null array in a non-nullable field`)
      return null
    }
    // Every element takes at least one byte, so a count beyond the bytes left is corrupt.
    if (n > r.remaining) r.fail(`${f.name}: array of ${n} exceeds the ${r.remaining} bytes left`)
    const arr = new Array(n)
    for (let i = 0; i < n; i++) arr[i] = readScalar(f, r, false)
    return arr
  }
  return readScalar(f, r, f.nullable)
}

function readScalar(f: PField, r: WireReader, nullable: boolean): unknown {
  switch (f.kind) {
    case K.Bool:
      return r.int8(f.name) !== 0
    case K.Int8:
      return r.int8(f.name)
    case K.Int16:
      return r.int16(f.name)
    case K.Uint16:
      return r.uint16(f.name)
    case K.Int32:
      return r.int32(f.name)
    case K.Int64:
      return r.int64(f.name)
    case K.Float64:
      return r.float64(f.name)
    case K.String: {
      const n = f.compact ? r.uvarint(f.name) - 1 : r.int16(f.name)
      if (n < 0) {
        if (n === -1 && nullable) return null
        return r.fail(`${f.name}: null or negative string length in a non-nullable field`)
      }
      return r.utf8(n, f.name)
    }
    case K.Bytes:
    case K.Records: {
      const n = readLength(f, r, 'byte length')
      if (n === -1) {
        if (!nullable) r.fail(`${f.name}: null bytes in a non-nullable field`)
        return null
      }
      return r.bytes(n, f.name)
    }
    case K.Uuid:
      return uuidToString(r.bytes(16, f.name))
    case K.Struct: {
      if (nullable) {
        // Nullable structs carry a leading int8: -1 for null, 1 for present.
        if (r.int8(f.name) < 0) return null
      }
      return decodeWith(f.sub!, r)
    }
  }
}

// ---- encode ----

export function encodeWith(plan: Plan, value: Body, w: WireWriter): void {
  for (const f of plan.fields) writeField(f, value[f.name], w)
  if (plan.flexible) writeTagged(plan, value, w)
}

function writeTagged(plan: Plan, value: Body, w: WireWriter): void {
  const present: [PField, unknown][] = []
  for (const f of plan.tagged) {
    const v = value[f.name]
    if (v === undefined || isDefault(f, v, plan.version)) continue
    present.push([f, v])
  }
  w.uvarint(present.length)
  for (const [f, v] of present) {
    const sub = new WireWriter(w.errorType, 64)
    writeField(f, v, sub)
    const bytes = sub.finish()
    w.uvarint(f.tag)
    w.uvarint(bytes.length)
    w.raw(bytes)
  }
}

function isDefault(f: PField, v: unknown, version: number): boolean {
  if (Array.isArray(v)) return v.length === 0
  if (v instanceof Uint8Array) return v.length === 0
  if (v === null) return f.desc.default === null || (f.kind === K.Struct && f.nullable)
  if (typeof v === 'object' && !(v instanceof Uint8Array)) {
    return JSON.stringify(v) === JSON.stringify(defaultValue(f.desc, version))
  }
  return v === defaultValue(f.desc, version)
}

function writeLength(f: PField, n: number, w: WireWriter): void {
  if (f.compact) w.uvarint(n + 1)
  else w.int32(n)
}

function writeField(f: PField, v: unknown, w: WireWriter): void {
  if (v === undefined) v = defaultValue(f.desc, -1)
  if (f.array) {
    if (v === null) {
      if (!f.nullable) w.fail(`${f.name}: null given for a non-nullable array`)
      writeLength(f, -1, w)
      return
    }
    if (!Array.isArray(v)) w.fail(`${f.name}: expected an array`)
    writeLength(f, v.length, w)
    for (const e of v) writeScalar(f, e, w, false)
    return
  }
  writeScalar(f, v, w, f.nullable)
}

function checkInt(f: PField, v: unknown, min: number, max: number, w: WireWriter): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    w.fail(`${f.name}: ${String(v)} is not an integer in [${min}, ${max}]`)
  }
  return v
}

function writeScalar(f: PField, v: unknown, w: WireWriter, nullable: boolean): void {
  switch (f.kind) {
    case K.Bool:
      if (typeof v !== 'boolean') w.fail(`${f.name}: expected a boolean`)
      w.int8(v ? 1 : 0)
      return
    case K.Int8:
      w.int8(checkInt(f, v, -0x80, 0x7f, w))
      return
    case K.Int16:
      w.int16(checkInt(f, v, -0x8000, 0x7fff, w))
      return
    case K.Uint16:
      w.uint16(checkInt(f, v, 0, 0xffff, w))
      return
    case K.Int32:
      w.int32(checkInt(f, v, -0x80000000, 0x7fffffff, w))
      return
    case K.Int64:
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
        w.fail(`${f.name}: ${String(v)} is not a safe integer (int64 values must be exact in a JS number)`)
      }
      w.int64(v)
      return
    case K.Float64:
      if (typeof v !== 'number') w.fail(`${f.name}: expected a number`)
      w.float64(v)
      return
    case K.String:
      if (v === null) {
        if (!nullable) w.fail(`${f.name}: null given for a non-nullable string`)
        if (f.compact) w.uvarint(0)
        else w.int16(-1)
        return
      }
      if (typeof v !== 'string') w.fail(`${f.name}: expected a string`)
      w.string(v, f.compact)
      return
    case K.Bytes:
    case K.Records:
      if (v === null) {
        if (!nullable) w.fail(`${f.name}: null given for non-nullable bytes`)
        writeLength(f, -1, w)
        return
      }
      if (!(v instanceof Uint8Array)) w.fail(`${f.name}: expected a Uint8Array`)
      writeLength(f, v.length, w)
      w.raw(v)
      return
    case K.Uuid:
      w.raw(uuidFromString(typeof v === 'string' ? v : '', w))
      return
    case K.Struct:
      if (nullable) {
        if (v === null) {
          w.int8(-1)
          return
        }
        w.int8(1)
      }
      if (typeof v !== 'object' || v === null) w.fail(`${f.name}: expected an object`)
      encodeWith(f.sub!, v as Body, w)
      return
  }
}

// ---- uuid: Kafka prints a Uuid as URL-safe base64 without padding (Uuid.toString) ----

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const B64_INDEX = new Map([...B64].map((c, i) => [c, i]))

export function uuidToString(b: Uint8Array): string {
  let s = ''
  for (let i = 0; i < 15; i += 3) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!
    s += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!
  }
  const last = b[15]!
  return s + B64[last >> 2]! + B64[(last & 3) << 4]!
}

/** Accepts Kafka's 22-character form, or 32 hex digits with or without dashes. */
export function uuidFromString(s: string, w?: { fail(d: string): never }): Uint8Array {
  const out = new Uint8Array(16)
  const hex = s.replace(/-/g, '')
  if (/^[0-9a-fA-F]{32}$/.test(hex)) {
    for (let i = 0; i < 16; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
    return out
  }
  if (s.length === 22) {
    let bits = 0
    let acc = 0
    let o = 0
    for (const c of s) {
      const d = B64_INDEX.get(c)
      if (d === undefined) break
      acc = (acc << 6) | d
      bits += 6
      if (bits >= 8) {
        bits -= 8
        if (o < 16) out[o++] = (acc >> bits) & 0xff
      }
    }
    if (o === 16) return out
  }
  const msg = `not a uuid: ${JSON.stringify(s)}`
  if (w) w.fail(msg)
  throw new BrookError('INVALID_REQUEST', msg)
}

/** Runs a decode, turning any stray JS error into a BrookError of `type` (decoders must never leak others). */
export function guard<T>(type: KafkaErrorName, fn: () => T): T {
  try {
    return fn()
  } catch (e) {
    if (e instanceof BrookError) throw e
    throw new BrookError(type, e instanceof Error ? e.message : String(e), { cause: e })
  }
}
