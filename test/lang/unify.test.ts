/**
 * Unification corner cases that expression-level tests reach only by chance.
 */

import { describe, expect, it } from 'vitest'
import { listOf, param, T } from '../../src/lang/types.ts'
import { isAssignable, join, substitute } from '../../src/lang/unify.ts'

describe('unification', () => {
  it('accepts a parameter already bound to the target parameter', () => {
    expect(isAssignable(param('_1'), param('_2'), new Map([['_2', param('_1')]]))).toBe(true)
  })

  it('binds parameters through lists and joins to the more general type', () => {
    const s = new Map()
    expect(isAssignable(listOf(param('A')), listOf(T.int), s)).toBe(true)
    expect(substitute(param('A'), s)).toBe(T.int)
    expect(join(listOf(T.int), listOf(T.dyn))).toEqual(listOf(T.dyn))
    expect(join(T.int, T.string)).toBe(T.dyn)
  })

  it('refuses a parameter that would contain itself', () => {
    expect(isAssignable(param('A'), listOf(param('A')), new Map())).toBe(false)
  })
})
