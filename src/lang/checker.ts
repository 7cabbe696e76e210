/**
 * The type checker: resolves every name against the environment, chooses the overloads each
 * call may use, and assigns every node a type. Problems are collected as diagnostics (all of
 * them, with suggestions for misspelt names), never thrown.
 *
 * With checking disabled (`dynamic`), names still resolve but everything that is not a literal
 * is `dyn` and overloads are chosen at run time; the conformance suite uses this mode.
 */

import { own } from '../core/own.ts'
import { type ComprehensionExpr, type Expr, qualifiedName, type SelectExpr } from './ast.ts'
import type { FunctionDecl, Overload } from './builtins/registry.ts'
import type { DiagnosticSink } from './diagnostics.ts'
import { type Environment, TYPE_DENOTATIONS } from './env.ts'
import { suggest } from './suggest.ts'
import { macroParts } from './syntax/macros.ts'
import { formatType, isOptional, listOf, mapOf, optionalOf, T, type Type, typeOf } from './types.ts'
import { freshen, isAssignable, join, type Substitution, substitute } from './unify.ts'

/** One overload a call may use, with its parameter and result types as instantiated here. */
export interface Candidate {
  readonly overload: Overload
  readonly params: readonly Type[]
  readonly result: Type
}

export type Reference =
  | { readonly kind: 'variable'; readonly name: string }
  | { readonly kind: 'local'; readonly name: string }
  | { readonly kind: 'type'; readonly type: Type }
  /** An unresolved name in unchecked mode: an error at run time, as CEL prescribes. */
  | { readonly kind: 'unbound'; readonly name: string }
  | {
      readonly kind: 'call'
      readonly decl: FunctionDecl
      readonly candidates: readonly Candidate[]
      /** Written `ns.f(x)` with `ns` a namespace (math, base64, …), not a receiver. */
      readonly namespaced: boolean
    }

export interface CheckedExpr {
  readonly expr: Expr
  /** Type of every node by id, parameters resolved (unbound ones are dyn). */
  readonly types: ReadonlyMap<number, Type>
  readonly refs: ReadonlyMap<number, Reference>
  readonly type: Type
}

export interface CheckOptions {
  /** The type the whole expression must have (e.g. bool for a rule condition). */
  readonly expected?: Type
  /** Skip type checking: resolve names only and defer overload choice to run time. */
  readonly dynamic?: boolean
}

interface PendingCandidate {
  readonly overload: Overload
  readonly params: Type[]
  readonly result: Type
  readonly subst: Substitution
}

export function check(
  expr: Expr,
  env: Environment,
  sink: DiagnosticSink,
  options: CheckOptions = {},
): CheckedExpr | undefined {
  const errorsBefore = sink.items.length
  const c = new Checker(env, sink, options.dynamic ?? false)
  let type = c.visit(expr)
  if (options.expected && !options.dynamic && type.kind !== 'error') {
    if (!isAssignable(options.expected, type, c.subst)) {
      sink.report(
        'CEL_TYPE_MISMATCH',
        {
          detail: `expected ${formatType(options.expected)}, found ${formatType(substitute(type, c.subst, true))}`,
        },
        expr.start,
        expr.end,
      )
    }
  }
  if (sink.items.length > errorsBefore) return undefined
  type = substitute(type, c.subst, true)
  return { expr, types: c.finalTypes(), refs: c.finalRefs(), type }
}

class Checker {
  readonly subst: Substitution = new Map()
  private readonly types = new Map<number, Type>()
  private readonly refs = new Map<number, Reference>()
  private readonly pending = new Map<
    number,
    { decl: FunctionDecl; candidates: PendingCandidate[]; namespaced: boolean }
  >()
  private readonly scopes: Map<string, Type>[] = []
  private fresh = 0

  private readonly env: Environment
  private readonly sink: DiagnosticSink
  private readonly dynamic: boolean

  constructor(env: Environment, sink: DiagnosticSink, dynamic: boolean) {
    this.env = env
    this.sink = sink
    this.dynamic = dynamic
  }

