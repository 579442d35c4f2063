/**
 * @module Kafka wire codec benchmark: Produce requests and Fetch responses carrying big record payloads
 * (16 partitions × 64 KiB, and one 8 MiB partition), encode and decode. Records are passed through as
 * views on decode and copied once on encode, so MB/s should sit near memcpy speed for big payloads;
 * a many-small-partitions Fetch row shows the per-field cost. Run alone with `npx tsx bench/protocol.ts`.
 */
import { pathToFileURL } from 'node:url'
import {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  type RequestInput,
  type ResponseInput,
} from '../src/core/protocol/index.ts'
import { type BenchRow, printTable } from './table.ts'

function measure(name: string, ms: number, bytes: number, fn: () => void, note?: string): BenchRow {
  const warmUntil = performance.now() + Math.min(300, ms / 3)
  while (performance.now() < warmUntil) fn()
  let calls = 0
  const start = performance.now()
  let now = start
  while (now < start + ms) {
    for (let i = 0; i < 4; i++) fn()
    calls += 4
    now = performance.now()
  }
  return {
    name,
    records: 0,
    bytes: bytes * calls,
    seconds: (now - start) / 1000,
    note: `${note ?? ''} ${calls} calls`,
  }
}

function payload(n: number): Uint8Array {
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) b[i] = (i * 2654435761) >>> 24
  return b
}

function produceBody(partitions: number, size: number): RequestInput<0> {
  return {
    acks: 1,
    timeoutMs: 30_000,
    topicData: [
      {
        name: 'bench',
        partitionData: Array.from({ length: partitions }, (_, index) => ({ index, records: payload(size) })),
      },
    ],
  }
}

function fetchBody(topics: number, partitions: number, size: number): ResponseInput<1> {
  return {
    responses: Array.from({ length: topics }, (_, t) => ({
      topic: `bench-${t}`,
      partitions: Array.from({ length: partitions }, (_, partitionIndex) => ({
        partitionIndex,
        highWatermark: 1_000_000,
        lastStableOffset: 1_000_000,
        logStartOffset: 0,
        abortedTransactions: [],
        records: payload(size),
      })),
    })),
  }
}

export function benchProtocol(ms = 1000): BenchRow[] {
  const rows: BenchRow[] = []
  let sink = 0
  const header = { apiKey: 0 as const, apiVersion: 7, correlationId: 1, clientId: 'bench' }
  for (const [label, parts, size] of [
    ['16 × 64 KiB', 16, 64 * 1024],
    ['1 × 8 MiB', 1, 8 * 1024 * 1024],
  ] as const) {
    const body = produceBody(parts, size)
    const frame = encodeRequest(header, body)
    rows.push(
      measure(`Produce v7 encode ${label}`, ms, frame.length, () => {
        sink += encodeRequest(header, body, { framed: true }).length
      }),
    )
    rows.push(
      measure(`Produce v7 decode ${label}`, ms, frame.length, () => {
        sink += decodeRequest(frame).header.correlationId
      }),
    )
  }
  for (const [label, version, topics, parts, size] of [
    ['16 × 64 KiB', 11, 1, 16, 64 * 1024],
    ['16 × 64 KiB (flexible)', 12, 1, 16, 64 * 1024],
    ['1,000 × 100 B', 11, 10, 100, 100],
  ] as const) {
    const body = fetchBody(topics, parts, size)
    const frame = encodeResponse(1, version, 1, body)
    rows.push(
      measure(`Fetch v${version} encode ${label}`, ms, frame.length, () => {
        sink += encodeResponse(1, version, 1, body, { framed: true }).length
      }),
    )
    rows.push(
      measure(`Fetch v${version} decode ${label}`, ms, frame.length, () => {
        sink += decodeResponse(1, version, frame).correlationId
      }),
    )
  }
  const big = payload(8 * 1024 * 1024)
  rows.push(
    measure('memcpy 8 MiB (baseline)', ms, big.length, () => {
      sink += new Uint8Array(big).length
    }),
  )
  if (sink === 0.5) console.log(sink)
  return rows
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printTable(benchProtocol(), 'memcpy 8 MiB (baseline)')
}
