/**
 * Logistic regression trainer writing Bulwark's `logreg` format (src/models/logreg.ts), over the
 * numeric columns and, optionally, one text column hashed into n-gram buckets by the same
 * function the scorer uses (src/models/text-hash.ts), so training and serving cannot disagree.
 *
 * Numeric columns are standardised with the training rows' mean and standard deviation, and a
 * missing value takes the mean (0 after standardisation). The loss is the mean log loss plus
 * `l2`/2 · ‖w‖² (the bias is not penalised), minimised by mini-batch Adam over rows shuffled
 * with the seed each epoch. Text weights are sparse: a batch updates only the buckets its texts
 * touch (with their L2 term), as sparse Adam does. Deterministic for a seed.
 */

import { BulwarkError } from '../../core/errors.ts'
import { seededRandom } from '../../core/random.ts'
import { LOGREG_FORMAT_TAG, type LogregFile } from '../logreg.ts'
import {
  DEFAULT_TEXT_HASH,
  hashText,
  type SparseVector,
  type TextHashOptions,
  textHashProblem,
} from '../text-hash.ts'

export interface LogregParams {
  readonly epochs: number
  readonly learningRate: number
  readonly l2: number
  readonly batchSize: number
  readonly text: TextHashOptions
}

export const DEFAULT_LOGREG: LogregParams = {
  epochs: 10,
  learningRate: 0.02,
  l2: 1e-5,
  batchSize: 32,
  text: DEFAULT_TEXT_HASH,
}

export interface LogregResult {
  readonly file: LogregFile
  /** |weight| per numeric feature (standardised, so comparable). */
  readonly weightMagnitude: Float64Array
}

const BETA1 = 0.9
const BETA2 = 0.999
const EPS = 1e-8

function checkParams(p: LogregParams, hasText: boolean): void {
  const bad = (detail: string) => {
    throw new BulwarkError('TRAIN_OPTIONS_INVALID', { detail })
  }
  if (!Number.isInteger(p.epochs) || p.epochs < 1) bad('epochs must be a positive integer')
  if (!(p.learningRate > 0)) bad('learning-rate must be > 0')
  if (!(p.l2 >= 0)) bad('l2 must be ≥ 0')
  if (!Number.isInteger(p.batchSize) || p.batchSize < 1) bad('batch-size must be a positive integer')
  if (hasText) {
    const problem = textHashProblem(p.text)
    if (problem) bad(problem)
  }
}

/** Mean and standard deviation (1 when 0 or undefined) of a column over rows, ignoring NaN. */
function moments(column: Float64Array, rows: Uint32Array): { mean: number; scale: number } {
  let n = 0
  let sum = 0
  for (const r of rows) {
    const v = column[r]!
    if (!Number.isNaN(v)) {
      n++
      sum += v
    }
  }
  const mean = n > 0 ? sum / n : 0
  let sq = 0
  for (const r of rows) {
    const v = column[r]!
    if (!Number.isNaN(v)) sq += (v - mean) * (v - mean)
  }
  const sd = n > 1 ? Math.sqrt(sq / n) : 0
  return { mean, scale: sd > 0 ? sd : 1 }
}

