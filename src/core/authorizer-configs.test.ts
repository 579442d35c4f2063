/** @module Broker configs behind the authorizer: Kafka checks DESCRIBE_CONFIGS and ALTER_CONFIGS on the cluster. */

import { describe, expect, it } from 'vitest'
import {
  CLUSTER_NAME,
  AclOperations as Op,
  PatternTypes as Pat,
  PermissionTypes as Perm,
  ResourceTypes as Res,
} from './acl.ts'
import { Authorizer } from './authorizer.ts'
import { Broker } from './broker.ts'
import { MemoryStore } from './memory-store.ts'

const alter = {
  scope: 'broker' as const,
  incremental: true,
  configs: [{ name: 'log.retention.ms', value: '1000', op: 'set' as const }],
}

describe('broker configs and ACLs', () => {
  it('need DESCRIBE_CONFIGS / ALTER_CONFIGS on the cluster; ALTER_CONFIGS implies DESCRIBE_CONFIGS', async () => {
    const broker = await Broker.open({ store: new MemoryStore() })
    const authorizer = new Authorizer(broker)
    const alice = authorizer.forPrincipal('User:alice', '10.0.0.1')
    await expect(alice.describeBrokerConfigs!('broker')).rejects.toMatchObject({
      type: 'CLUSTER_AUTHORIZATION_FAILED',
    })
    expect(await alice.alterBrokerConfigs!(alter)).toMatchObject({ errorCode: 31 })
    expect(
      (await broker.describeBrokerConfigs('broker')).find((c) => c.name === 'log.retention.ms')!.value,
    ).toBeNull()

    await broker.createAcls([
      {
        resourceType: Res.CLUSTER,
        resourceName: CLUSTER_NAME,
        patternType: Pat.LITERAL,
        principal: 'User:alice',
        host: '*',
        operation: Op.ALTER_CONFIGS,
        permissionType: Perm.ALLOW,
      },
    ])
    authorizer.invalidate()
    expect(await alice.alterBrokerConfigs!(alter)).toEqual({ errorCode: 0, errorMessage: null })
    const configs = await alice.describeBrokerConfigs!('broker')
    expect(configs.find((c) => c.name === 'log.retention.ms')!.value).toBe('1000')
    await broker.close()
  })
})
