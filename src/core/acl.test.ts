import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  type AclBinding,
  decide,
  filterMatches,
  MATCH_ALL,
  AclOperations as Op,
  PatternTypes as Pat,
  PermissionTypes as Perm,
  ResourceTypes as Res,
} from './acl.ts'
import { Broker } from './broker.ts'
import { MemoryStore } from './memory-store.ts'

const allow = (
  op: number,
  name: string,
  pattern: number = Pat.LITERAL,
  principal = 'User:alice',
): AclBinding => ({
  resourceType: Res.TOPIC,
  resourceName: name,
  patternType: pattern,
  principal,
  host: '*',
  operation: op,
  permissionType: Perm.ALLOW,
})
const deny = (op: number, name: string, pattern: number = Pat.LITERAL): AclBinding => ({
  ...allow(op, name, pattern),
  permissionType: Perm.DENY,
})
const ask = (acls: AclBinding[], op: number, name: string, principal = 'User:alice', host = '10.0.0.1') =>
  decide(
    acls,
    { principal, host, operation: op, resourceType: Res.TOPIC, resourceName: name },
    new Set(['User:root']),
  )

describe('ACL decisions (Kafka StandardAuthorizer)', () => {
  it('allows nothing without an ACL, everything to a super user', () => {
    expect(ask([], Op.READ, 't')).toBe(false)
    expect(ask([], Op.DELETE, 't', 'User:root')).toBe(true)
  })

  it('matches literal names, the * wildcard and prefixes', () => {
    expect(ask([allow(Op.READ, 'orders')], Op.READ, 'orders')).toBe(true)
    expect(ask([allow(Op.READ, 'orders')], Op.READ, 'orders-2')).toBe(false)
    expect(ask([allow(Op.READ, '*')], Op.READ, 'anything')).toBe(true)
    expect(ask([allow(Op.READ, 'ord', Pat.PREFIXED)], Op.READ, 'orders')).toBe(true)
    expect(ask([allow(Op.READ, 'ord', Pat.PREFIXED)], Op.READ, 'or')).toBe(false)
    expect(ask([allow(Op.READ, 'orders', Pat.LITERAL, 'User:*')], Op.READ, 'orders', 'User:bob')).toBe(true)
    expect(ask([{ ...allow(Op.READ, 'orders'), host: '10.0.0.2' }], Op.READ, 'orders')).toBe(false)
  })

  it('lets READ, WRITE, DELETE and ALTER imply DESCRIBE, ALTER_CONFIGS imply DESCRIBE_CONFIGS, ALL everything', () => {
    for (const op of [Op.READ, Op.WRITE, Op.DELETE, Op.ALTER])
      expect(ask([allow(op, 't')], Op.DESCRIBE, 't')).toBe(true)
    expect(ask([allow(Op.CREATE, 't')], Op.DESCRIBE, 't')).toBe(false)
    expect(ask([allow(Op.ALTER_CONFIGS, 't')], Op.DESCRIBE_CONFIGS, 't')).toBe(true)
    expect(ask([allow(Op.READ, 't')], Op.WRITE, 't')).toBe(false)
    for (const op of [Op.READ, Op.WRITE, Op.CREATE, Op.DELETE, Op.ALTER, Op.DESCRIBE])
      expect(ask([allow(Op.ALL, 't')], op, 't')).toBe(true)
  })

  it('lets a DENY win over any ALLOW, whatever the order', () => {
    const ops = [Op.READ, Op.WRITE, Op.CREATE, Op.DELETE, Op.ALTER, Op.DESCRIBE, Op.ALL]
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...ops), { maxLength: 6 }),
        fc.constantFrom(Op.READ, Op.WRITE, Op.DELETE),
        fc.boolean(),
        (allowed, denied, denyAll) => {
          const acls = [
            ...allowed.map((op) => allow(op, 't')),
            deny(denyAll ? Op.ALL : denied, 't', Pat.PREFIXED),
          ]
          expect(ask(acls, denied, 't')).toBe(false)
          expect(ask(acls.slice().reverse(), denied, 't')).toBe(false)
        },
      ),
    )
  })
})

describe('ACL filters (DescribeAcls / DeleteAcls)', () => {
  const bindings = [
    allow(Op.READ, 'orders'),
    allow(Op.READ, 'ord', Pat.PREFIXED),
    allow(Op.WRITE, '*'),
    allow(Op.READ, 'other'),
  ]
  const names = (f: Partial<typeof MATCH_ALL>) =>
    bindings
      .filter((b) => filterMatches({ ...MATCH_ALL, ...f }, b))
      .map((b) => `${b.resourceName}/${b.patternType}`)

  it('selects by exact pattern, any pattern of a name, or every pattern that would match a name', () => {
    expect(names({})).toHaveLength(4)
    expect(names({ resourceName: 'orders', patternType: Pat.LITERAL })).toEqual(['orders/3'])
    expect(names({ resourceName: 'ord', patternType: Pat.ANY })).toEqual(['ord/4'])
    expect(names({ resourceName: 'orders', patternType: Pat.MATCH })).toEqual(['orders/3', 'ord/4', '*/3'])
    expect(names({ patternType: Pat.PREFIXED })).toEqual(['ord/4'])
    expect(names({ operation: Op.WRITE })).toEqual(['*/3'])
    expect(names({ principal: 'User:bob' })).toEqual([])
  })
})

describe('ACLs in the broker', () => {
  it('persist across a restart, refuse bad bindings with INVALID_REQUEST, delete by filter', async () => {
    const store = new MemoryStore()
    const broker = await Broker.open({ store })
    const res = await broker.createAcls([
      allow(Op.READ, 'orders'),
      { ...allow(Op.READ, 'x'), principal: 'alice' },
      { ...allow(Op.READ, 'x'), patternType: Pat.MATCH },
      { ...allow(Op.READ, 'x'), resourceType: Res.CLUSTER },
    ])
    expect(res.map((r) => r.errorCode)).toEqual([0, 42, 42, 42])
    expect(res[1]!.errorMessage).toMatch(/not Type:name/)
    await broker.close()
    const again = await Broker.open({ store: store.reopen() })
    expect((await again.describeAcls(MATCH_ALL)).acls).toEqual([allow(Op.READ, 'orders')])
    const [deleted] = await again.deleteAcls([
      { ...MATCH_ALL, resourceName: 'orders', patternType: Pat.MATCH },
    ])
    expect(deleted!.deleted).toHaveLength(1)
    expect((await again.describeAcls(MATCH_ALL)).acls).toEqual([])
    await again.close()
  })
})
