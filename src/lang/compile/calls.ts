/**
 * Function calls. When the checker left one overload and every argument's static type settles
 * it, the call is a direct closure over the implementation. When arguments are `dyn`, the
 * overload is chosen at run time by the values' kinds (no match is EVAL_NO_OVERLOAD). Values
 * are converted where a double meets `dyn` (see runtime/dyn.ts).
 */

import { type Candidate, displayName } from '../checker.ts'
import { type Converter, fromDyn, matchesType, toDyn } from '../runtime/dyn.ts'
import { kindName } from '../runtime/equality.ts'
import { fail } from '../runtime/values.ts'
import { formatType, type Type } from '../types.ts'
import type { Eval, Frame } from './node.ts'

/** Where `from` has a double and `to` has dyn (or a parameter), the value must be boxed. */
function boxes(from: Type, to: Type): boolean {
  if (to.kind === 'dyn' || to.kind === 'param') return from.kind === 'double' || containsDouble(from)
  if (from.kind === 'list' && to.kind === 'list') return boxes(from.elem, to.elem)
  if (from.kind === 'map' && to.kind === 'map') return boxes(from.value, to.value)
  if (from.kind === 'opaque' && to.kind === 'opaque')
    return from.params.some((p, i) => boxes(p, to.params[i] ?? p))
  return false
}

function containsDouble(t: Type): boolean {
  switch (t.kind) {
    case 'double':
      return true
    case 'list':
      return containsDouble(t.elem)
    case 'map':
      return containsDouble(t.value)
    case 'opaque':
      return t.params.some(containsDouble)
    default:
      return false
  }
}

/** Where `from` is dyn and `to` has a double, the value must be unboxed. */
function unboxes(from: Type, to: Type): boolean {
  if (from.kind === 'dyn') return containsDouble(to)
  if (from.kind === 'list' && to.kind === 'list') return unboxes(from.elem, to.elem)
  if (from.kind === 'map' && to.kind === 'map') return unboxes(from.value, to.value)
  return false
}

/** The conversion a value of static type `from` needs to be used as `to`, if any. */
export function coercion(from: Type, to: Type): Converter | undefined {
  if (boxes(from, to)) return toDyn(from)
  if (unboxes(from, to)) return fromDyn(to)
  return undefined
}

/** A runtime type test is needed when a dyn argument meets a concrete parameter. */
const needsCheck = (arg: Type, param: Type) =>
  arg.kind === 'dyn' && param.kind !== 'dyn' && param.kind !== 'param'

export interface CallSite {
  readonly name: string
  readonly args: readonly Eval[]
  readonly argTypes: readonly Type[]
  readonly candidates: readonly Candidate[]
  /** The call's static type (what the caller expects the value to be represented as). */
  readonly type: Type
}

/** No overload fits: named as the user wrote it, with static types where known. */
const noOverload = (name: string, values: readonly unknown[], types?: readonly Type[]): never =>
  fail('EVAL_NO_OVERLOAD', {
    function: displayName(name),
    args: values
      .map((v, i) => (types?.[i] && types[i]!.kind !== 'dyn' ? formatType(types[i]!) : kindName(v)))
      .join(', '),
  })

export function compileCall(site: CallSite): Eval {
  if (site.candidates.length === 0) {
    const args = site.args
    return (f: Frame) =>
      noOverload(
        site.name,
        args.map((g) => g(f)),
      )
  }
  if (site.candidates.length === 1) return single(site, site.candidates[0]!)
  return dispatch(site)
}

function single(site: CallSite, c: Candidate): Eval {
  const impl = c.overload.impl!
  const checks = site.argTypes.map((t, i) => needsCheck(t, c.params[i]!))
  const convs = site.argTypes.map((t, i) => coercion(t, c.params[i]!))
  const out = coercion(c.result, site.type)
  if (checks.some(Boolean) || convs.some(Boolean) || out) return general(site, [c])
  const a = site.args
  switch (a.length) {
    case 0:
      return () => impl()
    case 1: {
      const x = a[0]!
      return (f: Frame) => impl(x(f))
    }
    case 2: {
      const x = a[0]!
      const y = a[1]!
      return (f: Frame) => impl(x(f), y(f))
    }
    case 3: {
      const x = a[0]!
      const y = a[1]!
      const z = a[2]!
      return (f: Frame) => impl(x(f), y(f), z(f))
    }
    default:
      return (f: Frame) => impl(...a.map((g) => g(f)))
  }
}

/** Several overloads (or dyn arguments): evaluate the arguments, then pick by runtime kinds. */
function dispatch(site: CallSite): Eval {
  return general(site, site.candidates)
}

function general(site: CallSite, candidates: readonly Candidate[]): Eval {
  const plans = candidates.map((c) => ({
    impl: c.overload.impl!,
    checks: site.argTypes.map((t, i) => (needsCheck(t, c.params[i]!) ? c.params[i]! : undefined)),
    convs: site.argTypes.map((t, i) => coercion(t, c.params[i]!)),
    out: coercion(c.result, site.type),
  }))
  const args = site.args
  return (f: Frame) => {
    const values = args.map((g) => g(f))
    for (const p of plans) {
      if (!p.checks.every((t, i) => t === undefined || matchesType(values[i], t))) continue
      const r = p.impl(...values.map((v, i) => (p.convs[i] ? p.convs[i]!(v) : v)))
      return p.out ? p.out(r) : r
    }
    return noOverload(site.name, values, site.argTypes)
  }
}
