/**
 * @module Builds `brook/worker` for pages: `dist/worker/index.js` (connect, IdbStore) and
 * `dist/worker/broker.worker.js` (the SharedWorker / Worker entry) side by side, dependencies
 * bundled, so serving the folder is all a page needs. `index.js` finds the worker beside itself.
 */

import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Plugin } from 'vite'
import { defineConfig } from 'vite'

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))

/**
 * Declarations for `brook/worker` (`index.d.ts` beside `index.js`), emitted by tsc after the bundle.
 * Skipped in `--mode test`: the browser tests rebuild the bundle often and need no types.
 */
function declarations(): Plugin {
  let outDir = ''
  return {
    name: 'brook-worker-declarations',
    apply: (_config, env) => env.command === 'build' && env.mode !== 'test',
    configResolved(config) {
      outDir = config.build.outDir
    },
    closeBundle() {
      const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
      const project = here('./src/worker/tsconfig.types.json')
      execFileSync(process.execPath, [tsc, '-p', project, '--outDir', join(outDir, 'types')], {
        stdio: 'inherit',
      })
      writeFileSync(join(outDir, 'index.d.ts'), "export * from './types/worker/index.ts'\n")
    },
  }
}

export default defineConfig({
  // A library build: no public dir, no HTML, no dev-only env replacement surprises.
  publicDir: false,
  logLevel: 'warn',
  plugins: [declarations()],
  build: {
    outDir: here('./dist/worker'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    minify: true,
    lib: {
      entry: {
        index: here('./src/worker/index.ts'),
        'broker.worker': here('./src/worker/broker.worker.ts'),
      },
      formats: ['es'],
    },
    rollupOptions: {
      output: {
        entryFileNames: '[name].js',
        // Shared code (core) lands beside the entries; both entries import it relatively.
        chunkFileNames: '[name]-[hash].js',
      },
    },
  },
})
