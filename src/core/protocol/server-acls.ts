/**
 * @module DescribeAcls (29), CreateAcls (30) and DeleteAcls (31) on the server side: Kafka's bodies
 * mapped to the service's ACL calls. A service that keeps no ACLs answers SECURITY_DISABLED, as a
 * Kafka broker without an authorizer does.
 */

import { type AclBinding, type AclFilter, groupByResource } from '../acl.ts'
import { errorCode } from '../errors.ts'
import { errorMessageOf } from '../request-values.ts'
import { type ApiContext, codeOf, type Request, type Response } from './api-context.ts'
import type { API } from './api-keys.ts'

const SECURITY_DISABLED = errorCode('SECURITY_DISABLED')
const DISABLED_MESSAGE = 'this broker keeps no ACLs'
/** Versions before the pattern type existed mean LITERAL. */
const LITERAL = 3

/** A describe or delete filter (the same fields in both requests). */
function filterOf(f: Request<typeof API.DeleteAcls>['filters'][number]): AclFilter {
  return {
    resourceType: f.resourceTypeFilter,
    resourceName: f.resourceNameFilter ?? null,
    patternType: f.patternTypeFilter ?? LITERAL,
    principal: f.principalFilter ?? null,
    host: f.hostFilter ?? null,
    operation: f.operation,
    permissionType: f.permissionType,
  }
}

export async function describeAcls(
  ctx: ApiContext,
  _version: number,
  body: Request<typeof API.DescribeAcls>,
): Promise<Response<typeof API.DescribeAcls>> {
  if (!ctx.service.describeAcls)
    return { throttleTimeMs: 0, errorCode: SECURITY_DISABLED, errorMessage: DISABLED_MESSAGE, resources: [] }
  try {
    const res = await ctx.service.describeAcls(filterOf(body))
    return {
      throttleTimeMs: 0,
      errorCode: res.errorCode,
      errorMessage: res.errorMessage,
      resources: groupByResource(res.acls),
    }
  } catch (e) {
    return {
      throttleTimeMs: 0,
      errorCode: codeOf(e, ctx, 'describeAcls'),
      errorMessage: errorMessageOf(e),
      resources: [],
    }
  }
}

export async function createAcls(
  ctx: ApiContext,
  _version: number,
  body: Request<typeof API.CreateAcls>,
): Promise<Response<typeof API.CreateAcls>> {
  const creations = body.creations
  if (!ctx.service.createAcls)
    return {
      throttleTimeMs: 0,
      results: creations.map(() => ({ errorCode: SECURITY_DISABLED, errorMessage: DISABLED_MESSAGE })),
    }
  try {
    const bindings: AclBinding[] = creations.map((c) => ({
      resourceType: c.resourceType,
      resourceName: c.resourceName,
      patternType: c.resourcePatternType ?? LITERAL,
      principal: c.principal,
      host: c.host,
      operation: c.operation,
      permissionType: c.permissionType,
    }))
    return { throttleTimeMs: 0, results: await ctx.service.createAcls(bindings) }
  } catch (e) {
    const code = codeOf(e, ctx, 'createAcls')
    return {
      throttleTimeMs: 0,
      results: creations.map(() => ({ errorCode: code, errorMessage: errorMessageOf(e) })),
    }
  }
}

export async function deleteAcls(
  ctx: ApiContext,
  _version: number,
  body: Request<typeof API.DeleteAcls>,
): Promise<Response<typeof API.DeleteAcls>> {
  const filters = body.filters
  const failed = (code: number, message: string | null) => ({
    throttleTimeMs: 0,
    filterResults: filters.map(() => ({ errorCode: code, errorMessage: message, matchingAcls: [] })),
  })
  if (!ctx.service.deleteAcls) return failed(SECURITY_DISABLED, DISABLED_MESSAGE)
  try {
    const res = await ctx.service.deleteAcls(filters.map(filterOf))
    return {
      throttleTimeMs: 0,
      filterResults: res.map((r) => ({
        errorCode: r.errorCode,
        errorMessage: r.errorMessage,
        matchingAcls: r.deleted.map((b) => ({ errorCode: 0, errorMessage: null, ...b })),
      })),
    }
  } catch (e) {
    return failed(codeOf(e, ctx, 'deleteAcls'), errorMessageOf(e))
  }
}
