/**
 * @module Log lines and their levels. Components take a `Log`, a function of the line and its
 * level (Kafka's log4j levels, `info` when left out), so a plain `(line) => void` still fits;
 * `brook serve --log-level` keeps the lines at or above a level and prints each with its level.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

export type Log = (line: string, level?: LogLevel) => void

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error']

/** The level named `name` (any case), or a RangeError listing the levels. */
export function parseLogLevel(name: string): LogLevel {
  const level = name.toLowerCase() as LogLevel
  if (!LOG_LEVELS.includes(level)) {
    throw new RangeError(`unknown log level '${name}': one of ${LOG_LEVELS.join(', ')}`)
  }
  return level
}

/** A `Log` that passes to `sink` only lines at `min` or above, with their level filled in. */
export function logAtLevel(sink: (line: string, level: LogLevel) => void, min: LogLevel): Log {
  const floor = LOG_LEVELS.indexOf(min)
  return (line, level = 'info') => {
    if (LOG_LEVELS.indexOf(level) >= floor) sink(line, level)
  }
}
