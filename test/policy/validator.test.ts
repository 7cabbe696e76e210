/**
 * The generated event validator (src/policy/field-steps.ts, built by fields.ts per set of fields)
 * against a plain reference — a loop that sends every present field to its own converter — on
 * random events with valid and invalid values of every kind: the same converted event, the same
 * problems in the same order, the same undeclared fields. Also: the messages and paths of each
 * kind of problem, inherited and odd field names (quotes, backslashes, `__proto__`, newlines:
 * names are never written into generated source), objects without a prototype, and one object
 * shape per type (every declared field has its slot, absent ones undefined).
 */

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { IpAddress } from '../../src/core/net/ip.ts'
import { Duration, Timestamp } from '../../src/lang/runtime/values.ts'
import { eventTypePlan, validateEvent } from '../../src/policy/events.ts'
import { generateUndeclared } from '../../src/policy/field-steps.ts'
import {
  converterOf,
  type FieldDecl,
  type FieldProblem,
  type FieldSpec,
  fieldSpec,
  fieldsConverterOf,
  pathOf,
} from '../../src/policy/fields.ts'

/** What the generated validator must do, written as the obvious loop over the fields. */
function reference(
  fields: ReadonlyMap<string, FieldSpec>,
  v: Record<string, unknown>,
  problems: FieldProblem[],
  path: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  // Every declared field has its slot, an absent one undefined (names Object.prototype has aside).
  for (const name of fields.keys()) if (!(name in Object.prototype)) out[name] = undefined
  for (const [name, spec] of fields) {
    const x = Object.hasOwn(v, name) ? v[name] : undefined
    if (x === undefined || x === null) {
      if (spec.required) problems.push({ path: pathOf(path, name), message: 'is required' })
      continue
    }
    const converted =
      spec.kind === 'object' && typeof x === 'object' && !Array.isArray(x)
        ? reference(spec.fields!, x as Record<string, unknown>, problems, pathOf(path, name))
        : converterOf(spec)(x, problems, path, name)
    if (converted !== undefined) out[name] = converted
  }
  return out
}

const DECLS: Record<string, FieldDecl> = {
  name: { type: 'string', required: true, max_length: 8 },
  plain: 'string',
  kind: { type: 'string', enum: ['a', 'b', 'c'] },
  count: { type: 'int', minimum: 0, maximum: 100 },
  big: 'int',
  share: { type: 'double', minimum: 0, maximum: 1 },
  ratio: 'double',
  flag: { type: 'bool', required: true },
  at: 'timestamp',
  wait: 'duration',
  ip: 'ip',
  any: 'dyn',
  tags: 'list<string>',
  scores: 'map<string, int>',
  device: {
    type: 'object',
    fields: {
      id: { type: 'string', required: true, max_length: 4 },
      seen: 'timestamp',
      inner: { type: 'object', required: true, fields: { n: { type: 'int', maximum: 9 } } },
    },
  },
  constructor: 'string',
  toString: 'int',
  'we"ird\\na\nme': 'string',
  '}); throw 1; ({': 'string',
  __proto__x: 'bool',
}

const FIELDS = new Map(Object.entries(DECLS).map(([k, d]) => [k, fieldSpec(k, d)]))

