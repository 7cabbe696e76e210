/**
 * Macro expansion, done while parsing as CEL specifies: `has(a.b)` becomes a presence test and
 * the list/map macros (all, exists, exists_one, map, filter and their two-variable forms,
 * transformList, transformMap) and `cel.bind` become comprehensions. A macro that is called with
 * the wrong shape reports CEL_INVALID_MACRO at the offending argument.
 */

import type { CallExpr, ComprehensionExpr, Expr } from '../ast.ts'
import type { DiagnosticSink } from '../diagnostics.ts'
import type { At, NodeFactory } from './factory.ts'

export const ACCU = '@result'

interface MacroContext {
  readonly f: NodeFactory
  readonly sink: DiagnosticSink
  readonly at: At
  readonly target: Expr | undefined
  readonly args: readonly Expr[]
}

type Expander = (c: MacroContext) => Expr | undefined

interface Macro {
  readonly name: string
  readonly receiver: boolean
  /** Number of arguments, or 'any' for variadic macros. */
  readonly arity: number | 'any'
  readonly expand: Expander
}

function simpleName(c: MacroContext, e: Expr, what: string): string | undefined {
  if (e.kind === 'ident' && !e.name.startsWith('.')) return e.name
  c.sink.report('CEL_INVALID_MACRO', { detail: `${what} must be a simple name` }, e.start, e.end)
  return undefined
}

const ident = (c: MacroContext, name: string) => c.f.ident(c.at, name)
const call = (c: MacroContext, fn: string, ...args: Expr[]) => c.f.call(c.at, fn, args)
const bool = (c: MacroContext, v: boolean) => c.f.constant(c.at, 'bool', v)

/** Builds a one- or two-variable comprehension over the macro's receiver. */
function loop(
  c: MacroContext,
  macro: string,
  vars: readonly Expr[],
  parts: (accu: () => Expr) => { init: Expr; cond: Expr; step: Expr; result: Expr },
): Expr | undefined {
  const names = vars.map((v, i) =>
    simpleName(c, v, i === 0 ? 'the iteration variable' : 'the second iteration variable'),
  )
  if (names.some((n) => n === undefined)) return undefined
  if (names.length === 2 && names[0] === names[1]) {
    c.sink.report(
      'CEL_INVALID_MACRO',
      { detail: `the two iteration variables of ${macro} must differ` },
      vars[1]!.start,
      vars[1]!.end,
    )
    return undefined
  }
  const p = parts(() => ident(c, ACCU))
  return c.f.comprehension(c.at, {
    iterVar: names[0]!,
    iterVar2: names[1] ?? '',
    range: c.target!,
    accuVar: ACCU,
    accuInit: p.init,
    loopCondition: p.cond,
    loopStep: p.step,
    result: p.result,
    macro,
  })
}

const all =
  (name: string): Expander =>
  (c) =>
    loop(c, name, c.args.slice(0, -1), (accu) => ({
      init: bool(c, true),
      cond: call(c, '@not_strictly_false', accu()),
      step: call(c, '_&&_', accu(), c.args.at(-1)!),
      result: accu(),
    }))

const exists =
  (name: string): Expander =>
  (c) =>
    loop(c, name, c.args.slice(0, -1), (accu) => ({
      init: bool(c, false),
      cond: call(c, '@not_strictly_false', call(c, '!_', accu())),
      step: call(c, '_||_', accu(), c.args.at(-1)!),
      result: accu(),
    }))

const existsOne =
  (name: string): Expander =>
  (c) =>
    loop(c, name, c.args.slice(0, -1), (accu) => ({
      init: c.f.constant(c.at, 'int', 0),
      cond: bool(c, true),
      step: call(c, '_?_:_', c.args.at(-1)!, call(c, '_+_', accu(), c.f.constant(c.at, 'int', 1)), accu()),
      result: call(c, '_==_', accu(), c.f.constant(c.at, 'int', 1)),
    }))

/** map / filter / transformList: append `value` when `filter` holds. */
const collect =
  (name: string, nVars: number, hasFilter: boolean, element: (c: MacroContext) => Expr): Expander =>
  (c) =>
    loop(c, name, c.args.slice(0, nVars), (accu) => {
      const append = call(c, '_+_', accu(), c.f.list(c.at, [element(c)]))
      return {
        init: c.f.list(c.at, []),
        cond: bool(c, true),
        step: hasFilter ? call(c, '_?_:_', c.args[nVars]!, append, accu()) : append,
        result: accu(),
      }
    })

