/**
 * `bulwark test DIR [--filter TEXT]`: runs a pack's tests (tests/*.yaml) with a controlled clock.
 */

import { parseArgs } from 'node:util'
import { runPackTests } from '../engine/pack-tests.ts'
import { type Command, usageError } from './command.ts'
import { loadPackFrom } from './pack.ts'

export const testCommand: Command = {
  name: 'test',
  summary: "Run a policy pack's tests",
  usage: `bulwark test DIR [--filter TEXT]

  Runs every test in DIR/tests/*.yaml against a fresh in-memory engine with a clock the test
  controls, and reports each failing step as file:line with what was expected. Exit 1 on any
  failure (or if the pack does not load).
  --filter TEXT   run only tests whose name contains TEXT`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { filter: { type: 'string' } },
    })
    const dir = positionals[0]
    if (!dir) {
      io.err(usageError('test', 'missing the pack directory DIR', this.usage))
      return 1
    }
    const pack = await loadPackFrom(dir, io)
    if (!pack) return 1
    const filter = values.filter
    const report = await runPackTests(pack, filter ? (t) => t.name.includes(filter) : undefined)
    for (const f of report.failures) {
      io.out(`✗ ${f.test}`)
      for (const p of f.problems) io.out(`    ${p}`)
    }
    io.out(`${report.passed} passed, ${report.failed} failed`)
    return report.failed ? 1 : 0
  },
}
