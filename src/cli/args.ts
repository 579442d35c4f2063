/**
 * @module Command-line parsing with Kafka's flag style: long options (`--bootstrap-server host:port`
 * or `--bootstrap-server=host:port`), flags without values, and repeatable `key=value` options
 * (`--property print.key=true`). A repeatable key=value option also takes the bare `k=v` words that
 * follow it (`--property print.key=true print.offset=true`), as Kafka's docs are often written.
 */

export interface OptionSpec {
  /** 'flag' takes no value; 'string' takes one; 'pairs' takes `key=value`, repeatable. */
  type: 'flag' | 'string' | 'pairs' | 'list'
  help: string
  /** Name of the value in help text, e.g. `<topic>`. */
  arg?: string
  /** Shown in help as the default. */
  default?: string
}

export type OptionSpecs = Record<string, OptionSpec>

export interface ParsedArgs {
  flags: Set<string>
  values: Map<string, string>
  lists: Map<string, string[]>
  pairs: Map<string, Map<string, string>>
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

export function parseArgs(argv: string[], specs: OptionSpecs): ParsedArgs {
  const out: ParsedArgs = { flags: new Set(), values: new Map(), lists: new Map(), pairs: new Map() }
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!
    if (!word.startsWith('--')) {
      if (word === '-h') {
        out.flags.add('help')
        continue
      }
      throw new UsageError(`unexpected argument '${word}'`)
    }
    const eq = word.indexOf('=')
    const name = eq > 0 ? word.slice(2, eq) : word.slice(2)
    const spec = specs[name]
    if (!spec) throw new UsageError(`unknown option --${name}`)
    if (spec.type === 'flag') {
      if (eq > 0) throw new UsageError(`--${name} takes no value`)
      out.flags.add(name)
      continue
    }
    let value: string | undefined
    if (eq > 0) value = word.slice(eq + 1)
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) value = argv[++i]
    if (value === undefined) throw new UsageError(`--${name} needs a value${spec.arg ? ` ${spec.arg}` : ''}`)
    if (spec.type === 'string') {
      out.values.set(name, value)
    } else if (spec.type === 'list') {
      const list = out.lists.get(name) ?? []
      list.push(value)
      out.lists.set(name, list)
    } else {
      const map = out.pairs.get(name) ?? new Map<string, string>()
      out.pairs.set(name, map)
      addPair(map, name, value)
      while (i + 1 < argv.length && !argv[i + 1]!.startsWith('-') && argv[i + 1]!.includes('=')) {
        addPair(map, name, argv[++i]!)
      }
    }
  }
  return out
}

function addPair(map: Map<string, string>, name: string, word: string): void {
  const eq = word.indexOf('=')
  if (eq <= 0) throw new UsageError(`--${name} needs key=value, got '${word}'`)
  map.set(word.slice(0, eq), word.slice(eq + 1))
}

/** An integer option, checked; `undefined` when absent. */
export function intOption(args: ParsedArgs, name: string, min = Number.MIN_SAFE_INTEGER): number | undefined {
  const text = args.values.get(name)
  if (text === undefined) return undefined
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < min)
    throw new UsageError(`--${name} must be an integer >= ${min}, got '${text}'`)
  return n
}

export function helpText(usage: string, description: string, specs: OptionSpecs): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const left = `--${name}${s.arg ? ` ${s.arg}` : ''}`
    const def = s.default !== undefined ? ` (default: ${s.default})` : ''
    return [left, `${s.help}${def}`] as const
  })
  const width = Math.max(...rows.map(([l]) => l.length)) + 2
  const lines = rows.map(([l, r]) => `  ${l.padEnd(width)}${r}`)
  return `Usage: ${usage}\n\n${description}\n\nOptions:\n${lines.join('\n')}\n`
}
