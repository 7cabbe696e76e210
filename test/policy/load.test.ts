/**
 * Loading policy packs written to temporary directories, as `bulwark check` and the server do:
 * a valid pack becomes a Pack with a content-hash version; a pack with any problem becomes no
 * pack at all and every problem — YAML, schema, files, duplicates, references, invalid values
 * and rule-language errors — is reported with its stable code and the file:line:col of the
 * offending token, whatever the YAML quoting or block style of the expression.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Diagnostic, formatDiagnostics } from '../../src/lang/diagnostics.ts'
import { readJsonBundle, readPackDir } from '../../src/policy/bundle.ts'
import { type LoadResult, loadPack, type PackFiles, packVersion } from '../../src/policy/load.ts'
import type { Pack } from '../../src/policy/pack.ts'
import { tempPacks, yaml } from './temp-packs.ts'

const packs = tempPacks('load')
afterAll(() => packs.cleanup())

const MANIFEST = yaml(
  'name: shop', //                                              1
  'entities:', //                                               2
  '  user: actor.id', //                                        3
  '  device: device.id', //                                     4
  'labels:', //                                                 5
  '  device: [farm_device]', //                                 6
  'events:', //                                                 7
  '  signup:', //                                               8
  '    fields:', //                                             9
  '      device: { type: object, fields: { id: string } }', // 10
  '      email: string', //                                    11
  '      age: int', //                                         12
  '  login:', //                                               13
  '    fields:', //                                            14
  '      device: { type: object, fields: { id: string } }', // 15
  '      ok: bool', //                                         16
)

const VALID: Record<string, string> = {
  'bulwark.yaml': MANIFEST,
  'features/signup.yaml': yaml(
    'features:',
    '  signups_per_device_1h:',
    '    count: { on: signup, by: device.id, window: 1h }',
    '  failed_logins_1h:',
    '    count: { on: login, by: actor.id, window: 1h, where: "!event.ok" }',
    '  fail_share:',
    '    expr: "double(features.failed_logins_1h) / 10.0"',
  ),
  'lists/net.yaml': yaml(
    'lists:',
    '  disposable:',
    '    kind: domains',
    '    values: [mailinator.com]',
    '  datacenter:',
    '    kind: cidrs',
    '    file: dc.txt',
  ),
  'lists/dc.txt': '# data centres\n10.0.0.0/8\n\n192.0.2.0/24  # TEST-NET\n',
  'rules/fake.yaml': yaml(
    'rules:', //                                                                                         1
    '  - id: device-farm', //                                                                            2
    '    on: signup', //                                                                                 3
    '    when: features.signups_per_device_1h > 3', //                                                   4
    '    then: { outcome: block, score: 80, labels: [{ entity: device, name: farm_device, ttl: 30d }] }', // 5
    '  - id: disposable-email', //                                                                       6
    '    on: signup', //                                                                                 7
    '    when: event.email in lists.disposable', //                                                      8
    '    then: { outcome: challenge, score: 35 }', //                                                    9
    '    mode: shadow', //                                                                              10
    '  - id: failed-logins', //                                                                         11
    '    on: login', //                                                                                 12
    '    when: features.fail_share >= 0.5', //                                                         13
    '    then: { outcome: challenge }', //                                                             14
    '    mode: "off"', //                                                                              15
  ),
  'tests/farm.yaml': yaml(
    'tests:',
    '  - name: a device farm is blocked',
    '    steps:',
    '      - repeat: 4',
    '        event: { type: signup, actor: { id: u1 }, device: { id: d1 }, email: a@b.com }',
    '        expect: { outcome: block, hits: [device-farm] }',
  ),
}

/** A manifest with one event type, for the problem tests. */
const SMALL = yaml(
  'name: small', //           1
  'entities:', //             2
  '  user: actor.id', //      3
  'events:', //               4
  '  signup:', //             5
  '    fields:', //           6
  '      email: string', //   7
  '      n: int', //          8
)

function loadDir(dir: string): LoadResult {
  return loadPack(readPackDir(dir))
}

function load(files: Record<string, string | Uint8Array>): LoadResult {
  return loadDir(packs.write(files))
}

function loaded(files: Record<string, string>): Pack {
  const r = load(files)
  if (!r.ok) throw new Error(`expected the pack to load:\n${formatDiagnostics(r.diagnostics)}`)
  return r.pack
}

function problems(files: Record<string, string>): Diagnostic[] {
  const r = load(files)
  if (r.ok) throw new Error('expected the pack to fail to load')
  expect(r).not.toHaveProperty('pack')
  return [...r.diagnostics]
}

/** `file:line:col CODE` of each diagnostic, in the order reported. */
const where = (ds: readonly Diagnostic[]) =>
  ds.map((d) => `${d.location.file}:${d.location.line}:${d.location.col} ${d.code}`)

/** The diagnostic's column and length cover exactly `token` in the excerpt line. */
function expectPointsAt(d: Diagnostic, token: string): void {
  expect(d.excerpt).toBeDefined()
  expect(d.excerpt!.slice(d.location.col - 1, d.location.col - 1 + token.length)).toBe(token)
  expect(d.length).toBe(token.length)
}

/** A pack made of SMALL and one rules file whose only rule has `when` written as given. */
function ruleWith(...whenLines: string[]): Record<string, string> {
  return {
    'bulwark.yaml': SMALL,
    'rules/a.yaml': yaml('rules:', '  - id: r1', ...whenLines, '    then: { outcome: block }'),
  }
}

function only(ds: readonly Diagnostic[]): Diagnostic {
  expect(ds).toHaveLength(1)
  return ds[0]!
}

