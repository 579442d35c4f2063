/**
 * @module The fallback host's leader election and forwarding, in Node: real BroadcastChannels, a
 * fake Web Locks manager whose holder can "die", and core Brokers over one shared MemoryStore
 * standing in for IndexedDB. (The same path runs in Chromium in test/browser/tabs-fallback.test.ts.)
 */

import { afterEach, describe, expect, it } from 'vitest'
import { Broker } from '../core/broker.ts'
import { encodeBatch } from '../core/format/record-batch.ts'
import { MemoryStore } from '../core/memory-store.ts'
import { BrokerHost } from './host.ts'

type Grant = (lock: { name: string } | null) => unknown

interface Request {
  owner: string
  grant: Grant
  /** Rejects the request's promise, as the browser does for a stolen lock or a withdrawn request. */
  abort(): void
}

/**
 * Web Locks with exclusive mode, ifAvailable, steal and signal, where each holder can be killed
 * (its tab closed). A holder's callback may hold the lock with a promise and release it by
 * settling that promise.
 */
class FakeLocks {
  private holder = new Map<string, Request>()
  private waiting = new Map<string, Request[]>()

  for(owner: string): LockManager {
    const request = (name: string, a: unknown, b?: unknown) => {
      const opts = (typeof a === 'function' ? {} : a) as LockOptions
      const grant = (typeof a === 'function' ? a : b) as Grant
      return new Promise((resolve, reject) => {
        const req: Request = {
          owner,
          grant: (lock) => {
            const r = grant(lock)
            Promise.resolve(r).then(resolve, reject)
            return r
          },
          abort: () => reject(new DOMException('aborted', 'AbortError')),
        }
        const held = this.holder.get(name)
        if (held && opts.steal) {
          this.holder.delete(name)
          held.abort()
        } else if (held) {
          if (opts.ifAvailable) {
            req.grant(null)
            return
          }
          this.waiting.set(name, [...(this.waiting.get(name) ?? []), req])
          opts.signal?.addEventListener('abort', () => {
            this.waiting.set(
              name,
              (this.waiting.get(name) ?? []).filter((w) => w !== req),
            )
            req.abort()
          })
          return
        }
        this.give(name, req)
      })
    }
    return { request } as unknown as LockManager
  }

  holderOf(name: string): string | undefined {
    return this.holder.get(name)?.owner
  }

  /** The owner's worker died: its locks pass to the next in line, its queued requests vanish. */
  kill(owner: string): void {
    for (const [name, list] of this.waiting)
      this.waiting.set(
        name,
        list.filter((w) => w.owner !== owner),
      )
    for (const [name, held] of [...this.holder]) if (held.owner === owner) this.pass(name)
  }

  private pass(name: string): void {
    this.holder.delete(name)
    const next = this.waiting.get(name)?.shift()
    if (next) this.give(name, next)
  }

  private give(name: string, req: Request): void {
    this.holder.set(name, req)
    const r = req.grant({ name }) as Promise<unknown> | undefined
    // The lock is held until the callback's promise settles (at once, if it returned none).
    void Promise.resolve(r)
      .catch(() => {})
      .then(() => {
        if (this.holder.get(name) === req) this.pass(name)
      })
  }
}

const channels: BroadcastChannel[] = []
const hosts: BrokerHost[] = []
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.close().catch(() => {})
  for (const c of channels.splice(0)) c.close()
})

