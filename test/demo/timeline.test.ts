/**
 * @module The demo's replayable timeline: a seed gives the same script, and the script the same
 * trace of broker answers, run after run (checked here in Node, for many seeds) and in the page —
 * whose fingerprint must equal Node's. A shared link reopens the same step.
 */

import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { fingerprint, runTimeline } from '../../demo/src/timeline/run.ts'
import { scriptFor } from '../../demo/src/timeline/script.ts'
import { axe, open, SHOTS, useDemo } from './support.ts'

const demo = useDemo()

describe('the replayable timeline', () => {
  it('gives the same script and the same trace for a seed, and another for another seed', async () => {
    expect(scriptFor(7)).toEqual(scriptFor(7))
    expect(scriptFor(7)).not.toEqual(scriptFor(8))
    for (let seed = 0; seed < 12; seed++) {
      const steps = scriptFor(seed)
      expect(fingerprint(await runTimeline(steps)), `seed ${seed}`).toBe(
        fingerprint(await runTimeline(steps)),
      )
    }
    // Not a trace that says nothing: seed 7 has rebalances, redeliveries, commits and cleaner passes.
    const kinds = new Set((await runTimeline(scriptFor(7))).flat().map((e) => e.kind))
    expect([...kinds]).toEqual(
      expect.arrayContaining([
        'append',
        'clean',
        'commit',
        'crash',
        'generation',
        'join',
        'processed',
        'wait',
      ]),
    )
  })

  it('runs the same trace in the page; a shared link opens the same step', async () => {
    const expected = fingerprint(await runTimeline(scriptFor(7)))
    const context = await demo.browser().newContext({ viewport: { width: 1280, height: 1000 } })
    try {
      const page = await open(context, '?lang=en#timeline?seed=7&at=12')
      await expect
        .poll(() => page.getByTestId('fingerprint').textContent(), { timeout: 30_000 })
        .toBe(`Trace fingerprint ${expected}`)
      expect(await page.getByTestId('step-of').textContent()).toBe('Step 13 of 30')
      // Scrub with the keyboard.
      await page.getByRole('slider').focus()
      await page.keyboard.press('ArrowRight')
      await expect.poll(() => page.getByTestId('step-of').textContent()).toBe('Step 14 of 30')
      const happened = await page.getByTestId('happened').textContent()
      const after = await page.getByTestId('after').textContent()
      await page.getByRole('button', { name: 'Copy the link to this step' }).click()
      expect(page.url()).toMatch(/#timeline\?seed=7&at=13$/)

      const again = await context.newPage()
      await again.goto(page.url())
      await expect
        .poll(() => again.getByTestId('fingerprint').textContent(), { timeout: 30_000 })
        .toBe(`Trace fingerprint ${expected}`)
      expect(await again.getByTestId('step-of').textContent()).toBe('Step 14 of 30')
      expect(await again.getByTestId('happened').textContent()).toBe(happened)
      expect(await again.getByTestId('after').textContent()).toBe(after)
      await page.screenshot({ path: join(SHOTS, 'timeline.png'), fullPage: true })
      expect(await axe(page)).toEqual([])
    } finally {
      await context.close()
    }
  })
})
