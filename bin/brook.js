#!/usr/bin/env node
// The `brook` command. tsx's loader is registered in this very process (no wrapper child), so that
// signals — including `kill -9` — reach the broker itself, and `npx brook` works from the project.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src/cli/main.ts')
await main()
