#!/usr/bin/env node
// The `bulwark` command. Runs the TypeScript sources directly through tsx's loader, so the
// command always matches the checked-out code (no build step to forget).
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src/cli/main.ts')
process.exitCode = await main(process.argv.slice(2))
