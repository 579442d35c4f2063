/** @module `brook/worker`: the browser broker. Explicit named exports only. */

export type { BrokerApi, BrokerOptions, HelloResponse } from './api.ts'
export type { Connection, ConnectOptions, WorkerBrook } from './connect.ts'
export { connect } from './connect.ts'
export type { BrookDB } from './db.ts'
export type { Durability, IdbStoreOptions } from './idb-store.ts'
export { IdbStore } from './idb-store.ts'
export type { WorkerService, WorkerServiceOptions } from './transport.ts'
export { workerService } from './transport.ts'
