/**
 * The lazy operators. `&&` and `||` follow CEL's commutative error absorption: an error (or a
 * non-bool) on one side is forgiven when the other side decides the result (false for &&, true
 * for ||). Chains are flattened into one closure. `?:` evaluates only the chosen branch.
 */

import { kindName } from '../runtime/equality.ts'
import { CelError, fail } from '../runtime/values.ts'
import type { Eval, Frame } from './node.ts'

const notBool = (op: string, v: unknown): CelError =>
  new CelError('EVAL_NO_OVERLOAD', { function: op, args: kindName(v) })

/** Turns any thrown value into an CelError (foreign exceptions become internal errors). */
export function asEvalError(e: unknown): CelError {
  if (e instanceof CelError) return e
  return new CelError(
    'EVAL_INVALID_ARGUMENT',
    { detail: `internal evaluation failure: ${(e as Error)?.message ?? String(e)}` },
    { detail: 'internal evaluation failure' },
  )
}

/**
 * `a && b && …` (decisive = false) or `a || b || …` (decisive = true). Evaluates left to right,
 * stops at the first decisive value; errors before it are forgiven. An operand's error is thrown
 * or, from an operand's `errorAsValue` (node.ts), returned: both count the same.
 */
export function junction(operands: readonly Eval[], decisive: boolean): Eval {
  const op = decisive ? '||' : '&&'
  if (operands.length === 2) {
    const [a, b] = operands as [Eval, Eval]
    return (f: Frame) => {
      let err: CelError | undefined
      try {
        const va = a(f)
        if (va === decisive) return decisive
        if (va !== !decisive) err = va instanceof CelError ? va : notBool(op, va)
      } catch (e) {
        err = asEvalError(e)
      }
      let vb: unknown
      try {
        vb = b(f)
      } catch (e) {
        throw err ?? asEvalError(e)
      }
      if (vb === decisive) return decisive
      // The first error wins, as in longer chains.
      if (err) throw err
      if (vb !== !decisive) throw vb instanceof CelError ? vb : notBool(op, vb)
      return !decisive
    }
  }
  return (f: Frame) => {
    let err: CelError | undefined
    for (const g of operands) {
      try {
        const v = g(f)
        if (v === decisive) return decisive
        if (v !== !decisive && !err) err = v instanceof CelError ? v : notBool(op, v)
      } catch (e) {
        if (!err) err = asEvalError(e)
      }
    }
    if (err) throw err
    return !decisive
  }
}

export function not(a: Eval): Eval {
  return (f: Frame) => {
    const v = a(f)
    return v === true
      ? false
      : v === false
        ? true
        : fail('EVAL_NO_OVERLOAD', { function: '!', args: kindName(v) })
  }
}

export function conditional(cond: Eval, yes: Eval, no: Eval): Eval {
  return (f: Frame) => {
    const c = cond(f)
    if (c === true) return yes(f)
    if (c === false) return no(f)
    return fail('EVAL_NO_OVERLOAD', { function: '?:', args: kindName(c) })
  }
}

/** `@not_strictly_false(x)`: true unless x is false; errors count as true (loop conditions). */
export function notStrictlyFalse(a: Eval): Eval {
  return (f: Frame) => {
    try {
      return a(f) !== false
    } catch {
      return true
    }
  }
}
