/**
 * Diagnostics as users see them: code, message, file:line:col and a caret excerpt, every problem
 * collected (not just the first) and sorted. Snapshots pin the exact text.
 */

import { describe, expect, it } from 'vitest'
import { formatDiagnostics } from '../../src/lang/diagnostics.ts'
import { Environment } from '../../src/lang/env.ts'
import { compileExpression } from '../../src/lang/program.ts'
import { objectType, T } from '../../src/lang/types.ts'

const env = Environment.create({
  variables: {
    event: objectType('signup', {
      type: T.string,
      email: T.string,
      amount: T.double,
      device: objectType('device', { id: T.string }),
    }),
    features: objectType('features', { signups_per_device_1h: T.int, accounts_per_ip_24h: T.int }),
    now: T.timestamp,
  },
})

function diagnose(text: string, options: Parameters<typeof compileExpression>[2] = {}): string {
  const r = compileExpression(text, env, { file: 'rules/fake-accounts.yaml', expected: T.bool, ...options })
  if (r.ok) throw new Error(`expected diagnostics for: ${text}`)
  return formatDiagnostics(r.diagnostics)
}

describe('diagnostics', () => {
  it.each([
    ['syntax: dangling operator', "event.type == 'signup' &&"],
    ['syntax: unbalanced parenthesis', 'size(event.email > 3'],
    ['syntax: bad escape in a string', "event.email.endsWith('\\q')"],
    ['syntax: unterminated string', "event.type == 'signup"],
    ['syntax: reserved word', 'event.type == if'],
    ['undeclared variable with a suggestion', "evnt.type == 'signup'"],
    ['unknown field with a suggestion', 'features.signups_per_devce_1h > 3'],
    ['unknown nested field', "event.device.ip == '1.2.3.4'"],
    ['int and double mixed', 'event.amount > 100 + 1.5'],
    ['no overload for a method', 'event.amount.startsWith(1)'],
    ['unknown function', 'sizee(event.email) > 3'],
    ['condition that is not bool', 'features.signups_per_device_1h + 1'],
    ['invalid constant regex', "event.email.matches('([a-z]+')"],
    ['int literal out of range', 'features.accounts_per_ip_24h > 9223372036854775808'],
    ['macro with a non-name variable', '[1, 2].all(1, true)'],
  ])('%s', (_name, text) => {
    expect(diagnose(text)).toMatchSnapshot()
  })

  it('collects several problems in one expression, sorted by position', () => {
    const out = diagnose(
      "evnt.type == 'signup' && features.signups_per_devce_1h > 3 && event.amount + 1 > 2.0",
    )
    expect(out.match(/CEL_/g)).toHaveLength(3)
    expect(out).toMatchSnapshot()
  })

  it('reports several syntax errors in one list', () => {
    const out = diagnose("['a' +, 'b', 'c' *]")
    expect(out.match(/CEL_SYNTAX/g)?.length).toBeGreaterThanOrEqual(2)
    expect(out).toMatchSnapshot()
  })

  it('points into the file when the expression sits inside YAML', () => {
    const file = ['rules:', '  - id: farm', "    when: evnt.type == 'signup'", '    then: { outcome: block }']
    const column = file[2]!.indexOf('evnt')
    const out = diagnose("evnt.type == 'signup'", {
      fileLines: file,
      locate: (offset) => ({ line: 3, col: column + 1 + offset }),
    })
    expect(out).toContain('rules/fake-accounts.yaml:3:11: CEL_UNDECLARED')
    expect(out).toMatchSnapshot()
  })

  it('limits nesting and size at compile time', () => {
    expect(diagnose(`${'('.repeat(70)}true${')'.repeat(70)}`)).toContain('CEL_LIMIT')
    expect(diagnose(`true${' && true'.repeat(20)}`, { limits: { maxNodes: 10 } })).toContain('CEL_LIMIT')
    expect(diagnose('true', { limits: { maxLength: 2 } })).toContain('CEL_LIMIT')
  })
})
