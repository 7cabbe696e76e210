/**
 * Bulwark's logistic regression format (`logreg`, a JSON file documented in docs/models.md):
 * weighted numeric features with optional standardisation and a per-feature fill value for
 * missing inputs, plus an optional text input hashed into n-gram buckets by src/models/text-hash.ts.
 * The output is sigmoid(bias + Σ weight·(x − mean)/scale + Σ text_weight[bucket]·value).
 */

import { BulwarkError } from '../core/errors.ts'
import type { Model } from './model.ts'
import { DEFAULT_TEXT_HASH, hashText, type TextHashOptions, textHashProblem } from './text-hash.ts'

export const LOGREG_FORMAT_TAG = 'bulwark-logreg'

/** The file, as written by `bulwark train --type logreg` and read here. */
export interface LogregFile {
  readonly format: typeof LOGREG_FORMAT_TAG
  readonly version: 1
  readonly bias: number
  readonly features: readonly {
    readonly name: string
    readonly weight: number
    /** Standardisation: the model reads (x − mean) / scale. Defaults 0 and 1. */
    readonly mean?: number
    readonly scale?: number
    /** The raw value a missing input takes; defaults to `mean` (0 when there is none). */
    readonly fill?: number
  }[]
  readonly text?: {
    /** The key the text is read from in scoring rows; "text" when absent. */
    readonly input?: string
    readonly buckets: number
    readonly word_ngrams?: readonly [number, number]
    readonly char_ngrams?: readonly [number, number]
    readonly lowercase?: boolean
    readonly binary?: boolean
    readonly l2_normalize?: boolean
    /** Bucket weights: dense (one per bucket) or sparse (`index` with `value`). */
    readonly weights:
      | readonly number[]
      | { readonly index: readonly number[]; readonly value: readonly number[] }
  }
}

export interface LogregModel extends Model {
  readonly format: 'logreg'
  /** The key a scoring row carries the text under, when the model reads text. */
  readonly textInputName: string | undefined
  readonly textOptions: TextHashOptions | undefined
}

function fail(file: string, detail: string): never {
  throw new BulwarkError('MODEL_INVALID', { file, detail })
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

function range(
  value: unknown,
  fallback: readonly [number, number],
  what: string,
  file: string,
): [number, number] {
  if (value === undefined) return [fallback[0], fallback[1]]
  if (!Array.isArray(value) || value.length !== 2 || !value.every(isNumber))
    fail(file, `text.${what} must be [min, max]`)
  return [value[0] as number, value[1] as number]
}

function textWeights(raw: unknown, buckets: number, file: string): Float64Array {
  const weights = new Float64Array(buckets)
  if (Array.isArray(raw)) {
    if (raw.length !== buckets || !raw.every(isNumber))
      fail(file, `text.weights must hold ${buckets} numbers`)
    weights.set(raw)
    return weights
  }
  const sparse = raw as { index?: unknown; value?: unknown } | undefined
  const index = sparse?.index
  const value = sparse?.value
  if (!Array.isArray(index) || !Array.isArray(value) || index.length !== value.length) {
    fail(file, 'text.weights must be an array or {"index": [...], "value": [...]} of equal lengths')
  }
  index.forEach((i, k) => {
    if (!Number.isInteger(i) || i < 0 || i >= buckets)
      fail(file, `text.weights.index[${k}] is not a bucket below ${buckets}`)
    if (!isNumber(value[k])) fail(file, `text.weights.value[${k}] is not a number`)
    weights[i] = value[k]
  })
  return weights
}

/** Reads a parsed logreg file; `file` names it in errors. */
export function logregFromJson(json: unknown, file: string): LogregModel {
  const spec = json as Partial<LogregFile> | null
  if (typeof spec !== 'object' || spec === null || spec.format !== LOGREG_FORMAT_TAG) {
    fail(file, `"format" must be "${LOGREG_FORMAT_TAG}"`)
  }
  if (spec.version !== 1)
    throw new BulwarkError('MODEL_UNSUPPORTED', { file, detail: `logreg version ${String(spec.version)}` })
  if (!isNumber(spec.bias)) fail(file, '"bias" must be a number')
  if (!Array.isArray(spec.features)) fail(file, '"features" must be an array')
  const n = spec.features.length
  const weight = new Float64Array(n)
  const mean = new Float64Array(n)
  const scale = new Float64Array(n)
  const fill = new Float64Array(n)
  const inputs: string[] = []
  spec.features.forEach((f, i) => {
    if (typeof f?.name !== 'string' || f.name === '')
      fail(file, `features[${i}].name must be a non-empty string`)
    if (inputs.includes(f.name)) fail(file, `feature '${f.name}' is listed twice`)
    if (!isNumber(f.weight)) fail(file, `features[${i}].weight must be a number`)
    for (const key of ['mean', 'scale', 'fill'] as const) {
      if (f[key] !== undefined && !isNumber(f[key])) fail(file, `features[${i}].${key} must be a number`)
    }
    if (f.scale === 0) fail(file, `features[${i}].scale must not be 0`)
    inputs.push(f.name)
    weight[i] = f.weight
    mean[i] = f.mean ?? 0
    scale[i] = f.scale ?? 1
    fill[i] = f.fill ?? f.mean ?? 0
  })
  const bias = spec.bias

  let textOptions: TextHashOptions | undefined
  let bucketWeights: Float64Array | undefined
  let textInputName: string | undefined
  if (spec.text !== undefined) {
    const t = spec.text
    if (typeof t !== 'object' || t === null) fail(file, '"text" must be an object')
    textOptions = {
      buckets: t.buckets,
      wordNgrams: range(t.word_ngrams, DEFAULT_TEXT_HASH.wordNgrams, 'word_ngrams', file),
      charNgrams: range(t.char_ngrams, DEFAULT_TEXT_HASH.charNgrams, 'char_ngrams', file),
      lowercase: t.lowercase ?? DEFAULT_TEXT_HASH.lowercase,
      binary: t.binary ?? DEFAULT_TEXT_HASH.binary,
      l2Normalize: t.l2_normalize ?? DEFAULT_TEXT_HASH.l2Normalize,
    }
    const problem = textHashProblem(textOptions)
    if (problem) fail(file, `text: ${problem}`)
    if (t.input !== undefined && (typeof t.input !== 'string' || t.input === ''))
      fail(file, 'text.input must be a name')
    textInputName = t.input ?? 'text'
    bucketWeights = textWeights(t.weights, t.buckets, file)
  }

  const predict = (row: Float64Array, text: string | undefined, out: Float64Array): void => {
    let z = bias
    for (let i = 0; i < n; i++) {
      const raw = row[i]!
      const x = Number.isNaN(raw) ? fill[i]! : raw
      z += (weight[i]! * (x - mean[i]!)) / scale[i]!
    }
    if (bucketWeights && textOptions && text) {
      const v = hashText(text, textOptions)
      for (let k = 0; k < v.index.length; k++) z += bucketWeights[v.index[k]!]! * v.value[k]!
    }
    out[0] = 1 / (1 + Math.exp(-z))
  }
  return {
    format: 'logreg',
    inputs,
    textInput: textOptions !== undefined,
    textInputName,
    textOptions,
    outputSize: 1,
    predict,
    predictAsync: async (row, text, out) => predict(row, text, out),
    close: async () => {},
  }
}
