/**
 * @module `npm run bench`: every benchmark suite, each printed beside the physical limit it runs
 * under (raw codec, raw socket tools, raw IndexedDB) measured in the same run.
 * `npm run bench -- codec client` runs only the named suites.
 */

import type { BenchRow } from './table.ts'
import { printTable } from './table.ts'

interface Suite {
  name: string
  baseline: string
  /** Rows for the shared table, or nothing when the suite prints its own. */
  run: () => Promise<BenchRow[] | undefined>
}

const suites: Suite[] = [
  { name: 'codec', baseline: '', run: async () => (await import('./codec.ts')).benchCodec() },
  { name: 'protocol', baseline: '', run: async () => (await import('./protocol.ts')).benchProtocol() },
  {
    name: 'compression',
    baseline: 'produce none',
    run: async () => (await import('./compression.ts')).benchCompression(),
  },
  {
    name: 'client',
    baseline: 'raw encodeBatch',
    run: async () => (await import('./client.ts')).benchClient(),
  },
  {
    name: 'kafka-wire',
    baseline: 'in-process append',
    run: async () => (await import('./kafka-wire.ts')).benchKafkaWire(),
  },
  {
    name: 'relay',
    baseline: 'in-process produce',
    run: async () => (await import('./relay.ts')).benchRelay(),
  },
  {
    name: 'durable-streams',
    baseline: 'reference (memory): append, 1 client',
    run: async () => (await import('./durable-streams.ts')).benchDurableStreams(),
  },
  {
    name: 'mirror',
    baseline: 'raw produce to the upstream',
    run: async () => (await import('./mirror.ts')).benchMirror(),
  },
  { name: 'package', baseline: '', run: async () => (await import('./package.ts')).benchPackage() },
  { name: 'demo', baseline: '', run: async () => (await import('./demo.ts')).benchDemo() },
  {
    name: 'browser',
    baseline: 'raw IndexedDB put, 1,000-record batches, relaxed',
    run: async () => (await import('./browser.ts')).benchBrowser(),
  },
  {
    name: 'sync',
    baseline: 'raw IndexedDB put, 1,000-record batches, strict',
    run: async () => (await import('./sync.ts')).benchSync(),
  },
]

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'))
for (const suite of suites) {
  if (wanted.length > 0 && !wanted.includes(suite.name)) continue
  console.log(`\n## ${suite.name}`)
  try {
    const rows = await suite.run()
    if (rows) printTable(rows, suite.baseline || rows[0]?.name)
  } catch (e) {
    console.log(`${suite.name}: failed: ${(e as Error).message}`)
    process.exitCode = 1
  }
}
