#!/usr/bin/env node
// The `brook` command: the compiled CLI (`npm run build` makes it in a clone; the package ships it).
let cli
try {
  cli = await import('../dist/cli.js')
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes('dist/cli.js')) throw e
  process.stderr.write('brook: dist/cli.js is missing; run `npm run build` (or `npm install`) first\n')
  process.exit(1)
}
await cli.main()
