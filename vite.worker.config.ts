/**
 * @module Builds `brook/worker` for pages: `dist/worker/index.js` (connect, IdbStore) and
 * `dist/worker/broker.worker.js` (the SharedWorker / Worker entry) side by side, dependencies
 * bundled, so serving the folder is all a page needs. `index.js` finds the worker beside itself.
 */

import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))

export default defineConfig({
  // A library build: no public dir, no HTML, no dev-only env replacement surprises.
  publicDir: false,
  logLevel: 'warn',
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
