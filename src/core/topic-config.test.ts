/** @module Topic names and configs: what users may set, and what the log acts on. */

import { describe, expect, it } from 'vitest'
import { BrookError } from './errors.ts'
import { logConfigOf, validateConfigs, validateTopicName } from './topic-config.ts'

function errorType(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (e) {
    return e instanceof BrookError ? e.type : `not a BrookError: ${String(e)}`
  }
  return undefined
}

describe('topic names', () => {
  it('accepts Kafka’s legal names and refuses the rest with INVALID_TOPIC_EXCEPTION', () => {
    for (const ok of ['a', 'A.b-c_9', 'x'.repeat(249), '...', '-'])
      expect(errorType(() => validateTopicName(ok))).toBeUndefined()
    for (const bad of ['', '.', '..', 'x'.repeat(250), 'a b', 'a/b', 'é', 'a\u0000', 42, null, undefined])
      expect(errorType(() => validateTopicName(bad))).toBe('INVALID_TOPIC_EXCEPTION')
  })
})

describe('topic configs', () => {
  it('accepts known configs, trimmed, and refuses unknown names and bad values with INVALID_CONFIG', () => {
    expect(
      validateConfigs({
        'retention.ms': ' 1000 ',
        'cleanup.policy': 'compact,delete',
        'segment.bytes': '1048576',
      }),
    ).toEqual({ 'retention.ms': '1000', 'cleanup.policy': 'compact,delete', 'segment.bytes': '1048576' })
    for (const bad of [
      { nope: '1' },
      { 'retention.ms': '1.5' },
      { 'retention.ms': '-2' },
      { 'retention.bytes': 'lots' },
      { 'max.message.bytes': '99999999999' },
      { 'cleanup.policy': 'delete,shred' },
      { 'message.timestamp.type': 'createtime' },
      { 'delete.retention.ms': '-1' },
      { preallocate: 'yes' },
      { 'retention.ms': 5 },
      'retention.ms=5',
    ])
      expect(errorType(() => validateConfigs(bad))).toBe('INVALID_CONFIG')
  })

  it('turns configs into what the log acts on, with Kafka’s defaults and broker defaults', () => {
    expect(logConfigOf({})).toEqual({
      retentionMs: 604_800_000,
      retentionBytes: -1,
      deleteEnabled: true,
      compactEnabled: false,
      deleteRetentionMs: 86_400_000,
      maxMessageBytes: 1_048_588,
      logAppendTime: false,
      compression: undefined,
    })
    // compression.type: `producer` keeps the producer's codec; the others name the stored one.
    expect(
      ['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'].map(
        (t) => logConfigOf({ 'compression.type': t }).compression,
      ),
    ).toEqual([undefined, 0, 1, 2, 3, 4])
    expect(logConfigOf({}, { 'compression.type': 'lz4' }).compression).toBe(3)
    const c = logConfigOf(
      { 'cleanup.policy': 'compact', 'message.timestamp.type': 'LogAppendTime', 'retention.ms': '-1' },
      { 'retention.bytes': '5000000' },
    )
    expect(c).toMatchObject({
      retentionMs: -1,
      retentionBytes: 5_000_000,
      deleteEnabled: false,
      compactEnabled: true,
      logAppendTime: true,
    })
    expect(
      logConfigOf({ 'flush.ms': '9223372036854775807', 'cleanup.policy': 'delete, compact' }),
    ).toMatchObject({
      deleteEnabled: true,
      compactEnabled: true,
    })
  })
})
