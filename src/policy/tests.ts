/**
 * Pack tests (tests/*.yaml): named sequences of events, each step optionally advancing a clock
 * the test controls and stating what the decision must be — outcome, rule hits, score, feature
 * values. `bulwark test PACK` runs them against a fresh in-memory engine per test. The rules and
 * features a step expects are checked at load, like every other reference of a pack.
 */

import { suggest } from '../lang/suggest.ts'
import { parseSpan } from './features.ts'
import type { PackTest } from './pack.ts'
import type { PathItem, YamlFile } from './yaml.ts'

export const DEFAULT_TEST_START = Date.parse('2026-01-01T00:00:00Z')

interface RawStep {
  event: Record<string, unknown>
  after?: string
  repeat?: number
  expect?: PackTest['steps'][number]['expect']
}

/** Names a pack declares; undefined when not all of its files could be read (nothing is checked). */
export interface Declared {
  readonly rules: ReadonlySet<string> | undefined
  readonly features: ReadonlySet<string> | undefined
}

export function parseTests(
  file: YamlFile,
  value: { tests: { name: string; start?: string; steps: RawStep[] }[] },
  declared: Declared,
): PackTest[] {
  const reference = (
    path: PathItem[],
    what: string,
    name: string,
    known: ReadonlySet<string>,
    key = false,
  ) => {
    if (known.has(name)) return
    const [a, b] = key ? file.keyRange(path) : file.range(path)
    file.sink.report('POLICY_REFERENCE', { what, name, hint: suggest(name, known) }, a, b)
  }
  const { rules, features } = declared
  value.tests.forEach((t, i) => {
    t.steps.forEach(({ expect: e }, j) => {
      const at = ['tests', i, 'steps', j, 'expect']
      for (const list of ['hits', 'not_hits'] as const)
        for (const [k, rule] of (rules ? (e?.[list] ?? []) : []).entries())
          reference([...at, list, k], 'rule', rule, rules!)
      for (const name of features ? Object.keys(e?.features ?? {}) : [])
        reference([...at, 'features', name], 'feature', name, features!, true)
    })
  })
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
