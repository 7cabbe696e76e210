/**
 * `npm run conformance [-- --json] [-- --filter PREFIX]`: runs the cel-spec conformance suite.
 * Prints a table per file (and any unexpected result); with --json the last line is
 * {"total","passed","failed","skipped","files":{…}}. Exits 1 on any unexpected result.
 */

import { runSuite } from './suite.ts'

const args = process.argv.slice(2)
const json = args.includes('--json')
const filterAt = args.indexOf('--filter')
const prefix = filterAt >= 0 ? args[filterAt + 1] : undefined

const report = runSuite(prefix ? (id) => id.startsWith(prefix) : undefined)
const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(1)}%` : '-')

console.log(
  `${'file'.padEnd(16)} ${'total'.padStart(6)} ${'passed'.padStart(7)} ${'failed'.padStart(7)} ${'skipped'.padStart(8)}  pass rate (run)`,
)
for (const [file, t] of Object.entries(report.files)) {
  console.log(
    `${file.padEnd(16)} ${String(t.total).padStart(6)} ${String(t.passed).padStart(7)} ${String(t.failed).padStart(7)} ${String(t.skipped).padStart(8)}  ${pct(t.passed, t.passed + t.failed)}`,
  )
}
const run = report.passed + report.failed
console.log(
  `\n${report.passed} of ${run} run tests pass (${pct(report.passed, run)}); ${report.skipped} skipped as outside the profile (test/conformance/skip.yaml).`,
)
for (const e of report.expectedFailures) console.log(`expected failure: ${e}`)
for (const u of report.unexpected) console.log(`UNEXPECTED: ${u}`)
if (json) {
  const { total, passed, failed, skipped, files } = report
  console.log(JSON.stringify({ total, passed, failed, skipped, files }))
}
process.exitCode = report.unexpected.length ? 1 : 0
