/**
 * `bulwark models score`: XGBoost multi-class vectors and a binary score per line (equal to the
 * library's own predictions in the parity fixtures), absent and null as missing, a logreg text
 * model reading its declared text key, bad rows reported by line number with null kept in their
 * place, and usage and model errors. The binary run is a real child process reading standard
 * input; the others call `main()` in this process with captured streams (each child process
 * costs over a second of CPU on the 2-core box).
 */

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Io } from '../../src/cli/command.ts'
import { main } from '../../src/cli/main.ts'
import { hashText } from '../../src/models/text-hash.ts'
import { bulwark, lines, ROOT, type Run } from './run.ts'

const FIXTURES = join(ROOT, 'test/fixtures/models')
const dir = mkdtempSync(join(tmpdir(), 'bulwark-models-cli-'))
const expected = (name: string) =>
  JSON.parse(readFileSync(join(FIXTURES, `${name}.expected.json`), 'utf8')) as {
    rows: Record<string, number | null>[]
    predictions: number[][]
  }
const multi = expected('xgb-multiclass')
const onnx = expected('onnx-logistic')
const binary = expected('xgb-binary')
const textOptions = {
  buckets: 32,
  wordNgrams: [1, 1],
  charNgrams: [0, 0],
  lowercase: true,
  binary: false,
  l2Normalize: false,
} as const
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z))

/** `bulwark ...args` in this process, with `input` as standard input. */
async function inProcess(args: readonly string[], input = ''): Promise<Run> {
  let stdout = ''
  let stderr = ''
  const io: Io = {
    out: (text) => {
      stdout += text.endsWith('\n') ? text : `${text}\n`
    },
    err: (text) => {
      stderr += text.endsWith('\n') ? text : `${text}\n`
    },
    stdin: async () => input,
  }
  const code = await main([...args], io)
  return { code, stdout, stderr }
}

let r: Record<
  'multi' | 'binary' | 'onnx' | 'text' | 'bad' | 'usage' | 'missingModel' | 'unknownSub' | 'help',
  Run
>

beforeAll(async () => {
  // Rows as JSONL; missing values dropped (absent) in the multi-class file, kept as null in the binary one.
  const multiRows = multi.rows.map((row) =>
    JSON.stringify(Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null))),
  )
  writeFileSync(join(dir, 'multi.jsonl'), `${multiRows.join('\n')}\n`)
  const logreg = {
    format: 'bulwark-logreg',
    version: 1,
    bias: -2,
    features: [{ name: 'links', weight: 0.5 }],
    text: {
      input: 'body',
      buckets: 32,
      word_ngrams: [1, 1],
      char_ngrams: [0, 0],
      l2_normalize: false,
      weights: { index: [hashText('winner', textOptions).index[0]], value: [3] },
    },
  }
  writeFileSync(join(dir, 'lr.json'), JSON.stringify(logreg))
  const textRows = [
    { links: 2, body: 'You are a WINNER' },
    { body: null },
    { links: 0, text: 'winner ignored key' },
  ]
  writeFileSync(join(dir, 'text.jsonl'), `${textRows.map((x) => JSON.stringify(x)).join('\n')}\n`)
  writeFileSync(join(dir, 'bad.jsonl'), '{"links": 1}\n{"links": "many"}\nnot json\n[1]\n{"links": true}\n')
  const binaryInput = `${binary.rows.map((x) => JSON.stringify(x)).join('\n')}\n`
  const onnxInput = `${onnx.rows.map((x) => JSON.stringify(x)).join('\n')}\n`
  const [child, ...rest] = await Promise.all([
    bulwark(
      ['models', 'score', '--model', join(FIXTURES, 'xgb-binary.json'), '--format', 'xgboost-json'],
      binaryInput,
    ),
    inProcess([
      'models',
      'score',
      '--model',
      join(FIXTURES, 'xgb-multiclass.json'),
      '--input',
      join(dir, 'multi.jsonl'),
    ]),
    inProcess(['models', 'score', '--model', join(dir, 'lr.json'), '--input', join(dir, 'text.jsonl')]),
    inProcess(['models', 'score', '--model', join(dir, 'lr.json'), '--input', join(dir, 'bad.jsonl')]),
    inProcess(['models', 'score', '--input', join(dir, 'bad.jsonl')]),
    inProcess(['models', 'score', '--model', join(dir, 'nope.json'), '--input', join(dir, 'bad.jsonl')]),
    inProcess(['models', 'frobnicate']),
    inProcess(['models', '--help']),
    inProcess(['models', 'score', '--model', join(FIXTURES, 'onnx-logistic.onnx')], onnxInput),
  ])
  const [multiRun, text, bad, usage, missingModel, unknownSub, help, onnxRun] = rest as Run[]
  r = {
    binary: child!,
    multi: multiRun!,
    text: text!,
    bad: bad!,
    usage: usage!,
    missingModel: missingModel!,
    unknownSub: unknownSub!,
    help: help!,
    onnx: onnxRun!,
  }
}, 60_000)

