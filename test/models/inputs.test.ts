/**
 * Model input readers (src/models/inputs.ts): a plain field path is read straight from the frame
 * without evaluating the CEL program, and every reader gives the number the CEL program's value
 * would — present, absent, null, wrong-typed, through maps and lists, constants and arbitrary
 * expressions alike.
 */

import { describe, expect, it, vi } from 'vitest'
import { Environment } from '../../src/lang/env.ts'
import { compileExpression, frameFor } from '../../src/lang/program.ts'
import { CelUint } from '../../src/lang/runtime/values.ts'
import { listOf, mapOf, objectType, T } from '../../src/lang/types.ts'
import { fieldPath, inputNumber, inputReader } from '../../src/models/inputs.ts'

const env = Environment.create({
  variables: {
    event: objectType('payment', {
      amount: T.double,
      count: T.int,
      flag: T.bool,
      big: T.uint,
      note: T.string,
      constructor: T.int,
      actor: objectType('actor', { followers: T.int, verified: T.bool }),
      attrs: mapOf(T.string, T.dyn),
      tags: listOf(T.string),
    }),
    features: objectType('features', { logins_1h: T.int }),
  },
})

function program(text: string) {
  const r = compileExpression(text, env)
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '))
  return r.program
}

const EVENTS: Record<string, unknown>[] = [
  {},
  { amount: 12.5, count: 3, flag: true, big: new CelUint(7), actor: { followers: 40, verified: false } },
  { amount: null, count: null, flag: false, actor: null, attrs: { score: 0.25, n: null } },
  { actor: { followers: null }, attrs: new Map<string, unknown>([['score', 0.75]]) },
  { actor: 'not an object', attrs: { score: 'high' }, tags: ['a'], constructor: 5 },
  { count: 2 ** 60, actor: { followers: BigInt(2) ** BigInt(60), verified: true } },
]

const TEXTS = [
  'event.amount',
  'event.count',
  'event.flag',
  'event.big',
  'event.actor.followers',
  ' event . actor . verified ',
  'features.logins_1h',
  'event.attrs.score',
  'event.attrs.n',
  'event.constructor',
  'event.amount * 2.0',
  'event.count + 1',
  'size(event.tags)',
  '1.5',
]

describe('model input readers', () => {
  it('recognises plain field paths only', () => {
    expect(fieldPath('event.actor.followers')).toEqual({ root: 'event', fields: ['actor', 'followers'] })
    expect(fieldPath(' features . x ')).toEqual({ root: 'features', fields: ['x'] })
    for (const text of ['event', 'event.a + 1', "event.attrs['x']", 'size(event.tags)', 'event.a.b()'])
      expect(fieldPath(text), text).toBeUndefined()
  })

  it('give the number the CEL program would, for every input and event', () => {
    for (const text of TEXTS) {
      const p = program(text)
      const read = inputReader(p)
      for (const [i, event] of EVENTS.entries()) {
        for (const features of [{}, { logins_1h: 4 }]) {
          const frame = frameFor(env, { event, features }, p.frameSize)
          expect(read(frame), `${text} on event ${i}`).toBe(inputNumber(p.evaluateFrame(frame)))
        }
      }
    }
  })

  it('read a field path without evaluating the program, absent fields included', () => {
    const p = program('event.actor.followers')
    const evaluate = vi.spyOn(p, 'evaluateFrame')
    const read = inputReader(p)
    expect(read(frameFor(env, { event: { actor: { followers: 9 } } }))).toBe(9)
    expect(read(frameFor(env, { event: { actor: {} } }))).toBeNaN()
    expect(read(frameFor(env, { event: {} }))).toBeNaN()
    expect(evaluate).not.toHaveBeenCalled()
    // A Map on the path is for CEL to read.
    const attrs = program('event.attrs.score')
    const evaluateAttrs = vi.spyOn(attrs, 'evaluateFrame')
    expect(inputReader(attrs)(frameFor(env, { event: { attrs: new Map([['score', 2]]) } }))).toBe(2)
    expect(evaluateAttrs).toHaveBeenCalledTimes(1)
  })

  it('evaluate other expressions through the program', () => {
    const p = program('event.count + 1')
    const evaluate = vi.spyOn(p, 'evaluateFrame')
    expect(inputReader(p)(frameFor(env, { event: { count: 2 } }))).toBe(3)
    expect(inputReader(p)(frameFor(env, { event: {} }))).toBeNaN()
    expect(evaluate).toHaveBeenCalledTimes(2)
  })

  it('turn values into numbers', () => {
    expect(inputNumber(2.5)).toBe(2.5)
    expect(inputNumber(true)).toBe(1)
    expect(inputNumber(false)).toBe(0)
    expect(inputNumber(BigInt(5))).toBe(5)
    expect(inputNumber(new CelUint(8))).toBe(8)
    for (const v of ['3', null, undefined, {}, [1]]) expect(inputNumber(v)).toBeNaN()
  })
})