describe('a valid pack', () => {
  it('loads completely: event types, entities, features, lists, rules, tests', () => {
    const pack = loaded(VALID)
    expect(pack.name).toBe('shop')
    expect([...pack.eventTypes.keys()]).toEqual(['signup', 'login'])
    expect([...pack.entities.keys()]).toEqual(['user', 'device'])
    const device = pack.entities.get('device')!
    expect(device.labels).toEqual(['farm_device'])
    expect([...device.types].sort()).toEqual(['login', 'signup'])
    expect(pack.features.map((f) => f.name)).toEqual(['signups_per_device_1h', 'failed_logins_1h'])
    expect(pack.features[0]!.where).toBeUndefined()
    expect(pack.features[1]!.where).toBeDefined()
    expect(pack.derived.map((d) => d.name)).toEqual(['fail_share'])
    expect(pack.lists.get('disposable')).toMatchObject({ kind: 'domains', entries: ['mailinator.com'] })
    expect(pack.lists.get('datacenter')).toMatchObject({
      kind: 'cidrs',
      entries: ['10.0.0.0/8', '192.0.2.0/24'],
    })
    expect(pack.thresholds).toEqual({ challenge: 40, review: 70, block: 90 })
    expect(pack.rules.map((r) => [r.id, r.mode, r.outcome, r.score, r.location])).toEqual([
      ['device-farm', 'enforce', 'block', 80, 'rules/fake.yaml:2'],
      ['disposable-email', 'shadow', 'challenge', 35, 'rules/fake.yaml:6'],
      ['failed-logins', 'off', 'challenge', 0, 'rules/fake.yaml:11'],
    ])
    expect(pack.rules[0]!.labels).toEqual([{ entity: 'device', name: 'farm_device', ttlMs: 30 * 86_400_000 }])
    expect(
      pack.rulesByType
        .get('signup')!
        .map((r) => r.id)
        .sort(),
    ).toEqual(['device-farm', 'disposable-email'])
    expect(pack.rulesByType.get('login')).toEqual([])
    expect(pack.skippedByType.get('login')).toEqual([{ rule: 'failed-logins', reason: 'mode: off' }])
    expect(pack.tests).toHaveLength(1)
    expect(pack.tests[0]).toMatchObject({ name: 'a device farm is blocked', file: 'tests/farm.yaml' })
    expect(pack.tests[0]!.steps[0]).toMatchObject({ repeat: 4, location: 'tests/farm.yaml:4' })
  })

  it('accepts bulwark.yml as the manifest and reads scoring thresholds', () => {
    const { 'bulwark.yaml': manifest, ...rest } = VALID
    const pack = loaded({
      ...rest,
      'bulwark.yml': manifest!.replace(
        'events:',
        'scoring:\n  thresholds: { challenge: 10, block: 95 }\nevents:',
      ),
    })
    expect(pack.name).toBe('shop')
    expect(pack.thresholds).toEqual({ challenge: 10, review: 70, block: 95 })
  })

  it('ignores files that are not part of a pack (README, YAML outside features/lists/rules/tests, dotfiles)', () => {
    const pack = loaded({
      ...VALID,
      'README.md': '# not YAML: [',
      'docs/notes.yaml': 'this: [is not: valid',
      '.hidden/rules.yaml': 'rules: [',
    })
    expect(pack.rules).toHaveLength(3)
    expect(pack.files['README.md']).toBe('# not YAML: [')
    expect(pack.files['.hidden/rules.yaml']).toBeUndefined()
  })
})

describe('pack version', () => {
  let base = ''
  beforeAll(() => {
    base = loaded(VALID).version
  })

  const versionOf = (r: LoadResult) => (r.ok ? r.pack.version : 'did not load')

  it('is a 12-digit hex content hash of the files', () => {
    expect(base).toMatch(/^[0-9a-f]{12}$/)
    expect(base).toBe(packVersion(readPackDir(packs.write(VALID))))
  })

  it('is the same on every load, from any directory, and whatever the order files come in', () => {
    const dir = packs.write(VALID)
    expect(versionOf(loadDir(dir))).toBe(base)
    expect(versionOf(loadDir(dir))).toBe(base)
    const reversed = Object.fromEntries(Object.entries(readPackDir(dir)).reverse())
    expect(Object.keys(reversed)[0]).toBe('tests/farm.yaml')
    expect(versionOf(loadPack(readJsonBundle({ files: reversed })))).toBe(base)
  })

  it('changes when any one file changes, and each change gives its own version', () => {
    const versions = new Set([base])
    for (const path of Object.keys(VALID)) {
      const changed = { ...VALID, [path]: `${VALID[path]}# edited\n` }
      const v = loaded(changed).version
      expect(v, path).not.toBe(base)
      versions.add(v)
    }
    expect(versions.size).toBe(Object.keys(VALID).length + 1)
  })

  it('changes when a file is added or renamed, even with the same text', () => {
    expect(loaded({ ...VALID, 'README.md': 'hello\n' }).version).not.toBe(base)
    const { 'rules/fake.yaml': rules, ...rest } = VALID
    expect(loaded({ ...rest, 'rules/fraud.yaml': rules! }).version).not.toBe(base)
  })

  it('changes when a single byte of a list file changes', () => {
    const v = loaded({ ...VALID, 'lists/dc.txt': VALID['lists/dc.txt']!.replace('10.0.0.0/8', '10.0.0.0/9') })
    expect(v.version).not.toBe(base)
  })

  // Paths and texts are hashed after their lengths: no text can imitate a file boundary.
  it('tells apart file sets that differ only in where a NUL byte sits', () => {
    const a: PackFiles = { 'bulwark.yaml': SMALL, 'notes.txt': 'x\0trailer.txt\0y' }
    const b: PackFiles = { 'bulwark.yaml': SMALL, 'notes.txt': 'x', 'trailer.txt': 'y' }
    expect(packVersion(a)).not.toBe(packVersion(b))
    const c: PackFiles = { 'bulwark.yaml': SMALL, 'notes.txt': '1:x' }
    const d: PackFiles = { 'bulwark.yaml': SMALL, 'notes.txt': '', x: '' }
    expect(packVersion(c)).not.toBe(packVersion(d))
  })
})

describe('all or nothing', () => {
  it('one problem anywhere, even in a test file, gives no pack at all', () => {
    const r = load({
      ...VALID,
      'tests/farm.yaml': VALID['tests/farm.yaml']!.replace('steps:', 'start: yesterday\n    steps:'),
    })
    expect(r.ok).toBe(false)
    expect(r).not.toHaveProperty('pack')
    if (!r.ok) expect(where(r.diagnostics)).toEqual(['tests/farm.yaml:3:12 POLICY_INVALID'])
  })

  it('reports every problem of every file in one load, sorted by file, line and column', () => {
    const ds = problems({
      'bulwark.yaml': SMALL,
      'features/a.yaml': yaml('features:', '  c:', '    count: { on: signup, by: emial, window: 1h }'),
      'lists/a.yaml': yaml(
        'lists:',
        '  dc:',
        '    kind: cidrs',
        '    values: [nope, 10.0.0.0/8, 1.2.3.0/33]',
      ),
      'rules/a.yaml': yaml(
        'rules:',
        '  - id: r1',
        '    when: evnt.n > 1 && event.emial == "x"',
        '    then: { outcome: block }',
        '  - id: r2',
        '    when: event.n +',
        '    then: { outcome: allow }',
      ),
      'rules/b.yaml': yaml('rules:', '  - id: r3', '    when: [true'),
      'tests/a.yaml': yaml('tests:', '  - name: x', '    stpes: []'),
    })
    expect(where(ds)).toEqual([
      'features/a.yaml:3:30 POLICY_REFERENCE',
      'lists/a.yaml:4:14 POLICY_INVALID',
      'lists/a.yaml:4:32 POLICY_INVALID',
      'rules/a.yaml:3:11 CEL_UNDECLARED',
      'rules/a.yaml:3:31 CEL_UNKNOWN_FIELD',
      'rules/a.yaml:6:20 CEL_SYNTAX',
      'rules/b.yaml:4:1 POLICY_YAML',
      'tests/a.yaml:2:5 POLICY_SCHEMA',
      'tests/a.yaml:3:5 POLICY_SCHEMA',
    ])
    expect(ds[1]!.message).toBe("'nope' is not an IP address or CIDR range")
    expect(ds[2]!.message).toBe("'1.2.3.0/33' is not an IP address or CIDR range")
    expect(ds[8]!.message).toBe("tests[0]: unknown key 'stpes' (did you mean 'steps'?)")
  })

  it('still reports problems in other files when bulwark.yaml is missing', () => {
    const ds = problems({
      'rules/a.yaml': yaml('rules:', '  - id: r1', '    wen: "true"', '    then: { outcome: block }'),
    })
    expect(where(ds)).toEqual([
      'bulwark.yaml:1:1 POLICY_FILE',
      'rules/a.yaml:2:5 POLICY_SCHEMA',
      'rules/a.yaml:3:5 POLICY_SCHEMA',
    ])
    expect(ds.map((d) => d.message)).toEqual([
      'a policy pack needs a bulwark.yaml at its root',
      "rules[0]: missing 'when'",
      "rules[0]: unknown key 'wen' (did you mean 'when'?)",
    ])
  })
})