  finalTypes(): Map<number, Type> {
    const out = new Map<number, Type>()
    for (const [id, t] of this.types) out.set(id, substitute(t, this.subst, true))
    return out
  }

  finalRefs(): Map<number, Reference> {
    const out = new Map(this.refs)
    for (const [id, p] of this.pending) {
      const fin = (t: Type, s: Substitution) => substitute(substitute(t, s), this.subst, true)
      out.set(id, {
        kind: 'call',
        decl: p.decl,
        namespaced: p.namespaced,
        candidates: p.candidates.map((c) => ({
          overload: c.overload,
          params: c.params.map((t) => fin(t, c.subst)),
          result: fin(c.result, c.subst),
        })),
      })
    }
    return out
  }

  visit(e: Expr): Type {
    const t = this.visitKind(e)
    this.types.set(e.id, t)
    return t
  }

  private visitKind(e: Expr): Type {
    switch (e.kind) {
      case 'const':
        return T[e.type]
      case 'ident':
        return this.ident(e.name, e)
      case 'select':
        return this.select(e)
      case 'call':
        return this.call(e)
      case 'list': {
        let elem: Type = this.freshParam()
        e.elements.forEach((x, i) => {
          let t = this.visit(x)
          if (e.optionalIndices.includes(i)) t = this.unwrapOptional(t, x)
          elem = join(elem, t, this.subst)
        })
        return listOf(this.dynamic && e.elements.length ? T.dyn : elem)
      }
      case 'map': {
        let key: Type = this.freshParam()
        let value: Type = this.freshParam()
        for (const en of e.entries) {
          const kt = this.visit(en.key)
          if (!['string', 'int', 'uint', 'bool', 'dyn', 'error', 'param'].includes(kt.kind)) {
            this.sink.report(
              'CEL_TYPE_MISMATCH',
              { detail: `unsupported map key type ${formatType(kt)}; keys are string, int, uint or bool` },
              en.key.start,
              en.key.end,
            )
          }
          key = join(key, kt, this.subst)
          let vt = this.visit(en.value)
          if (en.optional) vt = this.unwrapOptional(vt, en.value)
          value = join(value, vt, this.subst)
        }
        return this.dynamic && e.entries.length ? mapOf(T.dyn, T.dyn) : mapOf(key, value)
      }
      case 'struct':
        for (const f of e.fields) this.visit(f.value)
        this.sink.report(
          'CEL_UNDECLARED',
          {
            name: e.typeName,
            hint: ': message construction is outside the risk profile (no protobuf message types)',
          },
          e.start,
          e.end,
        )
        return T.error
      case 'comprehension':
        return this.comprehension(e)
    }
  }

  private freshParam(): Type {
    return { kind: 'param', name: `_${++this.fresh}` }
  }

  private unwrapOptional(t: Type, at: Expr): Type {
    const r = substitute(t, this.subst)
    if (isOptional(r)) return r.params[0]!
    if (r.kind === 'dyn' || r.kind === 'error' || r.kind === 'param') return T.dyn
    this.sink.report(
      'CEL_TYPE_MISMATCH',
      { detail: `an optional entry (?x) needs an optional value, found ${formatType(r)}` },
      at.start,
      at.end,
    )
    return T.error
  }

  // ── names ───────────────────────────────────────────────────────────────

