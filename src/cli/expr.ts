/**
 * `bulwark expr EXPR [--var name=JSON]…`: type-checks and evaluates one rule expression, for
 * trying the language from a shell. Variables are declared `dyn` and given as JSON (integral
 * numbers are ints, others doubles). Prints the result as JSON; exit 1 on compile errors
 * (diagnostics on stderr), 2 when evaluation yields an error value.
 */

import { parseArgs } from 'node:util'
import { formatDiagnostics } from '../lang/diagnostics.ts'
import { Environment } from '../lang/env.ts'
import { toPlain } from '../lang/plain.ts'
import { compileExpression } from '../lang/program.ts'
import { isCelError, Timestamp } from '../lang/runtime/values.ts'
import { type Command, usageError } from './command.ts'

export const exprCommand: Command = {
  name: 'expr',
  summary: 'Check and evaluate one rule expression',
  usage: `bulwark expr EXPR [--var name=JSON]... [--now RFC3339]

  Compiles EXPR in the risk profile of CEL and prints its value as JSON.
  --var name=JSON   declare a variable (type dyn) with a JSON value; repeatable
  --now TIME        the value of \`now\` (default: the current time)

  Exit codes: 0 value printed, 1 compile errors (diagnostics on stderr), 2 evaluation error.
  Example: bulwark expr "size(event.text) > 5 && event.text.contains('http')" --var 'event={"text":"see http://x"}'`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { var: { type: 'string', multiple: true }, now: { type: 'string' } },
    })
    const expr = positionals.join(' ')
    if (!expr) {
      io.err(usageError('expr', 'missing the expression EXPR', this.usage))
      return 1
    }
    const vars: Record<string, unknown> = {}
    for (const spec of values.var ?? []) {
      const eq = spec.indexOf('=')
      if (eq <= 0) {
        io.err(`--var expects name=JSON, got '${spec}'`)
        return 1
      }
      try {
        vars[spec.slice(0, eq)] = JSON.parse(spec.slice(eq + 1))
      } catch (e) {
        io.err(`--var ${spec.slice(0, eq)}: invalid JSON (${(e as Error).message})`)
        return 1
      }
    }
    const nowMs = values.now ? Date.parse(values.now) : Date.now()
    if (Number.isNaN(nowMs)) {
      io.err(`--now: invalid time '${values.now}'`)
      return 1
    }
    const env = Environment.create({
      variables: { ...Object.fromEntries(Object.keys(vars).map((k) => [k, 'dyn'])), now: 'timestamp' },
    })
    const compiled = compileExpression(expr, env, { file: '<eval>' })
    if (!compiled.ok) {
      io.err(formatDiagnostics(compiled.diagnostics))
      return 1
    }
    const result = compiled.program.evaluate({ ...vars, now: Timestamp.fromMillis(nowMs) })
    if (isCelError(result)) {
      io.err(`${result.code}: ${result.message}`)
      return 2
    }
    io.out(JSON.stringify(toPlain(result, compiled.program.type)))
    return 0
  },
}