describe('POLICY_YAML', () => {
  it('duplicate keys point at the second key', () => {
    const d = only(
      problems({
        'bulwark.yaml': SMALL,
        'rules/a.yaml': yaml(
          'rules:',
          '  - id: r1',
          '    when: "true"',
          '    id: r2',
          '    then: { outcome: block }',
        ),
      }),
    )
    expect(where([d])).toEqual(['rules/a.yaml:4:5 POLICY_YAML'])
    expect(d.message).toBe('invalid YAML: Map keys must be unique')
    expect(d.excerpt).toBe('    id: r2')
  })

  it('tabs used as indentation', () => {
    const d = only(problems({ 'bulwark.yaml': SMALL, 'rules/a.yaml': 'rules:\n\t- id: r1\n' }))
    expect(where([d])).toEqual(['rules/a.yaml:2:1 POLICY_YAML'])
    expect(d.message).toMatch(/^invalid YAML: Tabs are not allowed/)
  })

  it('several documents in one file', () => {
    const d = only(problems({ 'bulwark.yaml': SMALL, 'rules/a.yaml': 'rules: []\n---\nrules: []\n' }))
    expect(where([d])).toEqual(['rules/a.yaml:2:1 POLICY_YAML'])
    expect(d.message).toContain('multiple documents')
  })

  it('in bulwark.yaml: nothing else can be checked, but the YAML error is reported', () => {
    const ds = problems({ ...VALID, 'bulwark.yaml': `${MANIFEST}scoring: { thresholds: [ }\n` })
    expect(ds.length).toBeGreaterThan(0)
    expect(new Set(ds.map((d) => d.code))).toEqual(new Set(['POLICY_YAML']))
    expect(new Set(ds.map((d) => d.location.file))).toEqual(new Set(['bulwark.yaml']))
    expect(ds[0]!.location.line).toBe(17)
  })

  // The yaml library refuses to expand such aliases by throwing; YamlFile.value() reports it at
  // the first alias instead, so loadPack neither throws nor reports schema noise after it.
  it('an alias bomb (billion laughs) is a POLICY_YAML problem, not an exception', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
    for (let i = 1; i < 8; i++) {
      const prev = String.fromCharCode(96 + i)
      bomb.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${prev}`).join(', ')}]`,
      )
    }
    const files = { 'bulwark.yaml': SMALL, 'rules/a.yaml': yaml(...bomb, 'rules: []') }
    let r: LoadResult | undefined
    expect(() => {
      r = loadPack(files)
    }).not.toThrow()
    expect(r!.ok).toBe(false)
    const ds = r!.ok === false ? r!.diagnostics : []
    expect(where(ds)).toEqual(['rules/a.yaml:2:8 POLICY_YAML'])
    expect(ds[0]!.message).toMatch(/^invalid YAML: aliases here expand to too many values/)
    expectPointsAt(ds[0]!, '*a')
  })
})

