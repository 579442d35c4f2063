/** The `cloudflare:workers` module as brook uses it (workerd provides it at run time). */
declare module 'cloudflare:workers' {
  import type { DurableObjectState } from './sql-types.ts'
  export abstract class DurableObject<Env = unknown> {
    protected ctx: DurableObjectState
    protected env: Env
    constructor(ctx: DurableObjectState, env: Env)
  }
}
