/**
 * @module The package build (`npm run build`; `prepack` runs it, so `npm pack` ships a fresh `dist/`): compiled JavaScript
 * for every entry, and declarations beside it.
 *
 * - `dist/` — `index.js` (`brook`), `worker.js` + `broker.worker.js` (`brook/worker`), `edge.js`
 *   (`brook/edge`), `cloudflare.js` (`brook/cloudflare`) and `cli.js` (the `brook` command), from one rolldown build so that the entries
 *   share their chunks: one `BrookError` class, whichever entry an app imports it from. Flat, so the
 *   worker file always sits beside the module that starts it with
 *   `new URL('./broker.worker.js', import.meta.url)`. comlink and idb (4 kB together) are bundled:
 *   the worker file then has no bare import, which a dev server that serves it from node_modules
 *   as it is (Vite) would have to resolve, and brook has no runtime dependencies.
 * - `dist/browser/` — `brook.js` and `broker.worker.js`, minified and self-contained, for pages with
 *   no bundler (`<script type="module">` from the site or a CDN).
 * - `dist/types/` — tsc's declarations, one per source file, relative imports ending in `.js` so
 *   that every `moduleResolution` (NodeNext, Bundler) finds them.
 *
 * `--js` builds the JavaScript only (what `npm start` needs: 0.3 s). There is
 * no `prepare` script: npm warns about one in every install of the package ("install scripts not
 * yet covered by allowScripts"), though it never runs it from a tarball.
 */

