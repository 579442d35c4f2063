/**
 * @module The sharded brook of a Cloudflare deployment, seen from a Worker or a Durable Object:
 * ShardedService over the coordinator object and one object per partition, reached by RPC.
 */

import { Authorizer } from '../../core/authorizer.ts'
import type { PartitionApi } from '../../core/cluster/partition-host.ts'
import { ShardedService } from '../../core/cluster/sharded-service.ts'
import type { BrokerService } from '../../core/service.ts'
import { BROKER_METHODS, type CallStub, PARTITION_METHODS, remote } from './rpc.ts'
import type { DurableObjectNamespace } from './sql-types.ts'

/** The bindings and variables of wrangler.toml. */
export interface BrookEnv {
  BROOK_COORDINATOR: DurableObjectNamespace<CallStub>
  BROOK_PARTITION: DurableObjectNamespace<CallStub>
  BROOK_GATEWAY: DurableObjectNamespace<CallStub>
  /** Durable Streams (`/v1/streams`): one object for every stream. Without it, the Worker serves them. */
  BROOK_STREAMS?: DurableObjectNamespace<CallStub>
  /** `token=principal,…` bearer tokens. */
  BROOK_TOKENS?: string
  BROOK_JWT_SECRET?: string
  BROOK_JWT_PUBLIC_KEY?: string
  BROOK_JWKS_URL?: string
  BROOK_JWT_ISSUER?: string
  BROOK_JWT_AUDIENCE?: string
  /** Comma-separated origins whose pages may call the relay (CORS) and open its WebSocket. */
  BROOK_ALLOW_ORIGINS?: string
  /** `true` to serve without credentials: a deployed Worker is on the internet, so it is closed by default. */
  BROOK_INSECURE?: string
  /** `true`: enforce ACLs (managed with Kafka's ACL APIs over the WebSocket) on every request. */
  BROOK_AUTHORIZER?: string
  /** With BROOK_AUTHORIZER: principals allowed everything, comma-separated (`User:admin`). */
  BROOK_SUPER_USERS?: string
  BROOK_AUTO_CREATE_TOPICS?: string
  BROOK_NUM_PARTITIONS?: string
  BROOK_MAX_WS_MESSAGE_BYTES?: string
  /** The longest long-poll a client may ask for, ms (default 30,000). */
  BROOK_MAX_WAIT_MS?: string
}

/** How the Worker tells a gateway object whose socket it is. */
export const PRINCIPAL_HEADER = 'x-brook-principal'

const services = new WeakMap<object, ShardedService>()

/** One ShardedService per isolate and binding set: its topic cache serves every request. */
export function clusterService(env: BrookEnv): ShardedService {
  let s = services.get(env.BROOK_COORDINATOR)
  if (!s) {
    const coordinator = remote<BrokerService>(
      () => env.BROOK_COORDINATOR.get(env.BROOK_COORDINATOR.idFromName('coordinator')),
      BROKER_METHODS,
    )
    const partition = (topicId: string, p: number) =>
      remote<PartitionApi>(
        () => env.BROOK_PARTITION.get(env.BROOK_PARTITION.idFromName(`${topicId}/${p}`)),
        PARTITION_METHODS,
      )
    s = new ShardedService({
      coordinator,
      partition,
      autoCreateTopics: env.BROOK_AUTO_CREATE_TOPICS === 'true',
    })
    services.set(env.BROOK_COORDINATOR, s)
  }
  return s
}

const authorizers = new WeakMap<object, Authorizer>()

/** The deployment's authorizer (per isolate), when BROOK_AUTHORIZER is `true`. */
export function clusterAuthorizer(env: BrookEnv): Authorizer | undefined {
  if (env.BROOK_AUTHORIZER !== 'true') return undefined
  let a = authorizers.get(env.BROOK_COORDINATOR)
  if (!a) {
    a = new Authorizer(clusterService(env), {
      superUsers: (env.BROOK_SUPER_USERS ?? '').split(',').filter(Boolean),
    })
    authorizers.set(env.BROOK_COORDINATOR, a)
  }
  return a
}
