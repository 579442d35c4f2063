/**
 * @module Which topics a mirror copies: regular expressions matched against the whole topic name, as
 * MirrorMaker's `topics` setting does (`orders` is the topic orders only; `orders\..*` every topic
 * under orders.; `a|b` two topics). Internal topics (`__…`, such as `__consumer_offsets`) never match.
 */

import { BrookError } from '../errors.ts'

export type TopicMatcher = (topic: string) => boolean

/** Compiles patterns into one matcher; an invalid pattern is INVALID_REQUEST naming it. */
export function topicMatcher(patterns: readonly (string | RegExp)[]): TopicMatcher {
  const compiled = patterns.map((p) => {
    if (p instanceof RegExp) return new RegExp(`^(?:${p.source})$`, p.flags.replace(/[gy]/g, ''))
    try {
      return new RegExp(`^(?:${p})$`)
    } catch (e) {
      throw new BrookError('INVALID_REQUEST', `topic pattern ${JSON.stringify(p)}: ${(e as Error).message}`)
    }
  })
  return (topic) => !topic.startsWith('__') && compiled.some((re) => re.test(topic))
}
