/**
 * @module The little of Cloudflare's Durable Object API brook uses, typed here rather than through
 * @cloudflare/workers-types, whose globals clash with the DOM's and Node's in one program.
 */

export interface SqlCursor<T> extends Iterable<T> {
  toArray(): T[]
  one(): T
}

export interface SqlStorage {
  exec<T = Record<string, SqlValue>>(query: string, ...bindings: SqlValue[]): SqlCursor<T>
}

export type SqlValue = string | number | null | ArrayBuffer | Uint8Array

export interface DurableObjectStorage {
  sql: SqlStorage
  transactionSync<T>(fn: () => T): T
  sync?(): Promise<void>
}

export interface DurableObjectState {
  storage: DurableObjectStorage
  acceptWebSocket(ws: CfWebSocket, tags?: string[]): void
  getWebSockets(tag?: string): CfWebSocket[]
  blockConcurrencyWhile<T>(fn: () => Promise<T>): Promise<T>
}

export interface CfWebSocket {
  send(data: ArrayBuffer | Uint8Array | string): void
  close(code?: number, reason?: string): void
  serializeAttachment(value: unknown): void
  deserializeAttachment(): unknown
}

export interface DurableObjectId {
  toString(): string
}

export interface DurableObjectNamespace<T> {
  idFromName(name: string): DurableObjectId
  newUniqueId(): DurableObjectId
  get(id: DurableObjectId): T & { fetch(req: Request): Promise<Response> }
}
