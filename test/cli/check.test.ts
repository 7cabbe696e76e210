/**
 * `bulwark check DIR`: a summary and exit 0 for a pack that loads (the starter pack, compared
 * with the same pack loaded in this process); every problem as file:line:col with the source
 * line and a caret, then a count, and exit 1 for a pack that does not.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readPackDir } from '../../src/policy/bundle.ts'
import { loadPack } from '../../src/policy/load.ts'
import type { Pack } from '../../src/policy/pack.ts'
import { tempPacks, yaml } from '../policy/temp-packs.ts'
import { type Run, runAll } from './run.ts'

const packs = tempPacks('cli-check')
afterAll(() => packs.cleanup())

const BROKEN = {
  'bulwark.yaml': yaml(
    'name: broken',
    'events:',
    '  signup:',
    '    fields:',
    '      email: string',
    '      n: int',
  ),
  'features/a.yaml': yaml('features:', '  c:', '    count: { on: signup, by: emial, window: 1h }'),
  'rules/a.yaml': yaml(
    'rules:',
    '  - id: r1',
    '    when: |',
    '      event.n > 1 &&',
    '        evnt.n < 5',
    '    then: { outcome: block }',
  ),
  'rules/b.yaml': yaml('rules:', '  - id: r2', '    when: "true"', '    then: { outcome: blok }'),
}

let starter: Pack
let brokenDir: string
let missingDir: string
let r: Record<'starter' | 'broken' | 'missing', Run>

beforeAll(async () => {
  const loaded = loadPack(readPackDir('policies/starter'))
  if (!loaded.ok) throw new Error('the starter pack does not load')
  starter = loaded.pack
  brokenDir = packs.write(BROKEN)
  missingDir = `${packs.root}/no-such-pack`
  r = await runAll({
    starter: [['check', 'policies/starter']],
    broken: [['check', brokenDir]],
    missing: [['check', missingDir]],
  })
}, 60_000)

describe('bulwark check', () => {
  it('prints a one-line summary of the starter pack and exits 0', () => {
    expect(r.starter.code).toBe(0)
    expect(r.starter.stderr).toBe('')
    const m =
      /^starter ([0-9a-f]{12}): (\d+) event types, (\d+) features, (\d+) lists, (\d+) rules \(([^)]*)\), (\d+) tests — ok\n$/.exec(
        r.starter.stdout,
      )
    expect(m, r.starter.stdout).not.toBeNull()
    const [, version, types, features, lists, rules, modes, tests] = m!
    expect(version).toBe(starter.version)
    expect(Number(types)).toBe(starter.eventTypes.size)
    expect(Number(features)).toBe(starter.features.length + starter.derived.length)
    expect(Number(lists)).toBe(starter.lists.size)
    expect(Number(rules)).toBe(starter.rules.length)
    expect(Number(tests)).toBe(starter.tests.length)
    const byMode = Object.fromEntries(modes!.split(', ').map((s) => s.split(' ').reverse()))
    for (const mode of ['enforce', 'shadow', 'off'])
      expect(Number(byMode[mode] ?? 0), mode).toBe(starter.rules.filter((x) => x.mode === mode).length)
  })

  it('prints every problem of a broken pack as file:line:col with a caret, then a count, and exits 1', () => {
    expect(r.broken.code).toBe(1)
    expect(r.broken.stdout).toBe('')
    expect(r.broken.stderr).toBe(
      [
        "features/a.yaml:3:30: POLICY_REFERENCE unknown key field 'emial': 'emial' is not a field of event type 'signup'",
        '  |     count: { on: signup, by: emial, window: 1h }',
        '  |                              ^~~~~',
        "rules/a.yaml:5:9: CEL_UNDECLARED undeclared reference to 'evnt' (did you mean 'event'?)",
        '  |         evnt.n < 5',
        '  |         ^~~~',
        "rules/b.yaml:4:22: POLICY_SCHEMA rules[0].then.outcome: must be one of allow, challenge, review, block (did you mean 'block'?)",
        '  |     then: { outcome: blok }',
        '  |                      ^~~~',
        '',
        `3 problem(s) in ${brokenDir}`,
        '',
      ].join('\n'),
    )
  })

  it('says which directory it cannot read and exits 1', () => {
    expect(r.missing.code).toBe(1)
    expect(r.missing.stdout).toBe('')
    expect(r.missing.stderr.startsWith(`cannot read ${missingDir}: ENOENT`)).toBe(true)
  })
})
