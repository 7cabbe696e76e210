/**
 * One training run, what `bulwark train` does: read the table, hold out a stratified seeded
 * share of the rows, train a GBDT (early stopping on a validation slice carved from the training
 * rows) or a logistic regression on the rest, score the holdout, and write DIR/model.json and
 * the model card (DIR/card.json, DIR/card.md) and its pack declaration (DIR/model.yaml). The holdout scores come from the model as it will
 * be served (float32 tree sums as XGBoost computes them; the logreg scorer itself).
 */

import { mkdirSync, writeFileSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { BulwarkError } from '../../core/errors.ts'
import { logregFromJson } from '../logreg.ts'
import { averagePrecision, bestF1, rocAuc } from '../metrics.ts'
import { cardMarkdown, type HoldoutMetrics, importance, type ModelCard } from './card.ts'
import { predictRows } from './ensemble.ts'
import { DEFAULT_GBDT, type GbdtParams, trainGbdt } from './gbdt.ts'
import { DEFAULT_LOGREG, type LogregParams, trainLogreg } from './logreg.ts'
import { modelYaml } from './model-yaml.ts'
import { stratifiedSplit, timeSplit } from './split.ts'
import { fileSha256, readTrainingTable, type TrainingTable } from './table.ts'
import { xgboostJson } from './xgboost-writer.ts'

export interface TrainOptions {
  readonly data: string
  readonly type: 'gbdt' | 'logreg'
  readonly label: string
  readonly out: string
  readonly text?: string
  readonly features?: readonly string[]
  readonly seed: number
  /** Share of rows held out for the card's metrics, in [0, 1). */
  readonly holdout: number
  /** `random` (stratified by label, seeded) or `time` (the latest rows by `timeColumn`). */
  readonly split: 'random' | 'time'
  readonly timeColumn: string
  /** Share of the remaining rows used for GBDT early stopping (0: none). */
  readonly validation: number
  readonly gbdt: GbdtParams
  readonly logreg: LogregParams
}

export const DEFAULT_TRAIN = {
  seed: 1,
  holdout: 0.2,
  split: 'random',
  timeColumn: 'time',
  validation: 0.1,
  gbdt: DEFAULT_GBDT,
  logreg: DEFAULT_LOGREG,
} as const

export interface TrainOutcome {
  readonly card: ModelCard
  readonly modelPath: string
  /** Holdout row indices and the served model's scores for them (tests compare these). */
  readonly holdoutRows: Uint32Array
  readonly holdoutScores: Float64Array
  readonly table: TrainingTable
}

function finite(v: number): number | null {
  return Number.isFinite(v) ? v : null
}

function holdoutMetrics(scores: Float64Array, labels: Uint8Array): HoldoutMetrics {
  const best = bestF1(scores, labels)
  let positives = 0
  for (const y of labels) positives += y
  return {
    rows: scores.length,
    positives,
    auc: finite(rocAuc(scores, labels)),
    pr_auc: finite(averagePrecision(scores, labels)),
    f1: best.f1,
    precision: best.precision,
    recall: best.recall,
    threshold: finite(best.threshold),
  }
}

function checkOptions(o: TrainOptions): void {
  const bad = (detail: string) => {
    throw new BulwarkError('TRAIN_OPTIONS_INVALID', { detail })
  }
  if (!(o.holdout >= 0 && o.holdout < 1)) bad('holdout must be in [0, 1)')
  if (!(o.validation >= 0 && o.validation < 1)) bad('validation must be in [0, 1)')
  if (!Number.isInteger(o.seed) || o.seed < 0) bad('seed must be a non-negative integer')
  if (o.split !== 'random' && o.split !== 'time')
    bad(`split must be random or time, got '${String(o.split)}'`)
  if (o.type === 'gbdt' && o.text !== undefined)
    bad('--text needs --type logreg (trees read numeric features only)')
}

export async function trainModel(options: TrainOptions): Promise<TrainOutcome> {
  checkOptions(options)
  const started = performance.now()
  const table = await readTrainingTable(options.data, {
    label: options.label,
    ...(options.text !== undefined ? { text: options.text } : {}),
    ...(options.features ? { features: options.features } : {}),
    ...(options.split === 'time' ? { time: options.timeColumn } : {}),
  })
  let positives = 0
  for (const y of table.labels) positives += y
  if (positives === 0 || positives === table.rows)
    throw new BulwarkError('TRAIN_DATA_INVALID', {
      detail: `the label '${options.label}' must have both classes (${table.rows} rows, ${positives} positive)`,
    })
  if (table.names.length === 0 && !table.text)
    throw new BulwarkError('TRAIN_DATA_INVALID', { detail: 'no numeric feature column (and no --text)' })
  const all = Uint32Array.from({ length: table.rows }, (_, i) => i)
  const bySplit = (rows: Uint32Array, fraction: number, seed: number) =>
    table.times ? timeSplit(rows, table.times, fraction) : stratifiedSplit(rows, table.labels, fraction, seed)
  const split = bySplit(all, options.holdout, options.seed)
  const heldLabels = Uint8Array.from(split.held, (r) => table.labels[r]!)
  mkdirSync(options.out, { recursive: true })
  const modelPath = join(options.out, 'model.json')

  let scores: Float64Array
  let parameters: Record<string, unknown>
  let training: Record<string, number>
  let featureImportance: ModelCard['feature_importance']
  let trainRows = split.kept.length
  let validationRows = 0
  if (options.type === 'gbdt') {
    const useValidation = options.validation > 0 && options.gbdt.earlyStoppingRounds > 0
    const inner = useValidation ? bySplit(split.kept, options.validation, options.seed + 1) : undefined
    const fit = inner ? inner.kept : split.kept
    trainRows = fit.length
    validationRows = inner ? inner.held.length : 0
    const result = trainGbdt(table.names, table.columns, table.labels, fit, inner?.held, options.gbdt)
    writeFileSync(modelPath, JSON.stringify(xgboostJson(result.ensemble)))
    scores = predictRows(result.ensemble, table.columns, split.held)
    parameters = {
      type: 'gbdt',
      objective: 'binary:logistic',
      ...options.gbdt,
      validation: options.validation,
    }
    training = {
      rounds_trained: result.roundsTrained,
      best_round: result.bestRound,
      trees: result.ensemble.trees.length,
      ...(result.validationLogLoss !== undefined ? { validation_log_loss: result.validationLogLoss } : {}),
    }
    featureImportance = { kind: 'gain', features: importance(table.names, result.gain) }
  } else {
    const result = trainLogreg(
      table.names,
      table.columns,
      table.labels,
      table.text,
      options.text,
      split.kept,
      options.logreg,
      options.seed,
    )
    writeFileSync(modelPath, JSON.stringify(result.file))
    const predict = logregFromJson(result.file, modelPath).predict!
    const row = new Float64Array(table.names.length)
    const out = new Float64Array(1)
    scores = Float64Array.from(split.held, (r) => {
      for (let f = 0; f < row.length; f++) row[f] = table.columns[f]![r]!
      predict(row, table.text?.[r], out)
      return out[0]!
    })
    const { text, ...rest } = options.logreg
    parameters = { type: 'logreg', ...rest, ...(table.text ? { text_hash: text } : {}) }
    training = {}
    featureImportance = { kind: 'abs_weight', features: importance(table.names, result.weightMagnitude) }
  }
  const seconds = (performance.now() - started) / 1000
  const card: ModelCard = {
    name: basename(resolve(options.out)),
    model: {
      type: options.type,
      format: options.type === 'gbdt' ? 'xgboost-json' : 'logreg',
      file: 'model.json',
      inputs: table.names,
      ...(options.text !== undefined ? { text_input: options.text } : {}),
    },
    created: new Date().toISOString(),
    data: {
      file: resolve(options.data),
      sha256: await fileSha256(options.data),
      rows: table.rows,
      positives,
      unlabelled_rows: table.unlabelled,
      label: options.label,
      ignored_columns: table.ignored,
    },
    split: {
      method:
        options.split === 'time' ? `time (latest rows by '${options.timeColumn}')` : 'random (stratified)',
      seed: options.seed,
      holdout_fraction: options.holdout,
      train_rows: trainRows,
      validation_rows: validationRows,
      holdout_rows: split.held.length,
    },
    parameters,
    training: { ...training, seconds: Math.round(seconds * 1000) / 1000 },
    holdout: holdoutMetrics(scores, heldLabels),
    feature_importance: featureImportance,
  }
  writeFileSync(join(options.out, 'card.json'), `${JSON.stringify(card, null, 2)}\n`)
  writeFileSync(join(options.out, 'card.md'), cardMarkdown(card))
  writeFileSync(join(options.out, 'model.yaml'), modelYaml(card))
  return { card, modelPath, holdoutRows: split.held, holdoutScores: scores, table }
}
