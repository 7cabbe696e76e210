/**
 * `bulwark models <subcommand>`: the model commands, dispatched from one table. Another file adds
 * its subcommands with one line in MODELS_SUBCOMMANDS (each is a `Command`: name, summary, usage,
 * run). This file also holds `score`, which scores a JSONL file of rows with any model format so
 * anyone can compare Bulwark's numbers with another scorer.
 */

import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { BulwarkError } from '../core/errors.ts'
import { isModelFormat, loadModel, MODEL_FORMATS } from '../models/load.ts'
import { scoreRow, textKeyOf } from '../models/rows.ts'
import { type Command, type Io, missingFlags, positionalProblem, usageError } from './command.ts'
import { MODELS_REGISTRY_SUBCOMMANDS } from './models-registry.ts'

const FLUSH_LINES = 1000
const MAX_SHOWN = 50

export const modelsScoreCommand: Command = {
  name: 'score',
  summary: 'Score a JSONL file of rows with a model file',
  usage: `bulwark models score --model FILE [--format F] [--input ROWS.jsonl] [--text-field NAME]

  Loads a model (${MODEL_FORMATS.join(', ')}; detected from the file unless --format says)
  and scores rows, one JSON object per line, from --input FILE (default or - : standard input).
  A row maps the model's feature names to numbers (booleans read as 1/0); an absent or null
  feature is missing. Text models read the text from the key the model declares, else "text"
  (--text-field overrides). Prints one line per row: the score, or a JSON array for models
  with several outputs (multi-class probabilities). A bad row prints null, is reported on
  standard error by line number, and makes the exit code 1.`,
  async run(args, io: Io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        model: { type: 'string' },
        format: { type: 'string' },
        input: { type: 'string' },
        'text-field': { type: 'string' },
      },
    })
    const problem = missingFlags(values, ['model']) ?? positionalProblem(positionals, [])
    if (problem) {
      io.err(usageError('models score', problem, this.usage))
      return 1
    }
    if (values.format !== undefined && !isModelFormat(values.format)) {
      io.err(`--format must be one of ${MODEL_FORMATS.join(', ')}`)
      return 1
    }
    const file = values.input ?? '-'
    let text: string
    try {
      text = file === '-' ? await io.stdin() : readFileSync(file, 'utf8')
    } catch (e) {
      io.err(`cannot read ${file}: ${(e as Error).message}`)
      return 1
    }
    let model: Awaited<ReturnType<typeof loadModel>>
    try {
      model = await loadModel(values.model!, values.format)
    } catch (e) {
      if (e instanceof BulwarkError) {
        io.err(`${e.code}: ${e.message}`)
        return 1
      }
      throw e
    }
    try {
      const textKey = values['text-field'] ?? textKeyOf(model)
      const row = new Float64Array(model.inputs.length)
      const out = new Float64Array(model.outputSize)
      const problems: string[] = []
      let pending: string[] = []
      const lines = text.split('\n')
      if (lines[lines.length - 1] === '') lines.pop()
      for (let i = 0; i < lines.length; i++) {
        const raw = lines[i]!.trim()
        let line = 'null'
        try {
          const value: unknown = JSON.parse(raw)
          await scoreRow(model, value, row, out, textKey)
          line = model.outputSize === 1 ? JSON.stringify(out[0]) : JSON.stringify([...out])
        } catch (e) {
          if (e instanceof SyntaxError) problems.push(`line ${i + 1}: not JSON: ${e.message}`)
          else if (e instanceof BulwarkError) problems.push(`line ${i + 1}: ${e.message}`)
          else throw e
        }
        pending.push(line)
        if (pending.length >= FLUSH_LINES) {
          io.out(`${pending.join('\n')}\n`)
          pending = []
        }
      }
      if (pending.length > 0) io.out(`${pending.join('\n')}\n`)
      for (const p of problems.slice(0, MAX_SHOWN)) io.err(p)
      if (problems.length > MAX_SHOWN) io.err(`… and ${problems.length - MAX_SHOWN} more problems`)
      return problems.length > 0 ? 1 : 0
    } finally {
      await model.close()
    }
  },
}

/** Every `bulwark models` subcommand; add another file's subcommands here with one line. */
export const MODELS_SUBCOMMANDS: Command[] = [modelsScoreCommand, ...MODELS_REGISTRY_SUBCOMMANDS]

/** The models usage: the subcommand table, then every subcommand's own usage, indented. */
function overview(): string {
  const width = Math.max(...MODELS_SUBCOMMANDS.map((c) => c.name.length))
  return [
    'bulwark models <subcommand> [options]',
    '',
    '  Subcommands:',
    ...MODELS_SUBCOMMANDS.map((c) => `    ${c.name.padEnd(width)}  ${c.summary}`),
    ...MODELS_SUBCOMMANDS.flatMap((c) => ['', ...c.usage.split('\n').map((l) => (l === '' ? '' : `  ${l}`))]),
  ].join('\n')
}

export const modelsCommand: Command = {
  name: 'models',
  summary: 'Score with model files and manage deployed models',
  get usage() {
    return overview()
  },
  async run(args, io: Io) {
    const [name, ...rest] = args
    const sub = MODELS_SUBCOMMANDS.find((c) => c.name === name)
    if (!sub) {
      io.err(name ? `unknown models subcommand '${name}'\n\n${overview()}` : overview())
      return 1
    }
    return sub.run(rest, io)
  },
}