  private local(name: string): Type | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const t = this.scopes[i]!.get(name)
      if (t) return t
    }
    return undefined
  }

  private resolveVariable(name: string): { name: string; type: Type } | undefined {
    for (const candidate of this.env.candidateNames(name)) {
      const type = this.env.variables.get(candidate)
      if (type) return { name: candidate, type: this.dynamic ? T.dyn : type }
    }
    return undefined
  }

  /** The variable, else the type, that `name` (perhaps dotted) denotes, recorded as `e`'s reference. */
  private named(name: string, e: Expr): Type | undefined {
    const v = this.resolveVariable(name)
    if (v) {
      this.refs.set(e.id, { kind: 'variable', name: v.name })
      return v.type
    }
    const denoted = own(TYPE_DENOTATIONS, name.replace(/^\./, ''))
    if (denoted) {
      this.refs.set(e.id, { kind: 'type', type: denoted })
      return typeOf(denoted)
    }
    return undefined
  }

  private ident(name: string, e: Expr): Type {
    const local = name.startsWith('.') ? undefined : this.local(name)
    if (local) {
      this.refs.set(e.id, { kind: 'local', name })
      return local
    }
    const named = this.named(name, e)
    if (named) return named
    if (this.dynamic) {
      this.refs.set(e.id, { kind: 'unbound', name })
      return T.dyn
    }
    const known = [...this.env.variables.keys(), ...this.scopes.flatMap((s) => [...s.keys()])].filter(
      (n) => !n.startsWith('@'),
    )
    this.sink.report('CEL_UNDECLARED', { name, hint: suggest(name, known) }, e.start, e.end)
    return T.error
  }

  private select(e: SelectExpr): Type {
    // `a.b.c` may name a variable declared with a dotted name; the longest such name wins.
    const q = e.testOnly ? undefined : qualifiedName(e)
    if (q && !this.local(q.split('.')[0]!.replace(/^\./, ''))) {
      const named = this.named(q, e)
      if (named) return named
    }
    const operand = this.visit(e.operand)
    const r = substitute(operand, this.subst)
    if (isOptional(r)) {
      const inner = this.fieldType(r.params[0]!, e)
      return e.testOnly ? T.bool : inner.kind === 'error' ? inner : optionalOf(inner)
    }
    const t = this.fieldType(r, e)
    return e.testOnly && t.kind !== 'error' ? T.bool : t
  }

  /** The type of `field` on a value of type `t`. */
  private fieldType(
    t: Type,
    e: SelectExpr | { pos?: number; start: number; end: number; field: string },
  ): Type {
    switch (t.kind) {
      case 'object': {
        const f = t.fields.get(e.field)
        if (f) return f
        this.sink.report(
          'CEL_UNKNOWN_FIELD',
          { type: t.name, field: e.field, hint: suggest(e.field, [...t.fields.keys()]) },
          fieldStart(e),
          e.end,
        )
        return T.error
      }
      case 'map':
        if (isAssignable(t.key, T.string, this.subst)) return t.value
        break
      case 'dyn':
      case 'error':
      case 'param':
        return T.dyn
      default:
        break
    }
    this.sink.report(
      'CEL_TYPE_MISMATCH',
      { detail: `type ${formatType(t)} has no fields (selecting '${e.field}')` },
      fieldStart(e),
      e.end,
    )
    return T.error
  }

  // ── calls ───────────────────────────────────────────────────────────────

  private lookupFunction(name: string): FunctionDecl | undefined {
    for (const candidate of this.env.candidateNames(name)) {
      const f = this.env.functions.get(candidate)
      if (f) return f
    }
    return undefined
  }

  private call(e: Expr & { kind: 'call' }): Type {
    // `ns.f(x)` where `ns.f` names a function (and `ns` is not a value): a namespaced call.
    if (e.target) {
      const q = qualifiedName(e.target)
      if (q && !this.local(q.split('.')[0]!) && !this.resolveVariable(q)) {
        const decl = this.lookupFunction(`${q}.${e.fn}`)
        if (decl) return this.resolveCall(e, decl, e.args, true)
      }
    }
    switch (e.fn) {
      case '_?._':
        return this.optionalSelect(e)
      case '_[?_]':
      case '_[_]':
        return this.index(e)
      case '_?_:_':
        return this.conditional(e)
      default:
        break
    }
    const decl = this.lookupFunction(e.fn)
    const args = e.target ? [e.target, ...e.args] : e.args
    if (!decl) {
      for (const a of args) this.visit(a)
      if (this.dynamic) {
        this.refs.set(e.id, { kind: 'unbound', name: e.fn })
        return T.dyn
      }
      this.sink.report(
        'CEL_UNDECLARED',
        {
          name: e.fn,
          hint: suggest(
            e.fn,
            [...this.env.functions.keys()].filter((n) => /^[a-z]/i.test(n)),
          ),
        },
        e.pos,
        e.pos + e.fn.length,
      )
      return T.error
    }
    return this.resolveCall(e, decl, args, false)
  }

  private resolveCall(
    e: Expr & { kind: 'call' },
    decl: FunctionDecl,
    args: readonly Expr[],
    namespaced: boolean,
  ): Type {
    const argTypes = args.map((a) => this.visit(a))
    return this.chooseOverloads(e, decl, argTypes, namespaced, !namespaced && e.target !== undefined)
  }

  private chooseOverloads(
    e: Expr & { kind: 'call' },
    decl: FunctionDecl,
    argTypes: Type[],
    namespaced: boolean,
    receiver: boolean,
  ): Type {
    const matched: PendingCandidate[] = []
    for (const o of decl.overloads) {
      if (o.receiver !== receiver || o.params.length !== argTypes.length) continue
      const suffix = `#${++this.fresh}`
      const params = o.params.map((p) => freshen(p, suffix))
      const s = new Map(this.subst)
      if (params.every((p, i) => isAssignable(p, argTypes[i]!, s))) {
        matched.push({ overload: o, params, result: freshen(o.result, suffix), subst: s })
      }
    }
    if (matched.length === 0 && this.dynamic) {
      // Unchecked: no overload fits the literal arguments, so the call fails when evaluated.
      this.pending.set(e.id, { decl, candidates: [], namespaced })
      return T.dyn
    }
    if (matched.length === 0) {
      if (!argTypes.some((t) => t.kind === 'error')) this.reportNoOverload(e, decl, argTypes, receiver)
      return T.error
    }
    // With concrete arguments, overloads that match exactly beat those taking dyn parameters
    // (math.greatest(1.0, 2.0) is a double, not a dyn).
    if (matched.length > 1 && !argTypes.some(mentionsDyn)) {
      const exact = matched.filter((m) => !m.params.some((p) => mentionsDyn(substitute(p, m.subst))))
      if (exact.length) matched.splice(0, matched.length, ...exact)
    }
    this.pending.set(e.id, { decl, candidates: matched, namespaced })
    if (matched.length === 1) {
      const only = matched[0]!
      for (const [k, v] of only.subst) this.subst.set(k, v)
      return substitute(only.result, this.subst)
    }
    const results = matched.map((m) => substitute(m.result, m.subst, true))
    return results.every((r) => formatType(r) === formatType(results[0]!)) ? results[0]! : T.dyn
  }

  private reportNoOverload(
    e: Expr & { kind: 'call' },
    decl: FunctionDecl,
    argTypes: Type[],
    receiver: boolean,
  ): void {
    const shown = argTypes.map((t) => formatType(substitute(t, this.subst, true)))
    const name = displayName(decl.name)
    const forms = decl.overloads.filter((o) => o.receiver === receiver).map((o) => displaySignature(o))
    const arithmetic = ['_+_', '_-_', '_*_', '_/_', '_%_'].includes(decl.name)
    const hint =
      arithmetic && shown.includes('int') && shown.includes('double')
        ? '; int and double do not mix implicitly: write 2.0 instead of 2, or convert with double(x) / int(x)'
        : forms.length && forms.length <= 8
          ? `; expected ${forms.join(' or ')}`
          : ''
    const args = receiver ? `${shown[0]}.${name}(${shown.slice(1).join(', ')})` : `(${shown.join(', ')})`
    this.sink.report('CEL_NO_OVERLOAD', { function: name, args, hint }, e.pos, e.end)
  }

  private conditional(e: Expr & { kind: 'call' }): Type {
    const [cond, yes, no] = e.args as [Expr, Expr, Expr]
    const ct = this.visit(cond)
    if (!isAssignable(T.bool, ct, this.subst)) {
      this.sink.report(
        'CEL_TYPE_MISMATCH',
        { detail: `the condition of ?: must be bool, found ${formatType(ct)}` },
        cond.start,
        cond.end,
      )
    }
    const yt = this.visit(yes)
    const nt = this.visit(no)
    if (
      !this.dynamic &&
      !isAssignable(yt, nt, new Map(this.subst)) &&
      !isAssignable(nt, yt, new Map(this.subst))
    ) {
      const detail = `the branches of ?: have different types, ${formatType(substitute(yt, this.subst, true))} and ${formatType(substitute(nt, this.subst, true))} (wrap one in dyn() if that is intended)`
      this.sink.report('CEL_TYPE_MISMATCH', { detail }, e.start, e.end)
      return T.error
    }
    const t = join(yt, nt, this.subst)
    this.recordBuiltin(e, '_?_:_', [T.bool, t, t], t)
    return t
  }

  private optionalSelect(e: Expr & { kind: 'call' }): Type {
    const [operand, field] = e.args as [Expr, Expr & { kind: 'const' }]
    const r = substitute(this.visit(operand), this.subst)
    this.visit(field)
    const base = isOptional(r) ? r.params[0]! : r
    const t = this.fieldType(base, { start: field.start, end: field.end, field: String(field.value) })
    if (t.kind === 'error') return t
    this.recordBuiltin(e, '_?._', [r, T.string], optionalOf(t))
    return optionalOf(t)
  }

  private index(e: Expr & { kind: 'call' }): Type {
    const [operand, key] = e.args as [Expr, Expr]
    const r = substitute(this.visit(operand), this.subst)
    const kt = this.visit(key)
    const optional = isOptional(r)
    const base = optional ? r.params[0]! : r
    const decl = this.env.functions.get('_[_]')!
    const t = this.chooseOverloads(e, decl, [base, kt], false, false)
    if (t.kind === 'error') return t
    return e.fn === '_[?_]' || optional ? optionalOf(t) : t
  }

  private recordBuiltin(e: Expr, name: string, params: Type[], result: Type): void {
    const decl = this.env.functions.get(name)!
    this.pending.set(e.id, {
      decl,
      namespaced: false,
      candidates: [{ overload: decl.overloads[0]!, params, result, subst: new Map() }],
    })
  }

  // ── comprehensions ─────────────────────────────────────────────────────

  /** Iteration variable types over a range: element (or index and element), key (or key and value). */
  private iterTypes(e: ComprehensionExpr, range: Type): [Type, Type] {
    switch (range.kind) {
      case 'list':
        return [e.iterVar2 ? T.int : range.elem, range.elem]
      case 'map':
        return [range.key, range.value]
      case 'dyn':
      case 'error':
      case 'param':
        return [T.dyn, T.dyn]
      default:
        this.sink.report(
          'CEL_TYPE_MISMATCH',
          { detail: `${e.macro || 'a comprehension'} needs a list or map, found ${formatType(range)}` },
          e.range.start,
          e.range.end,
        )
        return [T.error, T.error]
    }
  }

  /**
   * A comprehension a macro built: checked through the user's own predicate and value (so
   * messages speak of them, not of the generated loop), with the result type the macro gives.
   */
  private macro(e: ComprehensionExpr, range: Type, parts: { pred?: Expr; value?: Expr }): Type {
    const [first, second] = this.iterTypes(e, range)
    this.scopes.push(
      new Map(
        e.iterVar2
          ? [
              [e.iterVar, first],
              [e.iterVar2, second],
            ]
          : [[e.iterVar, first]],
      ),
    )
    let value: Type | undefined
    try {
      if (parts.pred) {
        const pt = this.visit(parts.pred)
        if (!isAssignable(T.bool, pt, this.subst)) {
          const what =
            e.macro === 'all' || e.macro === 'exists' || e.macro === 'exists_one' ? 'predicate' : 'filter'
          this.sink.report(
            'CEL_TYPE_MISMATCH',
            {
              detail: `the ${what} of ${e.macro} must be bool, found ${formatType(substitute(pt, this.subst, true))}`,
            },
            parts.pred.start,
            parts.pred.end,
          )
        }
      }
      if (parts.value) value = this.visit(parts.value)
    } finally {
      this.scopes.pop()
    }
    switch (e.macro) {
      case 'map':
      case 'filter':
      case 'transformList':
        return listOf(value ?? T.dyn)
      case 'transformMap':
        return mapOf(range.kind === 'map' ? range.key : range.kind === 'list' ? T.int : T.dyn, value ?? T.dyn)
      default:
        return T.bool
    }
  }

  private comprehension(e: ComprehensionExpr): Type {
    const range = substitute(this.visit(e.range), this.subst)
    const parts = e.macro === 'cel.bind' ? undefined : macroParts(e)
    if (parts) return this.macro(e, range, parts)
    let first: Type
    let second: Type = T.dyn
    switch (range.kind) {
      case 'list':
        first = e.iterVar2 ? T.int : range.elem
        second = range.elem
        break
      case 'map':
        first = range.key
        second = range.value
        break
      case 'dyn':
      case 'error':
      case 'param':
        first = T.dyn
        break
      default:
        this.sink.report(
          'CEL_TYPE_MISMATCH',
          { detail: `${e.macro || 'a comprehension'} needs a list or map, found ${formatType(range)}` },
          e.range.start,
          e.range.end,
        )
        first = T.error
    }
    const accu = this.visit(e.accuInit)
    this.scopes.push(new Map([[e.accuVar, accu]]))
    this.scopes.push(
      new Map(
        e.iterVar2
          ? [
              [e.iterVar, first],
              [e.iterVar2, second],
            ]
          : [[e.iterVar, first]],
      ),
    )
    const cond = this.visit(e.loopCondition)
    if (!isAssignable(T.bool, cond, this.subst)) {
      this.sink.report(
        'CEL_TYPE_MISMATCH',
        { detail: `the predicate of ${e.macro} must be bool, found ${formatType(cond)}` },
        e.loopCondition.start,
        e.loopCondition.end,
      )
    }
    const step = this.visit(e.loopStep)
    if (!isAssignable(accu, step, this.subst)) {
      const detail =
        e.macro === 'all' || e.macro === 'exists' || e.macro === 'exists_one'
          ? `the predicate of ${e.macro} must be bool`
          : `${e.macro} step has type ${formatType(step)}, expected ${formatType(accu)}`
      this.sink.report('CEL_TYPE_MISMATCH', { detail }, e.start, e.end)
    }
    this.scopes.pop()
    const result = this.visit(e.result)
    this.scopes.pop()
    return result
  }
}

