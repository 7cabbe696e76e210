/**
 * What a checked expression reads of its variables, for callers that compute variables on
 * demand (the engine computes only the features a rule reads). `features.a`, `has(features.a)`
 * and `features.?a` read field `a` of `features`; any other use of a variable — passed whole to a
 * function, indexed, iterated, compared — reads all of it. Names bound by a comprehension or
 * `cel.bind` are locals, never the variable they shadow.
 */

import { type Expr, forEachChild } from './ast.ts'
import type { CheckedExpr } from './checker.ts'

/** Variable name → the fields read, or null when the whole value is. Unread variables are absent. */
export type VariableReads = ReadonlyMap<string, ReadonlySet<string> | null>

export function variableReads(checked: CheckedExpr): VariableReads {
  const out = new Map<string, Set<string> | null>()
  const read = (name: string, field: string | undefined) => {
    const fields = out.get(name)
    if (fields === null) return
    if (field === undefined) out.set(name, null)
    else if (fields) fields.add(field)
    else out.set(name, new Set([field]))
  }
  const visit = (e: Expr, parent: Expr | undefined): void => {
    const ref = checked.refs.get(e.id)
    if (ref?.kind === 'variable') {
      read(ref.name, fieldOf(e, parent))
      return
    }
    forEachChild(e, (c) => visit(c, e))
  }
  visit(checked.expr, undefined)
  return out
}

/** The field `parent` selects of the variable `e`, if that is all it does with it. */
function fieldOf(e: Expr, parent: Expr | undefined): string | undefined {
  if (parent?.kind === 'select' && parent.operand === e) return parent.field
  if (parent?.kind === 'call' && parent.fn === '_?._' && !parent.target && parent.args[0] === e) {
    const field = parent.args[1]
    if (field?.kind === 'const' && typeof field.value === 'string') return field.value
  }
  return undefined
}
