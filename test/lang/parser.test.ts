/**
 * The parser, checked against an independent one: for every expression in the cel-spec
 * conformance suite and cel-go's parser corpus (both shipped by @bufbuild/cel-spec), Bulwark's
 * tree after macro expansion must equal @bufbuild/cel's, compared as S-expressions without ids.
 * Expressions one side rejects must be rejected by both.
 */

import { parse as bufParse } from '@bufbuild/cel'
import type { Expr as PbExpr } from '@bufbuild/cel-spec/cel/expr/syntax_pb.js'
import {
  getConformanceSuite,
  getParsingSuite,
  type IncrementalTestSuite,
} from '@bufbuild/cel-spec/testdata/tests.js'
import { describe, expect, it } from 'vitest'
import type { Expr } from '../../src/lang/ast.ts'
import { DiagnosticSink } from '../../src/lang/diagnostics.ts'
import { CelUint } from '../../src/lang/runtime/values.ts'
import { Source } from '../../src/lang/source.ts'
import { parse } from '../../src/lang/syntax/parser.ts'

interface Entry {
  readonly expr: string
  readonly macros: boolean
  /** cel-go (the reference implementation) rejected it while parsing or expanding macros. */
  readonly celGoRejects: boolean
}

/** cel-go's recorded error, if it is a parse or macro error (not a type-check one). */
const parseError = (error?: string) =>
  !!error && !/undeclared reference|no matching overload|unexpected type|found no matching/.test(error)

function collect(suite: IncrementalTestSuite, out: Entry[]): void {
  for (const t of suite.tests)
    out.push({ expr: t.original.expr, macros: !t.original.disableMacros, celGoRejects: parseError(t.error) })
  for (const s of suite.suites) collect(s, out)
}

const bytesText = (b: Uint8Array) => Buffer.from(b).toString('hex')
const num = (v: number) => (Object.is(v, -0) ? '-0' : String(v))

function ours(e: Expr): string {
  switch (e.kind) {
    case 'const': {
      const v = e.value
      const text =
        v instanceof Uint8Array
          ? bytesText(v)
          : v instanceof CelUint
            ? String(v.value)
            : typeof v === 'number'
              ? num(v)
              : typeof v === 'bigint'
                ? String(v)
                : JSON.stringify(v)
      return `(${e.type} ${text})`
    }
    case 'ident':
      return e.name
    case 'select':
      return `(${e.testOnly ? 'has' : '.'} ${ours(e.operand)} ${e.field})`
    case 'call':
      if (JUNCTIONS.has(e.fn))
        return `(${e.fn} ${chain(e.fn, e as Expr, ourCall)
          .map(ours)
          .join(' ')})`
      return `(${e.fn}${e.target ? ` @${ours(e.target)}` : ''}${e.args.map((a) => ` ${ours(a)}`).join('')})`
    case 'list':
      return `[${e.elements.map((x, i) => (e.optionalIndices.includes(i) ? `?${ours(x)}` : ours(x))).join(' ')}]`
    case 'map':
      return `{${e.entries.map((en) => `${en.optional ? '?' : ''}${ours(en.key)}:${ours(en.value)}`).join(' ')}}`
    case 'struct':
      return `${e.typeName}{${e.fields.map((f) => `${f.optional ? '?' : ''}${f.name}:${ours(f.value)}`).join(' ')}}`
    case 'comprehension':
      return `(loop ${e.iterVar} ${e.iterVar2} ${ours(e.range)} ${e.accuVar} ${ours(e.accuInit)} ${ours(e.loopCondition)} ${ours(e.loopStep)} ${ours(e.result)})`
  }
}

