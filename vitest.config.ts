import { defineConfig } from 'vitest/config'

export default defineConfig({
  // The demo's modules import brook as a package user does; in tests that run them in Node, the
  // name is the source.
  resolve: {
    alias: [{ find: /^brook$/, replacement: new URL('./src/core/index.ts', import.meta.url).pathname }],
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // A condition a test waits for may take a moment on a loaded 2-core CI machine: wait up to 5 s
    // (a passing poll returns as soon as it holds).
    expect: { poll: { timeout: 5000 } },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
