/**
 * @module The config APIs on the server side: DescribeConfigs (32), AlterConfigs (33) and
 * IncrementalAlterConfigs (44), for topic and broker resources. A broker resource is named by
 * this broker's id, or "" for the cluster-wide dynamic defaults (Kafka's ConfigHelper).
 */

import { BrookError, errorCode as codeNamed } from '../errors.ts'
import { errorMessageOf } from '../request-values.ts'
import type { BrokerConfigScope, DescribeConfigsResult } from '../service.ts'
import { type ApiContext, arr, type Body, codeOf, node, type Request, type Response } from './api-context.ts'
import type { API } from './api-keys.ts'
import {
  CONFIG_OPS,
  CONFIG_SOURCES,
  CONFIG_TYPES,
  configSourceOf,
  RESOURCE_BROKER,
  RESOURCE_TOPIC,
} from './config-resources.ts'

type Config = DescribeConfigsResult['configs'][number]

/** The level a broker resource names, or INVALID_REQUEST with Kafka's words. */
function brokerScope(ctx: ApiContext, name: string | null, alter: boolean): BrokerConfigScope {
  if (name === null || name === '') return 'default'
  const id = node(ctx)
  if (!/^-?\d+$/.test(name))
    throw new BrookError('INVALID_REQUEST', `Broker id must be an integer, but it is: ${name}`)
  if (Number(name) !== id)
    throw new BrookError(
      'INVALID_REQUEST',
      `Unexpected broker id, expected ${id}${alter ? '' : ' or empty string'}, but received ${name}`,
    )
  return 'broker'
}

/**
 * broker.id and node.id as clients know this broker: the listener's id (an application embedding
 * a broker may leave the broker's own at its default).
 */
function ownId(ctx: ApiContext, c: Config): Config {
  if (c.name !== 'broker.id' && c.name !== 'node.id') return c
  const value = String(node(ctx))
  return { ...c, value, synonyms: c.synonyms?.map((s) => ({ ...s, value })) }
}

export async function describeConfigs(
  ctx: ApiContext,
  _version: number,
  body: Request<typeof API.DescribeConfigs>,
): Promise<Response<typeof API.DescribeConfigs>> {
  const resources = arr(body.resources)
  const topicNames = resources.filter((r) => r.resourceType === RESOURCE_TOPIC).map((r) => r.resourceName)
  const byName = new Map<string, DescribeConfigsResult>()
  let code = 0
  if (topicNames.length > 0) {
    try {
      for (const r of await ctx.service.describeConfigs(topicNames)) byName.set(r.name, r)
    } catch (e) {
      code = codeOf(e, ctx, 'describeConfigs')
    }
  }
  const entry = (c: Config) => ({
    name: c.name,
    value: c.value,
    readOnly: c.readOnly,
    isDefault: c.isDefault,
    configSource: configSourceOf(c),
    isSensitive: false,
    synonyms: body.includeSynonyms
      ? (c.synonyms ?? []).map((s) => ({ name: s.name, value: s.value, source: CONFIG_SOURCES[s.source] }))
      : [],
    configType: c.type ? CONFIG_TYPES[c.type] : 0,
    documentation: null,
  })
  const results = []
  for (const r of resources) {
    // Kafka lists every config when the keys are null or empty.
    const keys = r.configurationKeys?.length ? r.configurationKeys : null
    const pick = (configs: Config[]) =>
      configs.filter((c) => keys === null || keys.includes(c.name)).map(entry)
    const base = { errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName }
    if (r.resourceType === RESOURCE_BROKER) {
      try {
        const scope = brokerScope(ctx, r.resourceName, false)
        const configs = ctx.service.describeBrokerConfigs
          ? await ctx.service.describeBrokerConfigs(scope)
          : []
        results.push({ ...base, errorCode: 0, configs: pick(configs.map((c) => ownId(ctx, c))) })
      } catch (e) {
        results.push({
          ...base,
          errorCode: codeOf(e, ctx, 'describeBrokerConfigs'),
          errorMessage: errorMessageOf(e),
          configs: [],
        })
      }
      continue
    }
    if (r.resourceType !== RESOURCE_TOPIC) {
      results.push({
        ...base,
        errorCode: codeNamed('INVALID_REQUEST'),
        errorMessage: `Unsupported resource type: ${r.resourceType}`,
        configs: [],
      })
      continue
    }
    const found = byName.get(r.resourceName)
    if (!found) results.push({ ...base, errorCode: code || 3, configs: [] })
    else results.push({ ...base, errorCode: found.errorCode, configs: pick(found.configs) })
  }
  return { throttleTimeMs: 0, results }
}

interface AlterResult {
  errorCode: number
  errorMessage: string | null
}

/** AlterConfigs (replace a resource's configs) and IncrementalAlterConfigs (change entries, KIP-339). */
export function alterConfigs(incremental: boolean) {
  return async (ctx: ApiContext, _version: number, body: Body): Promise<Body> => {
    const resources = arr(body.resources as Body[])
    const validateOnly = !!body.validateOnly
    const entriesOf = (r: Body) =>
      arr<Body>(r.configs).map((c) => ({
        name: c.name,
        value: c.value,
        op: incremental ? (CONFIG_OPS[c.configOperation] ?? ('unknown' as never)) : ('set' as const),
      }))
    const topics = resources.filter((r) => r.resourceType === RESOURCE_TOPIC)
    const byName = new Map<string, AlterResult>()
    if (topics.length > 0) {
      try {
        const results = await ctx.service.alterConfigs({
          incremental,
          validateOnly,
          topics: topics.map((r) => ({ name: r.resourceName, configs: entriesOf(r) })),
        })
        for (const r of results)
          byName.set(r.name, { errorCode: r.errorCode, errorMessage: r.errorMessage ?? null })
      } catch (e) {
        const errorCode = codeOf(e, ctx, 'alterConfigs')
        for (const r of topics) byName.set(r.resourceName, { errorCode, errorMessage: errorMessageOf(e) })
      }
    }
    const alterBroker = async (r: Body): Promise<AlterResult> => {
      try {
        const scope = brokerScope(ctx, r.resourceName, true)
        if (!ctx.service.alterBrokerConfigs)
          return {
            errorCode: codeNamed('INVALID_REQUEST'),
            errorMessage: 'this broker has no dynamic configs',
          }
        return await ctx.service.alterBrokerConfigs({
          scope,
          incremental,
          validateOnly,
          configs: entriesOf(r),
        })
      } catch (e) {
        return { errorCode: codeOf(e, ctx, 'alterBrokerConfigs'), errorMessage: errorMessageOf(e) }
      }
    }
    const responses = []
    for (const r of resources) {
      const base = { resourceType: r.resourceType, resourceName: r.resourceName }
      if (r.resourceType === RESOURCE_BROKER) {
        responses.push({ ...base, ...(await alterBroker(r)) })
        continue
      }
      if (r.resourceType !== RESOURCE_TOPIC) {
        responses.push({
          ...base,
          errorCode: codeNamed('INVALID_REQUEST'),
          errorMessage: `AlterConfigs is only supported for topics and brokers, but resource type is ${r.resourceType}`,
        })
        continue
      }
      const found = byName.get(r.resourceName)
      responses.push({
        ...base,
        errorCode: found?.errorCode ?? codeNamed('UNKNOWN_SERVER_ERROR'),
        errorMessage: found?.errorMessage ?? null,
      })
    }
    return { throttleTimeMs: 0, responses }
  }
}