function setup() {
  const locks = new FakeLocks()
  const disk = new MemoryStore()
  let opened = 0
  let closed = 0
  const host = (id: string) => {
    const mine: BroadcastChannel[] = []
    // A frozen host hears nothing until thawed; then it hears all it missed, in order.
    let frozen: (() => void)[] | null = null
    const h = new BrokerHost({
      kind: 'dedicated',
      locks: locks.for(id),
      attemptTimeoutMs: 200,
      requestTimeoutMs: 5000,
      createChannel: (n) => {
        const c = new BroadcastChannel(n)
        mine.push(c)
        channels.push(c)
        let handler: ((e: MessageEvent) => void) | null = null
        c.onmessage = (e) => (frozen ? frozen.push(() => handler?.(e)) : handler?.(e))
        Object.defineProperty(c, 'onmessage', {
          set: (fn: (e: MessageEvent) => void) => {
            handler = fn
          },
        })
        return c
      },
      openBroker: async () => {
        opened++
        // Each leader rebuilds from the same "IndexedDB", as a new tab's worker would.
        const broker = await Broker.open({ store: disk.reopen(), autoCreateTopics: true })
        return {
          service: broker,
          close: () => {
            closed++
            return broker.close()
          },
        }
      },
    })
    hosts.push(h)
    const kill = () => {
      for (const c of mine) c.close()
      locks.kill(id)
    }
    const freeze = () => {
      frozen = []
    }
    const thaw = () => {
      const missed = frozen ?? []
      frozen = null
      for (const m of missed) m()
    }
    return { h, kill, freeze, thaw }
  }
  return { host, locks, opened: () => opened, closed: () => closed }
}

const produce = (value: string, seq: number, producerId: number) => ({
  acks: -1 as const,
  timeoutMs: 1000,
  topics: [
    {
      name: 't',
      partitions: [
        {
          partition: 0,
          records: encodeBatch({
            producerId,
            producerEpoch: 0,
            baseSequence: seq,
            records: [{ value: new TextEncoder().encode(value) }],
          }),
        },
      ],
    },
  ],
})

