/**
 * `bulwark import` as a command (src/cli/import.ts): a summary with failed rows by line, --json,
 * --check, mapping problems at MAP.yaml:line:col with exit 1, and the usage without arguments.
 * The runs start together (each costs about half a second).
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lines, type Run, runAll } from '../cli/run.ts'
import { type Scratch, scratch } from './helpers.ts'

const dir: Scratch = scratch('import-cli')
afterAll(() => dir.cleanup())

const MAP = `description: cli test
event:
  type: login
  time: { column: t }
  fields: { actor.id: 'u-{user}', success: { column: ok, as: bool } }
label: { malicious: row.ok == "no", area: fake_accounts }
`

let r: Record<'ok' | 'json' | 'check' | 'bad' | 'bare' | 'missing', Run>

beforeAll(async () => {
  const map = dir.file('map.yaml', MAP)
  const bad = dir.file('bad.yaml', MAP.replace('as: bool', 'as: boolean'))
  const csv = dir.file(
    'in.csv',
    't,user,ok\n2026-01-01T00:00:00Z,a,yes\n2026-01-01T00:00:01Z,b,no\nlater,c,yes\n',
  )
  r = await runAll({
    ok: [['import', '--mapping', map, '--input', csv, '--out', `${dir.root}/out`]],
    json: [['import', '--mapping', map, '--input', csv, '--out', `${dir.root}/out2`, '--json']],
    check: [['import', '--mapping', map, '--check']],
    bad: [['import', '--mapping', bad, '--input', csv, '--out', `${dir.root}/out3`]],
    bare: [['import']],
    missing: [['import', '--mapping', map, '--input', `${dir.root}/nope.csv`, '--out', `${dir.root}/out4`]],
  })
}, 60_000)

describe('bulwark import', () => {
  it('prints what it wrote, the failed rows by line and the speed', () => {
    expect(r.ok.code).toBe(0)
    const out = lines(r.ok.stdout)
    expect(out[0]).toBe(`3 rows from ${dir.root}/in.csv (3): 2 events written, 1 rows failed`)
    expect(out[1]).toBe('labels: 1 malicious, 1 benign')
    expect(out).toContain(`${dir.root}/in.csv:4: time: "later" is not a time (iso)`)
    expect(out.at(-1)).toMatch(/^\d+ ms, \d+ rows\/s$/)
    expect(dir.read('out/labels.jsonl')).toBe(
      '{"event_id":"1","malicious":false}\n{"event_id":"2","malicious":true,"area":"fake_accounts"}\n',
    )
  })

  it('--json prints the summary as one object', () => {
    expect(r.json.code).toBe(0)
    expect(JSON.parse(r.json.stdout)).toMatchObject({
      rows: 3,
      written: 2,
      failed: 1,
      malicious: 1,
      kind: 'events',
    })
  })

  it('--check validates the mapping alone', () => {
    expect(r.check.code).toBe(0)
    expect(r.check.stdout).toBe(`${dir.root}/map.yaml: events mapping — ok\n`)
  })

  it('reports mapping problems at file:line:col and exits 1', () => {
    expect(r.bad.code).toBe(1)
    expect(r.bad.stderr).toContain(
      `${dir.root}/bad.yaml:5:62: POLICY_SCHEMA event.fields.success.as: must be one of string, int, double, bool,`,
    )
    expect(r.bad.stderr).toContain('1 problem(s) in')
  })

  it('prints the usage without arguments, and fails clearly on an unreadable input', () => {
    expect(r.bare.code).toBe(1)
    expect(lines(r.bare.stderr)[0]).toBe('bulwark import: missing --mapping, --input, --out')
    expect(lines(r.bare.stderr)[2]).toMatch(/^bulwark import --mapping MAP.yaml --input FILE/)
    expect(r.missing.code).toBe(1)
    expect(r.missing.stderr).toMatch(/^bulwark import: ENOENT/)
  })
})
