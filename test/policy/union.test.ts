/**
 * A rule or feature over several event types sees the structural union of their fields: objects
 * merge field by field, a field only some types declare stays readable (absent on the others),
 * the result does not depend on the order of `on:`, and a real conflict is a load error.
 */

import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/core/clock.ts'
import { memoryEngine } from '../../src/engine/pack-tests.ts'
import { formatDiagnostics } from '../../src/lang/diagnostics.ts'
import { formatType, type ObjectType, type Type } from '../../src/lang/types.ts'
import { type EventTypePlan, eventTypePlan, unionType } from '../../src/policy/events.ts'
import type { FieldDecl } from '../../src/policy/fields.ts'
import { loadPack } from '../../src/policy/load.ts'

const MANIFEST = `name: union
events:
  follow:
    fields:
      target: { type: object, fields: { id: string, followers: int } }
  message:
    fields:
      target: { type: object, fields: { id: string, follows_actor: bool } }
      text: string
`

function load(files: Record<string, string>) {
  return loadPack({ 'bulwark.yaml': MANIFEST, ...files })
}

function plans(decls: Record<string, Record<string, FieldDecl>>): EventTypePlan[] {
  return Object.entries(decls).map(([name, fields]) => eventTypePlan(name, { fields }, {}))
}

/** `{a: int, b: {c: string}}`, fields sorted, for comparing shapes. */
function shape(t: Type): string {
  if (t.kind !== 'object') return formatType(t)
  const fields = [...t.fields].sort(([a], [b]) => (a < b ? -1 : 1))
  return `{${fields.map(([n, f]) => `${n}: ${shape(f)}`).join(', ')}}`
}

function union(types: EventTypePlan[]): ObjectType {
  const u = unionType(types)
  if ('conflicts' in u) throw new Error(u.conflicts.join('; '))
  return u.type as ObjectType
}

describe('unionType', () => {
  const [follow, message] = plans({
    follow: { target: { type: 'object', fields: { id: 'string', followers: 'int' } } },
    message: { target: { type: 'object', fields: { id: 'string', follows_actor: 'bool' } }, text: 'string' },
  }) as [EventTypePlan, EventTypePlan]

  it('merges object fields at every depth, whatever the order of the types', () => {
    const a = union([follow, message])
    const b = union([message, follow])
    expect(shape(a.fields.get('target')!)).toBe('{followers: int, follows_actor: bool, id: string}')
    expect(shape(a)).toBe(shape(b))
    expect(a.name).toBe('follow|message')
    expect(b.name).toBe('follow|message')
    expect(formatType(a.fields.get('text')!)).toBe('string')
  })

  it('merges list elements and map values; dyn on one side makes the union dyn', () => {
    const types = plans({
      a: { items: 'list<map<string, int>>', meta: 'dyn', ctx: { fields: { x: 'int' } } },
      b: {
        items: 'list<map<string, int>>',
        meta: { fields: { y: 'string' } },
        ctx: { fields: { y: 'bool' } },
      },
    })
    const u = union(types)
    expect(formatType(u.fields.get('items')!)).toBe('list<map<string, int>>')
    expect(formatType(u.fields.get('meta')!)).toBe('dyn')
    expect(shape(u.fields.get('ctx')!)).toBe('{x: int, y: bool}')
  })

  it('reports every incompatible path with the types on each side, in a stable order', () => {
    const types = plans({
      view: { target: 'string', score: 'double' },
      follow: { target: { fields: { followers: 'int' } }, score: 'int' },
      message: { target: { fields: { followers: 'string' } }, score: 'int' },
    })
    const expected = [
      "field 'target' is an object in follow, message but string in view",
      "field 'score' is int in follow, message but double in view",
    ]
    for (const order of [types, [...types].reverse()]) {
      const u = unionType(order)
      expect('conflicts' in u && [...u.conflicts].sort()).toEqual([...expected].sort())
    }
    const nested = unionType(types.slice(1))
    expect(nested).toEqual({ conflicts: ["field 'target.followers' is int in follow but string in message"] })
  })

  it('treats the actor like any other object: a conflicting redeclaration is reported', () => {
    const types = plans({
      a: { actor: { fields: { age: 'int' } } },
      b: { actor: { fields: { age: 'string' } } },
    })
    expect(unionType(types)).toEqual({ conflicts: ["field 'actor.age' is int in a but string in b"] })
  })
})

describe('rules over several event types', () => {
  const rules = (on: string) => `rules:
  - id: follows-back
    on: ${on}
    when: has(event.target.follows_actor) && event.target.follows_actor
    then: { outcome: review }
  - id: popular
    on: ${on}
    when: has(event.target.followers) && event.target.followers > 100
    then: { outcome: challenge }
`

  for (const on of ['[follow, message]', '[message, follow]']) {
    it(`reads fields that only some of the types declare (on: ${on})`, async () => {
      const r = load({ 'rules/r.yaml': rules(on) })
      if (!r.ok) throw new Error(formatDiagnostics(r.diagnostics))
      const engine = memoryEngine(r.pack, new ManualClock(Date.parse('2026-01-01T00:00:00Z')))
      const msg = await engine.decide({
        type: 'message',
        actor: { id: 'u1' },
        target: { id: 'u2', follows_actor: true },
      })
      expect(msg.decision.hits.map((h) => h.rule)).toEqual(['follows-back'])
      expect(msg.decision.errors).toEqual([])
      const follow = await engine.decide({
        type: 'follow',
        actor: { id: 'u1' },
        target: { id: 'u2', followers: 500 },
      })
      expect(follow.decision.hits.map((h) => h.rule)).toEqual(['popular'])
      expect(follow.decision.errors).toEqual([])
    })
  }

  it('an unguarded read of a field the event type lacks is a run-time error, as for an absent field', async () => {
    const r = load({
      'rules/r.yaml': `rules:
  - id: a
    on: [follow, message]
    when: event.target.follows_actor
    then: { outcome: review }
`,
    })
    if (!r.ok) throw new Error(formatDiagnostics(r.diagnostics))
    const engine = memoryEngine(r.pack, new ManualClock(Date.parse('2026-01-01T00:00:00Z')))
    const { decision } = await engine.decide({ type: 'follow', actor: { id: 'u1' }, target: { id: 'u2' } })
    expect(decision.hits).toEqual([])
    expect(decision.errors.map((e) => [e.rule, e.code])).toEqual([['a', 'EVAL_NO_SUCH_FIELD']])
  })

  it('a feature where over several types sees the same union', () => {
    const r = load({
      'features/f.yaml': `features:
  follow_backs_1h:
    count: { on: [follow, message], by: actor.id, window: 1h, where: "has(event.target.follows_actor)" }
`,
    })
    expect(r.ok ? '' : formatDiagnostics(r.diagnostics)).toBe('')
  })

  it('a true conflict is a load error at the rule, naming the path and the types', () => {
    const r = loadPack({
      'bulwark.yaml': `name: union
events:
  follow:
    fields:
      target: { type: object, fields: { id: string, followers: int } }
  message:
    fields:
      target: { type: object, fields: { id: string, followers: string } }
`,
      'rules/r.yaml': `rules:
  - id: a
    on: [message, follow]
    when: event.target.followers > 3
    then: { outcome: review }
`,
    })
    expect(r.ok).toBe(false)
    if (!r.ok)
      expect(formatDiagnostics(r.diagnostics)).toBe(
        [
          "rules/r.yaml:3:9: POLICY_INVALID field 'target.followers' is int in follow but string in message",
          '  |     on: [message, follow]',
          '  |         ^~~~~~~~~~~~~~~~~',
        ].join('\n'),
      )
  })
})
