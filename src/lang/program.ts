/**
 * A compiled expression, ready to evaluate many times. Evaluation never throws: any error
 * becomes an CelError value returned to the caller.
 *
 * Two ways in: `evaluate({ event, features, … })` for convenience, and `evaluateFrame(frame)`
 * for the hot path — the engine fills one frame per event (variables in the environment's slot
 * order, see Environment.slots) and every rule of a policy reads it, with no allocation.
 */

import { asEvalError } from './compile/logic.ts'
import { resetBudget } from './compile/loops.ts'
import type { Eval, Frame } from './compile/node.ts'
import { type Diagnostic, sortDiagnostics } from './diagnostics.ts'
import type { Environment } from './env.ts'
import { type VariableReads, variableReads } from './reads.ts'
import type { CelError } from './runtime/values.ts'
import { type PipelineOptions, runPipeline } from './stages.ts'
import type { Type } from './types.ts'

export interface CompileOptions extends Omit<PipelineOptions, 'stopAfter'> {
  /** Most comprehension iterations one evaluation may take (default 100,000). */
  readonly maxSteps?: number
}

export const DEFAULT_MAX_STEPS = 100_000

export class Program {
  readonly text: string
  readonly env: Environment
  readonly type: Type
  /** Relative evaluation cost, for ordering rules cheapest first. */
  readonly cost: number
  /** Frame length this program needs (variables, then its comprehension variables). */
  readonly frameSize: number
  /** The constant value, when the whole expression folded to one. */
  readonly constant?: { readonly value: unknown }
  /** What the expression reads of each variable (see reads.ts); undefined: not known, assume all. */
  readonly reads?: VariableReads
  private readonly run: Eval
  private readonly loops: boolean
  private readonly maxSteps: number

  constructor(
    text: string,
    env: Environment,
    type: Type,
    run: Eval,
    meta: {
      cost: number
      frameSize: number
      loops: boolean
      maxSteps: number
      constant?: { value: unknown }
      reads?: VariableReads
    },
  ) {
    this.text = text
    this.env = env
    this.type = type
    this.run = run
    this.cost = meta.cost
    this.frameSize = meta.frameSize
    this.loops = meta.loops
    this.maxSteps = meta.maxSteps
    if (meta.constant) this.constant = meta.constant
    if (meta.reads) this.reads = meta.reads
  }

  /** Evaluates against a frame laid out in the environment's slot order. */
  evaluateFrame(frame: Frame): unknown | CelError {
    if (this.loops) resetBudget(this.maxSteps)
    try {
      return this.run(frame)
    } catch (e) {
      return asEvalError(e)
    }
  }

  /** Evaluates with variables given by name (absent ones are unset). */
  evaluate(activation: Readonly<Record<string, unknown>> = {}): unknown | CelError {
    return this.evaluateFrame(frameFor(this.env, activation, this.frameSize))
  }
}

/** Lays out named variables as a frame for `env`. */
export function frameFor(
  env: Environment,
  activation: Readonly<Record<string, unknown>>,
  size = env.variableCount,
): Frame {
  const frame: Frame = new Array(Math.max(size, env.variableCount)).fill(undefined)
  for (const [name, slot] of env.slots) if (Object.hasOwn(activation, name)) frame[slot] = activation[name]
  return frame
}

export type CompileResult =
  | { readonly ok: true; readonly program: Program; readonly diagnostics: readonly Diagnostic[] }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] }

/** Parses, checks and compiles an expression; all problems come back as sorted diagnostics. */
export function compileExpression(
  text: string,
  env: Environment,
  options: CompileOptions = {},
): CompileResult {
  const r = runPipeline(text, env, options)
  if (!r.compiled || !r.checked) return { ok: false, diagnostics: sortDiagnostics(r.sink.items) }
  const c = r.compiled
  const program = new Program(text, env, r.checked.type, c.run, {
    cost: c.cost,
    frameSize: c.frameSize,
    loops: c.loops,
    maxSteps: options.maxSteps ?? DEFAULT_MAX_STEPS,
    constant: c.constant,
    reads: variableReads(r.checked),
  })
  return { ok: true, program, diagnostics: [] }
}
