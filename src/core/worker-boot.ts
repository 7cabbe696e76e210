/**
 * Starting a worker thread on a TypeScript module: the project runs its sources through tsx, and
 * a worker does not inherit the loader, so a tiny bootstrap registers tsx in the worker and then
 * imports the entry. Used by the storage ingest worker and the server's backtests.
 */

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'

/** The bootstrap: registers tsx (workerData.tsx), then imports workerData.entry. */
const WORKER_BOOT = `const { workerData } = require('node:worker_threads')
import(workerData.tsx).then((tsx) => { tsx.register(); return import(workerData.entry) })`

/** The URL of tsx's ESM API (its `import` export; `import.meta.resolve` is not there under Vitest). */
function tsxApi(): string {
  const pkg = createRequire(import.meta.url).resolve('tsx/package.json')
  const exports = JSON.parse(readFileSync(pkg, 'utf8')).exports as Record<
    string,
    { import: { default: string } }
  >
  return pathToFileURL(join(dirname(pkg), exports['./esm/api']!.import.default)).href
}

/** A worker running the TypeScript module at `entry` (a file URL), with `data` as its workerData. */
export function startTsWorker(entry: URL, data: object): Worker {
  return new Worker(WORKER_BOOT, { eval: true, workerData: { ...data, tsx: tsxApi(), entry: entry.href } })
}
