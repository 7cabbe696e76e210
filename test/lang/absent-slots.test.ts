/**
 * A validated event keeps a slot for every declared field, an absent one holding undefined
 * (src/policy/field-steps.ts). To the rule language such a slot must be exactly an absent key:
 * every expression below evaluates the same on an object with the empty slots as on the same
 * object without them — field reads, has(), `in`, size(), equality, comprehensions and output.
 */

import { describe, expect, it } from 'vitest'
import { Environment } from '../../src/lang/env.ts'
import { toPlain } from '../../src/lang/plain.ts'
import { compileExpression } from '../../src/lang/program.ts'
import { isCelError } from '../../src/lang/runtime/values.ts'
import { mapOf, objectType, T } from '../../src/lang/types.ts'

const device = objectType('device', { id: T.string, model: T.string })
const env = Environment.create({
  variables: {
    event: objectType('post', { type: T.string, text: T.string, device, other: device }),
    m: mapOf(T.string, T.dyn),
  },
})

const EXPRESSIONS = [
  'event.text',
  "event.text == 'hi'",
  'has(event.text)',
  'has(event.device.model)',
  'has(event.type)',
  'event.device.model',
  'event.device == event.other',
  "dyn(event.device) == {'id': 'd1'}",
  'size(dyn(event.device))',
  "'model' in dyn(event.device)",
  "'id' in dyn(event.device)",
  'dyn(event.device).all(k, k == "id")',
  'size(m)',
  "'a' in m",
  "m == {'b': 1}",
  "m.exists(k, k == 'a')",
  'm.a',
]

function evaluate(text: string, activation: Record<string, unknown>): unknown {
  const r = compileExpression(text, env, {})
  if (!r.ok) throw new Error(`${text}: ${r.diagnostics.map((d) => d.message).join('; ')}`)
  const v = r.program.evaluate(activation)
  return isCelError(v) ? `error ${v.code}` : toPlain(v)
}

describe('empty slots of a validated event', () => {
  const bare = {
    event: { type: 'post', device: { id: 'd1' }, other: { id: 'd1' } },
    m: { b: 1 },
  }
  const slotted = {
    event: {
      type: 'post',
      text: undefined,
      device: { id: 'd1', model: undefined },
      other: { model: undefined, id: 'd1' },
    },
    m: { a: undefined, b: 1 },
  }

  for (const text of EXPRESSIONS)
    it(`read as absent keys: ${text}`, () => {
      expect(evaluate(text, slotted)).toEqual(evaluate(text, bare))
    })

  it('are left out of output', () => {
    expect(toPlain(slotted.event)).toStrictEqual(toPlain(bare.event))
  })
})
