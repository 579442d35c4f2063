/**
 * @module The teaching demo's build: a static site (`npm run build:demo` → `demo/dist/`) that
 * imports brook as a user of the package does — `brook` and `brook/worker` resolve to the package
 * build in `dist/` (made by `npm run build`), whose worker Vite finds and emits by itself.
 */

import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))

export default defineConfig({
  root: here('.'),
  base: './',
  publicDir: false,
  logLevel: 'warn',
  resolve: {
    alias: [
      { find: /^brook\/worker$/, replacement: here('../dist/worker.js') },
      { find: /^brook$/, replacement: here('../dist/index.js') },
    ],
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: here('dist'), emptyOutDir: true, target: 'es2022' },
  server: { host: '127.0.0.1', port: 8080, strictPort: true },
  preview: { host: '127.0.0.1', port: 8080, strictPort: true },
})
