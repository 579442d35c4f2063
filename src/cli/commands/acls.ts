/**
 * @module `brook acls`: what `kafka-acls.sh` does — add, remove and list ACLs with Kafka's
 * CreateAcls, DeleteAcls and DescribeAcls, with the same flags and the same listing format.
 */

import {
  type AclBinding,
  type AclFilter,
  AclOperations,
  CLUSTER_NAME,
  PatternTypes,
  PermissionTypes,
  ResourceTypes,
} from '../../core/acl.ts'
import { BrookError } from '../../core/errors.ts'
import type { BrokerService } from '../../core/service.ts'
import type { ParsedArgs } from '../args.ts'
import { UsageError } from '../args.ts'
import { clientProperties } from '../client-config.ts'
import { COMMAND_CONFIG_OPTION, defineCommand, oneAction, parseCommand, withBroker } from '../command.ts'
import { type CliContext, CommandError, write } from '../context.ts'

const command = defineCommand(
  'brook acls [--bootstrap-server host:port] --add|--remove|--list [resource] [principals] [operations]',
  'Add, remove and list ACLs (as kafka-acls.sh). Enforced when brook serve runs with --authorizer.',
  {
    add: { type: 'flag', help: 'Add ACLs: every principal × operation × resource given' },
    remove: { type: 'flag', help: 'Remove the ACLs that match' },
    list: { type: 'flag', help: 'List ACLs (of the resources given, or all)' },
    topic: {
      type: 'list',
      arg: '<topic>',
      help: 'A topic (name, or prefix with --resource-pattern-type prefixed)',
    },
    group: { type: 'list', arg: '<group>', help: 'A consumer group' },
    'transactional-id': { type: 'list', arg: '<id>', help: 'A transactional id' },
    cluster: { type: 'flag', help: 'The cluster (for Create, Alter, Describe, IdempotentWrite, ...)' },
    'resource-pattern-type': {
      type: 'string',
      arg: '<type>',
      help: 'literal or prefixed; for --list and --remove also any or match',
      default: 'literal',
    },
    'allow-principal': { type: 'list', arg: '<User:name>', help: 'Principal the ACLs allow' },
    'deny-principal': { type: 'list', arg: '<User:name>', help: 'Principal the ACLs deny' },
    principal: { type: 'list', arg: '<User:name>', help: 'With --list: only ACLs of this principal' },
    'allow-host': { type: 'list', arg: '<host>', help: 'Host of the allowing ACLs (default *)' },
    'deny-host': { type: 'list', arg: '<host>', help: 'Host of the denying ACLs (default *)' },
    operation: {
      type: 'list',
      arg: '<op>',
      help: 'All, Read, Write, Create, Delete, Alter, Describe, ClusterAction, DescribeConfigs, AlterConfigs, IdempotentWrite',
    },
    force: { type: 'flag', help: 'With --remove: do not ask (brook never asks)' },
    'command-config': COMMAND_CONFIG_OPTION,
  },
)

export const aclsHelp = command.help

const OPERATIONS: Record<string, number> = {
  all: AclOperations.ALL,
  read: AclOperations.READ,
  write: AclOperations.WRITE,
  create: AclOperations.CREATE,
  delete: AclOperations.DELETE,
  alter: AclOperations.ALTER,
  describe: AclOperations.DESCRIBE,
  clusteraction: AclOperations.CLUSTER_ACTION,
  describeconfigs: AclOperations.DESCRIBE_CONFIGS,
  alterconfigs: AclOperations.ALTER_CONFIGS,
  idempotentwrite: AclOperations.IDEMPOTENT_WRITE,
}
const PATTERNS: Record<string, number> = {
  literal: PatternTypes.LITERAL,
  prefixed: PatternTypes.PREFIXED,
  any: PatternTypes.ANY,
  match: PatternTypes.MATCH,
}
const nameOf = (table: object, code: number) =>
  Object.entries(table).find(([, v]) => v === code)?.[0] ?? String(code)

interface Resource {
  resourceType: number
  resourceName: string
}

function resources(args: ParsedArgs): Resource[] {
  const out: Resource[] = []
  for (const t of args.lists.get('topic') ?? [])
    out.push({ resourceType: ResourceTypes.TOPIC, resourceName: t })
  for (const g of args.lists.get('group') ?? [])
    out.push({ resourceType: ResourceTypes.GROUP, resourceName: g })
  for (const id of args.lists.get('transactional-id') ?? [])
    out.push({ resourceType: ResourceTypes.TRANSACTIONAL_ID, resourceName: id })
  if (args.flags.has('cluster')) out.push({ resourceType: ResourceTypes.CLUSTER, resourceName: CLUSTER_NAME })
  return out
}

function operations(args: ParsedArgs, fallback: number[]): number[] {
  const given = args.lists.get('operation') ?? []
  if (given.length === 0) return fallback
  return given.map((o) => {
    const code = OPERATIONS[o.replace(/[-_]/g, '').toLowerCase()]
    if (code === undefined)
      throw new UsageError(`unknown --operation ${o} (${Object.keys(OPERATIONS).join(', ')})`)
    return code
  })
}

function principals(list: string[] | undefined): string[] {
  for (const p of list ?? [])
    if (!/^[A-Za-z]+:.+/.test(p)) throw new UsageError(`principal ${p} is not Type:name (User:alice)`)
  return list ?? []
}

