/**
 * The compile pipeline and evaluation contract: stages run in order and can stop early, frames
 * follow the environment's slots, evaluation never throws — whatever the input — and hostile
 * comprehensions stop at the step budget.
 */

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Environment } from '../../src/lang/env.ts'
import { compileExpression, frameFor } from '../../src/lang/program.ts'
import { type CelError, isCelError } from '../../src/lang/runtime/values.ts'
import { runPipeline, STAGES } from '../../src/lang/stages.ts'
import { listOf, objectType, T } from '../../src/lang/types.ts'

const env = Environment.create({
  variables: {
    event: objectType('login', {
      type: T.string,
      ip: T.string,
      tags: listOf(T.string),
      attempts: T.int,
      amount: T.double,
    }),
    features: objectType('features', { fails_1h: T.int }),
  },
})

function program(text: string, options: Parameters<typeof compileExpression>[2] = {}) {
  const r = compileExpression(text, env, options)
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '))
  return r.program
}

describe('pipeline', () => {
  it('runs parse, check and compile in order and can stop after any stage', () => {
    expect(STAGES).toEqual(['parse', 'check', 'compile'])
    const full = runPipeline("event.type == 'login'", env)
    expect(Object.keys(full.timings)).toEqual(['parse', 'check', 'compile'])
    expect(full.compiled).toBeDefined()
    const parsed = runPipeline("event.type == 'login'", env, { stopAfter: 'parse' })
    expect(parsed.ast?.kind).toBe('call')
    expect(parsed.checked).toBeUndefined()
    const checked = runPipeline("event.type == 'login'", env, { stopAfter: 'check' })
    expect(checked.checked?.type).toBe(T.bool)
    expect(checked.compiled).toBeUndefined()
  })

  it('stops at the first stage with errors', () => {
    const r = runPipeline('event.typo == 1', env)
    expect(r.ast).toBeDefined()
    expect(r.checked).toBeUndefined()
    expect(r.sink.items.map((d) => d.code)).toEqual(['CEL_UNKNOWN_FIELD'])
  })
})

describe('variable reads', () => {
  const reads = (text: string) =>
    Object.fromEntries(
      [...program(text).reads!].map(([name, fields]) => [name, fields === null ? null : [...fields].sort()]),
    )

  it('lists the fields selected of each variable', () => {
    expect(reads("features.fails_1h > 3 && event.type == 'login' && has(event.ip)")).toEqual({
      features: ['fails_1h'],
      event: ['ip', 'type'],
    })
    expect(reads('features.?fails_1h.orValue(0) > 1')).toEqual({ features: ['fails_1h'] })
    expect(reads('event.tags.exists(t, t == event.ip)')).toEqual({ event: ['ip', 'tags'] })
  })

  it('counts any other use as reading the whole variable', () => {
    expect(reads('cel.bind(f, features, f.fails_1h > 1)')).toEqual({ features: null })
    expect(reads("features.fails_1h > 1 && [event].size() > 0 && event.type == ''")).toEqual({
      features: ['fails_1h'],
      event: null,
    })
  })

  it('does not mistake a local of the same name for the variable', () => {
    expect(reads('[1, 2].exists(features, features > 1)')).toEqual({})
  })
})

describe('evaluation', () => {
  it('reads variables from frame slots in environment order', () => {
    const p = program('event.attempts + features.fails_1h')
    const frame = frameFor(env, { event: { attempts: 2 }, features: { fails_1h: 40 } }, p.frameSize)
    expect(frame[env.slots.get('event')!]).toEqual({ attempts: 2 })
    expect(p.evaluateFrame(frame)).toBe(42)
  })

  it('folds constant expressions at compile time', () => {
    expect(program("size('abc') * 2 + 1").constant).toEqual({ value: 7 })
    expect(program("event.type == 'a'").constant).toBeUndefined()
  })

  it('keeps errors of constant expressions for run time', () => {
    const p = program('1 / 0 == 1')
    expect(p.constant).toBeUndefined()
    expect((p.evaluate({}) as CelError).code).toBe('EVAL_DIVIDE_BY_ZERO')
  })

  it('estimates cost so cheap rules can run first', () => {
    expect(program("event.type == 'x'").cost).toBeLessThan(
      program("event.tags.exists(t, t.matches('^a+$'))").cost,
    )
  })

  it('never throws, whatever the variables hold', () => {
    const p = program(
      "event.type == 'login' && size(event.tags) > 1 && event.tags.exists(t, t.startsWith('x')) && features.fails_1h / event.attempts > 2",
    )
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (event, features) => {
        const r = p.evaluate({ event, features })
        expect(r === true || r === false || isCelError(r)).toBe(true)
      }),
      { seed: 7, numRuns: 2000 },
    )
  })

  it('absorbs or raises a has() on a missing parent without a throw, with the same error', () => {
    const nested = Environment.create({
      variables: {
        event: objectType('view', {
          flagged: T.bool,
          device: objectType('device', { id: T.string }),
        }),
      },
    })
    const r = compileExpression('has(event.device.id) && event.flagged', nested)
    if (!r.ok) throw new Error('does not compile')
    const p = r.program
    expect(p.evaluate({ event: { flagged: false } })).toBe(false)
    expect(p.evaluate({ event: { device: { id: 'd' }, flagged: true } })).toBe(true)
    // Raised twice: the error made once at compile time reads the same every time.
    for (let i = 0; i < 2; i++) {
      const e = p.evaluate({ event: { flagged: true } }) as CelError
      expect(isCelError(e)).toBe(true)
      expect([e.code, e.message, e.redacted]).toEqual([
        'EVAL_NO_SUCH_FIELD',
        "no such field 'device'",
        "no such field 'device'",
      ])
    }
  })

  it('turns runaway comprehensions into EVAL_BUDGET errors', () => {
    const p = program('event.tags.all(a, event.tags.all(b, event.tags.all(c, true)))', { maxSteps: 1000 })
    const tags = Array.from({ length: 20 }, (_, i) => `t${i}`)
    const r = p.evaluate({ event: { tags } })
    expect(isCelError(r) && r.code).toBe('EVAL_BUDGET')
    expect(p.evaluate({ event: { tags: tags.slice(0, 5) } })).toBe(true)
  })

  it('reads only own properties, never the prototype chain', () => {
    const dynEnv = Environment.create({ variables: { m: 'map<string, dyn>', d: 'dyn' } })
    for (const text of ["m['constructor']", "m['__proto__']", 'd.constructor', 'has(m.toString) ? 1 : 0']) {
      const r = compileExpression(text, dynEnv)
      if (!r.ok) throw new Error(text)
      const v = r.program.evaluate({ m: {}, d: {} })
      expect(v === 0 || isCelError(v), text).toBe(true)
    }
    const schema = Environment.create({
      variables: { o: objectType('o', { constructor: T.string, toString: T.string }) },
    })
    const r = compileExpression('o.constructor', schema)
    if (!r.ok) throw new Error('compile')
    expect(isCelError(r.program.evaluate({ o: {} }))).toBe(true)
    expect(r.program.evaluate({ o: { constructor: 'own' } })).toBe('own')
  })
})
