/** @module The topics a sync uploads or downloads: names as given, or RegExp patterns. */

import { BrookError } from '../errors.ts'
import { topicNameProblem } from '../topic-config.ts'

export type TopicSelector = string | RegExp

/**
 * Throws INVALID_TOPIC_EXCEPTION for a name that no topic can have, before any round runs: a
 * wildcard written as a string ('out-*') would otherwise fail every round and stop the whole sync.
 */
export function checkTopicSelectors(what: string, selectors: readonly TopicSelector[] = []): void {
  for (const s of selectors) {
    if (s instanceof RegExp) continue
    const problem = topicNameProblem(s)
    if (problem)
      throw new BrookError(
        'INVALID_TOPIC_EXCEPTION',
        `${what}: ${problem}${typeof s === 'string' && /[*?[\]]/.test(s) ? '; give a pattern as a RegExp, e.g. /^out-.*/' : ''}`,
      )
  }
}
