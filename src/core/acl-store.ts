/**
 * @module The broker's ACLs, kept in the store's metadata (`acl/<binding>`) and in memory: what
 * CreateAcls, DescribeAcls and DeleteAcls change and read, and what the authorizer decides with.
 */

import { type AclBinding, type AclFilter, bindingKey, bindingProblem, filterMatches } from './acl.ts'
import { errorCode } from './errors.ts'
import type { AclCreateResult, AclDeleteResult, AclDescribeResult } from './service.ts'
import type { Store } from './store.ts'

const PREFIX = 'acl/'
const INVALID_REQUEST = errorCode('INVALID_REQUEST')

export class AclStore {
  private readonly acls = new Map<string, AclBinding>()
  /** Bumped on every change, so that caches know when to read again. */
  version = 0

  constructor(private readonly store: Store) {}

  async load(): Promise<void> {
    for (const [, value] of await this.store.listMeta(PREFIX)) {
      const b = value as unknown as AclBinding
      if (!bindingProblem(b)) this.acls.set(bindingKey(b), b)
    }
  }

  all(): AclBinding[] {
    return [...this.acls.values()]
  }

  async create(bindings: AclBinding[]): Promise<AclCreateResult[]> {
    const out: AclCreateResult[] = []
    for (const b of bindings) {
      const problem = bindingProblem(b)
      if (problem) {
        out.push({ errorCode: INVALID_REQUEST, errorMessage: problem })
        continue
      }
      const clean: AclBinding = {
        resourceType: b.resourceType,
        resourceName: b.resourceName,
        patternType: b.patternType,
        principal: b.principal,
        host: b.host,
        operation: b.operation,
        permissionType: b.permissionType,
      }
      const key = bindingKey(clean)
      await this.store.setMeta(PREFIX + key, clean as unknown as Parameters<Store['setMeta']>[1])
      this.acls.set(key, clean)
      out.push({ errorCode: 0, errorMessage: null })
    }
    this.version++
    return out
  }

  describe(filter: AclFilter): AclDescribeResult {
    return { errorCode: 0, errorMessage: null, acls: this.all().filter((b) => filterMatches(filter, b)) }
  }

  async delete(filters: AclFilter[]): Promise<AclDeleteResult[]> {
    const out: AclDeleteResult[] = []
    for (const f of filters) {
      const deleted: AclBinding[] = []
      for (const [key, b] of this.acls) {
        if (!filterMatches(f, b)) continue
        await this.store.deleteMeta(PREFIX + key)
        this.acls.delete(key)
        deleted.push(b)
      }
      out.push({ errorCode: 0, errorMessage: null, deleted })
    }
    this.version++
    return out
  }
}