describe('POLICY_SCHEMA', () => {
  it('misspelt keys point at the key and suggest the right one', () => {
    const ds = problems({
      'bulwark.yaml': `${SMALL}scorng: {}\n`,
      'lists/a.yaml': yaml('lists:', '  d:', '    kind: domain', '    valeus: []'),
      'rules/a.yaml': yaml(
        'rules:',
        '  - id: r1',
        '    when: "true"',
        '    then: { outcom: block, scor: 3 }',
      ),
    })
    expect(where(ds)).toEqual([
      'bulwark.yaml:9:1 POLICY_SCHEMA',
      'lists/a.yaml:3:11 POLICY_SCHEMA',
      'lists/a.yaml:4:5 POLICY_SCHEMA',
      'rules/a.yaml:4:11 POLICY_SCHEMA',
      'rules/a.yaml:4:13 POLICY_SCHEMA',
      'rules/a.yaml:4:28 POLICY_SCHEMA',
    ])
    expect(ds.map((d) => d.message)).toEqual([
      "the file: unknown key 'scorng' (did you mean 'scoring'?)",
      "lists.d.kind: must be one of values, domains, cidrs (did you mean 'domains'?)",
      "lists.d: unknown key 'valeus' (did you mean 'values'?)",
      "rules[0].then: missing 'outcome'",
      "rules[0].then: unknown key 'outcom' (did you mean 'outcome'?)",
      "rules[0].then: unknown key 'scor' (did you mean 'score'?)",
    ])
    expectPointsAt(ds[0]!, 'scorng')
    expectPointsAt(ds[1]!, 'domain')
    expectPointsAt(ds[2]!, 'valeus')
    expectPointsAt(ds[4]!, 'outcom')
    expectPointsAt(ds[5]!, 'scor')
  })

  it('field declarations: misspelt options and unknown type names', () => {
    const ds = problems({
      'bulwark.yaml': yaml(
        'name: t',
        'events:',
        '  signup:',
        '    feilds: {}',
        '  login:',
        '    fields:',
        '      email: { type: string, requird: true }',
        '      n: { type: integer }',
        '      m: strin',
      ),
    })
    expect(where(ds)).toEqual([
      'bulwark.yaml:4:5 POLICY_SCHEMA',
      'bulwark.yaml:7:30 POLICY_SCHEMA',
      'bulwark.yaml:8:18 POLICY_SCHEMA',
      'bulwark.yaml:9:10 POLICY_SCHEMA',
    ])
    expect(ds[0]!.message).toBe("events.signup: unknown key 'feilds' (did you mean 'fields'?)")
    expect(ds[1]!.message).toBe("events.login.fields.email: unknown key 'requird' (did you mean 'required'?)")
    expect(ds[2]!.message).toMatch(
      /^events\.login\.fields\.n\.type: 'integer' is not valid here \(expected a type: /,
    )
    expect(ds[3]!.message).toMatch(/^events\.login\.fields\.m: 'strin' is not valid here/)
    expectPointsAt(ds[2]!, 'integer')
    expectPointsAt(ds[3]!, 'strin')
  })

  it('missing required keys, wrong types and out-of-range numbers', () => {
    const ds = problems({
      'bulwark.yaml': yaml('name: t', 'scoring:', '  thresholds: { challenge: 140 }'),
      'rules/a.yaml': 'rules: {}\n',
      'features/a.yaml': '',
    })
    expect(where(ds)).toEqual([
      'bulwark.yaml:1:1 POLICY_SCHEMA',
      'bulwark.yaml:3:28 POLICY_SCHEMA',
      'features/a.yaml:1:1 POLICY_SCHEMA',
      'rules/a.yaml:1:8 POLICY_SCHEMA',
    ])
    expect(ds.map((d) => d.message)).toEqual([
      "the file: missing 'events'",
      'scoring.thresholds.challenge: must be <= 100',
      "the file: missing 'features'",
      'rules: must be array',
    ])
  })

  // mostSpecific (src/policy/schemas.ts) keeps one error per location and key, so several
  // missing keys of one object (or several badly named keys) are each reported.
  it('every missing key of one object is reported', () => {
    const ds = problems({ 'bulwark.yaml': SMALL, 'rules/a.yaml': yaml('rules:', '  - id: r1') })
    expect(where(ds)).toEqual(['rules/a.yaml:2:5 POLICY_SCHEMA', 'rules/a.yaml:2:5 POLICY_SCHEMA'])
    expect(ds.map((d) => d.message).sort()).toEqual(["rules[0]: missing 'then'", "rules[0]: missing 'when'"])
  })

  it('every badly named key is reported, at the key', () => {
    const ds = problems({
      'bulwark.yaml': SMALL,
      'features/a.yaml': yaml(
        'features:',
        '  Bad-1:',
        '    count: { by: email, window: 1h }',
        '  fine:',
        '    count: { by: email, window: 1h }',
        '  Worse:',
        '    count: { by: email, window: 1h }',
      ),
    })
    expect(where(ds)).toEqual(['features/a.yaml:2:3 POLICY_SCHEMA', 'features/a.yaml:6:3 POLICY_SCHEMA'])
    expectPointsAt(ds[0]!, 'Bad-1')
    expectPointsAt(ds[1]!, 'Worse')
  })

  it('patterns explain what is expected (spans, names)', () => {
    const ds = problems({
      'bulwark.yaml': SMALL.replace('name: small', 'name: My Pack'),
      'features/a.yaml': yaml('features:', '  c:', '    count: { by: email, window: 1x }'),
    })
    expect(where(ds)).toEqual(['bulwark.yaml:1:7 POLICY_SCHEMA', 'features/a.yaml:3:33 POLICY_SCHEMA'])
    expect(ds[1]!.message).toBe(
      "features.c.count.window: '1x' is not valid here (expected a span such as 30s, 10m, 1h or 7d)",
    )
    expectPointsAt(ds[0]!, 'My Pack')
    expectPointsAt(ds[1]!, '1x')
  })

  it("a test step's `after` explains its span, milliseconds included", () => {
    const ds = problems({
      'bulwark.yaml': SMALL,
      'tests/a.yaml': yaml(
        'tests:',
        '  - name: t',
        '    steps:',
        '      - { after: 2 weeks, event: { type: signup } }',
      ),
    })
    expect(ds.map((d) => d.message)).toEqual([
      "tests[0].steps[0].after: '2 weeks' is not valid here (expected a span such as 500ms, 1s, 10m, 1h or 1d)",
    ])
    expectPointsAt(ds[0]!, '2 weeks')
  })

  it('a rule condition must be a string (when: true is YAML for a boolean)', () => {
    const d = only(problems(ruleWith('    when: true')))
    expect(where([d])).toEqual(['rules/a.yaml:3:11 POLICY_SCHEMA'])
    expect(d.message).toBe('rules[0].when: must be string')
  })

  // hintForPattern (src/policy/schemas.ts) describes the pattern's own character classes: feature,
  // list and event type names (^[a-z][a-z0-9_]*$) do not allow '-', rule ids and pack names do.
  it('the hint for a bad feature name does not suggest a character the name may not contain', () => {
    const d = only(
      problems({
        'bulwark.yaml': SMALL,
        'features/a.yaml': yaml('features:', '  Signups-1h:', '    count: { by: email, window: 1h }'),
      }),
    )
    expect(where([d])).toEqual(['features/a.yaml:2:3 POLICY_SCHEMA'])
    const hint = /\(expected ([^)]*)\)$/.exec(d.message)?.[1]
    expect(hint).toBe('lower-case letters, digits and _, starting with a lower-case letter')
    const ids = problems({
      'bulwark.yaml': SMALL.replace('name: small', 'name: Small'),
      'rules/a.yaml': yaml(
        'rules:',
        '  - id: Device farm',
        '    when: "true"',
        '    then: { outcome: block }',
      ),
    })
    expect(ids.map((i) => /\(expected ([^)]*)\)$/.exec(i.message)?.[1])).toEqual([
      'lower-case letters, digits, ., _ and -, starting with a lower-case letter or a digit',
      'lower-case letters, digits, _ and -, starting with a lower-case letter or a digit',
    ])
  })
})

describe('POLICY_FILE', () => {
  it('a pack without bulwark.yaml', () => {
    const d = only(problems({ 'rules/a.yaml': 'rules: []\n' }))
    expect(where([d])).toEqual(['bulwark.yaml:1:1 POLICY_FILE'])
  })

  it('a list file that is not in the pack points at the file name', () => {
    const d = only(
      problems({
        'bulwark.yaml': SMALL,
        'lists/a.yaml': yaml('lists:', '  dc:', '    kind: cidrs', '    file: dc.txt'),
      }),
    )
    expect(where([d])).toEqual(['lists/a.yaml:4:11 POLICY_FILE'])
    expect(d.message).toBe("list file 'lists/dc.txt' is not in the pack")
    expectPointsAt(d, 'dc.txt')
  })
})

