/**
 * The usage errors every command shares (src/cli/command.ts): which required flags are missing,
 * what is wrong with the positional arguments, and the message that puts the problem before the
 * usage.
 */

import { describe, expect, it } from 'vitest'
import { missingFlags, positionalProblem, usageError } from '../../src/cli/command.ts'

describe('missingFlags', () => {
  it('names every required flag that is absent or empty, in the order asked for', () => {
    expect(
      missingFlags({ policy: 'p', events: '', input: [] }, ['policy', 'events', 'labels', 'input']),
    ).toBe('missing --events, --labels, --input')
  })

  it('is undefined when every required flag has a value (false and 0 count as values)', () => {
    expect(missingFlags({ a: 'x', b: ['f'], c: false, d: 0 }, ['a', 'b', 'c', 'd'])).toBeUndefined()
    expect(missingFlags({}, [])).toBeUndefined()
  })
})

describe('positionalProblem', () => {
  it('names the missing arguments, or the first unexpected one', () => {
    expect(positionalProblem([], ['NAME', 'TARGET'])).toBe('missing NAME TARGET')
    expect(positionalProblem(['m'], ['NAME', 'TARGET'])).toBe('missing TARGET')
    expect(positionalProblem(['a', 'b'], ['NAME'])).toBe("unexpected argument 'b'")
    expect(positionalProblem(['a'], [])).toBe("unexpected argument 'a'")
    expect(positionalProblem(['a'], ['NAME'])).toBeUndefined()
  })
})

describe('usageError', () => {
  it('puts the problem, with the command, before the usage', () => {
    expect(usageError('replay', 'missing --events', 'bulwark replay --policy DIR')).toBe(
      'bulwark replay: missing --events\n\nbulwark replay --policy DIR',
    )
  })
})
