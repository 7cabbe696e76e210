/**
 * Compiles a checked expression to a tree of closures. No eval, no new Function: each node
 * becomes a closure specialised by its static types — comparisons of primitives use JS
 * operators, paths through schema objects read fields inline, constant subexpressions of pure
 * functions are folded, constant regular expressions and list memberships are prepared once.
 */

import { type CallExpr, type ComprehensionExpr, type Expr, type SelectExpr, walk } from '../ast.ts'
import { compileRegex } from '../builtins/strings.ts'
import type { CheckedExpr, Reference } from '../checker.ts'
import type { DiagnosticSink } from '../diagnostics.ts'
import type { Environment } from '../env.ts'
import { toDyn, typeValueForType, typeValueOf } from '../runtime/dyn.ts'
import { equals } from '../runtime/equality.ts'
import { buildMap, isMap, mapFind } from '../runtime/maps.ts'
import { CelError, type CelType, CelUint, fail, Optional } from '../runtime/values.ts'
import { macroParts } from '../syntax/macros.ts'
import { isOptional, T, type Type } from '../types.ts'
import { coercion, compileCall } from './calls.ts'
import { type CompareOp, compileComparison, isPrimitiveComparison } from './compare.ts'
import { conditional, junction, not, notStrictlyFalse } from './logic.ts'
import * as loops from './loops.ts'
import { type CompiledNode, constantNode, type Eval, type Frame } from './node.ts'
import { dynamicField, hasField, isPlainFieldName, objectField, pathGetter, pathProbe } from './paths.ts'

export interface CompileOutput {
  readonly run: Eval
  /** Frame length needed: the environment's variables plus comprehension variables. */
  readonly frameSize: number
  readonly cost: number
  /** Whether evaluation needs a comprehension budget. */
  readonly loops: boolean
  readonly constant?: { readonly value: unknown }
}

/** Functions compiled inline (lazy arguments or syntax); their overloads have no implementation. */
export const SPECIAL_FORMS: ReadonlySet<string> = new Set([
  '_&&_',
  '_||_',
  '_?_:_',
  '@not_strictly_false',
  'or',
  'orValue',
  '_?._',
  '_[?_]',
])

/** Functions that build a value from literal text: a constant argument must parse at load. */
const LITERAL_CONSTRUCTORS = new Set(['ip', 'cidr', 'timestamp', 'duration'])

const COMPARISONS: Record<string, CompareOp> = {
  '_==_': '==',
  '_!=_': '!=',
  '_<_': '<',
  '_<=_': '<=',
  '_>_': '>',
  '_>=_': '>=',
}

export function compile(checked: CheckedExpr, env: Environment, sink: DiagnosticSink): CompileOutput {
  const c = new Compiler(checked, env, sink)
  const root = c.node(checked.expr)
  let hasLoops = false
  walk(checked.expr, (e) => {
    if (e.kind === 'comprehension' && e.macro !== 'cel.bind') hasLoops = true
  })
  return {
    run: root.run,
    frameSize: c.maxSlot,
    cost: root.cost,
    loops: hasLoops,
    ...(root.constant ? { constant: root.constant } : {}),
  }
}

class Compiler {
  private readonly checked: CheckedExpr
  private readonly env: Environment
  private readonly sink: DiagnosticSink
  private readonly scopes: Map<string, number>[] = []
  private nextSlot: number
  maxSlot: number

  constructor(checked: CheckedExpr, env: Environment, sink: DiagnosticSink) {
    this.checked = checked
    this.env = env
    this.sink = sink
    this.nextSlot = env.variableCount
    this.maxSlot = env.variableCount
  }

  private type(e: Expr): Type {
    return this.checked.types.get(e.id) ?? T.dyn
  }
  private ref(e: Expr): Reference | undefined {
    return this.checked.refs.get(e.id)
  }