import { execFileSync } from 'node:child_process'
import { readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { builtinModules, createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'rolldown'
import { esmExternalRequirePlugin } from 'rolldown/plugins'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const DIST = join(ROOT, 'dist')
const src = (p: string) => join(ROOT, 'src', p)

/** Node's own modules stay imports; nothing else is external (brook has no runtime dependencies). */
const nodeBuiltins = [/^node:/, ...builtinModules.map((m) => new RegExp(`^${m}(/.*)?$`))]

async function buildJs(): Promise<void> {
  const outputs = []
  outputs.push(
    await build({
      input: {
        index: src('core/index.ts'),
        worker: src('worker/index.ts'),
        'broker.worker': src('worker/broker.worker.ts'),
        edge: src('edge/index.ts'),
        cloudflare: src('edge/cloudflare/index.ts'),
        cli: src('cli/main.ts'),
      },
      platform: 'neutral',
      resolve: { mainFields: ['module', 'main'] },
      // Node's modules stay imports — even where `ws` (the relay's WebSocket server, CommonJS)
      // require()s them.
      plugins: [esmExternalRequirePlugin({ external: nodeBuiltins })],
      // workerd's own module: the Durable Object base class.
      external: ['cloudflare:workers'],
      tsconfig: join(ROOT, 'tsconfig.json'),
      logLevel: 'warn',
      output: {
        dir: DIST,
        format: 'esm',
        entryFileNames: '[name].js',
        chunkFileNames: '[name]-[hash].js',
      },
    }),
  )
  outputs.push(
    await build({
      input: { brook: src('worker/index.ts'), 'broker.worker': src('worker/broker.worker.ts') },
      platform: 'browser',
      tsconfig: join(ROOT, 'tsconfig.json'),
      logLevel: 'warn',
      output: {
        dir: join(DIST, 'browser'),
        format: 'esm',
        entryFileNames: '[name].js',
        chunkFileNames: '[name]-[hash].js',
        minify: true,
      },
    }),
  )
  const bundled = new Set<string>()
  for (const out of outputs)
    for (const chunk of out.output)
      if (chunk.type === 'chunk') for (const id of chunk.moduleIds) bundled.add(packageOf(id) ?? '')
  bundled.delete('')
  await writeFile(join(DIST, 'THIRD-PARTY-NOTICES.md'), await notices([...bundled].sort()))
}

/** The npm package a bundled module comes from (`@scope/name` or `name`), if any. */
function packageOf(id: string): string | undefined {
  const path = id.replace(/\\/g, '/')
  const at = path.lastIndexOf('/node_modules/')
  if (at < 0) return undefined
  const [first, second] = path.slice(at + '/node_modules/'.length).split('/')
  return first?.startsWith('@') ? `${first}/${second}` : first
}

/**
 * The copyright and license of every package bundled into dist/ (MIT, ISC and BSD ask that their
 * notice travel with copies), and of the zstd library whose WebAssembly build is inlined from
 * @bokuweb/zstd-wasm by scripts/gen-zstd-wasm.ts.
 */
async function notices(packages: string[]): Promise<string> {
  const parts = [
    '# Third-party notices',
    '',
    'brook bundles these packages into `dist/`; their licenses follow.',
  ]
  const inlined = ['@bokuweb/zstd-wasm']
  for (const name of [...new Set([...packages, ...inlined])].sort()) {
    const dir = join(ROOT, 'node_modules', name)
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
      version: string
      license?: string
      author?: string | { name: string }
    }
    const files = (await readdir(dir)).filter((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f))
    const author = typeof pkg.author === 'string' ? pkg.author : (pkg.author?.name ?? `the ${name} authors`)
    const text =
      files.length > 0
        ? await readFile(join(dir, files[0]!), 'utf8')
        : `${pkg.license ?? 'see the package'} license. Copyright (c) ${author}.\n\n${LICENSE_TEXT[pkg.license ?? ''] ?? ''}`
    parts.push('', `## ${name} ${pkg.version} (${pkg.license ?? 'unknown'})`, '', '```', text.trim(), '```')
  }
  parts.push(
    '',
    '## zstd (BSD-3-Clause), inlined as WebAssembly from @bokuweb/zstd-wasm',
    '',
    '```',
    ZSTD_LICENSE,
    '```',
    '',
  )
  return parts.join('\n')
}

const MIT =
  'Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated documentation files (the "Software"), to deal in the Software without restriction, including without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the following conditions:\n\nThe above copyright notice and this permission notice shall be included in all copies or substantial portions of the Software.\n\nTHE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.'
const ISC =
  'Permission to use, copy, modify, and/or distribute this software for any purpose with or without fee is hereby granted, provided that the above copyright notice and this permission notice appear in all copies.\n\nTHE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.'
const LICENSE_TEXT: Record<string, string> = { MIT, ISC }
const ZSTD_LICENSE = `BSD License

For Zstandard software

Copyright (c) Meta Platforms, Inc. and affiliates. All rights reserved.

Redistribution and use in source and binary forms, with or without modification,
are permitted provided that the following conditions are met:

 * Redistributions of source code must retain the above copyright notice, this
   list of conditions and the following disclaimer.

 * Redistributions in binary form must reproduce the above copyright notice,
   this list of conditions and the following disclaimer in the documentation
   and/or other materials provided with the distribution.

 * Neither the name Facebook, nor Meta, nor the names of its contributors may
   be used to endorse or promote products derived from this software without
   specific prior written permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND
ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED
WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE
DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE FOR
ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES
(INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES;
LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON
ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT
(INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS
SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.`

async function buildTypes(): Promise<void> {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' })
  // tsc keeps the sources' `.ts` specifiers in declarations; consumers resolve `.js` everywhere.
  const dir = join(DIST, 'types')
  for (const entry of await readdir(dir, { recursive: true })) {
    if (!entry.endsWith('.d.ts')) continue
    const file = join(dir, entry)
    const text = await readFile(file, 'utf8')
    const fixed = text.replace(/(from\s+|import\()(['"])(\.{1,2}\/[^'"]*?)\.ts\2/g, '$1$2$3.js$2')
    if (fixed !== text) await writeFile(file, fixed)
  }
}

/**
 * Builds `dist/` afresh; `types: false` builds the JavaScript only (declarations are the slow part,
 * ~5 s) and leaves the declarations there as they are.
 */
export async function buildPackage(opts: { types?: boolean } = {}): Promise<void> {
  const types = opts.types !== false
  const old = await readdir(DIST).catch(() => [])
  for (const entry of old) {
    if (entry !== 'types' || types) await rm(join(DIST, entry), { recursive: true, force: true })
  }
  await buildJs()
  if (types) await buildTypes()
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  await buildPackage({ types: !process.argv.includes('--js') })
