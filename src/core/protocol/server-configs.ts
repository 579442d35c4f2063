/**
 * @module The config APIs on the server side: DescribeConfigs (32), AlterConfigs (33) and
 * IncrementalAlterConfigs (44), for topic and broker resources.
 */

import { errorCode as codeNamed } from '../errors.ts'
import { errorMessageOf } from '../request-values.ts'
import type { BrokerService } from '../service.ts'
import { type ApiContext, arr, type Body, codeOf, type Request, type Response } from './api-context.ts'
import type { API } from './api-keys.ts'
import { CONFIG_OPS, RESOURCE_BROKER, RESOURCE_TOPIC } from './config-resources.ts'

export const SOURCE_DYNAMIC_TOPIC = 1
export const SOURCE_DEFAULT = 5

export async function describeConfigs(
  ctx: ApiContext,
  _version: number,
  body: Request<typeof API.DescribeConfigs>,
): Promise<Response<typeof API.DescribeConfigs>> {
  const resources = arr(body.resources)
  const topicNames = resources.filter((r) => r.resourceType === RESOURCE_TOPIC).map((r) => r.resourceName)
  const byName = new Map<string, Awaited<ReturnType<BrokerService['describeConfigs']>>[number]>()
  let code = 0
  if (topicNames.length > 0) {
    try {
      for (const r of await ctx.service.describeConfigs(topicNames)) byName.set(r.name, r)
    } catch (e) {
      code = codeOf(e, ctx, 'describeConfigs')
    }
  }
  return {
    throttleTimeMs: 0,
    results: resources.map((r) => {
      const keys: string[] | null = r.configurationKeys ?? null
      const base = { errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName }
      if (r.resourceType === RESOURCE_BROKER) return { ...base, errorCode: 0, configs: [] }
      if (r.resourceType !== RESOURCE_TOPIC)
        return { ...base, errorCode: codeNamed('INVALID_REQUEST'), configs: [] }
      const found = byName.get(r.resourceName)
      if (!found) return { ...base, errorCode: code || 3, configs: [] }
      return {
        ...base,
        errorCode: found.errorCode,
        configs: found.configs
          .filter((c) => keys === null || keys.includes(c.name))
          .map((c) => ({
            name: c.name,
            value: c.value,
            readOnly: c.readOnly,
            isDefault: c.isDefault,
            configSource: c.isDefault ? SOURCE_DEFAULT : SOURCE_DYNAMIC_TOPIC,
            isSensitive: false,
            synonyms: [],
            configType: 0,
            documentation: null,
          })),
      }
    }),
  }
}

/**
 * AlterConfigs (replace a topic's configs) and IncrementalAlterConfigs (change entries, KIP-339).
 * Topics only: brook has no dynamic broker configs, so a broker resource is INVALID_REQUEST.
 */
export function alterConfigs(incremental: boolean) {
  return async (ctx: ApiContext, _version: number, body: Body): Promise<Body> => {
    const resources = arr(body.resources as Body[])
    const topics = resources.filter((r) => r.resourceType === RESOURCE_TOPIC)
    const byName = new Map<string, { errorCode: number; errorMessage: string | null }>()
    if (topics.length > 0) {
      try {
        const results = await ctx.service.alterConfigs({
          incremental,
          validateOnly: !!body.validateOnly,
          topics: topics.map((r) => ({
            name: r.resourceName,
            configs: arr<Body>(r.configs).map((c) => ({
              name: c.name,
              value: c.value,
              op: incremental ? (CONFIG_OPS[c.configOperation] ?? ('unknown' as never)) : 'set',
            })),
          })),
        })
        for (const r of results)
          byName.set(r.name, { errorCode: r.errorCode, errorMessage: r.errorMessage ?? null })
      } catch (e) {
        const errorCode = codeOf(e, ctx, 'alterConfigs')
        for (const r of topics) byName.set(r.resourceName, { errorCode, errorMessage: errorMessageOf(e) })
      }
    }
    return {
      throttleTimeMs: 0,
      responses: resources.map((r) => {
        const base = { resourceType: r.resourceType, resourceName: r.resourceName }
        if (r.resourceType !== RESOURCE_TOPIC)
          return {
            ...base,
            errorCode: codeNamed('INVALID_REQUEST'),
            errorMessage:
              r.resourceType === RESOURCE_BROKER
                ? 'brook has no dynamic broker configs'
                : 'unknown resource type',
          }
        const found = byName.get(r.resourceName)
        return {
          ...base,
          errorCode: found?.errorCode ?? codeNamed('UNKNOWN_SERVER_ERROR'),
          errorMessage: found?.errorMessage ?? null,
        }
      }),
    }
  }
}
