/**
 * Pack tests (tests/*.yaml): named sequences of events, each step optionally advancing a clock
 * the test controls and stating what the decision must be — outcome, rule hits, score, feature
 * values. `bulwark test PACK` runs them against a fresh in-memory engine per test.
 */

import { parseSpan } from './features.ts'
import type { PackTest } from './pack.ts'
import type { YamlFile } from './yaml.ts'

export const DEFAULT_TEST_START = Date.parse('2026-01-01T00:00:00Z')

interface RawStep {
  event: Record<string, unknown>
  after?: string
  repeat?: number
  expect?: PackTest['steps'][number]['expect']
}

export function parseTests(
  file: YamlFile,
  value: { tests: { name: string; start?: string; steps: RawStep[] }[] },
): PackTest[] {
  return value.tests.map((t, i) => {
    const start = t.start ? Date.parse(t.start) : DEFAULT_TEST_START
    if (Number.isNaN(start)) {
      const [a, b] = file.range(['tests', i, 'start'])
      file.sink.report(
        'POLICY_INVALID',
        { detail: `test '${t.name}': start '${t.start}' is not an RFC 3339 time` },
        a,
        b,
      )
    }
    return {
      name: t.name,
      file: file.path,
      start,
      steps: t.steps.map((s, j) => ({
        event: s.event,
        afterMs: s.after ? (parseSpan(s.after) ?? 0) : 0,
        repeat: s.repeat ?? 1,
        ...(s.expect ? { expect: s.expect } : {}),
        location: `${file.path}:${file.linePos(file.range(['tests', i, 'steps', j])[0]).line}`,
      })),
    }
  })
}
