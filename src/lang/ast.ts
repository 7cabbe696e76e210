/**
 * The expression tree produced by the parser (after macro expansion) and consumed by the
 * checker and compiler. Every node has a unique id and a source span; operators are calls to
 * functions with CEL's internal names (`_+_`, `_[_]`, `!_`, `@in`, …).
 */

import type { CelUint } from './runtime/values.ts'

export interface Span {
  readonly id: number
  /** Offset of the node's main token (the operator of a binary call, the dot of a select). */
  readonly pos: number
  readonly start: number
  readonly end: number
}

export type ConstValue = null | boolean | number | bigint | string | Uint8Array | CelUint

export interface ConstExpr extends Span {
  readonly kind: 'const'
  /** CEL type of the literal; needed because `1` and `1.0` are both JS numbers. */
  readonly type: 'null' | 'bool' | 'int' | 'uint' | 'double' | 'string' | 'bytes'
  readonly value: ConstValue
}

export interface IdentExpr extends Span {
  readonly kind: 'ident'
  readonly name: string
}

export interface SelectExpr extends Span {
  readonly kind: 'select'
  readonly operand: Expr
  readonly field: string
  /** `has(a.b)`: tests presence instead of reading. */
  readonly testOnly: boolean
}

export interface CallExpr extends Span {
  readonly kind: 'call'
  readonly fn: string
  /** Receiver of a method-style call `target.fn(args)`. */
  readonly target?: Expr
  readonly args: readonly Expr[]
}

export interface ListExpr extends Span {
  readonly kind: 'list'
  readonly elements: readonly Expr[]
  /** Indices of `?x` elements, included only when the optional has a value. */
  readonly optionalIndices: readonly number[]
}

export interface MapEntry {
  readonly id: number
  readonly key: Expr
  readonly value: Expr
  readonly optional: boolean
}

export interface MapExpr extends Span {
  readonly kind: 'map'
  readonly entries: readonly MapEntry[]
}

export interface StructField {
  readonly id: number
  readonly name: string
  readonly value: Expr
  readonly optional: boolean
}

/** `Name{field: value}`: message construction; parsed so the checker can say it is unsupported. */
export interface StructExpr extends Span {
  readonly kind: 'struct'
  readonly typeName: string
  readonly fields: readonly StructField[]
}

/**
 * The general loop all macros expand to. `macro` names the macro it came from so the compiler
 * can emit a specialised loop, and messages can speak the user's language.
 */
export interface ComprehensionExpr extends Span {
  readonly kind: 'comprehension'
  readonly iterVar: string
  /** Second variable of two-variable macros (`all(k, v, …)`), or ''. */
  readonly iterVar2: string
  readonly range: Expr
  readonly accuVar: string
  readonly accuInit: Expr
  readonly loopCondition: Expr
  readonly loopStep: Expr
  readonly result: Expr
  readonly macro: string
}

export type Expr =
  | ConstExpr
  | IdentExpr
  | SelectExpr
  | CallExpr
  | ListExpr
  | MapExpr
  | StructExpr
  | ComprehensionExpr

/** Calls `f` with each direct child of `e`, in source order (the one place that knows them). */
export function forEachChild(e: Expr, f: (child: Expr) => void): void {
  switch (e.kind) {
    case 'select':
      f(e.operand)
      break
    case 'call':
      if (e.target) f(e.target)
      for (const a of e.args) f(a)
      break
    case 'list':
      for (const x of e.elements) f(x)
      break
    case 'map':
      for (const en of e.entries) {
        f(en.key)
        f(en.value)
      }
      break
    case 'struct':
      for (const field of e.fields) f(field.value)
      break
    case 'comprehension':
      f(e.range)
      f(e.accuInit)
      f(e.loopCondition)
      f(e.loopStep)
      f(e.result)
      break
    default:
      break
  }
}

/** Visits every node once, parents before children. */
export function walk(e: Expr, visit: (e: Expr) => void): void {
  visit(e)
  forEachChild(e, (c) => walk(c, visit))
}

/** Dotted name of an identifier or a chain of selects on one (`a.b.c`), or undefined. */
export function qualifiedName(e: Expr): string | undefined {
  if (e.kind === 'ident') return e.name
  if (e.kind === 'select' && !e.testOnly) {
    const prefix = qualifiedName(e.operand)
    return prefix === undefined ? undefined : `${prefix}.${e.field}`
  }
  return undefined
}
