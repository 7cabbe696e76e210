/**
 * The standard library of the risk profile: every built-in function, merged by name (a name
 * may gather overloads from several areas, such as `@in` for lists and for CIDR ranges).
 */

import { CONTENT_FUNCTIONS } from './content.ts'
import { CONVERSIONS } from './conversions.ts'
import { ENCODER_FUNCTIONS } from './encoders.ts'
import { MATH_FUNCTIONS } from './math.ts'
import { NET_FUNCTIONS } from './net.ts'
import { OPERATORS } from './operators.ts'
import { OPTIONAL_FUNCTIONS } from './optionals.ts'
import type { FunctionDecl } from './registry.ts'
import { STRING_FUNCTIONS } from './strings.ts'
import { TIME_FUNCTIONS } from './time.ts'

/** Declarations grouped by area, in the order docs/policy-language.md presents them. */
export const BUILTIN_AREAS: Readonly<Record<string, readonly FunctionDecl[]>> = {
  operators: OPERATORS,
  conversions: CONVERSIONS,
  strings: STRING_FUNCTIONS,
  time: TIME_FUNCTIONS,
  math: MATH_FUNCTIONS,
  encoders: ENCODER_FUNCTIONS,
  optionals: OPTIONAL_FUNCTIONS,
  network: NET_FUNCTIONS,
  content: CONTENT_FUNCTIONS,
}

export function mergeFunctions(decls: Iterable<FunctionDecl>): Map<string, FunctionDecl> {
  const out = new Map<string, FunctionDecl>()
  for (const d of decls) {
    const prev = out.get(d.name)
    if (!prev) {
      out.set(d.name, d)
      continue
    }
    const ids = new Set(prev.overloads.map((o) => o.id))
    const dup = d.overloads.find((o) => ids.has(o.id))
    if (dup) throw new Error(`overload '${dup.id}' is declared twice`)
    out.set(d.name, {
      ...prev,
      cost: Math.max(prev.cost, d.cost),
      pure: prev.pure && d.pure,
      overloads: [...prev.overloads, ...d.overloads],
    })
  }
  return out
}

export const BUILTINS: ReadonlyMap<string, FunctionDecl> = mergeFunctions(Object.values(BUILTIN_AREAS).flat())
