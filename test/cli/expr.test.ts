/**
 * `bulwark expr EXPR [--var name=JSON]… [--now TIME]`: prints the value as JSON (exit 0), the
 * compile diagnostics with a caret (exit 1), an evaluation error (exit 2), and refuses a --var
 * value that is not JSON and a --now that is not a time (exit 1). The first and third cases are the README's own examples.
 */

import { beforeAll, describe, expect, it } from 'vitest'
import { type Run, runAll } from './run.ts'

type Case = 'readme' | 'values' | 'compile' | 'evalError' | 'badVar' | 'badNow'
let r: Record<Case, Run>

beforeAll(async () => {
  r = await runAll<Case>({
    readme: [
      [
        'expr',
        "event.email.endsWith('@mailinator.com') && size(event.text) > 5",
        '--var',
        'event={"email":"a@mailinator.com","text":"hello there"}',
      ],
    ],
    values: [
      [
        'expr',
        "{'week': now - timestamp('2026-11-01T00:00:00Z') > duration('7d'), 'dc': ip('10.1.2.3') in cidr('10.0.0.0/8'), " +
          "'doubled': [1, 2, 3].map(x, x * 2), 'half': 2.5, 'text': 'x', 'dur': duration('90m'), 'at': now, 'n': n.a}",
        '--now',
        '2026-11-10T00:00:00Z',
        '--var',
        'n={"a":null}',
      ],
    ],
    compile: [['expr', '1 + 1.0']],
    evalError: [['expr', 'x.count / x.zero', '--var', 'x={"count":1,"zero":0}']],
    badVar: [['expr', 'x', '--var', 'x={bad']],
    badNow: [['expr', 'now', '--now', 'last tuesday']],
  })
}, 60_000)

describe('bulwark expr', () => {
  it('prints the value as JSON and exits 0', () => {
    expect(r.readme.stderr).toBe('')
    expect(r.readme.stdout).toBe('true\n')
    expect(r.readme.code).toBe(0)
  })

  it('prints maps, lists, doubles, strings, durations, timestamps and null as JSON; --now sets now', () => {
    expect(r.values.stderr).toBe('')
    expect(r.values.code).toBe(0)
    expect(JSON.parse(r.values.stdout)).toEqual({
      week: true,
      dc: true,
      doubled: [2, 4, 6],
      half: 2.5,
      text: 'x',
      dur: '5400s',
      at: '2026-11-10T00:00:00Z',
      n: null,
    })
  })

  it('prints compile diagnostics with the column and a caret, and exits 1', () => {
    expect(r.compile.code).toBe(1)
    expect(r.compile.stdout).toBe('')
    expect(r.compile.stderr).toBe(
      [
        "<eval>:1:3: CEL_NO_OVERLOAD no matching overload for '+' applied to (int, double); int and double do not mix implicitly: write 2.0 instead of 2, or convert with double(x) / int(x)",
        '  | 1 + 1.0',
        '  |   ^~~~~',
        '',
      ].join('\n'),
    )
  })

  it('prints an evaluation error and exits 2', () => {
    expect(r.evalError.code).toBe(2)
    expect(r.evalError.stdout).toBe('')
    expect(r.evalError.stderr).toBe('EVAL_DIVIDE_BY_ZERO: division by zero\n')
  })

  it('refuses a --var whose value is not JSON, and a --now that is not a time', () => {
    expect([r.badVar.code, r.badNow.code]).toEqual([1, 1])
    expect(r.badVar.stdout + r.badNow.stdout).toBe('')
    expect(r.badVar.stderr).toMatch(/^--var x: invalid JSON \(.+\)\n$/)
    expect(r.badNow.stderr).toBe("--now: invalid time 'last tuesday'\n")
  })
})