describe('bulwark models score', () => {
  it('prints a JSON array per row for a multi-class model, equal to XGBoost within 1e-6', () => {
    expect(r.multi.code).toBe(0)
    expect(r.multi.stderr).toBe('')
    const out = lines(r.multi.stdout).map((l) => JSON.parse(l) as number[])
    expect(out).toHaveLength(multi.rows.length)
    out.forEach((vector, i) => {
      expect(vector).toHaveLength(3)
      vector.forEach((p, k) => {
        expect(Math.abs(p - multi.predictions[i]![k]!)).toBeLessThanOrEqual(1e-6)
      })
    })
  })

  it('prints one number per row from standard input, nulls read as missing', () => {
    expect(r.binary.code).toBe(0)
    const out = lines(r.binary.stdout).map(Number)
    expect(out).toHaveLength(binary.rows.length)
    out.forEach((p, i) => {
      expect(Math.abs(p - binary.predictions[i]![0]!)).toBeLessThanOrEqual(1e-6)
    })
  })

  it('scores an ONNX model (asynchronous only) the same way', () => {
    expect(r.onnx.code).toBe(0)
    const out = lines(r.onnx.stdout).map(Number)
    expect(out).toHaveLength(onnx.rows.length)
    out.forEach((p, i) => {
      expect(Math.abs(p - onnx.predictions[i]![0]!)).toBeLessThanOrEqual(1e-6)
    })
  })

  it('reads the text from the key the model declares', () => {
    expect(r.text.code).toBe(0)
    expect(lines(r.text.stdout).map(Number)).toEqual([sigmoid(-2 + 0.5 * 2 + 3), sigmoid(-2), sigmoid(-2)])
  })

  it('reports bad rows by line number, prints null in their place and exits 1', () => {
    expect(r.bad.code).toBe(1)
    expect(lines(r.bad.stdout)).toEqual([
      String(sigmoid(-2 + 0.5)),
      'null',
      'null',
      'null',
      String(sigmoid(-2 + 0.5)),
    ])
    expect(lines(r.bad.stderr)).toEqual([
      `line 2: 'links' must be a number, a boolean or null, not "many"`,
      expect.stringMatching(/^line 3: not JSON: /),
      'line 4: a row must be a JSON object',
    ])
  })

  it('without --model says so and prints the usage; an unreadable model is a MODEL_INVALID error', () => {
    expect(r.usage.code).toBe(1)
    expect(lines(r.usage.stderr)[0]).toBe('bulwark models score: missing --model')
    expect(lines(r.usage.stderr)[2]).toBe(
      'bulwark models score --model FILE [--format F] [--input ROWS.jsonl] [--text-field NAME]',
    )
    expect(r.missingModel.code).toBe(1)
    expect(r.missingModel.stderr).toMatch(/^MODEL_INVALID: invalid model .*nope\.json: cannot read it/)
  })

  it('an unknown subcommand names it and lists the subcommands; --help shows each usage', () => {
    expect(r.unknownSub.code).toBe(1)
    expect(r.unknownSub.stderr).toMatch(
      /^unknown models subcommand 'frobnicate'\n\nbulwark models <subcommand>/,
    )
    expect(r.unknownSub.stderr).toMatch(/^ {4}score {2,}Score a JSONL file of rows with a model file$/m)
    expect(r.help.code).toBe(0)
    expect(r.help.stdout).toContain('  bulwark models score --model FILE')
  })
})
