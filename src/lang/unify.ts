/**
 * Assignability and unification of types with type parameters, the core of overload
 * resolution. A Substitution maps parameter names to types; `dyn` is assignable both ways
 * (gradual typing), `null` is assignable to nullable types (objects, opaque values, dyn).
 */

import { hasParams, listOf, mapOf, opaque, T, type Type, typeEquals, typeOf } from './types.ts'

export type Substitution = Map<string, Type>

/** Replaces bound parameters; unbound ones become `dyn` when `finalize` is set. */
export function substitute(t: Type, s: Substitution, finalize = false): Type {
  if (!hasParams(t)) return t
  switch (t.kind) {
    case 'param': {
      const bound = s.get(t.name)
      if (bound && bound !== t) return substitute(bound, s, finalize)
      return finalize ? T.dyn : t
    }
    case 'list':
      return listOf(substitute(t.elem, s, finalize))
    case 'map':
      return mapOf(substitute(t.key, s, finalize), substitute(t.value, s, finalize))
    case 'type':
      return typeOf(substitute(t.of, s, finalize))
    case 'opaque':
      return opaque(t.name, ...t.params.map((p) => substitute(p, s, finalize)))
    default:
      return t
  }
}

function occurs(name: string, t: Type, s: Substitution): boolean {
  const r = substitute(t, s)
  if (r.kind === 'param') return r.name === name
  if (r.kind === 'list') return occurs(name, r.elem, s)
  if (r.kind === 'map') return occurs(name, r.key, s) || occurs(name, r.value, s)
  if (r.kind === 'type') return occurs(name, r.of, s)
  if (r.kind === 'opaque') return r.params.some((p) => occurs(name, p, s))
  return false
}

/**
 * Whether a value of type `from` may be used where `to` is expected, binding parameters in `s`.
 * On failure `s` may hold partial bindings; callers pass a copy when they need to backtrack.
 */
export function isAssignable(to: Type, from: Type, s: Substitution): boolean {
  if (to.kind === 'param') {
    const bound = s.get(to.name)
    if (bound) return isAssignable(bound, from, s)
    // `from` may itself be a parameter already bound to `to` (or to a chain ending there).
    const f = from.kind === 'param' && s.has(from.name) ? substitute(from, s) : from
    if (f.kind === 'param' && f.name === to.name) return true
    if (occurs(to.name, from, s)) return false
    s.set(to.name, from)
    return true
  }
  if (from.kind === 'param') {
    const bound = s.get(from.name)
    if (bound) return isAssignable(to, bound, s)
    if (occurs(from.name, to, s)) return false
    s.set(from.name, to)
    return true
  }
  if (to.kind === 'dyn' || from.kind === 'dyn' || to.kind === 'error' || from.kind === 'error') return true
  // null stands for an absent record (or, as in CEL, an optional); an ip, a cidr or a list is never null.
  if (from.kind === 'null')
    return to.kind === 'null' || to.kind === 'object' || (to.kind === 'opaque' && to.name === 'optional')
  if (to.kind !== from.kind) return false
  switch (to.kind) {
    case 'list':
      return isAssignable(to.elem, (from as typeof to).elem, s)
    case 'map':
      return (
        isAssignable(to.key, (from as typeof to).key, s) &&
        isAssignable(to.value, (from as typeof to).value, s)
      )
    case 'type':
      // Type values compare at run time by name (type(1) == type(1u) is false, not a type error).
      return true
    case 'object':
      return to.name === (from as typeof to).name
    case 'opaque': {
      const f = from as typeof to
      return (
        to.name === f.name &&
        to.params.length === f.params.length &&
        to.params.every((p, i) => isAssignable(p, f.params[i]!, s))
      )
    }
    default:
      return true
  }
}

/**
 * The type of an aggregate whose parts have types `a` and `b` (list and map literals, `?:`).
 * When one is assignable to the other the more general wins (binding parameters in `s`);
 * otherwise the aggregate is heterogeneous and becomes `dyn`.
 */
export function join(a: Type, b: Type, s: Substitution = new Map()): Type {
  const trial = new Map(s)
  if (!isAssignable(a, b, trial)) return T.dyn
  for (const [k, v] of trial) s.set(k, v)
  const ra = substitute(a, s)
  const rb = substitute(b, s)
  if (ra.kind === 'null' || ra.kind === 'error') return rb
  if (rb.kind === 'null' || rb.kind === 'error') return ra
  return isEqualOrLessSpecific(ra, rb) ? ra : rb
}

function isEqualOrLessSpecific(a: Type, b: Type): boolean {
  if (a.kind === 'dyn' || a.kind === 'param') return true
  if (b.kind === 'dyn' || b.kind === 'param') return false
  if (a.kind !== b.kind) return false
  switch (a.kind) {
    case 'list':
      return isEqualOrLessSpecific(a.elem, (b as typeof a).elem)
    case 'map':
      return (
        isEqualOrLessSpecific(a.key, (b as typeof a).key) &&
        isEqualOrLessSpecific(a.value, (b as typeof a).value)
      )
    case 'type':
      return isEqualOrLessSpecific(a.of, (b as typeof a).of)
    case 'opaque':
      return a.params.every((p, i) => isEqualOrLessSpecific(p, (b as typeof a).params[i]!))
    default:
      return typeEquals(a, b)
  }
}

/** Renames the parameters of a declaration so each use of a generic overload is independent. */
export function freshen(t: Type, suffix: string): Type {
  if (!hasParams(t)) return t
  switch (t.kind) {
    case 'param':
      return { kind: 'param', name: `${t.name}${suffix}` }
    case 'list':
      return listOf(freshen(t.elem, suffix))
    case 'map':
      return mapOf(freshen(t.key, suffix), freshen(t.value, suffix))
    case 'type':
      return typeOf(freshen(t.of, suffix))
    case 'opaque':
      return opaque(t.name, ...t.params.map((p) => freshen(p, suffix)))
    default:
      return t
  }
}
