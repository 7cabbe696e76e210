// `npm test`: runs the whole vitest suite and ends with one plain closing line,
// "tests: N passed, N failed, N skipped", that CI and people can read at a glance.
// Extra arguments go to vitest (e.g. `npm test -- test/lang`).
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'

const report = '.vitest-report.json'
rmSync(report, { force: true })
const run = spawnSync(
  process.execPath,
  [
    'node_modules/vitest/vitest.mjs',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit' },
)
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'))
  console.log(
    `tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`,
  )
}
process.exit(run.status ?? 1)