describe('POLICY_DUPLICATE', () => {
  it('lists and features defined in two files point at the later definition', () => {
    const ds = problems({
      'bulwark.yaml': SMALL,
      'lists/a.yaml': yaml('lists:', '  bad:', '    kind: values'),
      'lists/b.yaml': yaml('lists:', '  good:', '    kind: values', '  bad:', '    kind: domains'),
      'features/a.yaml': yaml('features:', '  c:', '    count: { by: email, window: 1h }'),
      'features/b.yaml': yaml('features:', '  c:', '    count: { by: email, window: 2h }'),
    })
    expect(where(ds)).toEqual(['features/b.yaml:2:3 POLICY_DUPLICATE', 'lists/b.yaml:4:3 POLICY_DUPLICATE'])
    expect(ds.map((d) => d.message)).toEqual([
      "feature 'c' is defined more than once (also in features/a.yaml)",
      "list 'bad' is defined more than once (also in lists/a.yaml)",
    ])
    expectPointsAt(ds[1]!, 'bad')
  })

  it('rule ids, in the same file and across files, point at the repeated id', () => {
    const rule = (id: string) => [`  - id: ${id}`, '    when: "true"', '    then: { outcome: allow }']
    const ds = problems({
      'bulwark.yaml': SMALL,
      'rules/a.yaml': yaml('rules:', ...rule('one'), ...rule('two'), ...rule('one')),
      'rules/b.yaml': yaml('rules:', ...rule('two')),
    })
    expect(where(ds)).toEqual(['rules/a.yaml:8:9 POLICY_DUPLICATE', 'rules/b.yaml:2:9 POLICY_DUPLICATE'])
    expect(ds.map((d) => d.message)).toEqual([
      "rule 'one' is defined more than once (also in rules/a.yaml)",
      "rule 'two' is defined more than once (also in rules/a.yaml)",
    ])
    expectPointsAt(ds[0]!, 'one')
  })
})

describe('POLICY_REFERENCE', () => {
  it('in bulwark.yaml: entity paths no event declares, labels of undeclared entities', () => {
    const ds = problems({
      'bulwark.yaml': yaml(
        'name: t',
        'entities:',
        '  user: actor.idd',
        'labels:',
        '  room: [raided]',
        'events:',
        '  signup: {}',
      ),
    })
    expect(where(ds)).toEqual(['bulwark.yaml:3:9 POLICY_REFERENCE', 'bulwark.yaml:5:3 POLICY_REFERENCE'])
    expect(ds.map((d) => d.message)).toEqual([
      "unknown field 'actor.idd' (no event type declares it; entity 'user' needs it)",
      "unknown entity 'room' (declare it under entities)",
    ])
    expectPointsAt(ds[0]!, 'actor.idd')
    expectPointsAt(ds[1]!, 'room')
  })

  it('in features: event types, key fields and aggregated fields', () => {
    const ds = problems({
      'bulwark.yaml': SMALL,
      'features/a.yaml': yaml(
        'features:',
        '  a:',
        '    count: { on: signpu, by: email, window: 1h }',
        '  b:',
        '    count: { on: signup, by: emial, window: 1h }',
        '  c:',
        '    distinct: { on: signup, by: email, of: actor.name, window: 1h }',
      ),
    })
    expect(where(ds)).toEqual([
      'features/a.yaml:3:18 POLICY_REFERENCE',
      'features/a.yaml:5:30 POLICY_REFERENCE',
      'features/a.yaml:7:44 POLICY_REFERENCE',
    ])
    expect(ds[0]!.message).toBe("unknown event type 'signpu'")
    expect(ds[1]!.message).toBe("unknown key field 'emial': 'emial' is not a field of event type 'signup'")
    expect(ds[2]!.message).toContain("unknown field 'actor.name'")
    expectPointsAt(ds[0]!, 'signpu')
    expectPointsAt(ds[1]!, 'emial')
    expectPointsAt(ds[2]!, 'actor.name')
  })

  it('in rules: event types, label entities and names, rollout entities', () => {
    const ds = problems({
      'bulwark.yaml': MANIFEST,
      'rules/a.yaml': yaml(
        'rules:',
        '  - id: r1',
        '    on: signpu',
        '    when: "true"',
        '    then: { outcome: block }',
        '  - id: r2',
        '    on: signup',
        '    when: "true"',
        '    then: { outcome: block, labels: [{ entity: devic, name: farm_device }, { entity: device, name: frm }] }',
        '    rollout: { percent: 10, by: usr }',
      ),
    })
    expect(where(ds)).toEqual([
      'rules/a.yaml:3:9 POLICY_REFERENCE',
      'rules/a.yaml:9:48 POLICY_REFERENCE',
      'rules/a.yaml:9:100 POLICY_REFERENCE',
      'rules/a.yaml:10:33 POLICY_REFERENCE',
    ])
    expect(ds.map((d) => d.message)).toEqual([
      "unknown event type 'signpu' (declared: signup, login)",
      "unknown entity 'devic'",
      "unknown label of device 'frm' (declare it under labels.device in bulwark.yaml)",
      "unknown entity 'usr'",
    ])
    expectPointsAt(ds[0]!, 'signpu')
    expectPointsAt(ds[1]!, 'devic')
    expectPointsAt(ds[2]!, 'frm')
    expectPointsAt(ds[3]!, 'usr')
  })

  // Test expectations are references like any other (src/policy/tests.ts): a typo in
  // `not_hits` would otherwise pass forever, and one in `hits` fail only at run time.
  it('a test expecting a rule the pack does not have is a load error', () => {
    const ds = problems({
      ...VALID,
      'tests/farm.yaml': VALID['tests/farm.yaml']!.replace('hits: [device-farm]', 'not_hits: [device-farn]'),
    })
    expect(where(ds)).toEqual(['tests/farm.yaml:6:46 POLICY_REFERENCE'])
    expect(ds[0]!.message).toBe("unknown rule 'device-farn' (did you mean 'device-farm'?)")
    expectPointsAt(ds[0]!, 'device-farn')
  })

  it('so is a test expecting a hit or a feature value the pack does not have', () => {
    const ds = problems({
      ...VALID,
      'tests/farm.yaml': VALID['tests/farm.yaml']!.replace(
        'hits: [device-farm]',
        'hits: [device-farm, nope], features: { signups_per_device_1h: 4, signups_1h: 4 }',
      ),
    })
    expect(where(ds)).toEqual([
      'tests/farm.yaml:6:55 POLICY_REFERENCE',
      'tests/farm.yaml:6:100 POLICY_REFERENCE',
    ])
    expect(ds.map((d) => d.message)).toEqual(["unknown rule 'nope'", "unknown feature 'signups_1h'"])
    expectPointsAt(ds[0]!, 'nope')
    expectPointsAt(ds[1]!, 'signups_1h')
  })
})