function mentionsDyn(t: Type): boolean {
  switch (t.kind) {
    case 'dyn':
      return true
    case 'list':
      return mentionsDyn(t.elem)
    case 'map':
      return mentionsDyn(t.key) || mentionsDyn(t.value)
    case 'opaque':
      return t.params.some(mentionsDyn)
    default:
      return false
  }
}

/** Where a field name starts: after the dot of a select (its `pos`), or the node's start. */
function fieldStart(e: { pos?: number; start: number; kind?: string }): number {
  return e.kind === 'select' && e.pos !== undefined ? e.pos + 1 : e.start
}

/** User-facing name of a function (internal names such as `math.@greatest` shown as written). */
export function displayName(name: string): string {
  const operators: Record<string, string> = {
    '_+_': '+',
    '_-_': '-',
    '_*_': '*',
    '_/_': '/',
    '_%_': '%',
    '_==_': '==',
    '_!=_': '!=',
    '_<_': '<',
    '_<=_': '<=',
    '_>_': '>',
    '_>=_': '>=',
    '_&&_': '&&',
    '_||_': '||',
    '!_': '!',
    '-_': '-',
    '@in': 'in',
    '_[_]': '[]',
    '_?_:_': '?:',
  }
  return operators[name] ?? name.replace('.@', '.')
}

function displaySignature(o: Overload): string {
  return o.id.replace(/^math\.@/, 'math.')
}
