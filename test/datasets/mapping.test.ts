/**
 * Mapping diagnostics (src/datasets/mapping.ts): every problem — YAML syntax, schema, value
 * specs, templates, times, the label's CEL expression, columns an input lacks — is reported at
 * MAP.yaml:line:col with a clear message, and loading never throws.
 */

import { describe, expect, it } from 'vitest'
import { loadMapping } from '../../src/datasets/mapping.ts'
import { formatDiagnostic } from '../../src/lang/diagnostics.ts'

/** `line:col: CODE message` of each diagnostic (the file name is always map.yaml). */
function problems(text: string): string[] {
  const r = loadMapping('map.yaml', text)
  if (r.ok) return []
  return r.diagnostics.map((d) => {
    expect(d.location.file).toBe('map.yaml')
    return `${d.location.line}:${d.location.col}: ${d.code} ${d.message}`
  })
}

const GOOD = `description: test
event:
  type: message
  time: { start: '2026-01-01T00:00:00Z', step: 1s }
  fields:
    actor.id: u-{user}
    text: { column: text }
label:
  malicious: row.label == "spam"
  area: spam
`

describe('loadMapping diagnostics', () => {
  it('accepts a good mapping', () => {
    expect(problems(GOOD)).toEqual([])
    const r = loadMapping('map.yaml', GOOD)
    expect(r.ok && r.mapping.kind).toBe('events')
  })

  it('reports YAML syntax errors at their place', () => {
    expect(problems('description: x\nevent: [unclosed\n')).toEqual([
      expect.stringMatching(/^3:1: POLICY_YAML invalid YAML: /),
    ])
  })

  it('reports unknown keys at the key, with a suggestion', () => {
    const text = GOOD.replace('    text: { column: text }', '    text: { colum: text }')
    expect(problems(text)).toEqual([
      "7:13: POLICY_SCHEMA event.fields.text: unknown key 'colum' (did you mean 'column'?)",
    ])
  })

  it('reports a missing key, a bad enum value and a bad field name', () => {
    const text = `description: x
event:
  type: message
  fields:
    Actor.ID: u
label:
  malicious: true
  area: spamm
  damage: 1
`
    expect(problems(text)).toEqual([
      "3:3: POLICY_SCHEMA event: missing 'time'",
      "5:5: POLICY_SCHEMA event.fields: 'Actor.ID' is not a valid name here (expected a field path in lower case such as device.id)",
      "8:9: POLICY_SCHEMA label.area: must be one of fake_accounts, fake_traffic, spam, scraping, cyberbullying, live_room, incentive_fraud, monetization_abuse (did you mean 'spam'?)",
    ])
    expect(problems('event: 3\n')).toEqual([
      "1:1: POLICY_SCHEMA the mapping: missing 'description'",
      '1:8: POLICY_SCHEMA event: must be object',
    ])
  })

  it('reports value specs with no source or two, and a bad template', () => {
    const text = GOOD.replace(
      '    text: { column: text }',
      '    text: { column: text, template: "x" }\n    bio: { as: int }\n    username: "{user"',
    )
    expect(problems(text)).toEqual([
      '7:11: POLICY_INVALID give exactly one of column, template or value (got column, template)',
      '8:10: POLICY_INVALID give exactly one of column, template or value (got none)',
      `9:15: POLICY_INVALID template "{user": '{' at 1 opens no {column} placeholder (write {{ for a brace)`,
    ])
  })

  it('reports bad times: no source, a bad start, a format that cannot compile, both step and rate', () => {
    expect(problems(GOOD.replace("{ start: '2026-01-01T00:00:00Z', step: 1s }", '{ format: iso }'))).toEqual([
      '4:9: POLICY_INVALID give column (or template) with an optional format, or start with step or rate',
    ])
    expect(problems(GOOD.replace("'2026-01-01T00:00:00Z', step: 1s", "'soon', step: 1s, rate: 5"))).toEqual([
      '4:9: POLICY_INVALID give one of step or rate with start',
      "4:18: POLICY_INVALID 'soon' is not an RFC 3339 time",
    ])
    expect(
      problems(GOOD.replace("{ start: '2026-01-01T00:00:00Z', step: 1s }", '{ column: t, format: "HH:mm" }')),
    ).toEqual([
      "4:30: POLICY_INVALID format 'HH:mm' needs a year (YYYY or YY), a month (MMM, MM or M) and a day (DD or D)",
    ])
    expect(problems(GOOD.replace('step: 1s', 'step: 1 second'))).toEqual([
      "4:48: POLICY_SCHEMA event.time.step: '1 second' is not valid here (expected a span such as 500ms, 1s, 10m, 1h or 1d)",
    ])
  })

  it('reports CEL errors in label.malicious at their column in the file', () => {
    expect(problems(GOOD.replace('row.label == "spam"', 'row.label == "spam" && rows.size() > 0'))).toEqual([
      "9:37: CEL_UNDECLARED undeclared reference to 'rows' (did you mean 'row'?)",
    ])
    expect(problems(GOOD.replace('row.label == "spam"', 'row.label'))).toEqual([
      expect.stringMatching(/^9:14: CEL_TYPE_MISMATCH .*bool/),
    ])
  })

  it('reports keys in the wrong kind of mapping, and fields set twice', () => {
    expect(problems(`${GOOD}list: { name: x, value: y }\n`)).toEqual([
      "11:7: POLICY_INVALID 'list' does not belong in a mapping of kind events",
    ])
    expect(problems('description: x\nkind: list\n')).toEqual([
      "2:7: POLICY_INVALID a mapping of kind list needs 'list'",
    ])
    const twice = GOOD.replace('    text: { column: text }', '    actor: { value: 1 }\n    id: x')
    expect(problems(twice)).toEqual([
      "6:15: POLICY_INVALID 'actor.id' is inside 'actor', which is set as a whole",
      "8:9: POLICY_INVALID 'id' is set by event.id, not in fields",
    ])
  })

  it('checks the columns it reads against an input header, pointing into the mapping', () => {
    const r = loadMapping(
      'map.yaml',
      GOOD.replace('    text: { column: text }', '    text: { column: txt }\n    bio: text'),
    )
    if (!r.ok) throw new Error('does not load')
    const shown = r.mapping.checkColumns(['user', 'text', 'label'], 'data.csv').map(formatDiagnostic)
    expect(shown).toEqual([
      "map.yaml:7:21: POLICY_REFERENCE unknown column 'txt' (did you mean 'text'?)\n  |     text: { column: txt }\n  |                     ^~~",
      "map.yaml:8:10: POLICY_INVALID 'text' is a constant text here, but data.csv has a column of that name: write { column: text } for its cells, or { value: text } for the text\n  |     bio: text\n  |          ^~~~",
    ])
    expect(r.mapping.checkColumns(['a'], 'x.csv').map((d) => d.message)).toContain(
      "unknown column 'user' (x.csv has 'a')",
    )
  })

  it('never throws, whatever the input', () => {
    for (const text of [
      '',
      '---',
      '[]',
      'description: [',
      '*alias',
      'a: &a [*a]',
      'description: 1\nevent: {}',
    ])
      expect(() => loadMapping('map.yaml', text)).not.toThrow()
  })
})