const transformMap =
  (name: string, hasFilter: boolean): Expander =>
  (c) =>
    loop(c, name, c.args.slice(0, 2), (accu) => {
      const insert = call(
        c,
        'cel.@mapInsert',
        accu(),
        ident(c, (c.args[0] as { name: string }).name),
        c.args.at(-1)!,
      )
      return {
        init: c.f.map(c.at, []),
        cond: bool(c, true),
        step: hasFilter ? call(c, '_?_:_', c.args[2]!, insert, accu()) : insert,
        result: accu(),
      }
    })

/** The hidden variable names cel.block and its helpers refer to (users cannot spell '@'). */
export const blockVar = (kind: 'index' | 'iterVar' | 'accuVar', n: readonly number[]) =>
  `@${kind}:${n.join(':')}`

/** `cel.bind(name, init, body)` as a comprehension over an empty list. */
function bindVar(c: MacroContext, name: string, init: Expr, body: Expr): Expr {
  return c.f.comprehension(c.at, {
    iterVar: '#unused',
    iterVar2: '',
    range: c.f.list(c.at, []),
    accuVar: name,
    accuInit: init,
    loopCondition: bool(c, false),
    loopStep: ident(c, name),
    result: body,
    macro: 'cel.bind',
  })
}

/**
 * `o.optMap(x, e)` → `o.hasValue() ? optional.of(<x = o.value()> e) : optional.none()`;
 * optFlatMap leaves out the optional.of (e is itself an optional).
 */
function optionalMap(c: MacroContext, wrap: boolean): Expr | undefined {
  const name = simpleName(c, c.args[0]!, `the variable of ${wrap ? 'optMap' : 'optFlatMap'}`)
  if (name === undefined) return undefined
  const target = c.target!
  const bound = bindVar(c, name, c.f.call(c.at, 'value', [], target), c.args[1]!)
  const some = wrap ? call(c, 'optional.of', bound) : bound
  return call(c, '_?_:_', c.f.call(c.at, 'hasValue', [], target), some, call(c, 'optional.none'))
}

const MACROS: readonly Macro[] = [
  {
    name: 'has',
    receiver: false,
    arity: 1,
    expand: (c) => {
      const arg = c.args[0]!
      if (arg.kind === 'select' && !arg.testOnly)
        return c.f.select({ ...c.at, pos: arg.pos }, arg.operand, arg.field, true)
      c.sink.report(
        'CEL_INVALID_MACRO',
        { detail: 'has() takes a field selection such as has(event.device.id)' },
        arg.start,
        arg.end,
      )
      return undefined
    },
  },
  { name: 'all', receiver: true, arity: 2, expand: all('all') },
  { name: 'all', receiver: true, arity: 3, expand: all('all') },
  { name: 'exists', receiver: true, arity: 2, expand: exists('exists') },
  { name: 'exists', receiver: true, arity: 3, expand: exists('exists') },
  { name: 'exists_one', receiver: true, arity: 2, expand: existsOne('exists_one') },
  { name: 'exists_one', receiver: true, arity: 3, expand: existsOne('exists_one') },
  { name: 'existsOne', receiver: true, arity: 2, expand: existsOne('exists_one') },
  { name: 'existsOne', receiver: true, arity: 3, expand: existsOne('exists_one') },
  { name: 'map', receiver: true, arity: 2, expand: collect('map', 1, false, (c) => c.args[1]!) },
  { name: 'map', receiver: true, arity: 3, expand: collect('map', 1, true, (c) => c.args[2]!) },
  {
    name: 'filter',
    receiver: true,
    arity: 2,
    expand: collect('filter', 1, true, (c) => c.f.ident(c.at, (c.args[0] as { name: string }).name)),
  },
  {
    name: 'transformList',
    receiver: true,
    arity: 3,
    expand: collect('transformList', 2, false, (c) => c.args[2]!),
  },
  {
    name: 'transformList',
    receiver: true,
    arity: 4,
    expand: collect('transformList', 2, true, (c) => c.args[3]!),
  },
  { name: 'transformMap', receiver: true, arity: 3, expand: transformMap('transformMap', false) },
  { name: 'transformMap', receiver: true, arity: 4, expand: transformMap('transformMap', true) },
  ...['greatest', 'least'].flatMap((which): Macro[] => {
    const variadic: Expander = (c) => {
      if (c.args.length === 0) {
        c.sink.report(
          'CEL_INVALID_MACRO',
          { detail: `math.${which}() needs at least one argument` },
          c.at.start,
          c.at.end,
        )
        return undefined
      }
      const arg = c.args.length === 1 ? c.args[0]! : c.f.list(c.at, c.args)
      return c.f.call(c.at, `math.@${which}`, [arg])
    }
    return [{ name: `math.${which}`, receiver: false, arity: 'any', expand: variadic }]
  }),
  { name: 'optMap', receiver: true, arity: 2, expand: (c) => optionalMap(c, true) },
  { name: 'optFlatMap', receiver: true, arity: 2, expand: (c) => optionalMap(c, false) },
  {
    name: 'cel.block',
    receiver: false,
    arity: 2,
    expand: (c) => {
      const [bindings, result] = c.args as [Expr, Expr]
      if (bindings.kind !== 'list') {
        c.sink.report(
          'CEL_INVALID_MACRO',
          { detail: 'cel.block takes a list of bindings' },
          bindings.start,
          bindings.end,
        )
        return undefined
      }
      // cel.block([e0, e1, …], r): each ei may use the earlier cel.index(j); r may use all.
      return bindings.elements.reduceRight<Expr>(
        (body, init, i) => bindVar(c, blockVar('index', [i]), init, body),
        result,
      )
    },
  },
  {
    name: 'cel.bind',
    receiver: false,
    arity: 3,
    expand: (c) => {
      const name = simpleName(c, c.args[0]!, 'the variable of cel.bind')
      return name === undefined ? undefined : bindVar(c, name, c.args[1]!, c.args[2]!)
    },
  },
]