describe('POLICY_INVALID', () => {
  it('list entries, inline and in a list file', () => {
    const ds = problems({
      'bulwark.yaml': SMALL,
      'lists/a.yaml': yaml(
        'lists:',
        '  dc:',
        '    kind: cidrs',
        '    values: [10.0.0.0/8, 300.1.1.1, "1.2.3.0/33"]',
        '  from_file:',
        '    kind: cidrs',
        '    file: more.txt',
        '  domains:',
        '    kind: domains',
        '    values: [ok.com, "not a domain"]',
      ),
      'lists/more.txt': '# comment\n10.0.0.0/8\nnope # trailing comment\n',
    })
    expect(where(ds)).toEqual([
      'lists/a.yaml:4:26 POLICY_INVALID',
      'lists/a.yaml:4:37 POLICY_INVALID',
      'lists/a.yaml:10:22 POLICY_INVALID',
      'lists/more.txt:3:1 POLICY_INVALID',
    ])
    expect(ds.map((d) => d.message)).toEqual([
      "'300.1.1.1' is not an IP address or CIDR range",
      "'1.2.3.0/33' is not an IP address or CIDR range",
      "'not a domain' is not a domain name",
      "'nope' is not an IP address or CIDR range",
    ])
    expectPointsAt(ds[0]!, '300.1.1.1')
    expectPointsAt(ds[1]!, '"1.2.3.0/33"')
    expectPointsAt(ds[3]!, 'nope')
  })

  // parseListFile (src/policy/lists.ts) returns each entry's column after leading whitespace.
  it('an indented bad entry in a list file points at the entry, not the start of the line', () => {
    const d = only(
      problems({
        'bulwark.yaml': SMALL,
        'lists/a.yaml': yaml('lists:', '  dc:', '    kind: cidrs', '    file: more.txt'),
        'lists/more.txt': '10.0.0.0/8\n   nope\n',
      }),
    )
    expect(where([d])).toEqual(['lists/more.txt:2:4 POLICY_INVALID'])
    expectPointsAt(d, 'nope')
  })

  it('list sources of the wrong kind', () => {
    const d = only(
      problems({
        'bulwark.yaml': SMALL,
        'lists/a.yaml': yaml('lists:', '  d:', '    kind: values', '    source: disposable-email-domains'),
      }),
    )
    expect(where([d])).toEqual(['lists/a.yaml:4:13 POLICY_INVALID'])
    expect(d.message).toBe("source 'disposable-email-domains' provides domains, not values")
  })

  it('features: windows out of range, aggregates without a numeric field, untyped derived values', () => {
    const ds = problems({
      'bulwark.yaml': SMALL,
      'features/a.yaml': yaml(
        'features:',
        '  too_long:',
        '    count: { by: email, window: 91d }',
        '  too_short:',
        '    count: { by: email, window: 0s }',
        '  sum_of_text:',
        '    sum: { by: email, of: email, window: 1h }',
        '  sum_of_nothing:',
        '    max: { by: email, window: 1h }',
        '  fine:',
        '    count: { by: email, window: 1h }',
        '  untyped:',
        '    expr: "dyn(features.fine)"',
      ),
    })
    expect(where(ds)).toEqual([
      'features/a.yaml:3:33 POLICY_INVALID',
      'features/a.yaml:5:33 POLICY_INVALID',
      'features/a.yaml:7:27 POLICY_INVALID',
      'features/a.yaml:9:10 POLICY_INVALID',
      'features/a.yaml:13:11 POLICY_INVALID',
    ])
    expect(ds.map((d) => d.message)).toEqual([
      "'91d' must be between 1s and 90d",
      "'0s' must be between 1s and 90d",
      "a sum needs a numeric field; 'email' is not int or double",
      "a max feature needs 'of' (the field it aggregates)",
      "feature 'untyped' must have a definite type (wrap it in int(), double(), …)",
    ])
  })

  it('a rule over event types whose fields conflict', () => {
    const d = only(
      problems({
        'bulwark.yaml': yaml(
          'name: t',
          'events:',
          '  a: { fields: { n: int } }',
          '  b: { fields: { n: string } }',
        ),
        'rules/a.yaml': yaml(
          'rules:',
          '  - id: r1',
          '    on: [a, b]',
          '    when: "true"',
          '    then: { outcome: block }',
        ),
      }),
    )
    expect(where([d])).toEqual(['rules/a.yaml:3:9 POLICY_INVALID'])
    expect(d.message).toBe("field 'n' is int in a but string in b")
  })

  it('a test start that is not an RFC 3339 time', () => {
    const d = only(
      problems({
        ...VALID,
        'tests/farm.yaml': VALID['tests/farm.yaml']!.replace('steps:', 'start: 2026-13-45\n    steps:'),
      }),
    )
    expect(where([d])).toEqual(['tests/farm.yaml:3:12 POLICY_INVALID'])
    expect(d.message).toBe("test 'a device farm is blocked': start '2026-13-45' is not an RFC 3339 time")
  })

  it('an event field of an unknown type inside list<…> is invalid', () => {
    const ds = problems({ 'bulwark.yaml': SMALL.replace('n: int', 'n: list<strng>') })
    const invalid = ds.filter((d) => d.code === 'POLICY_INVALID')
    expect(invalid).toHaveLength(1)
    expect(invalid[0]!.message).toContain("event type 'signup'")
    expect(invalid[0]!.message).toContain('strng')
    expect(invalid[0]!.location.file).toBe('bulwark.yaml')
  })

  // One diagnostic at the type of the field, naming the field, the bad type and the allowed ones;
  // the event type that could not be built yields no spurious "no event type declares it".
  it('an event field of an unknown type points at that field and names it', () => {
    const d = only(problems({ 'bulwark.yaml': SMALL.replace('n: int', 'n: list<strng>') }))
    expect(where([d])).toEqual(['bulwark.yaml:8:10 POLICY_INVALID'])
    expect(d.message).toBe(
      "event type 'signup': field 'n' has an unknown type 'strng' in 'list<strng>'; a field type is " +
        'string, int, double, bool, timestamp, duration, ip, dyn, list<T>, map<string, T> or object',
    )
    expectPointsAt(d, 'list<strng>')
  })

  it('nested and common fields of an unknown type: each at its place, a common one once', () => {
    const ds = problems({
      'bulwark.yaml': yaml(
        'name: small',
        'common:',
        '  tags: map<string, lst<int>>',
        'events:',
        '  signup:',
        '    fields:',
        '      device: { type: object, fields: { id: { type: "list<nope>" } } }',
        '  login: {}',
      ),
    })
    expect(where(ds)).toEqual(['bulwark.yaml:3:9 POLICY_INVALID', 'bulwark.yaml:7:53 POLICY_INVALID'])
    expect(ds.map((d) => d.message.split(';')[0])).toEqual([
      "common fields: field 'tags' has an unknown type 'lst<int>' in 'map<string, lst<int>>'",
      "event type 'signup': field 'device.id' has an unknown type 'nope' in 'list<nope>'",
    ])
  })
})