  node(e: Expr): CompiledNode {
    switch (e.kind) {
      case 'const':
        return constantNode(e.value)
      case 'ident':
        return this.reference(e) ?? constantNode(null)
      case 'select':
        return this.reference(e) ?? this.select(e)
      case 'call':
        return this.call(e)
      case 'list':
        return this.list(e)
      case 'map':
        return this.map(e)
      case 'comprehension':
        return this.comprehension(e)
      case 'struct':
        return {
          run: () => fail('EVAL_INVALID_ARGUMENT', { detail: 'message construction is not supported' }, true),
          cost: 1,
        }
    }
  }

  /** Runs `run` with `from`'s value converted for use as `to`. */
  private coerced(n: CompiledNode, from: Type, to: Type): CompiledNode {
    const conv = coercion(from, to)
    if (!conv) return n
    if (n.constant) return constantNode(conv(n.constant.value))
    const run = n.run
    return { run: (f: Frame) => conv(run(f)), cost: n.cost }
  }

  // ── names ─────────────────────────────────────────────────────────────

  private reference(e: Expr): CompiledNode | undefined {
    const ref = this.ref(e)
    if (!ref) return undefined
    if (ref.kind === 'type') return constantNode(typeValueForType(ref.type) as CelType)
    if (ref.kind === 'unbound') return unbound(ref.name)
    if (ref.kind === 'local') {
      const slot = this.localSlot(ref.name)
      return { run: pathGetter(slot, []), path: { slot, fields: [], bound: true }, cost: 0 }
    }
    if (ref.kind === 'variable') {
      const slot = this.env.slots.get(ref.name)!
      const name = ref.name
      const run = (f: Frame) => {
        const v = f[slot]
        return v !== undefined ? v : fail('EVAL_UNBOUND', { name })
      }
      return { run, path: { slot, fields: [], bound: false }, cost: 0 }
    }
    return undefined
  }

