/**
 * Comprehensions. The macros (all, exists, exists_one, map, filter, transformList,
 * transformMap and cel.bind) compile to direct loops over the list or map with CEL's error
 * rules: all/exists forgive errors when another element decides the answer, the others stop at
 * the first error. Every iteration spends one step of the per-evaluation budget, so hostile or
 * accidental blow-ups end in EVAL_BUDGET instead of a stalled decision.
 */

import { kindName } from '../runtime/equality.ts'
import { buildMap, isMap, mapEntries } from '../runtime/maps.ts'
import { CelError, fail } from '../runtime/values.ts'
import { asEvalError } from './logic.ts'
import type { Eval, Frame } from './node.ts'

let remaining = 0
let budgetMax = 0

/** Sets the comprehension step budget for the evaluation about to start. */
export function resetBudget(max: number): void {
  remaining = max
  budgetMax = max
}

const spend = () => {
  if (--remaining < 0) fail('EVAL_BUDGET', { max: budgetMax })
}

export interface LoopSlots {
  /** Slot of the first variable (the element, or the index/key of two-variable forms). */
  readonly first: number
  /** Slot of the second variable (the element/value), or -1. */
  readonly second: number
  /** Restores a map key's static type (uint keys are stored as plain numbers; see maps.ts). */
  readonly key?: (k: unknown) => unknown
}

/** Calls `body` for each element (or entry), binding the loop variables; stops if it returns true. */
function forEach(range: unknown, slots: LoopSlots, f: Frame, body: () => boolean | undefined): void {
  if (Array.isArray(range)) {
    for (let i = 0; i < range.length; i++) {
      spend()
      if (slots.second >= 0) {
        f[slots.first] = i
        f[slots.second] = range[i]
      } else f[slots.first] = range[i]
      if (body()) return
    }
    return
  }
  if (isMap(range)) {
    for (const [k, v] of mapEntries(range)) {
      spend()
      f[slots.first] = slots.key ? slots.key(k) : k
      if (slots.second >= 0) f[slots.second] = v
      if (body()) return
    }
    return
  }
  fail('EVAL_NO_OVERLOAD', { function: 'comprehension', args: kindName(range) })
}

function checkBool(macro: string, v: unknown): boolean {
  if (v === true || v === false) return v
  return fail('EVAL_NO_OVERLOAD', { function: macro, args: kindName(v) })
}

/** all (decisive = false) and exists (decisive = true). */
export function quantifier(
  range: Eval,
  slots: LoopSlots,
  pred: Eval,
  decisive: boolean,
  macro: string,
): Eval {
  return (f: Frame) => {
    let err: CelError | undefined
    let decided = false
    forEach(range(f), slots, f, () => {
      try {
        const v = pred(f)
        if (v === decisive) {
          decided = true
          return true
        }
        if (v !== !decisive && !err)
          err = new CelError('EVAL_NO_OVERLOAD', { function: macro, args: kindName(v) })
      } catch (e) {
        if (!err) err = asEvalError(e)
      }
      return false
    })
    if (decided) return decisive
    if (err) throw err
    return !decisive
  }
}

export function existsOne(range: Eval, slots: LoopSlots, pred: Eval): Eval {
  return (f: Frame) => {
    let n = 0
    forEach(range(f), slots, f, () => {
      if (checkBool('exists_one', pred(f))) n++
      return false
    })
    return n === 1
  }
}

/** map / filter / transformList: collect `value` for elements where `filter` holds. */
export function collectList(
  range: Eval,
  slots: LoopSlots,
  filter: Eval | undefined,
  value: Eval,
  macro: string,
): Eval {
  return (f: Frame) => {
    const out: unknown[] = []
    forEach(range(f), slots, f, () => {
      if (!filter || checkBool(macro, filter(f))) out.push(value(f))
      return false
    })
    return out
  }
}

/** transformMap: a map from each key to `value`, for entries where `filter` holds. */
export function collectMap(range: Eval, slots: LoopSlots, filter: Eval | undefined, value: Eval): Eval {
  return (f: Frame) => {
    const out: [unknown, unknown][] = []
    forEach(range(f), slots, f, () => {
      if (!filter || checkBool('transformMap', filter(f))) out.push([f[slots.first], value(f)])
      return false
    })
    return buildMap(out)
  }
}

/** cel.bind(x, init, body): evaluates init once and binds it for body. */
export function bind(slot: number, init: Eval, body: Eval): Eval {
  return (f: Frame) => {
    f[slot] = init(f)
    return body(f)
  }
}

/** Any other comprehension, run as CEL defines it. */
export function generic(
  range: Eval,
  slots: LoopSlots,
  accuSlot: number,
  init: Eval,
  cond: Eval,
  step: Eval,
  result: Eval,
): Eval {
  return (f: Frame) => {
    const r = range(f)
    f[accuSlot] = init(f)
    forEach(r, slots, f, () => {
      if (!checkBool('comprehension', cond(f))) return true
      f[accuSlot] = step(f)
      return false
    })
    return result(f)
  }
}
