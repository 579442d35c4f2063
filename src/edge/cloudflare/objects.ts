/**
 * @module brook's Durable Objects. `BrookCoordinator` (one per deployment) owns topics, configs,
 * producer ids, groups and committed offsets; `BrookPartition` (one per topic partition) owns a
 * log; `BrookGateway` (one per WebSocket) holds a client's socket with the Hibernation API, so an
 * idle connection costs nothing, and answers its Kafka frames. Each keeps its data in its own
 * SQLite storage through DurableObjectStore; none holds broker logic of its own.
 */

import { DurableObject } from 'cloudflare:workers'
import { Broker } from '../../core/broker.ts'
import { PartitionHost } from '../../core/cluster/partition-host.ts'
import { createKafkaHandler, type KafkaSession } from '../../core/protocol/server.ts'
import { WS_CLOSE } from '../app/kafka-ws.ts'
import { DEFAULT_LIMITS } from '../app/limits.ts'
import { type BrookEnv, clusterAuthorizer, clusterService, PRINCIPAL_HEADER } from './cluster.ts'
import { DurableObjectStore } from './do-store.ts'
import { appFor } from './edge-app.ts'
import { BROKER_METHODS, dispatch, PARTITION_METHODS } from './rpc.ts'
import type { CfWebSocket } from './sql-types.ts'

/** Retention and compaction look this often while an object is awake. */
const MAINTENANCE_MS = 60_000

function openBroker(storage: DurableObjectStore, env: BrookEnv, coordinator: boolean): Promise<Broker> {
  return Broker.open({
    store: storage,
    autoCreateTopics: coordinator && env.BROOK_AUTO_CREATE_TOPICS === 'true',
    defaultPartitions: Number(env.BROOK_NUM_PARTITIONS ?? 1),
    retentionCheckIntervalMs: MAINTENANCE_MS,
  })
}

export class BrookCoordinator extends DurableObject<BrookEnv> {
  private readonly broker: Promise<Broker>

  constructor(ctx: ConstructorParameters<typeof DurableObject<BrookEnv>>[0], env: BrookEnv) {
    super(ctx, env)
    this.broker = ctx.blockConcurrencyWhile(() => openBroker(new DurableObjectStore(ctx.storage), env, true))
  }

  async call(method: string, args: unknown[]) {
    return dispatch(await this.broker, BROKER_METHODS, method, args)
  }
}

export class BrookPartition extends DurableObject<BrookEnv> {
  private readonly host: Promise<PartitionHost>

  constructor(ctx: ConstructorParameters<typeof DurableObject<BrookEnv>>[0], env: BrookEnv) {
    super(ctx, env)
    this.host = ctx.blockConcurrencyWhile(
      async () => new PartitionHost(await openBroker(new DurableObjectStore(ctx.storage), env, false)),
    )
  }

  async call(method: string, args: unknown[]) {
    return dispatch(await this.host, PARTITION_METHODS, method, args)
  }
}

/**
 * Durable Streams for the whole deployment: the protocol keeps per-stream state in memory (the
 * order of appends, producer sequences, forks), so one object serves every stream, as one process
 * does on Node; the data itself lives in the partition objects, one per stream.
 */
export class BrookStreams extends DurableObject<BrookEnv> {
  async fetch(request: Request): Promise<Response> {
    return appFor(this.env).fetch(request, this.env, this.ctx)
  }
}

export class BrookGateway extends DurableObject<BrookEnv> {
  private session: KafkaSession | undefined
  private chain: Promise<void> = Promise.resolve()

  /** The Kafka session; made again when the object wakes from hibernation (it holds no SASL state: HTTP authenticated the socket). */
  private kafka(ws: CfWebSocket): KafkaSession {
    if (!this.session) {
      const authorizer = clusterAuthorizer(this.env)
      const service = clusterService(this.env)
      // Kept with the socket: after hibernation the object is new, the attachment is not.
      const principal =
        (ws.deserializeAttachment() as { principal?: string } | null)?.principal ?? 'User:ANONYMOUS'
      this.session = createKafkaHandler({
        service: authorizer ? authorizer.forPrincipal(principal) : service,
        principal,
        serviceFor: authorizer ? (p) => authorizer.forPrincipal(p) : undefined,
        advertised: { nodeId: 1, host: 'brook.workers.dev', port: 443 },
        clientHost: '/websocket',
      })
    }
    return this.session
  }

  async fetch(request: Request): Promise<Response> {
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket')
      return new Response('WebSocket only', { status: 426 })
    const pair = new (
      globalThis as unknown as { WebSocketPair: new () => Record<0 | 1, CfWebSocket> }
    ).WebSocketPair()
    this.ctx.acceptWebSocket(pair[1])
    pair[1].serializeAttachment({ principal: request.headers.get(PRINCIPAL_HEADER) ?? 'User:ANONYMOUS' })
    return new Response(null, { status: 101, webSocket: pair[0] } as ResponseInit)
  }

  async webSocketMessage(ws: CfWebSocket, message: ArrayBuffer | string): Promise<void> {
    if (typeof message === 'string') return ws.close(WS_CLOSE.UNSUPPORTED_DATA, 'binary Kafka frames only')
    const limit = Number(this.env.BROOK_MAX_WS_MESSAGE_BYTES ?? DEFAULT_LIMITS.maxWebSocketMessageBytes)
    if (message.byteLength > limit)
      return ws.close(
        WS_CLOSE.MESSAGE_TOO_BIG,
        `a message of ${message.byteLength} bytes is over the ${limit}-byte limit`,
      )
    const frame = new Uint8Array(message)
    // Answers leave in request order, as on TCP.
    const next = this.chain.then(async () => {
      try {
        const response = await this.kafka(ws).handle(frame)
        if (response) ws.send(response)
      } catch (e) {
        ws.close(WS_CLOSE.POLICY_VIOLATION, e instanceof Error ? e.message.slice(0, 120) : 'bad request')
      }
    })
    this.chain = next
    await next
  }

  async webSocketClose(ws: CfWebSocket, code: number): Promise<void> {
    try {
      ws.close(code === 1005 ? 1000 : code, 'closed')
    } catch {}
  }
}