export function trainLogreg(
  names: readonly string[],
  columns: readonly Float64Array[],
  labels: Uint8Array,
  texts: readonly string[] | undefined,
  textInput: string | undefined,
  train: Uint32Array,
  params: LogregParams,
  seed: number,
): LogregResult {
  checkParams(params, texts !== undefined)
  if (train.length === 0) throw new BulwarkError('TRAIN_DATA_INVALID', { detail: 'no training rows' })
  const F = names.length
  const stats = columns.map((c) => moments(c, train))
  // Standardised numeric rows (row-major) and hashed texts, computed once.
  const x = new Float64Array(train.length * F)
  train.forEach((r, i) => {
    for (let f = 0; f < F; f++) {
      const v = columns[f]![r]!
      x[i * F + f] = !Number.isNaN(v) ? (v - stats[f]!.mean) / stats[f]!.scale : 0
    }
  })
  const hashed: SparseVector[] | undefined = texts
    ? Array.from(train, (r) => hashText(texts[r]!, params.text))
    : undefined
  const dims = 1 + F + (hashed ? params.text.buckets : 0)
  const w = new Float64Array(dims)
  const m = new Float64Array(dims)
  const v = new Float64Array(dims)
  const grad = new Float64Array(dims)
  const touched = new Uint8Array(dims)
  const touchedList: number[] = []
  const random = seededRandom(seed)
  const order = Uint32Array.from(train.keys())
  let step = 0
  const touch = (k: number) => {
    if (!touched[k]) {
      touched[k] = 1
      touchedList.push(k)
    }
  }
  for (let epoch = 0; epoch < params.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      const t = order[i]!
      order[i] = order[j]!
      order[j] = t
    }
    for (let start = 0; start < order.length; start += params.batchSize) {
      const end = Math.min(order.length, start + params.batchSize)
      const size = end - start
      for (let k = 0; k <= F; k++) touch(k)
      for (let b = start; b < end; b++) {
        const i = order[b]!
        let z = w[0]!
        for (let f = 0; f < F; f++) z += w[1 + f]! * x[i * F + f]!
        const h = hashed?.[i]
        if (h) for (let k = 0; k < h.index.length; k++) z += w[1 + F + h.index[k]!]! * h.value[k]!
        const err = (1 / (1 + Math.exp(-z)) - labels[train[i]!]!) / size
        grad[0]! += err
        for (let f = 0; f < F; f++) grad[1 + f]! += err * x[i * F + f]!
        if (h)
          for (let k = 0; k < h.index.length; k++) {
            const d = 1 + F + h.index[k]!
            touch(d)
            grad[d]! += err * h.value[k]!
          }
      }
      step++
      const lr = (params.learningRate * Math.sqrt(1 - BETA2 ** step)) / (1 - BETA1 ** step)
      for (const d of touchedList) {
        const g = grad[d]! + (d === 0 ? 0 : params.l2 * w[d]!)
        m[d] = BETA1 * m[d]! + (1 - BETA1) * g
        v[d] = BETA2 * v[d]! + (1 - BETA2) * g * g
        w[d]! -= (lr * m[d]!) / (Math.sqrt(v[d]!) + EPS)
        grad[d] = 0
        touched[d] = 0
      }
      touchedList.length = 0
    }
  }
  return {
    file: logregFile(names, stats, w, textInput, hashed ? params.text : undefined),
    weightMagnitude: Float64Array.from(names, (_, f) => Math.abs(w[1 + f]!)),
  }
}

function logregFile(
  names: readonly string[],
  stats: readonly { mean: number; scale: number }[],
  w: Float64Array,
  textInput: string | undefined,
  text: TextHashOptions | undefined,
): LogregFile {
  const F = names.length
  const features = names.map((name, f) => ({
    name,
    weight: w[1 + f]!,
    mean: stats[f]!.mean,
    scale: stats[f]!.scale,
  }))
  if (!text) return { format: LOGREG_FORMAT_TAG, version: 1, bias: w[0]!, features }
  const index: number[] = []
  const value: number[] = []
  for (let b = 0; b < text.buckets; b++) {
    const weight = w[1 + F + b]!
    if (weight !== 0) {
      index.push(b)
      value.push(weight)
    }
  }
  return {
    format: LOGREG_FORMAT_TAG,
    version: 1,
    bias: w[0]!,
    features,
    text: {
      input: textInput ?? 'text',
      buckets: text.buckets,
      word_ngrams: text.wordNgrams,
      char_ngrams: text.charNgrams,
      lowercase: text.lowercase,
      binary: text.binary,
      l2_normalize: text.l2Normalize,
      weights: { index, value },
    },
  }
}
