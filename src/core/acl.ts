/**
 * @module Kafka's ACLs: bindings of (resource pattern, principal, host, operation, allow/deny), the
 * filters of DescribeAcls/DeleteAcls, and the decision Kafka's StandardAuthorizer makes — deny
 * wins, READ/WRITE/DELETE/ALTER imply DESCRIBE, ALTER_CONFIGS implies DESCRIBE_CONFIGS, nothing is
 * allowed that no ACL allows, super users may do everything. Codes are Kafka's wire values.
 */

export const ResourceTypes = { ANY: 1, TOPIC: 2, GROUP: 3, CLUSTER: 4, TRANSACTIONAL_ID: 5 } as const
export const PatternTypes = { ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const
export const AclOperations = {
  ANY: 1,
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
} as const
export const PermissionTypes = { ANY: 1, DENY: 2, ALLOW: 3 } as const

export type AclOperationName = keyof typeof AclOperations

/** The cluster resource's one name. */
export const CLUSTER_NAME = 'kafka-cluster'

export interface AclBinding {
  resourceType: number
  resourceName: string
  /** LITERAL (3) or PREFIXED (4). */
  patternType: number
  /** `User:alice`, or `User:*` for everyone. */
  principal: string
  /** A client address, or `*`. */
  host: string
  operation: number
  permissionType: number
}

/** As DescribeAcls and DeleteAcls send it: nulls and ANY match everything. */
export interface AclFilter {
  resourceType: number
  resourceName: string | null
  patternType: number
  principal: string | null
  host: string | null
  operation: number
  permissionType: number
}

export const MATCH_ALL: AclFilter = {
  resourceType: ResourceTypes.ANY,
  resourceName: null,
  patternType: PatternTypes.ANY,
  principal: null,
  host: null,
  operation: AclOperations.ANY,
  permissionType: PermissionTypes.ANY,
}

const has = (o: object, v: number) => Object.values(o).includes(v)

/** Why a binding cannot be stored, or undefined when it can (CreateAcls answers INVALID_REQUEST). */
export function bindingProblem(b: AclBinding): string | undefined {
  if (!has(ResourceTypes, b.resourceType) || b.resourceType === ResourceTypes.ANY)
    return `unknown resource type ${b.resourceType}`
  if (b.patternType !== PatternTypes.LITERAL && b.patternType !== PatternTypes.PREFIXED)
    return 'the pattern type must be LITERAL or PREFIXED'
  if (typeof b.resourceName !== 'string' || b.resourceName.length === 0) return 'the resource name is empty'
  if (b.resourceType === ResourceTypes.CLUSTER && b.resourceName !== CLUSTER_NAME)
    return `the cluster resource is named ${CLUSTER_NAME}`
  if (typeof b.principal !== 'string' || !/^[A-Za-z]+:.+/.test(b.principal))
    return `principal ${JSON.stringify(b.principal)} is not Type:name (User:alice)`
  if (typeof b.host !== 'string' || b.host.length === 0) return 'the host is empty (use * for any)'
  if (!has(AclOperations, b.operation) || b.operation === AclOperations.ANY)
    return `unknown operation ${b.operation}`
  if (b.permissionType !== PermissionTypes.ALLOW && b.permissionType !== PermissionTypes.DENY)
    return 'the permission type must be ALLOW or DENY'
  return undefined
}

/** Whether `f` selects `b` (Kafka's AclBindingFilter.matches). */
export function filterMatches(f: AclFilter, b: AclBinding): boolean {
  if (f.resourceType !== ResourceTypes.ANY && f.resourceType !== b.resourceType) return false
  if (f.resourceName !== null) {
    if (f.patternType === PatternTypes.MATCH) {
      const matched =
        (b.patternType === PatternTypes.LITERAL &&
          (b.resourceName === f.resourceName || b.resourceName === '*')) ||
        (b.patternType === PatternTypes.PREFIXED && f.resourceName.startsWith(b.resourceName))
      if (!matched) return false
    } else {
      if (b.resourceName !== f.resourceName) return false
      if (f.patternType !== PatternTypes.ANY && f.patternType !== b.patternType) return false
    }
  } else if (
    f.patternType !== PatternTypes.ANY &&
    f.patternType !== PatternTypes.MATCH &&
    f.patternType !== b.patternType
  )
    return false
  if (f.principal !== null && f.principal !== b.principal) return false
  if (f.host !== null && f.host !== b.host) return false
  if (f.operation !== AclOperations.ANY && f.operation !== b.operation) return false
  if (f.permissionType !== PermissionTypes.ANY && f.permissionType !== b.permissionType) return false
  return true
}

/** Operations an ALLOW of `granted` also allows. */
function implies(granted: number, asked: number): boolean {
  if (granted === asked || granted === AclOperations.ALL) return true
  if (asked === AclOperations.DESCRIBE)
    return (
      granted === AclOperations.READ ||
      granted === AclOperations.WRITE ||
      granted === AclOperations.DELETE ||
      granted === AclOperations.ALTER
    )
  if (asked === AclOperations.DESCRIBE_CONFIGS) return granted === AclOperations.ALTER_CONFIGS
  return false
}

function resourceMatches(b: AclBinding, type: number, name: string): boolean {
  if (b.resourceType !== type) return false
  if (b.patternType === PatternTypes.LITERAL) return b.resourceName === name || b.resourceName === '*'
  return name.startsWith(b.resourceName)
}

export interface Request {
  principal: string
  host: string
  operation: number
  resourceType: number
  resourceName: string
}

/** Kafka's decision for one action on one resource, given every ACL. */
export function decide(acls: readonly AclBinding[], r: Request, superUsers: ReadonlySet<string>): boolean {
  if (superUsers.has(r.principal)) return true
  let allowed = false
  for (const b of acls) {
    if (!resourceMatches(b, r.resourceType, r.resourceName)) continue
    if (b.principal !== r.principal && b.principal !== 'User:*') continue
    if (b.host !== '*' && b.host !== r.host) continue
    if (b.permissionType === PermissionTypes.DENY) {
      // Deny wins; a DENY of ALL or of the action itself (implications do not widen denials).
      if (b.operation === AclOperations.ALL || b.operation === r.operation) return false
    } else if (implies(b.operation, r.operation)) allowed = true
  }
  return allowed
}

/** The key a binding is stored under: equal bindings are one ACL. */
export function bindingKey(b: AclBinding): string {
  return JSON.stringify([
    b.resourceType,
    b.resourceName,
    b.patternType,
    b.principal,
    b.host,
    b.operation,
    b.permissionType,
  ])
}

/** A resource pattern with the ACLs on it: how DescribeAcls answers (Kafka's DescribeAclsResource). */
export interface AclResource {
  resourceType: number
  resourceName: string
  patternType: number
  acls: { principal: string; host: string; operation: number; permissionType: number }[]
}

/** Bindings grouped by resource pattern, in the order each pattern first appears. */
export function groupByResource(bindings: readonly AclBinding[]): AclResource[] {
  const groups = new Map<string, AclResource>()
  for (const b of bindings) {
    const key = JSON.stringify([b.resourceType, b.resourceName, b.patternType])
    let g = groups.get(key)
    if (!g) {
      g = { resourceType: b.resourceType, resourceName: b.resourceName, patternType: b.patternType, acls: [] }
      groups.set(key, g)
    }
    g.acls.push({
      principal: b.principal,
      host: b.host,
      operation: b.operation,
      permissionType: b.permissionType,
    })
  }
  return [...groups.values()]
}