describe('features that the schema lets through but the loader does not understand', () => {
  // features.schema.json allows 1–2 properties per feature so that `description` can sit beside
  // the kind; the loader requires exactly one kind and reports anything else.
  it('a feature with only a description is reported, not thrown', () => {
    const files = {
      'bulwark.yaml': SMALL,
      'features/a.yaml': yaml('features:', '  c:', '    description: forgot the kind'),
    }
    let r: LoadResult | undefined
    expect(() => {
      r = loadPack(files)
    }).not.toThrow()
    expect(r!.ok).toBe(false)
    const d = only(r!.ok === false ? r!.diagnostics : [])
    expect(where([d])).toEqual(['features/a.yaml:2:3 POLICY_SCHEMA'])
    expect(d.message).toBe(
      'features.c: needs exactly one of count, sum, distinct, min, max, first_seen, last_seen, expr; it has none',
    )
  })

  it('a feature with two kinds is reported, not half-loaded', () => {
    const r = load({
      'bulwark.yaml': SMALL,
      'features/a.yaml': yaml(
        'features:',
        '  c:',
        '    count: { by: email, window: 1h }',
        '    sum: { by: email, of: n, window: 1h }',
      ),
    })
    expect(r.ok).toBe(false)
    const d = only(r.ok ? [] : r.diagnostics)
    expect(where([d])).toEqual(['features/a.yaml:4:5 POLICY_SCHEMA'])
    expect(d.message).toMatch(/; it has 2: count and sum$/)
    expectPointsAt(d, 'sum')
  })
})

describe('entity names', () => {
  // load.ts entities() reads entities and labels by own property only: an entity may be named
  // like an Object.prototype member (constructor, toString, __proto__ …).
  it('an entity named constructor loads (or is a diagnostic), never an exception', () => {
    const files = { 'bulwark.yaml': `${SMALL.replace('  user: actor.id', '  constructor: actor.id')}` }
    let r: LoadResult | undefined
    expect(() => {
      r = loadPack(files)
    }).not.toThrow()
    expect(r).toBeDefined()
    expect(r!.ok && [...r!.pack.entities.keys()]).toEqual(['constructor'])
  })

  it('entities and labels named like Object.prototype members are entities like any other', () => {
    const pack = loaded({
      'bulwark.yaml': yaml(
        SMALL.replace('  user: actor.id', '  constructor: actor.id\n  __proto__: email').trimEnd(),
        'labels:',
        '  constructor: [trusted]',
        '  __proto__: [constructor]',
      ),
      'rules/a.yaml': yaml(
        'rules:',
        '  - id: r1',
        '    when: labels.constructor.trusted || labels.__proto__.constructor',
        '    then: { outcome: allow }',
      ),
    })
    expect([...pack.entities.values()].map((e) => [e.name, e.path, e.labels])).toEqual([
      ['constructor', 'actor.id', ['trusted']],
      ['__proto__', 'email', ['constructor']],
    ])
    const d = only(
      problems({ 'bulwark.yaml': yaml(SMALL.trimEnd(), 'labels:', '  toString: [x]', '  user: [y]') }),
    )
    expect(where([d])).toEqual(['bulwark.yaml:10:3 POLICY_REFERENCE'])
    expect(d.message).toBe("unknown entity 'toString' (declare it under entities)")
  })
})

