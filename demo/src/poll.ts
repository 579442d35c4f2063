/** @module A component's view of something it must ask for: asked now and every `ms` while shown. */

import { useEffect, useState } from 'preact/hooks'

export function usePoll<T>(ask: () => Promise<T>, ms: number, deps: unknown[] = []): T | undefined {
  const [value, setValue] = useState<T | undefined>(undefined)
  useEffect(() => {
    let live = true
    let timer: ReturnType<typeof setTimeout>
    const tick = async () => {
      try {
        const v = await ask()
        if (live) setValue(v)
      } catch {
        // Asked too early (no topic yet) or the broker is busy: the next tick asks again.
      }
      if (live) timer = setTimeout(tick, ms)
    }
    void tick()
    return () => {
      live = false
      clearTimeout(timer)
    }
  }, deps)
  return value
}