function theirs(e: PbExpr): string {
  const k = e.exprKind
  switch (k.case) {
    case 'constExpr': {
      const c = k.value.constantKind
      switch (c.case) {
        case 'nullValue':
          return '(null null)'
        case 'boolValue':
          return `(bool ${c.value})`
        case 'int64Value':
          return `(int ${c.value})`
        case 'uint64Value':
          return `(uint ${c.value})`
        case 'doubleValue':
          return `(double ${num(c.value)})`
        case 'stringValue':
          return `(string ${JSON.stringify(c.value)})`
        case 'bytesValue':
          return `(bytes ${bytesText(c.value)})`
        default:
          return `(? ${c.case})`
      }
    }
    case 'identExpr':
      return k.value.name
    case 'selectExpr':
      return `(${k.value.testOnly ? 'has' : '.'} ${theirs(k.value.operand!)} ${k.value.field})`
    case 'callExpr':
      if (JUNCTIONS.has(k.value.function))
        return `(${k.value.function} ${chain(k.value.function, e, theirCall).map(theirs).join(' ')})`
      return `(${k.value.function}${k.value.target ? ` @${theirs(k.value.target)}` : ''}${k.value.args.map((a) => ` ${theirs(a)}`).join('')})`
    case 'listExpr':
      return `[${k.value.elements.map((x, i) => (k.value.optionalIndices.includes(i) ? `?${theirs(x)}` : theirs(x))).join(' ')}]`
    case 'structExpr': {
      const entries = k.value.entries.map((en) => {
        const opt = en.optionalEntry ? '?' : ''
        return en.keyKind.case === 'mapKey'
          ? `${opt}${theirs(en.keyKind.value)}:${theirs(en.value!)}`
          : `${opt}${en.keyKind.value}:${theirs(en.value!)}`
      })
      return k.value.messageName ? `${k.value.messageName}{${entries.join(' ')}}` : `{${entries.join(' ')}}`
    }
    case 'comprehensionExpr': {
      const c = k.value
      return `(loop ${c.iterVar} ${c.iterVar2} ${theirs(c.iterRange!)} ${c.accuVar} ${theirs(c.accuInit!)} ${theirs(c.loopCondition!)} ${theirs(c.loopStep!)} ${theirs(c.result!)})`
    }
    default:
      return `(? ${k.case})`
  }
}

/** Syntax the reference parser does not support yet: quoted field names and optional syntax. */
const NEWER_SYNTAX = /`|\.\?|\[\?|\{\?|, \?/

const JUNCTIONS = new Set(['_&&_', '_||_'])

/** Operands of a chain of && (or ||), so left-nested and balanced trees compare equal. */
function chain<E>(
  fn: string,
  e: E,
  parts: (x: E) => { fn: string; target: boolean; args: E[] } | undefined,
): E[] {
  const p = parts(e)
  return p && p.fn === fn && !p.target ? p.args.flatMap((a) => chain(fn, a, parts)) : [e]
}

const ourCall = (x: Expr) =>
  x.kind === 'call' ? { fn: x.fn, target: !!x.target, args: [...x.args] } : undefined
const theirCall = (x: PbExpr) =>
  x.exprKind.case === 'callExpr'
    ? { fn: x.exprKind.value.function, target: !!x.exprKind.value.target, args: x.exprKind.value.args }
    : undefined

/** Constructs one parser expands and the other keeps as calls (documented Bulwark extensions). */
const BULWARK_ONLY =
  /math\.(greatest|least)|cel\.(bind|block|index|iterVar|accuVar)|optMap|optFlatMap|transformList|transformMap|existsOne|\.exists_one\([^,]+,[^,]+,|\.(all|exists)\([^,()]+,[^,()]+,/

describe('parser', () => {
  const corpus: Entry[] = []
  collect(getConformanceSuite(), corpus)
  collect(getParsingSuite(), corpus)
  const cases = corpus.filter((c) => c.macros && !BULWARK_ONLY.test(c.expr))

  it('parses the corpus exactly as an independent parser does', () => {
    let compared = 0
    const mismatches: string[] = []
    for (const { expr, celGoRejects } of cases) {
      let reference: string | undefined
      try {
        reference = theirs(bufParse(expr).expr)
      } catch {
        reference = undefined
      }
      const sink = new DiagnosticSink(new Source(expr))
      const mine = parse(expr, sink, { limits: { maxDepth: 250 } }).expr
      if (reference === undefined || mine === undefined) {
        // Where the two parsers disagree on accepting, cel-go's verdict decides.
        const agreesWithCelGo =
          (mine === undefined) === celGoRejects || (mine !== undefined && NEWER_SYNTAX.test(expr))
        if ((reference === undefined) !== (mine === undefined) && !agreesWithCelGo)
          mismatches.push(
            `${JSON.stringify(expr)}: bufbuild ${reference ? 'accepts' : 'rejects'}, Bulwark ${mine ? 'accepts' : 'rejects'}`,
          )
        continue
      }
      compared++
      if (ours(mine) !== reference)
        mismatches.push(`${JSON.stringify(expr)}\n  bulwark  ${ours(mine)}\n  bufbuild ${reference}`)
    }
    expect(mismatches).toEqual([])
    expect(compared).toBeGreaterThan(2000)
  })
})