/** Values of every kind, valid or not for some field. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    undefined,
    null,
    true,
    false,
    0,
    -1,
    7,
    100,
    101,
    0.5,
    1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    2 ** 60,
    'a',
    'd',
    'abcdefghi',
    '',
    '2026-01-05T00:00:05.968Z',
    '2026-02-30T00:00:00Z',
    '2026-01-05T00:00:05+01:00',
    1_767_571_205_968,
    '90s',
    '1h30m',
    'soon',
    '203.0.113.7',
    '2001:db8::1',
    '01.2.3.4',
    [],
    ['x', 'y'],
    ['x', 3],
    {},
    { a: 1 },
    { a: 'x' },
  ),
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double(),
)

const anyObject = (depth: number): fc.Arbitrary<Record<string, unknown>> =>
  fc
    .tuple(
      fc.dictionary(fc.constantFrom(...Object.keys(DECLS), 'id', 'seen', 'n', 'extra'), anyValue, {
        maxKeys: 12,
      }),
      depth > 0 ? fc.option(anyObject(depth - 1), { nil: undefined }) : fc.constant(undefined),
      depth > 0 ? fc.option(anyObject(depth - 1), { nil: undefined }) : fc.constant(undefined),
    )
    .map(([o, device, inner]) => {
      const out: Record<string, unknown> = { ...o }
      if (device) out.device = { ...device, ...(inner ? { inner } : {}) }
      return out
    })

/** Comparable form: class instances by their kind and fields. */
function plain(v: unknown): unknown {
  if (v instanceof Timestamp) return { timestamp: [v.seconds, v.nanos] }
  if (v instanceof Duration) return { duration: [v.seconds, v.nanos] }
  if (v instanceof IpAddress) return { ip: v.toString() }
  if (Array.isArray(v)) return v.map(plain)
  if (typeof v === 'object' && v !== null)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]))
  return v
}

describe('the generated validator', () => {
  it('converts and reports exactly as the reference loop, on random objects', () => {
    const generated = fieldsConverterOf(FIELDS)
    fc.assert(
      fc.property(anyObject(2), (v) => {
        const expectedProblems: FieldProblem[] = []
        const expected = reference(FIELDS, v, expectedProblems, '')
        const problems: FieldProblem[] = []
        const actual = generated(v, problems, '')
        expect(problems).toEqual(expectedProblems)
        expect(plain(actual)).toEqual(plain(expected))
        expect(Object.keys(actual)).toEqual(Object.keys(expected))
      }),
      { numRuns: 1_500, seed: 11 },
    )
  })

  it('gives each kind of problem its message and path', () => {
    const problems: FieldProblem[] = []
    fieldsConverterOf(FIELDS)(
      {
        name: 'far too long',
        kind: 'z',
        count: 101,
        big: 1.5,
        share: -1,
        ratio: 'x',
        flag: 'yes',
        at: 'noon',
        wait: 'soon',
        ip: '999.1.1.1',
        tags: ['ok', 3],
        scores: { a: 'x' },
        device: { id: 'abcdef', inner: 5 },
        toString: 'x',
      },
      problems,
      '',
    )
    expect(problems).toEqual([
      { path: 'name', message: 'longer than 8 characters' },
      { path: 'kind', message: 'must be one of a, b, c' },
      { path: 'count', message: 'must be at most 100' },
      { path: 'big', message: 'expected an integer, got 1.5' },
      { path: 'share', message: 'must be at least 0' },
      { path: 'ratio', message: 'expected a number, got "x"' },
      { path: 'flag', message: 'expected true or false, got "yes"' },
      { path: 'at', message: 'expected an RFC 3339 time or epoch milliseconds, got "noon"' },
      { path: 'wait', message: "invalid duration 'soon'" },
      { path: 'ip', message: 'expected an IP address, got "999.1.1.1"' },
      { path: 'tags[1]', message: 'expected a string, got 3' },
      { path: 'scores.a', message: 'expected an integer, got "x"' },
      { path: 'device.id', message: 'longer than 4 characters' },
      { path: 'device.inner', message: 'expected an object, got 5' },
      { path: 'toString', message: 'expected an integer, got "x"' },
    ])
    const missing: FieldProblem[] = []
    fieldsConverterOf(FIELDS)({ device: {} }, missing, 'event')
    expect(missing).toEqual([
      { path: 'event.name', message: 'is required' },
      { path: 'event.flag', message: 'is required' },
      { path: 'event.device.id', message: 'is required' },
      { path: 'event.device.inner', message: 'is required' },
    ])
  })

  it('reads odd and inherited names only as own properties, and objects without a prototype', () => {
    const generated = fieldsConverterOf(FIELDS)
    // Inherited members (constructor, toString) are not fields of a plain object that lacks them.
    expect(generated({ name: 'n', flag: true }, [], '')).toEqual({ name: 'n', flag: true })
    const bare = Object.assign(Object.create(null), {
      name: 'n',
      flag: false,
      constructor: 'c',
      'we"ird\\na\nme': 'w',
      '}); throw 1; ({': 'x',
    })
    expect(generated(bare, [], '')).toEqual({
      name: 'n',
      flag: false,
      constructor: 'c',
      'we"ird\\na\nme': 'w',
      '}); throw 1; ({': 'x',
    })
  })
})

