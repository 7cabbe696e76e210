/**
 * Runs the whole conformance suite against the committed skip list and expected failures, and
 * tallies the outcome per file. Shared by `npm run conformance` and the CI test.
 */

import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { loadCases, runCase } from './cases.ts'

interface Expectations {
  readonly reasons: Record<string, string>
  readonly skip: Record<string, string>
  readonly expected_failures: Record<string, string>
}

export interface FileTally {
  total: number
  passed: number
  failed: number
  skipped: number
}

export interface SuiteReport {
  readonly total: number
  readonly passed: number
  readonly failed: number
  readonly skipped: number
  readonly files: Record<string, FileTally>
  /** Problems that fail CI: unexpected failures and passes, stale list entries. */
  readonly unexpected: string[]
  /** Expected failures that did fail, with the reason. */
  readonly expectedFailures: string[]
}

export function loadExpectations(): Expectations {
  const raw = parseYaml(
    readFileSync(new URL('./skip.yaml', import.meta.url), 'utf8'),
  ) as Partial<Expectations>
  return { reasons: raw.reasons ?? {}, skip: raw.skip ?? {}, expected_failures: raw.expected_failures ?? {} }
}

export function runSuite(filter?: (id: string) => boolean): SuiteReport {
  const exp = loadExpectations()
  const files: Record<string, FileTally> = {}
  const unexpected: string[] = []
  const expectedFailures: string[] = []
  let passed = 0
  let failed = 0
  let skipped = 0
  const seen = new Set<string>()
  const cases = loadCases().filter((c) => !filter || filter(c.id))
  for (const c of cases) {
    seen.add(c.id)
    files[c.file] ??= { total: 0, passed: 0, failed: 0, skipped: 0 }
    const tally = files[c.file]!
    tally.total++
    const skipReason = exp.skip[c.id]
    if (skipReason !== undefined) {
      if (!(skipReason in exp.reasons)) unexpected.push(`${c.id}: skip reason '${skipReason}' is not defined`)
      tally.skipped++
      skipped++
      continue
    }
    const outcome = runCase(c)
    const expectedToFail = exp.expected_failures[c.id]
    if (outcome.pass) {
      tally.passed++
      passed++
      if (expectedToFail !== undefined)
        unexpected.push(`${c.id}: passes but is listed as an expected failure (${expectedToFail})`)
    } else {
      tally.failed++
      failed++
      if (expectedToFail === undefined) unexpected.push(`${c.id}: ${outcome.reason}`)
      else expectedFailures.push(`${c.id}: ${expectedToFail}`)
    }
  }
  if (!filter) {
    for (const id of [...Object.keys(exp.skip), ...Object.keys(exp.expected_failures)]) {
      if (!seen.has(id)) unexpected.push(`${id}: listed in skip.yaml but not in the suite`)
    }
  }
  return { total: cases.length, passed, failed, skipped, files, unexpected, expectedFailures }
}