  private localSlot(name: string): number {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const s = this.scopes[i]!.get(name)
      if (s !== undefined) return s
    }
    throw new Error(`internal: unbound local '${name}'`)
  }

  private select(e: SelectExpr): CompiledNode {
    const operand = this.node(e.operand)
    const ot = this.type(e.operand)
    const field = e.field
    const cost = operand.cost + 1
    const run = operand.run
    if (isOptional(ot)) {
      if (e.testOnly)
        return {
          run: (f) => ((o: Optional) => o.present && hasField(o.value, field, false))(run(f) as Optional),
          cost,
        }
      return { run: (f) => optionalField(run(f) as Optional, field), cost }
    }
    const isObject = ot.kind === 'object'
    if (e.testOnly && operand.path && operand.path.fields.length > 0) {
      // `has(event.device.fingerprint)`: a missing device is an error the probe returns, so a
      // junction can absorb it without a throw.
      const probe = pathProbe(operand.path.slot, operand.path.fields)
      const errorAsValue = (f: Frame) => {
        const o = probe(f)
        return o instanceof CelError ? o : hasField(o, field, isObject)
      }
      return {
        run: (f) => {
          const v = errorAsValue(f)
          if (v instanceof CelError) throw v
          return v
        },
        errorAsValue,
        cost,
      }
    }
    if (e.testOnly) return { run: (f) => hasField(run(f), field, isObject), cost }
    if (!isObject) return { run: (f) => dynamicField(run(f), field), cost }
    if (operand.path && isPlainFieldName(field) && operand.path.fields.every(isPlainFieldName)) {
      const path = {
        slot: operand.path.slot,
        fields: [...operand.path.fields, field],
        bound: operand.path.bound,
      }
      return { run: pathGetter(path.slot, path.fields), path, cost }
    }
    return { run: (f) => objectField(run(f), field), cost }
  }

  // ── calls ─────────────────────────────────────────────────────────────

  private call(e: CallExpr): CompiledNode {
    const ref = this.ref(e)
    if (ref?.kind === 'unbound') return unbound(ref.name)
    if (ref?.kind !== 'call') throw new Error(`internal: unresolved call '${e.fn}'`)
    const argExprs = ref.namespaced ? e.args : e.target ? [e.target, ...e.args] : e.args
    // Optional access is resolved through the plain operator's declaration; go by the syntax.
    if (e.fn === '_?._' || e.fn === '_[?_]') return this.optionalAccess(e, argExprs)
    switch (ref.decl.name) {
      case '_&&_':
      case '_||_':
        return this.junction(e, ref.decl.name)
      case '!_': {
        const a = this.node(argExprs[0]!)
        return {
          run: not(a.run),
          cost: a.cost + 1,
          ...(a.constant && typeof a.constant.value === 'boolean'
            ? { constant: { value: !a.constant.value } }
            : {}),
        }
      }
      case '_?_:_':
        return this.conditional(e)
      case '@not_strictly_false': {
        const a = this.node(argExprs[0]!)
        return { run: notStrictlyFalse(a.run), cost: a.cost }
      }
      case 'dyn': {
        const arg = argExprs[0]!
        const a = this.node(arg)
        const conv = toDyn(this.type(arg))
        return conv ? this.coerced(a, this.type(arg), T.dyn) : a
      }
      case 'type':
        return this.typeOf(argExprs[0]!)
      case 'or':
      case 'orValue':
        return this.optionalDefault(ref.decl.name, argExprs)
      default:
        break
    }
    const args = argExprs.map((a) => this.node(a))
    const argTypes = argExprs.map((a) => this.type(a))
    const cost = args.reduce((s, a) => s + a.cost, ref.decl.cost)
    const cmp = COMPARISONS[ref.decl.name]
    if (cmp && (cmp === '==' || cmp === '!=' || isPrimitiveComparison(cmp, argTypes[0]!, argTypes[1]!))) {
      const run = isPrimitiveComparison(cmp, argTypes[0]!, argTypes[1]!)
        ? compileComparison(cmp, args[0]!, args[1]!, argTypes[0]!, argTypes[1]!)
        : equality(cmp === '==', args[0]!.run, args[1]!.run)
      return this.fold({ run, cost }, args, ref.decl.pure)
    }
    if (ref.decl.name === '_[_]' && isOptional(argTypes[0]!)) return this.optionalIndex(args)
    const special = this.prepared(ref.decl.name, args, argTypes, e)
    if (special) return { run: special, cost }
    const run = compileCall({
      name: ref.decl.name,
      args: args.map((a) => a.run),
      argTypes,
      candidates: ref.candidates,
      type: this.type(e),
    })
    const folded = this.fold({ run, cost }, args, ref.decl.pure)
    // A constant that cannot be parsed (cidr('10.0.0.0/33'), duration('3x')) is a load error.
    if (
      folded.constant === undefined &&
      LITERAL_CONSTRUCTORS.has(ref.decl.name) &&
      args.length &&
      args.every((a) => a.constant)
    ) {
      try {
        run([])
      } catch (err) {
        if (err instanceof CelError)
          this.sink.report('CEL_INVALID_LITERAL', { detail: err.message }, e.start, e.end)
      }
    }
    return folded
  }

  /** Evaluates a pure call on constants now; an error stays for run time (CEL errors are values). */
  private fold(n: CompiledNode, args: readonly CompiledNode[], pure: boolean): CompiledNode {
    if (!pure || !args.every((a) => a.constant)) return n
    try {
      return { ...constantNode(n.run([])), cost: 0 }
    } catch {
      // CEL errors are values: one raised by a constant call surfaces when the rule runs.
      return n
    }
  }

  /** Calls whose constant arguments can be prepared at load: regular expressions, list membership. */
  private prepared(name: string, args: CompiledNode[], argTypes: Type[], e: CallExpr): Eval | undefined {
    if (name === 'matches' && args[1]?.constant && typeof args[1].constant.value === 'string') {
      let re: ReturnType<typeof compileRegex>
      try {
        re = compileRegex(args[1].constant.value)
      } catch (err) {
        const at = e.args.at(-1) ?? e
        this.sink.report('CEL_INVALID_LITERAL', { detail: (err as CelError).message }, at.start, at.end)
        return () => false
      }
      const s = args[0]!.run
      return (f) => re.test(s(f) as string)
    }
    if (name === '@in' && args[1]?.constant && Array.isArray(args[1].constant.value)) {
      const items = args[1].constant.value as unknown[]
      const kind = argTypes[0]!.kind
      const sameKind = (v: unknown) =>
        kind === 'string'
          ? typeof v === 'string'
          : kind === 'bool'
            ? typeof v === 'boolean'
            : kind === 'int' && typeof v === 'number'
      if (
        items.length > 0 &&
        (kind === 'string' || kind === 'bool' || kind === 'int') &&
        items.every(sameKind)
      ) {
        const set = new Set(items)
        const x = args[0]!.run
        return (f) => set.has(x(f))
      }
    }
    return undefined
  }

  private junction(e: CallExpr, name: string): CompiledNode {
    const operands: Expr[] = []
    const flatten = (x: Expr) => {
      if (x.kind === 'call' && x.fn === name && !x.target) x.args.forEach(flatten)
      else operands.push(x)
    }
    flatten(e)
    const nodes = operands.map((o) => this.node(o))
    const decisive = name === '_||_'
    if (nodes.some((n) => n.constant?.value === decisive)) return constantNode(decisive)
    const live = nodes.filter((n) => !(n.constant && n.constant.value === !decisive))
    const cost = nodes.reduce((s, n) => s + n.cost, 1)
    if (live.length === 0) return constantNode(!decisive)
    if (live.length === 1 && this.type(operands[nodes.indexOf(live[0]!)]!).kind === 'bool') return live[0]!
    return {
      run: junction(
        live.map((n) => n.errorAsValue ?? n.run),
        decisive,
      ),
      cost,
    }
  }

  private conditional(e: CallExpr): CompiledNode {
    const [c, y, n] = e.args as [Expr, Expr, Expr]
    const t = this.type(e)
    const cond = this.node(c)
    const yes = this.coerced(this.node(y), this.type(y), t)
    const no = this.coerced(this.node(n), this.type(n), t)
    if (cond.constant?.value === true) return yes
    if (cond.constant?.value === false) return no
    return { run: conditional(cond.run, yes.run, no.run), cost: cond.cost + Math.max(yes.cost, no.cost) }
  }

  private typeOf(arg: Expr): CompiledNode {
    const a = this.node(arg)
    const known = typeValueForType(this.type(arg))
    if (known && a.constant) return constantNode(known)
    const run = a.run
    if (known) {
      return {
        run: (f) => {
          run(f) // evaluated for its errors
          return known
        },
        cost: a.cost,
      }
    }
    return { run: (f) => typeValueOf(run(f)), cost: a.cost + 1 }
  }

  private optionalAccess(e: CallExpr, argExprs: readonly Expr[]): CompiledNode {
    const [operand, key] = argExprs.map((x) => this.node(x)) as [CompiledNode, CompiledNode]
    const wrapped = isOptional(this.type(argExprs[0]!))
    const o = operand.run
    const k = key.run
    const access = e.fn === '_?._' ? optionalField : optionalIndex
    return {
      run: (f) => {
        const v = o(f)
        if (wrapped) return (v as Optional).present ? access((v as Optional).value, k(f)) : Optional.none
        return access(v, k(f))
      },
      cost: operand.cost + key.cost + 1,
    }
  }

  /** `o[k]` on an optional o: none stays none, absent keys give none. */
  private optionalIndex(args: CompiledNode[]): CompiledNode {
    const [o, k] = [args[0]!.run, args[1]!.run]
    return {
      run: (f) => {
        const v = o(f) as Optional
        return v.present ? optionalIndex(v.value, k(f)) : Optional.none
      },
      cost: args[0]!.cost + args[1]!.cost + 1,
    }
  }

  private optionalDefault(name: string, argExprs: readonly Expr[]): CompiledNode {
    const [o, d] = argExprs.map((x) => this.node(x)) as [CompiledNode, CompiledNode]
    const run = o.run
    const other = d.run
    return {
      run:
        name === 'or'
          ? (f) => {
              const v = run(f) as Optional
              return v.present ? v : other(f)
            }
          : (f) => {
              const v = run(f) as Optional
              return v.present ? v.value : other(f)
            },
      cost: o.cost + d.cost,
    }
  }

  // ── aggregates ───────────────────────────────────────────────────────

  private list(e: Expr & { kind: 'list' }): CompiledNode {
    const lt = this.type(e)
    const elemType = lt.kind === 'list' ? lt.elem : T.dyn
    const nodes = e.elements.map((x, i) =>
      e.optionalIndices.includes(i) ? this.node(x) : this.coerced(this.node(x), this.type(x), elemType),
    )
    const cost = nodes.reduce((s, n) => s + n.cost, 1)
    if (e.optionalIndices.length === 0) {
      if (nodes.every((n) => n.constant))
        return constantNode(Object.freeze(nodes.map((n) => n.constant!.value)))
      const runs = nodes.map((n) => n.run)
      return { run: (f) => runs.map((r) => r(f)), cost }
    }
    const optional = new Set(e.optionalIndices)
    const runs = nodes.map((n, i) => ({ run: n.run, optional: optional.has(i) }))
    return {
      run: (f) => {
        const out: unknown[] = []
        for (const r of runs) {
          const v = r.run(f)
          if (!r.optional) out.push(v)
          else if ((v as Optional).present) out.push((v as Optional).value)
        }
        return out
      },
      cost,
    }
  }

  private map(e: Expr & { kind: 'map' }): CompiledNode {
    const mt = this.type(e)
    const valueType = mt.kind === 'map' ? mt.value : T.dyn
    const entries = e.entries.map((en) => ({
      key: this.node(en.key),
      value: en.optional
        ? this.node(en.value)
        : this.coerced(this.node(en.value), this.type(en.value), valueType),
      optional: en.optional,
    }))
    const cost = entries.reduce((s, en) => s + en.key.cost + en.value.cost, 1)
    const run = (f: Frame) => {
      const out: [unknown, unknown][] = []
      for (const en of entries) {
        const k = en.key.run(f)
        const v = en.value.run(f)
        if (!en.optional) out.push([k, v])
        else if ((v as Optional).present) out.push([k, (v as Optional).value])
      }
      return buildMap(out)
    }
    if (entries.every((en) => en.key.constant && en.value.constant)) {
      try {
        return constantNode(run([]))
      } catch {
        return { run, cost }
      }
    }
    return { run, cost }
  }

  // ── comprehensions ───────────────────────────────────────────────────

  private comprehension(e: ComprehensionExpr): CompiledNode {
    const range = this.node(e.range)
    const init = this.node(e.accuInit)
    const accuSlot = this.nextSlot++
    const first = this.nextSlot++
    const second = e.iterVar2 ? this.nextSlot++ : -1
    this.maxSlot = Math.max(this.maxSlot, this.nextSlot)
    const rt = this.type(e.range)
    const uintKeys = rt.kind === 'map' && rt.key.kind === 'uint'
    const slots = uintKeys
      ? { first, second, key: (k: unknown) => (k instanceof CelUint ? k : new CelUint(k as number | bigint)) }
      : { first, second }
    const accuScope = new Map([[e.accuVar, accuSlot]])
    const iterScope = new Map([[e.iterVar, first]])
    if (e.iterVar2) iterScope.set(e.iterVar2, second)
    const inScopes = <R>(scopes: Map<string, number>[], fn: () => R): R => {
      this.scopes.push(...scopes)
      try {
        return fn()
      } finally {
        this.scopes.length -= scopes.length
      }
    }
    try {
      if (e.macro === 'cel.bind') {
        const body = inScopes([accuScope], () => this.node(e.result))
        return { run: loops.bind(accuSlot, init.run, body.run), cost: init.cost + body.cost }
      }
      const loopCost = (n: CompiledNode) => range.cost + 10 * (n.cost + 1)
      const macro = inScopes([accuScope, iterScope], () => this.macroLoop(e, range, slots))
      if (macro) return { run: macro.run, cost: loopCost(macro) }
      const [cond, step] = inScopes([accuScope, iterScope], () => [
        this.node(e.loopCondition),
        this.node(e.loopStep),
      ])
      const result = inScopes([accuScope], () => this.node(e.result))
      return {
        run: loops.generic(range.run, slots, accuSlot, init.run, cond!.run, step!.run, result.run),
        cost: loopCost(step!),
      }
    } finally {
      this.nextSlot = accuSlot
    }
  }

  /** A direct loop for a known macro, or undefined to run the comprehension generically. */
  private macroLoop(
    e: ComprehensionExpr,
    range: CompiledNode,
    slots: loops.LoopSlots,
  ): CompiledNode | undefined {
    const parts = macroParts(e)
    if (!parts) return undefined
    const pred = parts.pred && this.node(parts.pred)
    const resultType = this.type(e)
    switch (e.macro) {
      case 'all':
      case 'exists':
        return {
          run: loops.quantifier(range.run, slots, pred!.run, e.macro === 'exists', e.macro),
          cost: pred!.cost,
        }
      case 'exists_one':
        return { run: loops.existsOne(range.run, slots, pred!.run), cost: pred!.cost }
      case 'map':
      case 'filter':
      case 'transformList': {
        const elem = resultType.kind === 'list' ? resultType.elem : T.dyn
        const v = this.coerced(this.node(parts.value!), this.type(parts.value!), elem)
        return {
          run: loops.collectList(range.run, slots, pred?.run, v.run, e.macro),
          cost: v.cost + (pred?.cost ?? 0),
        }
      }
      case 'transformMap': {
        const vt = resultType.kind === 'map' ? resultType.value : T.dyn
        const v = this.coerced(this.node(parts.value!), this.type(parts.value!), vt)
        return { run: loops.collectMap(range.run, slots, pred?.run, v.run), cost: v.cost + (pred?.cost ?? 0) }
      }
      default:
        return undefined
    }
  }
}

