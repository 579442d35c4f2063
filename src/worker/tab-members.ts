/**
 * @module Which tab joined which group members, so that a tab's members leave their groups the
 * moment the tab is gone — reloaded, closed or crashed — instead of after the session timeout
 * (30 s by default, during which a reloaded page would receive nothing). Each page holds the Web
 * Lock `brook-tab:<broker>:<tab>` for as long as it lives; the broker asks for the same lock, and
 * the browser grants it only when the page's hold ends, which it does for a crashed renderer too.
 */

import type { JoinGroupRequest, JoinGroupResponse, LeaveGroupRequest } from '../core/service.ts'
import type { ServiceMethod } from './api.ts'

export function tabLockName(broker: string, tab: string): string {
  return `brook-tab:${broker}:${tab}`
}

export class TabMembers {
  /** tab → group id → member ids that tab joined and has not left. */
  private readonly tabs = new Map<string, Map<string, Set<string>>>()

  constructor(
    private readonly broker: string,
    private readonly locks: LockManager | undefined,
    private readonly leave: (groupId: string, memberIds: string[]) => Promise<unknown>,
  ) {}

  /** Notes what a call from `tab` did to group membership (it has been answered with `result`). */
  observe(tab: string | undefined, method: ServiceMethod, arg: unknown, result: unknown): void {
    if (tab === undefined || !this.locks) return
    if (method === 'joinGroup') {
      const { memberId } = result as JoinGroupResponse
      if (memberId) this.add(tab, (arg as JoinGroupRequest).groupId, memberId)
    } else if (method === 'leaveGroup') {
      const { groupId, members } = arg as LeaveGroupRequest
      const ids = this.tabs.get(tab)?.get(groupId)
      for (const m of members) ids?.delete(m.memberId)
    }
  }

  private add(tab: string, groupId: string, memberId: string): void {
    let groups = this.tabs.get(tab)
    if (!groups) {
      groups = new Map()
      this.tabs.set(tab, groups)
      void this.locks!.request(tabLockName(this.broker, tab), () => this.gone(tab))
    }
    let ids = groups.get(groupId)
    if (!ids) {
      ids = new Set()
      groups.set(groupId, ids)
    }
    ids.add(memberId)
  }

  private async gone(tab: string): Promise<void> {
    const groups = this.tabs.get(tab)
    this.tabs.delete(tab)
    for (const [groupId, ids] of groups ?? []) {
      // A member the group already dropped answers UNKNOWN_MEMBER_ID: nothing to undo.
      if (ids.size > 0) await this.leave(groupId, [...ids]).catch(() => {})
    }
  }
}
