/**
 * The cel-spec conformance suite as a CI gate: every test not skipped (with a reason) in
 * test/conformance/skip.yaml must pass, and every listed expectation must still hold.
 */

import { describe, expect, it } from 'vitest'
import { runSuite } from '../conformance/suite.ts'

describe('cel-spec conformance', () => {
  const report = runSuite()

  it('has no unexpected failures, unexpected passes or stale skip entries', () => {
    expect(report.unexpected).toEqual([])
  })

  it('runs the core language files in full', () => {
    for (const file of [
      'basic',
      'comparisons',
      'conversions',
      'fields',
      'integer_math',
      'fp_math',
      'lists',
      'logic',
      'macros',
      'string',
      'timestamps',
    ]) {
      const t = report.files[file]!
      expect(t.failed, file).toBe(0)
      expect(t.passed, file).toBeGreaterThan(0)
    }
    expect(report.passed / (report.passed + report.failed)).toBeGreaterThanOrEqual(0.97)
  })
})
