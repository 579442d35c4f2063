/**
 * @module CRC-32C (Castagnoli), as RecordBatch v2 uses. Runs of at least WASM_FROM bytes go through a
 * tiny WebAssembly kernel (slicing-by-16 where table loads carry no bounds checks: about 1.3× the
 * plain-JS loop even counting the copy into its memory). Where WebAssembly cannot be compiled from
 * bytes (some edge runtimes forbid it), everything runs in plain JS: slicing-by-16 over little-endian
 * 32-bit words, or slicing-by-8 over bytes.
 */

const POLY = 0x82f63b78
const T = new Int32Array(16 * 256)
for (let n = 0; n < 256; n++) {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1
  T[n] = c
}
for (let n = 0; n < 256; n++) {
  let c = T[n]!
  for (let k = 1; k < 16; k++) {
    c = T[c & 0xff]! ^ (c >>> 8)
    T[k * 256 + n] = c
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1
/** Below this many bytes the word view costs more than it saves. */
const WORDS_FROM = 64

/** CRC-32C of `buf[start, end)`, as an unsigned 32-bit number. */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  if (end > buf.length) end = buf.length
  if (end - start >= WASM_FROM && wasm) return ~wasmCrc(wasm, ~0, buf, start, end) >>> 0
  return crc32cJs(buf, start, end)
}

/** The plain-JS path (exported for tests that compare both). */
export function crc32cJs(buf: Uint8Array, start = 0, end = buf.length): number {
  if (end > buf.length) end = buf.length
  if (!LITTLE_ENDIAN || end - start < WORDS_FROM) return ~bytes8(~0, buf, start, end) >>> 0
  // Bytes up to a 4-byte boundary of the underlying buffer, then whole 16-byte blocks as words.
  const head = (4 - ((buf.byteOffset + start) & 3)) & 3
  let crc = bytes1(~0, buf, start, start + head)
  const from = start + head
  const words = ((end - from) >>> 4) << 2
  crc = words16(crc, new Int32Array(buf.buffer, buf.byteOffset + from, words))
  return ~bytes8(crc, buf, from + words * 4, end) >>> 0
}

function bytes1(crc: number, buf: Uint8Array, i: number, end: number): number {
  const t = T
  for (; i < end; i++) crc = t[(crc ^ buf[i]!) & 0xff]! ^ (crc >>> 8)
  return crc
}

/** Slicing-by-8 over bytes (any alignment or endianness), then byte by byte. */
function bytes8(crc: number, buf: Uint8Array, i: number, end: number): number {
  const t = T
  for (; i + 8 <= end; i += 8) {
    const a = crc ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24))
    crc =
      t[1792 + (a & 0xff)]! ^
      t[1536 + ((a >>> 8) & 0xff)]! ^
      t[1280 + ((a >>> 16) & 0xff)]! ^
      t[1024 + (a >>> 24)]! ^
      t[768 + buf[i + 4]!]! ^
      t[512 + buf[i + 5]!]! ^
      t[256 + buf[i + 6]!]! ^
      t[buf[i + 7]!]!
  }
  return bytes1(crc, buf, i, end)
}

/** Slicing-by-16 over little-endian words; `w.length` is a multiple of 4. */
function words16(crc: number, w: Int32Array): number {
  const t = T
  const n = w.length
  for (let j = 0; j < n; j += 4) {
    const a = crc ^ w[j]!
    const b = w[j + 1]!
    const c = w[j + 2]!
    const d = w[j + 3]!
    crc =
      t[3840 + (a & 0xff)]! ^
      t[3584 + ((a >>> 8) & 0xff)]! ^
      t[3328 + ((a >>> 16) & 0xff)]! ^
      t[3072 + (a >>> 24)]! ^
      t[2816 + (b & 0xff)]! ^
      t[2560 + ((b >>> 8) & 0xff)]! ^
      t[2304 + ((b >>> 16) & 0xff)]! ^
      t[2048 + (b >>> 24)]! ^
      t[1792 + (c & 0xff)]! ^
      t[1536 + ((c >>> 8) & 0xff)]! ^
      t[1280 + ((c >>> 16) & 0xff)]! ^
      t[1024 + (c >>> 24)]! ^
      t[768 + (d & 0xff)]! ^
      t[512 + ((d >>> 8) & 0xff)]! ^
      t[256 + ((d >>> 16) & 0xff)]! ^
      t[d >>> 24]!
  }
  return crc
}

// ---- WebAssembly kernel ----

/** Shorter runs stay in JS: the call and the copy would cost more than they save. */
const WASM_FROM = 512
/**
 * The kernel's memory: the 16 tables, then a window the input is copied into, piece by piece. The
 * window starts small and grows to fit the runs seen, up to WINDOW.
 */
const TABLE_BYTES = 16 * 256 * 4
const WINDOW = 1 << 20
const PAGE = 65536

interface Kernel {
  run: (ptr: number, len: number, crc: number) => number
  memory: WebAssembly.Memory
  bytes: Uint8Array
}

