/**
 * Comparisons of primitives (int, double, string, bool, null), the bulk of risk rules. They
 * compile to JS operators directly — ints are canonical numbers/bigints, so `===` and `<` are
 * exact — and a comparison of a short path with a constant (`features.x > 3`,
 * `event.type == 'signup'`) becomes one closure with the field reads inlined: measured at
 * ~1.5× faster than composing a path closure with an operator closure (bench/lang).
 */

import { compare, compareStrings, equals } from '../runtime/equality.ts'
import type { Type } from '../types.ts'
import type { CompiledNode, Eval, Frame } from './node.ts'
import { isPlainFieldName, objectField } from './paths.ts'

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>='

const NUMERIC = new Set(['int', 'double'])
const PRIMITIVE = new Set(['int', 'double', 'string', 'bool', 'null'])

/** Whether `a op b` on these static types can use the JS operator directly. */
export function isPrimitiveComparison(op: CompareOp, a: Type, b: Type): boolean {
  if (op === '==' || op === '!=') return PRIMITIVE.has(a.kind) && PRIMITIVE.has(b.kind)
  return (
    (NUMERIC.has(a.kind) && NUMERIC.has(b.kind)) ||
    (a.kind === 'bool' && b.kind === 'bool') ||
    (a.kind === 'string' && b.kind === 'string')
  )
}

const FLIP: Record<CompareOp, CompareOp> = {
  '==': '==',
  '!=': '!=',
  '<': '>',
  '<=': '>=',
  '>': '<',
  '>=': '<=',
}

type Binary = (a: any, b: any) => boolean

const JS_OPS: Record<CompareOp, Binary> = {
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
}

const STRING_OPS: Record<CompareOp, Binary> = {
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
  '<': (a, b) => compareStrings(a, b) < 0,
  '<=': (a, b) => compareStrings(a, b) <= 0,
  '>': (a, b) => compareStrings(a, b) > 0,
  '>=': (a, b) => compareStrings(a, b) >= 0,
}

const MIXED: Record<CompareOp, Binary> = {
  '==': equals,
  '!=': (a, b) => !equals(a, b),
  '<': (a, b) => compare(a, b) < 0,
  '<=': (a, b) => compare(a, b) <= 0,
  '>': (a, b) => compare(a, b) > 0,
  '>=': (a, b) => compare(a, b) >= 0,
}

export function compileComparison(op: CompareOp, l: CompiledNode, r: CompiledNode, lt: Type, rt: Type): Eval {
  if (l.constant && !r.constant) return compileComparison(FLIP[op], r, l, rt, lt)
  // int against double: an int beyond 2^53 is compared as a double (see equality.ts).
  if (lt.kind !== rt.kind && NUMERIC.has(lt.kind) && NUMERIC.has(rt.kind))
    return binary(MIXED[op], l.run, r.run)
  if (lt.kind === 'string' && op !== '==' && op !== '!=') return binary(STRING_OPS[op], l.run, r.run)
  const path = l.path
  // A declared variable read on its own keeps its unbound check, so it is not fused.
  if (
    r.constant &&
    path &&
    path.fields.length <= 2 &&
    (path.bound || path.fields.length > 0) &&
    path.fields.every(isPlainFieldName)
  ) {
    return fused(op, path.slot, path.fields, r.constant.value)
  }
  return binary(JS_OPS[op], l.run, r.run)
}

function binary(op: Binary, a: Eval, b: Eval): Eval {
  return (f: Frame) => op(a(f), b(f))
}

// One closure per operator and path depth: V8 inlines the reads and the operator together.
function fused(op: CompareOp, s: number, fields: readonly string[], K: unknown): Eval {
  const [a, b] = fields as [string, string]
  const get1 = (f: Frame) => {
    const v = (f[s] as any)?.[a]
    return v !== undefined && v !== null ? v : objectField(f[s], a)
  }
  const get2 = (f: Frame) => {
    const o = (f[s] as any)?.[a]
    if (o === undefined || o === null) return objectField(f[s], a)
    const v = o?.[b]
    return v !== undefined && v !== null ? v : objectField(o, b)
  }
  if (fields.length === 0) {
    switch (op) {
      case '==':
        return (f: Frame) => f[s] === K
      case '!=':
        return (f: Frame) => f[s] !== K
      case '<':
        return (f: Frame) => (f[s] as any) < (K as any)
      case '<=':
        return (f: Frame) => (f[s] as any) <= (K as any)
      case '>':
        return (f: Frame) => (f[s] as any) > (K as any)
      case '>=':
        return (f: Frame) => (f[s] as any) >= (K as any)
    }
  }
  if (fields.length === 1) {
    switch (op) {
      case '==':
        return (f: Frame) => {
          const v = (f[s] as any)?.[a]
          return (v !== undefined && v !== null ? v : get1(f)) === K
        }
      case '!=':
        return (f: Frame) => {
          const v = (f[s] as any)?.[a]
          return (v !== undefined && v !== null ? v : get1(f)) !== K
        }
      case '<':
        return (f: Frame) => {
          const v = (f[s] as any)?.[a]
          return (v !== undefined && v !== null ? v : get1(f)) < (K as any)
        }
      case '<=':
        return (f: Frame) => {
          const v = (f[s] as any)?.[a]
          return (v !== undefined && v !== null ? v : get1(f)) <= (K as any)
        }
      case '>':
        return (f: Frame) => {
          const v = (f[s] as any)?.[a]
          return (v !== undefined && v !== null ? v : get1(f)) > (K as any)
        }
      case '>=':
        return (f: Frame) => {
          const v = (f[s] as any)?.[a]
          return (v !== undefined && v !== null ? v : get1(f)) >= (K as any)
        }
    }
  }
  switch (op) {
    case '==':
      return (f: Frame) => {
        const v = (f[s] as any)?.[a]?.[b]
        return (v !== undefined && v !== null ? v : get2(f)) === K
      }
    case '!=':
      return (f: Frame) => {
        const v = (f[s] as any)?.[a]?.[b]
        return (v !== undefined && v !== null ? v : get2(f)) !== K
      }
    case '<':
      return (f: Frame) => {
        const v = (f[s] as any)?.[a]?.[b]
        return (v !== undefined && v !== null ? v : get2(f)) < (K as any)
      }
    case '<=':
      return (f: Frame) => {
        const v = (f[s] as any)?.[a]?.[b]
        return (v !== undefined && v !== null ? v : get2(f)) <= (K as any)
      }
    case '>':
      return (f: Frame) => {
        const v = (f[s] as any)?.[a]?.[b]
        return (v !== undefined && v !== null ? v : get2(f)) > (K as any)
      }
    case '>=':
      return (f: Frame) => {
        const v = (f[s] as any)?.[a]?.[b]
        return (v !== undefined && v !== null ? v : get2(f)) >= (K as any)
      }
  }
}
