/**
 * @module brook on Cloudflare as a user deploys it: the tarball installed into a throwaway project,
 * the package's own cloudflare/worker.ts and wrangler.toml copied in, bundled by wrangler
 * (`deploy --dry-run`), and the bundle run in workerd.
 */

import { copyFile, mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Miniflare } from 'miniflare'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BROOK_OBJECTS, COMPATIBILITY_DATE } from '../cloudflare/support.ts'
import { consumerProject, type Project, ROOT, run } from './support.ts'

describe('brook/cloudflare from the tarball', () => {
  let project: Project
  beforeAll(async () => {
    project = await consumerProject({})
    await mkdir(join(project.dir, 'cloudflare'))
    for (const f of ['worker.ts', 'wrangler.toml'])
      await copyFile(
        join(project.dir, 'node_modules/brook/cloudflare', f),
        join(project.dir, 'cloudflare', f),
      )
  })
  afterAll(() => project?.close())

  it('bundles with wrangler and serves the relay in workerd', async () => {
    const out = join(project.dir, 'out')
    const built = await run(
      process.execPath,
      [
        join(ROOT, 'node_modules/wrangler/bin/wrangler.js'),
        'deploy',
        '--dry-run',
        '--outdir',
        out,
        '-c',
        'cloudflare/wrangler.toml',
      ],
      { cwd: project.dir, env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' } },
    )
    expect(built.code, built.err).toBe(0)
    expect(built.out).toMatch(/env\.BROOK_PARTITION \(BrookPartition\)\s+Durable Object/)
    const scriptPath = join(out, 'worker.js')
    const mf = new Miniflare({
      modules: true,
      scriptPath,
      modulesRoot: dirname(scriptPath),
      compatibilityDate: COMPATIBILITY_DATE,
      durableObjects: BROOK_OBJECTS,
      bindings: { BROOK_TOKENS: 'tok=me', BROOK_AUTO_CREATE_TOPICS: 'true' },
    })
    try {
      const auth = { authorization: 'Bearer tok', 'content-type': 'application/json' }
      expect((await mf.dispatchFetch('http://w/v1/topics')).status).toBe(401)
      const sent = await mf.dispatchFetch('http://w/v1/topics/auto/records', {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ records: [{ value: { hello: 'edge' } }] }),
      })
      expect(await sent.json()).toEqual({ offsets: [{ partition: 0, offset: 0 }] })
      const read = await mf.dispatchFetch('http://w/v1/topics/auto/partitions/0/records?offset=0', {
        headers: auth,
      })
      expect(((await read.json()) as { records: { value: unknown }[] }).records.map((r) => r.value)).toEqual([
        { hello: 'edge' },
      ])
    } finally {
      await mf.dispose()
    }
  }, 120_000)
})