/**
 * Expands `fn(args)` or `target.fn(args)` if it names a macro. Returns the expansion, `null` when
 * the call is a macro used wrongly (already reported), or undefined when it is no macro.
 */
export function expandMacro(
  f: NodeFactory,
  sink: DiagnosticSink,
  at: At,
  fn: string,
  target: Expr | undefined,
  args: readonly Expr[],
): Expr | null | undefined {
  // Namespaced macros (`cel.bind(…)`, `math.greatest(…)`) parse as method calls on an identifier.
  let name = fn
  let receiver = target
  if (
    target?.kind === 'ident' &&
    (target.name === 'cel' || target.name === 'math') &&
    MACROS.some((m) => m.name === `${target.name}.${fn}`)
  ) {
    name = `${target.name}.${fn}`
    receiver = undefined
  }
  const macro = MACROS.find(
    (m) =>
      m.name === name &&
      m.receiver === (receiver !== undefined) &&
      (m.arity === 'any' || m.arity === args.length),
  )
  if (!macro) return undefined
  return macro.expand({ f, sink, at, target: receiver, args }) ?? null
}

/**
 * The predicate and value a macro was expanded from (the shapes built above), or
 * undefined when the comprehension does not have a known macro's shape.
 */
export function macroParts(e: ComprehensionExpr): { pred?: Expr; value?: Expr } | undefined {
  const step = e.loopStep
  if (step.kind !== 'call') return undefined
  const isAppend = (x: Expr): boolean => x.kind === 'call' && x.fn === '_+_' && x.args[1]?.kind === 'list'
  const appended = (x: CallExpr) => (x.args[1] as Expr & { kind: 'list' }).elements[0]
  switch (e.macro) {
    case 'all':
    case 'exists':
      return { pred: step.args[1] }
    case 'exists_one':
      return { pred: step.args[0] }
    case 'map':
    case 'filter':
    case 'transformList':
      if (isAppend(step)) return { value: appended(step) }
      if (step.fn === '_?_:_' && isAppend(step.args[1]!))
        return { pred: step.args[0], value: appended(step.args[1] as CallExpr) }
      return undefined
    case 'transformMap':
      if (step.fn === 'cel.@mapInsert') return { value: step.args[2] }
      if (step.fn === '_?_:_' && step.args[1]?.kind === 'call')
        return { pred: step.args[0], value: (step.args[1] as CallExpr).args[2] }
      return undefined
    default:
      return undefined
  }
}
