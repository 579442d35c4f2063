/**
 * @module Output formats shared with Kafka's tools: the console consumer's DefaultMessageFormatter
 * (`CreateTime:…<sep>Partition:…<sep>Offset:…<sep>headers<sep>key<sep>value`) and the padded
 * columns of `kafka-consumer-groups.sh`.
 */

export interface FormattedRecord {
  timestampType: 'CreateTime' | 'LogAppendTime'
  timestamp: number
  partition: number
  offset: number
  headers: [string, Uint8Array | null][]
  key: Uint8Array | null
  value: Uint8Array | null
}

const utf8 = new TextDecoder()

/** A formatter configured from `--property` pairs, as Kafka's DefaultMessageFormatter reads them. */
export function messageFormatter(props: Map<string, string>): (r: FormattedRecord) => string {
  const bool = (name: string, def: boolean) => {
    const v = props.get(name)
    return v === undefined ? def : v.trim().toLowerCase() === 'true'
  }
  const printTimestamp = bool('print.timestamp', false)
  const printPartition = bool('print.partition', false)
  const printOffset = bool('print.offset', false)
  const printHeaders = bool('print.headers', false)
  const printKey = bool('print.key', false)
  const printValue = bool('print.value', true)
  const keySeparator = controlChars(props.get('key.separator') ?? '\t')
  const lineSeparator = controlChars(props.get('line.separator') ?? '\n')
  const headersSeparator = controlChars(props.get('headers.separator') ?? ',')
  const nullLiteral = props.get('null.literal') ?? 'null'
  const text = (b: Uint8Array | null) => (b === null ? nullLiteral : utf8.decode(b))

  return (r) => {
    let out = ''
    // Each column is followed by the key separator if another column follows, else the line separator.
    const sep = (more: boolean) => (more ? keySeparator : lineSeparator)
    if (printTimestamp) {
      out += `${r.timestampType}:${r.timestamp}`
      out += sep(printPartition || printOffset || printHeaders || printKey || printValue)
    }
    if (printPartition)
      out += `Partition:${r.partition}${sep(printOffset || printHeaders || printKey || printValue)}`
    if (printOffset) out += `Offset:${r.offset}${sep(printHeaders || printKey || printValue)}`
    if (printHeaders) {
      out +=
        r.headers.length === 0
          ? 'NO_HEADERS'
          : r.headers.map(([k, v]) => `${k}:${text(v)}`).join(headersSeparator)
      out += sep(printKey || printValue)
    }
    if (printKey) out += `${text(r.key)}${sep(printValue)}`
    if (printValue) out += `${text(r.value)}${lineSeparator}`
    return out
  }
}

/** `\t`, `\n` and friends typed on a command line mean the control characters, as in Kafka's docs. */
function controlChars(s: string): string {
  return s.replace(/\\([tnr\\])/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r', '\\': '\\' })[c]!)
}

/**
 * Kafka's left-aligned columns: each cell padded to its column width and one space between, the last
 * column unpadded (Java's `%-Ns %s`).
 */
export function columns(rows: string[][], widths: number[]): string {
  return rows
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join(' '))
    .join('\n')
}