/** A name unchecked mode could not resolve: evaluating it is an error (which && and || may absorb). */
function unbound(name: string): CompiledNode {
  return {
    run: () => fail('EVAL_INVALID_ARGUMENT', { detail: `undeclared reference to '${name}'` }, true),
    cost: 1,
  }
}

function equality(eq: boolean, a: Eval, b: Eval): Eval {
  return eq ? (f) => equals(a(f), b(f)) : (f) => !equals(a(f), b(f))
}

/** `x.?f` on a present value: none when the key or field is absent. */
function optionalField(v: unknown, field: unknown): Optional {
  if (v instanceof Optional) return v.present ? optionalField(v.value, field) : Optional.none
  if (!isMap(v)) return fail('EVAL_NO_SUCH_KEY', { key: JSON.stringify(field) }, true)
  const x = mapFind(v, field)
  // In a JSON record (a plain object) a null field is an absent one, as has() treats it.
  if (x === undefined || (x === null && !(v instanceof Map))) return Optional.none
  return Optional.of(x)
}

/** `x[?k]`: none when the index or key is absent. */
function optionalIndex(v: unknown, key: unknown): Optional {
  if (Array.isArray(v)) {
    const i = typeof key === 'number' ? key : Number((key as { value?: unknown })?.value ?? Number.NaN)
    return Number.isInteger(i) && i >= 0 && i < v.length ? Optional.of(v[i]) : Optional.none
  }
  if (isMap(v)) {
    const x = mapFind(v, key)
    return x === undefined ? Optional.none : Optional.of(x)
  }
  return fail('EVAL_NO_OVERLOAD', { function: '[?]', args: typeof v })
}