/** Every binding the flags describe: principals × hosts × operations × resources. */
function bindings(args: ParsedArgs, patternType: number): AclBinding[] {
  const out: AclBinding[] = []
  const res = resources(args)
  if (res.length === 0)
    throw new UsageError('name a resource: --topic, --group, --transactional-id or --cluster')
  const ops = operations(args, [])
  if (ops.length === 0) throw new UsageError('name at least one --operation')
  const sides: [number, string[], string[]][] = [
    [
      PermissionTypes.ALLOW,
      principals(args.lists.get('allow-principal')),
      args.lists.get('allow-host') ?? ['*'],
    ],
    [
      PermissionTypes.DENY,
      principals(args.lists.get('deny-principal')),
      args.lists.get('deny-host') ?? ['*'],
    ],
  ]
  if (sides.every(([, ps]) => ps.length === 0))
    throw new UsageError('name a principal: --allow-principal or --deny-principal')
  for (const [permissionType, ps, hosts] of sides)
    for (const principal of ps)
      for (const host of hosts)
        for (const operation of ops)
          for (const r of res) out.push({ ...r, patternType, principal, host, operation, permissionType })
  return out
}

function call<K extends 'createAcls' | 'describeAcls' | 'deleteAcls'>(
  s: BrokerService,
  name: K,
): NonNullable<BrokerService[K]> {
  const f = s[name]
  if (!f) throw new CommandError('this broker does not speak the ACL APIs')
  return f.bind(s) as NonNullable<BrokerService[K]>
}

function failOn(code: number, message: string | null | undefined, what: string): void {
  if (code !== 0) throw BrookError.fromCode(code, message ?? what)
}

/** Kafka's listing: one block per resource pattern. */
function listing(acls: AclBinding[]): string {
  const groups = new Map<string, AclBinding[]>()
  for (const b of acls) {
    const key = `ResourcePattern(resourceType=${nameOf(ResourceTypes, b.resourceType)}, name=${b.resourceName}, patternType=${nameOf(PatternTypes, b.patternType)})`
    groups.set(key, [...(groups.get(key) ?? []), b])
  }
  let out = ''
  for (const [key, bs] of groups) {
    out += `Current ACLs for resource \`${key}\`: \n`
    for (const b of bs)
      out += `\t(principal=${b.principal}, host=${b.host}, operation=${nameOf(AclOperations, b.operation)}, permissionType=${nameOf(PermissionTypes, b.permissionType)})\n`
    out += '\n'
  }
  return out
}

export async function aclsCommand(argv: string[], ctx: CliContext): Promise<number> {
  const args = await parseCommand(argv, command, ctx)
  if (!args) return 0
  const action = oneAction(
    args,
    ['add', 'remove', 'list'] as const,
    'command must include exactly one action: --add, --remove or --list',
  )
  const pattern = PATTERNS[(args.values.get('resource-pattern-type') ?? 'literal').toLowerCase()]
  if (pattern === undefined)
    throw new UsageError('--resource-pattern-type is literal, prefixed, any or match')
  if (action === 'add' && pattern !== PatternTypes.LITERAL && pattern !== PatternTypes.PREFIXED)
    throw new UsageError('--add needs --resource-pattern-type literal or prefixed')
  const client = { clientId: 'brook-acls', props: clientProperties(args, 'command-config') }
  return await withBroker(args, ctx, client, async (service) => {
    if (action === 'add') {
      const wanted = bindings(args, pattern)
      const res = await call(service, 'createAcls')(wanted)
      for (const r of res) failOn(r.errorCode, r.errorMessage, 'createAcls')
      await write(ctx.stdout, `Adding ACLs:\n${listing(wanted)}`)
      return 0
    }
    if (action === 'remove') {
      const filters: AclFilter[] = bindings(args, pattern).map((b) => ({ ...b }))
      const res = await call(service, 'deleteAcls')(filters)
      for (const r of res) failOn(r.errorCode, r.errorMessage, 'deleteAcls')
      const removed = res.flatMap((r) => r.deleted)
      await write(ctx.stdout, removed.length > 0 ? `Removed ACLs:\n${listing(removed)}` : 'No ACL matched.\n')
      return 0
    }
    const res = resources(args)
    const principalsWanted = principals(args.lists.get('principal'))
    const filters: AclFilter[] = (res.length > 0 ? res : [null]).flatMap((r) =>
      (principalsWanted.length > 0 ? principalsWanted : [null]).map((principal) => ({
        resourceType: r?.resourceType ?? ResourceTypes.ANY,
        resourceName: r?.resourceName ?? null,
        patternType: r ? pattern : PatternTypes.ANY,
        principal,
        host: null,
        operation: AclOperations.ANY,
        permissionType: PermissionTypes.ANY,
      })),
    )
    const seen = new Set<string>()
    const all: AclBinding[] = []
    for (const f of filters) {
      const r = await call(service, 'describeAcls')(f)
      failOn(r.errorCode, r.errorMessage, 'describeAcls')
      for (const b of r.acls) {
        const key = JSON.stringify(b)
        if (!seen.has(key)) {
          seen.add(key)
          all.push(b)
        }
      }
    }
    await write(ctx.stdout, listing(all))
    return 0
  })
}