function wasmCrc(k: Kernel, crc: number, buf: Uint8Array, start: number, end: number): number {
  const want = TABLE_BYTES + Math.min(end - start, WINDOW)
  if (want > k.bytes.length) {
    k.memory.grow(Math.ceil((want - k.bytes.length) / PAGE))
    k.bytes = new Uint8Array(k.memory.buffer)
  }
  const step = k.bytes.length - TABLE_BYTES
  for (let i = start; i < end; i += step) {
    const to = Math.min(end, i + step)
    k.bytes.set(buf.subarray(i, to), TABLE_BYTES)
    crc = k.run(TABLE_BYTES, to - i, crc)
  }
  return crc
}

/**
 * Assembles the kernel: `crc(ptr, len, crc) -> crc` over memory, tables at 0 (table k at k * 1024),
 * 16 bytes per step as four little-endian words (like `words16`), then byte by byte. Built from
 * opcodes here, rather than shipped as an opaque blob, so that it can be read and checked.
 */
function assemble(): Uint8Array<ArrayBuffer> {
  const uleb = (n: number): number[] => {
    const o: number[] = []
    do {
      const b = n & 0x7f
      n >>>= 7
      o.push(n ? b | 0x80 : b)
    } while (n)
    return o
  }
  const sleb = (n: number): number[] => {
    const o: number[] = []
    for (;;) {
      const b = n & 0x7f
      n >>= 7
      if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...o, b]
      o.push(b | 0x80)
    }
  }
  const get = (i: number) => [0x20, i]
  const set = (i: number) => [0x21, i]
  const i32 = (n: number) => [0x41, ...sleb(n)]
  const load = (offset: number) => [0x28, 2, ...uleb(offset)]
  const [XOR, AND, ADD, SHL, SHR_U, GE_U] = [0x73, 0x71, 0x6a, 0x74, 0x76, 0x4f]
  const [BLOCK, LOOP, BR, BR_IF, END, VOID] = [0x02, 0x03, 0x0c, 0x0d, 0x0b, 0x40]
  // Locals: 0 ptr, 1 len, 2 crc (parameters); 3 end, 4 end of whole 16-byte steps, 5-8 the words.
  /** Byte `k` of word local `x`, times 4, as an address into table `table`, loaded. */
  const lookup = (x: number, k: number, table: number) => [
    ...get(x),
    ...(k === 0 ? [...i32(2), SHL] : [...i32(8 * k - 2), SHR_U]),
    ...i32(1020),
    AND,
    ...load(table * 1024),
  ]
  const code: number[] = [...get(0), ...get(1), ADD, ...set(3)]
  code.push(...get(0), ...get(1), ...i32(-16), AND, ADD, ...set(4))
  code.push(BLOCK, VOID, LOOP, VOID, ...get(0), ...get(4), GE_U, BR_IF, 1)
  code.push(...get(2), ...get(0), ...load(0), XOR, ...set(5))
  for (let j = 1; j < 4; j++) code.push(...get(0), ...load(4 * j), ...set(5 + j))
  for (let j = 0; j < 4; j++)
    for (let k = 0; k < 4; k++) {
      code.push(...lookup(5 + j, k, 15 - (4 * j + k)))
      if (j + k > 0) code.push(XOR)
    }
  code.push(...set(2), ...get(0), ...i32(16), ADD, ...set(0), BR, 0, END, END)
  code.push(BLOCK, VOID, LOOP, VOID, ...get(0), ...get(3), GE_U, BR_IF, 1)
  code.push(...get(2), ...get(0), 0x2d, 0, 0, XOR, ...i32(255), AND, ...i32(2), SHL, ...load(0))
  code.push(...get(2), ...i32(8), SHR_U, XOR, ...set(2))
  code.push(...get(0), ...i32(1), ADD, ...set(0), BR, 0, END, END, ...get(2), END)
  const func = [1, 6, 0x7f, ...code]
  const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content]
  const name = (s: string) => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))]
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0],
    ...section(1, [1, 0x60, 3, 0x7f, 0x7f, 0x7f, 1, 0x7f]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0, 1]),
    ...section(7, [2, ...name('crc'), 0, 0, ...name('mem'), 2, 0]),
    ...section(10, [1, ...uleb(func.length), ...func]),
  ])
}

function loadKernel(): Kernel | null {
  try {
    if (!LITTLE_ENDIAN || typeof WebAssembly !== 'object') return null
    const instance = new WebAssembly.Instance(new WebAssembly.Module(assemble()))
    const memory = instance.exports.mem as WebAssembly.Memory
    new Int32Array(memory.buffer, 0, 16 * 256).set(T)
    const k: Kernel = {
      run: instance.exports.crc as Kernel['run'],
      memory,
      bytes: new Uint8Array(memory.buffer),
    }
    // Trust it only once it agrees with the JS path (the standard check value, and an odd length).
    const probe = new Uint8Array(1000)
    for (let i = 0; i < probe.length; i++) probe[i] = (i * 131 + 7) & 0xff
    const check = new TextEncoder().encode('123456789')
    if (~wasmCrc(k, ~0, check, 0, 9) >>> 0 !== 0xe3069283) return null
    if (~wasmCrc(k, ~0, probe, 3, 1000) >>> 0 !== crc32cJs(probe, 3, 1000)) return null
    return k
  } catch {
    // No WebAssembly, or compiling from bytes is forbidden here: plain JS it is.
    return null
  }
}

const wasm: Kernel | null = loadKernel()
