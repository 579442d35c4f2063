/** @module Shared benchmark row type and table printer: records/s, MB/s and the ratio to a baseline row. */

export type BenchRow = { name: string; records: number; bytes: number; seconds: number; note?: string }

function perSecond(n: number, seconds: number): number {
  return seconds > 0 ? n / seconds : 0
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

/**
 * Prints one line per row. With `baseline` (a row name), each row also shows its rate relative to that
 * row: records/s when both rows count records, otherwise MB/s (so a CRC-only row still compares).
 */
export function printTable(
  rows: BenchRow[],
  baseline?: string,
  log: (line: string) => void = console.log,
): void {
  const base = baseline === undefined ? undefined : rows.find((r) => r.name === baseline)
  const head = ['benchmark', 'records/s', 'MB/s', base ? `× ${base.name}` : '', 'note']
  const body = rows.map((r) => {
    const rps = perSecond(r.records, r.seconds)
    const mbps = perSecond(r.bytes, r.seconds) / 1e6
    let ratio = ''
    if (base) {
      const useRecords = r.records > 0 && base.records > 0
      const mine = useRecords ? rps : mbps
      const theirs = useRecords
        ? perSecond(base.records, base.seconds)
        : perSecond(base.bytes, base.seconds) / 1e6
      ratio = theirs > 0 ? fmt(mine / theirs, 2) : ''
    }
    return [r.name, r.records > 0 ? fmt(rps) : '–', fmt(mbps, 1), ratio, r.note ?? '']
  })
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd()
  log(line(head))
  log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const b of body) log(line(b))
}