describe('validateEvent', () => {
  const plan = eventTypePlan(
    'signup',
    {
      fields: { email: { type: 'string', pii: true }, device: { type: 'object', fields: { id: 'string' } } },
    },
    {},
  )
  const plans = new Map([['signup', plan]])

  it('lists the undeclared top-level fields, in the body order, and drops them', () => {
    const r = validateEvent(
      plans,
      { zeta: 1, type: 'signup', actor: { id: 'u', extra: 1 }, 'od"d': 2, email: 'e', alpha: 3 },
      0,
    )
    expect(r.ok && r.dropped).toEqual(['zeta', 'od"d', 'alpha'])
    const present = (e: Record<string, unknown>) => Object.keys(e).filter((k) => e[k] !== undefined)
    expect(r.ok && present(r.event)).toEqual(['type', 'id', 'time', 'email', 'actor'])
    expect(r.ok && present(r.event.actor as Record<string, unknown>)).toEqual(['id'])
    const clean = validateEvent(plans, { type: 'signup', actor: { id: 'u' } }, 0)
    expect(clean.ok && clean.dropped).toEqual([])
  })

  it('gives every event of a type the same keys in the same order, whichever fields are present', () => {
    const a = validateEvent(plans, { type: 'signup', actor: { id: 'u' } }, 0)
    const b = validateEvent(plans, { email: 'e', actor: { id: 'v' }, type: 'signup', id: 'x' }, 0)
    expect(a.ok && b.ok).toBe(true)
    if (!a.ok || !b.ok) return
    expect(Object.keys(a.event)).toEqual(Object.keys(b.event))
    expect(Object.keys(a.event)).toEqual([...plans.get('signup')!.fields.keys()])
    expect(a.event.email).toBeUndefined()
  })

  it('fills a missing id with a new one made at `now`, or with makeId, and a missing time with `now`', () => {
    const r = validateEvent(plans, { type: 'signup', actor: { id: 'u' } }, 1_764_700_000_000)
    expect(r.ok && r.event.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/)
    expect(r.ok && (r.event.time as Timestamp).toMillis()).toBe(1_764_700_000_000)
    const named = validateEvent(plans, { type: 'signup', actor: { id: 'u' } }, 0, () => 'given')
    expect(named.ok && named.event.id).toBe('given')
    const kept = validateEvent(plans, { type: 'signup', id: 'mine', actor: { id: 'u' } }, 0, () => 'given')
    expect(kept.ok && kept.event.id).toBe('mine')
  })
})

describe('generateUndeclared', () => {
  it('lists own names not declared, in for-in order, inherited and odd names included', () => {
    const undeclared = generateUndeclared(['a', 'we"ird', 'constructor'])
    expect(undeclared({ b: 1, a: 2, 'we"ird': 3, c: 4, constructor: 5, toString: 6 })).toEqual([
      'b',
      'c',
      'toString',
    ])
    expect(undeclared({ a: 1 })).toEqual([])
    expect(undeclared(Object.assign(Object.create({ inheritedOnly: 1 }), { z: 1, a: 1 }))).toEqual(['z'])
    expect(generateUndeclared([])({ x: 1, y: 2 })).toEqual(['x', 'y'])
  })
})
