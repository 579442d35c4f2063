/**
 * @module The relay's and the Kafka listener's numbers, in Prometheus text format: records and
 * bytes in and out per topic, errors by Kafka code name, request latency per API (a histogram),
 * open connections per door, and consumer-group lag per partition (read at scrape time). Counted
 * where every door meets — a wrapper around the BrokerService — so REST, WebSocket, SSE, Durable
 * Streams and the Kafka TCP listener report the same numbers. Hand-written (90 lines) rather than
 * prom-client, which is Node-only: this runs in Workers too.
 */

import { errorName } from '../../core/errors.ts'
import { readBatchHeader, splitBatches } from '../../core/format/record-batch.ts'
import type { BrokerService } from '../../core/service.ts'

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

class Histogram {
  readonly counts = new Array<number>(BUCKETS.length).fill(0)
  sum = 0
  count = 0
  observe(seconds: number): void {
    this.sum += seconds
    this.count++
    const i = BUCKETS.findIndex((b) => seconds <= b)
    if (i >= 0) this.counts[i]!++
  }
}

type Labels = Record<string, string>

export interface GroupLagSample {
  group: string
  topic: string
  partition: number
  lag: number
}
const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
const fmt = (l: Labels) => {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${esc(v)}"`)
  return parts.length ? `{${parts.join(',')}}` : ''
}

function countRecords(bytes: Uint8Array): number {
  let n = 0
  try {
    for (const b of splitBatches(bytes, { partialTail: true, verify: false }))
      n += readBatchHeader(b).recordCount
  } catch {
    // Bytes the broker will refuse count as none.
  }
  return n
}

export class Metrics {
  private readonly counters = new Map<string, Map<string, { labels: Labels; value: number }>>()
  private readonly latency = new Map<string, Histogram>()
  private readonly gauges = new Map<string, number>()
  private readonly wrapped = new WeakSet<BrokerService>()

  add(name: string, labels: Labels, by = 1): void {
    let series = this.counters.get(name)
    if (!series) {
      series = new Map()
      this.counters.set(name, series)
    }
    const key = fmt(labels)
    const s = series.get(key)
    if (s) s.value += by
    else series.set(key, { labels, value: by })
  }

  /** A connection opened on `door` (kafka, websocket, sse); call the result when it closes. */
  connection(door: string): () => void {
    this.gauges.set(door, (this.gauges.get(door) ?? 0) + 1)
    let open = true
    return () => {
      if (!open) return
      open = false
      this.gauges.set(door, (this.gauges.get(door) ?? 1) - 1)
    }
  }

  observe(api: string, seconds: number): void {
    let h = this.latency.get(api)
    if (!h) {
      h = new Histogram()
      this.latency.set(api, h)
    }
    h.observe(seconds)
  }

  error(code: number): void {
    if (code !== 0) this.add('brook_errors_total', { error: errorName(code) })
  }

  /** The service, counted. Wrapping a wrapped service returns it as it is. */
  wrap(service: BrokerService): BrokerService {
    if (this.wrapped.has(service)) return service
    const timed = <T>(api: string, run: () => Promise<T>): Promise<T> => {
      const t0 = performance.now()
      return run().finally(() => this.observe(api, (performance.now() - t0) / 1000))
    }
    const self = this
    const out: BrokerService = new Proxy(service, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver)
        if (typeof value !== 'function' || prop === 'onGroupRebalance' || typeof prop !== 'string')
          return value
        if (prop === 'produce')
          return async (req: Parameters<BrokerService['produce']>[0]) => {
            const res = await timed('produce', () => target.produce(req))
            const sent = new Map(req.topics.map((t) => [t.name, t]))
            for (const t of res.topics)
              for (const p of t.partitions) {
                self.error(p.errorCode)
                if (p.errorCode !== 0) continue
                const bytes = sent.get(t.name)?.partitions.find((x) => x.partition === p.partition)?.records
                if (!bytes) continue
                self.add('brook_records_in_total', { topic: t.name }, countRecords(bytes))
                self.add('brook_bytes_in_total', { topic: t.name }, bytes.byteLength)
              }
            return res
          }
        if (prop === 'fetch')
          return async (req: Parameters<BrokerService['fetch']>[0]) => {
            const res = await timed('fetch', () => target.fetch(req))
            for (const t of res.topics)
              for (const p of t.partitions) {
                self.error(p.errorCode)
                if (p.records.byteLength === 0) continue
                self.add('brook_records_out_total', { topic: t.name }, countRecords(p.records))
                self.add('brook_bytes_out_total', { topic: t.name }, p.records.byteLength)
              }
            return res
          }
        return (...args: unknown[]) =>
          timed(prop, () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args))
      },
    })
    this.wrapped.add(out)
    return out
  }

  /** Everything, in Prometheus text exposition format 0.0.4; `lag` as read at this scrape. */
  render(lag: GroupLagSample[] = []): string {
    const lines: string[] = []
    const help: Record<string, [string, string]> = {
      brook_records_in_total: ['counter', 'Records appended, per topic.'],
      brook_bytes_in_total: ['counter', 'Record batch bytes appended, per topic.'],
      brook_records_out_total: ['counter', 'Records sent to readers (whole batches), per topic.'],
      brook_bytes_out_total: ['counter', 'Record batch bytes sent to readers, per topic.'],
      brook_errors_total: ['counter', 'Errors answered, by Kafka error code name.'],
    }
    for (const [name, [type, text]] of Object.entries(help)) {
      lines.push(`# HELP ${name} ${text}`, `# TYPE ${name} ${type}`)
      for (const s of this.counters.get(name)?.values() ?? [])
        lines.push(`${name}${fmt(s.labels)} ${s.value}`)
    }
    lines.push('# HELP brook_connections Open connections, per door.', '# TYPE brook_connections gauge')
    for (const [door, n] of this.gauges) lines.push(`brook_connections${fmt({ door })} ${n}`)
    lines.push(
      '# HELP brook_request_duration_seconds Time to answer, per broker API.',
      '# TYPE brook_request_duration_seconds histogram',
    )
    for (const [api, h] of this.latency) {
      let cumulative = 0
      BUCKETS.forEach((b, i) => {
        cumulative += h.counts[i]!
        lines.push(`brook_request_duration_seconds_bucket${fmt({ api, le: String(b) })} ${cumulative}`)
      })
      lines.push(`brook_request_duration_seconds_bucket${fmt({ api, le: '+Inf' })} ${h.count}`)
      lines.push(`brook_request_duration_seconds_sum${fmt({ api })} ${h.sum}`)
      lines.push(`brook_request_duration_seconds_count${fmt({ api })} ${h.count}`)
    }
    lines.push('# HELP brook_consumer_group_lag Records not yet committed, per group and partition.')
    lines.push('# TYPE brook_consumer_group_lag gauge')
    for (const l of lag)
      lines.push(
        `brook_consumer_group_lag${fmt({ group: l.group, topic: l.topic, partition: String(l.partition) })} ${l.lag}`,
      )
    return `${lines.join('\n')}\n`
  }
}
