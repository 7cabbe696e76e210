/**
 * The compiler pipeline as an ordered, named list of stages. Each stage is a plain function
 * exported by its module and tested on its own; the pipeline runs them in order, stops at the
 * first stage that reports diagnostics, and times each one.
 *
 *   parse    text → AST with macros expanded        (syntax/parser.ts)
 *   check    AST → types and resolved references     (checker.ts)
 *   compile  checked AST → closures, folded and fused (compile/compiler.ts)
 */

import type { Expr } from './ast.ts'
import { type CheckedExpr, check } from './checker.ts'
import { type CompileOutput, compile } from './compile/compiler.ts'
import { DiagnosticSink } from './diagnostics.ts'
import type { Environment } from './env.ts'
import { Source, type SourceOptions } from './source.ts'
import { type ParseLimits, parse } from './syntax/parser.ts'
import type { Type } from './types.ts'

export const STAGES = ['parse', 'check', 'compile'] as const
export type StageName = (typeof STAGES)[number]

export interface PipelineOptions extends SourceOptions {
  /** The type the expression must have (rule conditions: bool). */
  readonly expected?: Type
  /** Skip type checking (names are still resolved; overloads are chosen at run time). */
  readonly dynamic?: boolean
  readonly disableMacros?: boolean
  readonly limits?: Partial<ParseLimits>
  /** Stop after this stage (tools that only need to check). */
  readonly stopAfter?: StageName
}

export interface PipelineResult {
  readonly source: Source
  readonly sink: DiagnosticSink
  readonly ast?: Expr
  readonly checked?: CheckedExpr
  readonly compiled?: CompileOutput
  /** Milliseconds spent in each stage that ran. */
  readonly timings: Partial<Record<StageName, number>>
}

export function runPipeline(text: string, env: Environment, options: PipelineOptions = {}): PipelineResult {
  const source = new Source(text, options)
  const sink = new DiagnosticSink(source)
  const timings: Partial<Record<StageName, number>> = {}
  const timed = <R>(stage: StageName, fn: () => R): R => {
    const t0 = performance.now()
    try {
      return fn()
    } finally {
      timings[stage] = performance.now() - t0
    }
  }
  const parsed = timed('parse', () =>
    parse(text, sink, { limits: options.limits, disableMacros: options.disableMacros }),
  )
  const ast = parsed.expr
  if (!ast || sink.hasErrors || options.stopAfter === 'parse') return { source, sink, ast, timings }
  const checked = timed('check', () =>
    check(ast, env, sink, { expected: options.expected, dynamic: options.dynamic }),
  )
  if (!checked || sink.hasErrors || options.stopAfter === 'check')
    return { source, sink, ast, checked, timings }
  const compiled = timed('compile', () => compile(checked, env, sink))
  if (sink.hasErrors) return { source, sink, ast, checked, timings }
  return { source, sink, ast, checked, compiled, timings }
}