describe('rule-language errors at their place in the YAML file', () => {
  it('a plain scalar', () => {
    const d = only(problems(ruleWith('    when: event.n > 1 && evnt.n < 5')))
    expect(where([d])).toEqual(['rules/a.yaml:3:26 CEL_UNDECLARED'])
    expect(d.message).toBe("undeclared reference to 'evnt' (did you mean 'event'?)")
    expect(d.excerpt).toBe('    when: event.n > 1 && evnt.n < 5')
    expectPointsAt(d, 'evnt')
  })

  it('a double-quoted scalar with YAML escapes before the error', () => {
    const d = only(problems(ruleWith('    when: "event.email == \\"a\\\\tb\\" && evnt.n < 5"')))
    expect(d.excerpt).toBe('    when: "event.email == \\"a\\\\tb\\" && evnt.n < 5"')
    expect(where([d])).toEqual(['rules/a.yaml:3:40 CEL_UNDECLARED'])
    expectPointsAt(d, 'evnt')
  })

  it("a single-quoted scalar with '' escapes before the error", () => {
    const d = only(problems(ruleWith("    when: 'event.email == ''a'' && evnt.n < 5'")))
    expect(where([d])).toEqual(['rules/a.yaml:3:36 CEL_UNDECLARED'])
    expectPointsAt(d, 'evnt')
  })

  it('a plain scalar over two lines', () => {
    const d = only(problems(ruleWith('    when: event.n > 1 &&', '      evnt.n < 5')))
    expect(where([d])).toEqual(['rules/a.yaml:4:7 CEL_UNDECLARED'])
    expectPointsAt(d, 'evnt')
  })

  it('a literal block scalar (|), including more-indented lines', () => {
    const d = only(problems(ruleWith('    when: |', '      event.n > 1 &&', '        evnt.n < 5')))
    expect(where([d])).toEqual(['rules/a.yaml:5:9 CEL_UNDECLARED'])
    expect(d.excerpt).toBe('        evnt.n < 5')
    expectPointsAt(d, 'evnt')
  })

  it('a literal block scalar with a chomping indicator and a comment on its header', () => {
    const d = only(
      problems(ruleWith('    when: |- # farm check', '      event.n > 1 &&', '      evnt.n < 5')),
    )
    expect(where([d])).toEqual(['rules/a.yaml:5:7 CEL_UNDECLARED'])
    expectPointsAt(d, 'evnt')
  })

  it('a folded block scalar (>)', () => {
    const d = only(problems(ruleWith('    when: >', '      event.n > 1 &&', '      evnt.n < 5')))
    expect(where([d])).toEqual(['rules/a.yaml:5:7 CEL_UNDECLARED'])
    expectPointsAt(d, 'evnt')
  })

  it('a folded block scalar (>-) with the error on its first line', () => {
    const d = only(problems(ruleWith('    when: >-', '      evnt.n > 1 &&', '      event.n < 5')))
    expect(where([d])).toEqual(['rules/a.yaml:4:7 CEL_UNDECLARED'])
    expectPointsAt(d, 'evnt')
  })

  it('a block scalar indented with four spaces per level', () => {
    const d = only(
      problems({
        'bulwark.yaml': SMALL,
        'rules/a.yaml': yaml(
          'rules:',
          '    -   id: r1',
          '        when: |',
          '            event.n > 1 &&',
          '            evnt.n < 5',
          '        then: { outcome: block }',
        ),
      }),
    )
    expect(where([d])).toEqual(['rules/a.yaml:5:13 CEL_UNDECLARED'])
    expectPointsAt(d, 'evnt')
  })

  // alignString (src/policy/yaml.ts) steps over indentation and line breaks however long they are
  // (a features file with four-space indentation puts `where: |` content at column 17).
  it('a block scalar indented by more than 12 spaces', () => {
    const d = only(
      problems({
        'bulwark.yaml': SMALL,
        'features/a.yaml': yaml(
          'features:',
          '    big_n:',
          '        count:',
          '            on: signup',
          '            by: email',
          '            window: 1h',
          '            where: |',
          '                event.n > 1 &&',
          '                evnt.n < 5',
        ),
      }),
    )
    expect(where([d])).toEqual(['features/a.yaml:9:17 CEL_UNDECLARED'])
    expectPointsAt(d, 'evnt')
  })

  it('a file with CRLF line endings', () => {
    const files = ruleWith('    when: |', '      event.n > 1 &&', '      evnt.n < 5')
    const d = only(problems({ ...files, 'rules/a.yaml': files['rules/a.yaml']!.replace(/\n/g, '\r\n') }))
    expect(where([d])).toEqual(['rules/a.yaml:5:7 CEL_UNDECLARED'])
    expectPointsAt(d, 'evnt')
  })

  it('columns count UTF-16 code units, like editors', () => {
    const d = only(problems(ruleWith('    when: event.email == "😀" && evnt.n > 1')))
    expect(where([d])).toEqual(['rules/a.yaml:3:34 CEL_UNDECLARED'])
    expectPointsAt(d, 'evnt')
  })

  it('a feature where filter and a derived feature expression', () => {
    const ds = problems({
      'bulwark.yaml': SMALL,
      'features/a.yaml': yaml(
        'features:',
        '  c:',
        '    count: { by: email, window: 1h, where: "event.n" }',
        '  d:',
        '    expr: |',
        '      double(features.c) / double(features.cc)',
      ),
    })
    expect(where(ds)).toEqual([
      'features/a.yaml:3:45 CEL_TYPE_MISMATCH',
      'features/a.yaml:6:44 CEL_UNKNOWN_FIELD',
    ])
    expect(ds[0]!.message).toBe('expected bool, found int')
    expect(ds[1]!.message).toBe("type 'features' has no field 'cc' (did you mean 'c'?)")
    expectPointsAt(ds[0]!, 'event.n')
    expectPointsAt(ds[1]!, 'cc')
  })

  it('every problem of one expression is reported', () => {
    const ds = problems(ruleWith('    when: evnt.n > 1 && event.emial == "x" && event.email in lists.nope'))
    expect(where(ds)).toEqual([
      'rules/a.yaml:3:11 CEL_UNDECLARED',
      'rules/a.yaml:3:31 CEL_UNKNOWN_FIELD',
      'rules/a.yaml:3:68 CEL_UNKNOWN_FIELD',
    ])
    expectPointsAt(ds[2]!, 'nope')
  })

  it.each([
    ['CEL_SYNTAX', 'event.n > > 1', 21, '>', "unexpected '>'"],
    [
      'CEL_INVALID_LITERAL',
      'event.n > 99999999999999999999',
      21,
      '99999999999999999999',
      'out of the int64 range',
    ],
    ['CEL_INVALID_MACRO', '"[1, 2].all(1, true)"', 23, '1', 'iteration variable must be a simple name'],
    [
      'CEL_NO_OVERLOAD',
      'event.email.startsWith(1)',
      23,
      'startsWith(1)',
      "no matching overload for 'startsWith'",
    ],
    ['CEL_TYPE_MISMATCH', 'event.n + 1', 11, 'event.n + 1', 'expected bool, found int'],
    ['CEL_UNKNOWN_FIELD', 'event.emial == "x"', 17, 'emial', "has no field 'emial' (did you mean 'email'?)"],
    ['CEL_UNDECLARED', 'evnt.n > 1', 11, 'evnt', "undeclared reference to 'evnt'"],
  ])('%s: when: %s', (code, when, col, token, message) => {
    const d = only(problems(ruleWith(`    when: ${when}`)))
    expect(where([d])).toEqual([`rules/a.yaml:3:${col} ${code}`])
    expect(d.message).toContain(message)
    expectPointsAt(d, token)
  })

  it('CEL_LIMIT: nesting deeper than the limit', () => {
    const d = only(problems(ruleWith(`    when: ${'('.repeat(65)}event.n > 1${')'.repeat(65)}`)))
    expect(where([d])).toEqual(['rules/a.yaml:3:75 CEL_LIMIT'])
    expect(d.message).toBe('expression exceeds the nesting depth limit (65 > 64)')
  })

  it('a syntax error at the end of the expression points just past it', () => {
    const d = only(problems(ruleWith('    when: event.n == 1 ||')))
    expect(where([d])).toEqual(['rules/a.yaml:3:26 CEL_SYNTAX'])
    expect(d.message).toBe('unexpected end of expression')
  })
})

describe('did you mean', () => {
  it('suggests declared features, lists, fields and variables', () => {
    const ds = problems({
      ...VALID,
      'rules/typos.yaml': yaml(
        'rules:',
        '  - id: typos',
        '    on: signup',
        '    when: >-',
        '      features.signups_per_device_1hr > 3 ||',
        '      event.email in lists.disposible ||',
        '      event.emial == "x" ||',
        '      evnt.age > 3 ||',
        '      labels.device.farm_devise',
        '    then: { outcome: block }',
      ),
    })
    expect(where(ds)).toEqual([
      'rules/typos.yaml:5:16 CEL_UNKNOWN_FIELD',
      'rules/typos.yaml:6:28 CEL_UNKNOWN_FIELD',
      'rules/typos.yaml:7:13 CEL_UNKNOWN_FIELD',
      'rules/typos.yaml:8:7 CEL_UNDECLARED',
      'rules/typos.yaml:9:21 CEL_UNKNOWN_FIELD',
    ])
    expect(ds.map((d) => / \(did you mean '([^']+)'\?\)$/.exec(d.message)?.[1])).toEqual([
      'signups_per_device_1h',
      'disposable',
      'email',
      'event',
      'farm_device',
    ])
    expectPointsAt(ds[0]!, 'signups_per_device_1hr')
    expectPointsAt(ds[1]!, 'disposible')
    expectPointsAt(ds[4]!, 'farm_devise')
  })

  it('does not suggest a name that is not close', () => {
    const d = only(
      problems({
        ...VALID,
        'rules/fake.yaml': VALID['rules/fake.yaml']!.replace(
          'features.signups_per_device_1h',
          'features.zzz',
        ),
      }),
    )
    expect(where([d])).toEqual(['rules/fake.yaml:4:20 CEL_UNKNOWN_FIELD'])
    expect(d.message).toBe("type 'features' has no field 'zzz'")
  })
})
