/** @module MemoryStore runs the Store contract, reopened through `reopen()` as a simulated restart. */

import { describeStoreContract } from '../../test/conformance/store-contract.ts'
import { MemoryStore } from './memory-store.ts'
import type { Store } from './store.ts'

describeStoreContract('MemoryStore', async () => new MemoryStore(), {
  reopen: async (old: Store) => {
    await old.close()
    return (old as MemoryStore).reopen()
  },
})