describe('BrokerHost without SharedWorker', () => {
  it('elects one leader; followers are served through it', async () => {
    const { host, opened } = setup()
    const a = host('a')
    const b = host('b')
    expect((await a.h.hello({ name: 'x' })).role).toBe('leader')
    expect((await b.h.hello({ name: 'x' })).role).toBe('follower')
    const created = (await b.h.call('createTopics', { topics: [{ name: 't', numPartitions: 1 }] })) as {
      errorCode: number
    }[]
    expect(created[0]!.errorCode).toBe(0)
    const md = (await a.h.call('metadata', { topics: ['t'] })) as { topics: { name: string }[] }
    expect(md.topics.map((t) => t.name)).toEqual(['t'])
    expect(opened()).toBe(1)
  })

  it('moves leadership when the leader dies; unanswered requests are resent and answered once', async () => {
    const { host, opened } = setup()
    const a = host('a')
    const b = host('b')
    const c = host('c')
    await a.h.hello({ name: 'x' })
    await b.h.hello({ name: 'x' })
    await c.h.hello({ name: 'x' })
    await b.h.call('createTopics', { topics: [{ name: 't', numPartitions: 1 }] })
    const { producerId } = (await c.h.call('initProducerId', {})) as { producerId: number }
    const first = (await c.h.call('produce', produce('one', 0, producerId))) as {
      topics: { partitions: { baseOffset: number; errorCode: number }[] }[]
    }
    expect(first.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, baseOffset: 0 })

    a.kill()
    // Sent while no leader is serving: answered once b (next in line) has rebuilt the broker.
    const pending = c.h.call('produce', produce('two', 1, producerId)) as Promise<typeof first>
    // The retry of an already-stored batch (same producer id and sequence) is a duplicate, not a new record.
    const retried = c.h.call('produce', produce('one', 0, producerId)) as Promise<typeof first>
    expect((await pending).topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, baseOffset: 1 })
    expect((await retried).topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, baseOffset: 0 })
    expect((await b.h.hello({ name: 'x' })).role).toBe('leader')
    expect(opened()).toBe(2)
    const offsets = (await c.h.call('listOffsets', {
      topics: [{ name: 't', partitions: [{ partition: 0, timestamp: -1 }] }],
    })) as { topics: { partitions: { offset: number }[] }[] }
    expect(offsets.topics[0]!.partitions[0]!.offset).toBe(2)
  })

  it('takes over from a leader that holds the lock but answers nothing; the former leader, thawed, follows', async () => {
    const { host, locks, opened, closed } = setup()
    const a = host('a')
    const b = host('b')
    const options = { name: 'x', leaderTimeoutMs: 300 }
    expect((await a.h.hello(options)).role).toBe('leader')
    expect((await b.h.hello(options)).role).toBe('follower')
    await b.h.call('createTopics', { topics: [{ name: 't', numPartitions: 1 }] })

    // a's tab is frozen: its lock stays held, and it hears none of b's calls.
    a.freeze()
    const md = (await b.h.call('metadata', { topics: ['t'] })) as { topics: { name: string }[] }
    expect(md.topics.map((t) => t.name)).toEqual(['t'])
    expect(locks.holderOf('brook-leader:x')).toBe('b')
    expect(opened()).toBe(2)

    // Thawed, a learns its lock was taken, closes its broker and sends its own calls to b.
    a.thaw()
    await expect.poll(closed).toBe(1)
    const offsets = (await a.h.call('listOffsets', {
      topics: [{ name: 't', partitions: [{ partition: 0, timestamp: -1 }] }],
    })) as { topics: { partitions: { offset: number }[] }[] }
    expect(offsets.topics[0]!.partitions[0]!.offset).toBe(0)
    expect(opened()).toBe(2)
    // Should b go, a leads again: it queued for the lock when it stepped down.
    b.kill()
    await expect.poll(() => locks.holderOf('brook-leader:x')).toBe('a')
    expect(await a.h.call('metadata', { topics: ['t'] })).toMatchObject({ topics: [{ name: 't' }] })
    expect(opened()).toBe(3)
  })

  it('ends the calls still waiting for a leader when closed, with no resend left to fire', async () => {
    const locks = new FakeLocks()
    locks.for('ghost').request('brook-leader:z', () => new Promise(() => {}))
    const posted: unknown[] = []
    const h = new BrokerHost({
      kind: 'dedicated',
      locks: locks.for('me'),
      attemptTimeoutMs: 20,
      createChannel: (n) => {
        const c = new BroadcastChannel(n)
        channels.push(c)
        const post = c.postMessage.bind(c)
        c.postMessage = (m: unknown) => {
          posted.push(m)
          post(m)
        }
        return c
      },
      openBroker: () => Promise.reject(new Error('never the leader')),
    })
    expect((await h.hello({ name: 'z' })).role).toBe('follower')
    const waiting = h.call('metadata', { topics: [] })
    await expect.poll(() => posted.length).toBeGreaterThan(1)
    await h.close()
    await expect(waiting).rejects.toMatchObject({ type: 'BROKER_NOT_AVAILABLE' })
    const sent = posted.length
    await new Promise((r) => setTimeout(r, 60))
    expect(posted.length).toBe(sent)
    await expect(h.call('metadata', { topics: [] })).rejects.toMatchObject({ type: 'BROKER_NOT_AVAILABLE' })
  })

  it('fails a forwarded call with REQUEST_TIMED_OUT when no leader ever answers', async () => {
    const locks = new FakeLocks()
    // Someone else holds the lock forever and never serves: a hung leader.
    locks.for('ghost').request('brook-leader:y', () => new Promise(() => {}))
    const h = new BrokerHost({
      kind: 'dedicated',
      locks: locks.for('me'),
      attemptTimeoutMs: 50,
      requestTimeoutMs: 300,
      createChannel: (n) => {
        const c = new BroadcastChannel(n)
        channels.push(c)
        return c
      },
      openBroker: () => Promise.reject(new Error('never the leader')),
    })
    hosts.push(h)
    expect((await h.hello({ name: 'y' })).role).toBe('follower')
    await expect(h.call('metadata', { topics: [] })).rejects.toMatchObject({
      name: 'BrookError',
      type: 'REQUEST_TIMED_OUT',
      retriable: true,
    })
  })
})
