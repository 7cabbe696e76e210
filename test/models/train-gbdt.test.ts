/**
 * The histogram GBDT end to end through `trainModel`: it learns a nonlinear function a logistic
 * regression cannot, its XGBoost JSON reloads through Bulwark's model loader and scores exactly
 * what the trainer scored, missing values follow the direction it learned, the same seed gives
 * the same file, and the card carries the metrics, the data's hash and the importance.
 */

import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { seededRandom } from '../../src/core/random.ts'
import { loadModel } from '../../src/models/load.ts'
import { type TrainOutcome, trainModel } from '../../src/models/train/run.ts'
import { checkerboard, options, tempDir, writeCsv } from './train-helpers.ts'

const dir = tempDir('train-gbdt')
let data: string
let gbdt: TrainOutcome
let logreg: TrainOutcome

beforeAll(async () => {
  data = writeCsv(join(dir, 'board.csv'), checkerboard(3000, 11))
  gbdt = await trainModel(options(data, join(dir, 'gbdt')))
  logreg = await trainModel(options(data, join(dir, 'logreg'), { type: 'logreg' }))
})

describe('GBDT training', () => {
  it('learns the checkerboard and beats logistic regression on it', () => {
    expect(gbdt.card.holdout.auc).toBeGreaterThan(0.95)
    expect(gbdt.card.holdout.f1).toBeGreaterThan(0.9)
    expect(logreg.card.holdout.auc).toBeLessThan(0.65)
    expect(gbdt.card.holdout.auc! - logreg.card.holdout.auc!).toBeGreaterThan(0.3)
    // The id column is not numeric; x1 and x2 carry nearly all the gain.
    expect(gbdt.card.model.inputs).toEqual(['x1', 'x2', 'noise', 'flag'])
    const top = gbdt.card.feature_importance.features.slice(0, 2).map((f) => f.feature)
    expect(top.sort()).toEqual(['x1', 'x2'])
  })

  it('writes XGBoost JSON that the model loader scores exactly as the trainer did (within 1e-9)', async () => {
    const model = await loadModel(gbdt.modelPath)
    expect(model.format).toBe('xgboost-json')
    expect(model.inputs).toEqual(gbdt.card.model.inputs)
    const row = new Float64Array(model.inputs.length)
    const out = new Float64Array(1)
    let worst = 0
    gbdt.holdoutRows.forEach((r, i) => {
      for (let f = 0; f < row.length; f++) row[f] = gbdt.table.columns[f]![r]!
      model.predict!(row, undefined, out)
      worst = Math.max(worst, Math.abs(out[0]! - gbdt.holdoutScores[i]!))
    })
    expect(gbdt.holdoutRows.length).toBe(600)
    expect(worst).toBeLessThanOrEqual(1e-9)
    const json = JSON.parse(readFileSync(gbdt.modelPath, 'utf8'))
    expect(json.learner.objective.name).toBe('binary:logistic')
    expect(json.learner.feature_names).toEqual(['x1', 'x2', 'noise', 'flag'])
    const tree = json.learner.gradient_booster.model.trees[0]
    for (const key of [
      'split_indices',
      'split_conditions',
      'left_children',
      'right_children',
      'default_left',
      'base_weights',
      'parents',
    ])
      expect(tree[key]).toHaveLength(Number(tree.tree_param.num_nodes))
  })

  it('learns where missing values go: rows missing `m` score like the high values they behave as', async () => {
    const r = seededRandom(5)
    const rows = Array.from({ length: 2000 }, () => {
      const missing = r() < 0.3
      const m = r()
      // Missing behaves like m > 0.7 (positive); present values are positive above 0.7.
      const y = missing || m > 0.7 ? 1 : 0
      return { m: missing ? null : m, label: y ^ (r() < 0.02 ? 1 : 0) }
    })
    const path = writeCsv(join(dir, 'missing.csv'), rows)
    const outcome = await trainModel(options(path, join(dir, 'missing')))
    const model = await loadModel(outcome.modelPath)
    const score = (v: number) => {
      const out = new Float64Array(1)
      model.predict!(Float64Array.of(v), undefined, out)
      return out[0]!
    }
    expect(score(Number.NaN)).toBeGreaterThan(0.9)
    expect(score(0.2)).toBeLessThan(0.1)
    expect(score(0.9)).toBeGreaterThan(0.9)
    const root = JSON.parse(readFileSync(outcome.modelPath, 'utf8')).learner.gradient_booster.model.trees[0]
    // Missing joins the side of values ≥ the threshold: the right child, so default_left is 0.
    expect(root.default_left[0]).toBe(0)
    expect(root.split_conditions[0]).toBeGreaterThan(0.6)
  })

  it('is deterministic for a seed; another seed holds out other rows', async () => {
    const again = await trainModel(options(data, join(dir, 'gbdt-again')))
    expect(readFileSync(again.modelPath, 'utf8')).toBe(readFileSync(gbdt.modelPath, 'utf8'))
    expect(again.card.holdout).toEqual(gbdt.card.holdout)
    const other = await trainModel(options(data, join(dir, 'gbdt-seed-2'), { seed: 2 }))
    expect([...other.holdoutRows]).not.toEqual([...gbdt.holdoutRows])
    expect(readFileSync(other.modelPath, 'utf8')).not.toBe(readFileSync(gbdt.modelPath, 'utf8'))
  })

  it('with --split time holds out the latest rows and validates on the latest before them', async () => {
    const rows = checkerboard(1000, 4).map((r, i) => ({
      ...r,
      time: new Date(Date.UTC(2026, 0, 1) + (999 - i) * 60_000).toISOString(),
    }))
    const path = writeCsv(join(dir, 'timed.csv'), rows)
    const timed = await trainModel(options(path, join(dir, 'timed'), { split: 'time' }))
    // Times run backwards through the file: the latest 200 rows are the first 200 lines.
    expect([...timed.holdoutRows]).toEqual(Array.from({ length: 200 }, (_, i) => i))
    expect(timed.card.split).toMatchObject({
      method: "time (latest rows by 'time')",
      holdout_rows: 200,
      validation_rows: 80,
    })
    expect(timed.card.model.inputs).not.toContain('time')
    const err = await trainModel(options(data, join(dir, 'untimed'), { split: 'time' })).catch(
      (e: Error) => e,
    )
    expect((err as Error).message).toContain("no column 'time' (the time)")
  })

  it('writes a card with the holdout metrics, the data reference, the split and the parameters', () => {
    const card = JSON.parse(readFileSync(join(dir, 'gbdt', 'card.json'), 'utf8'))
    expect(Object.keys(card.holdout).sort()).toEqual([
      'auc',
      'f1',
      'positives',
      'pr_auc',
      'precision',
      'recall',
      'rows',
      'threshold',
    ])
    expect(card.holdout.threshold).toBeGreaterThan(0)
    expect(card.holdout.threshold).toBeLessThan(1)
    expect(card.data.sha256).toBe(createHash('sha256').update(readFileSync(data)).digest('hex'))
    expect(card.name).toBe('gbdt')
    expect(card.data.rows).toBe(3000)
    expect(card.data.file).toBe(data)
    expect(card.data.ignored_columns).toEqual([{ column: 'id', reason: 'not numeric' }])
    // Stratified: the holdout keeps the class balance (within a row per class).
    const positives = gbdt.table.labels.reduce((a, b) => a + b, 0)
    expect(Math.abs(card.holdout.positives - Math.round(positives * 0.2))).toBeLessThanOrEqual(1)
    expect(card.split).toMatchObject({
      method: 'random (stratified)',
      seed: 1,
      holdout_fraction: 0.2,
      holdout_rows: 600,
    })
    expect(card.split.train_rows + card.split.validation_rows).toBe(2400)
    expect(card.parameters).toMatchObject({ type: 'gbdt', objective: 'binary:logistic', maxDepth: 6 })
    expect(card.training.trees).toBeGreaterThan(0)
    expect(Date.parse(card.created)).not.toBeNaN()
    const md = readFileSync(join(dir, 'gbdt', 'card.md'), 'utf8')
    expect(md).toContain('## Holdout metrics')
    expect(md).toContain(`| ROC AUC | ${card.holdout.auc.toFixed(4)} |`)
    expect(md).toContain(card.data.sha256)
    expect(md).toContain('- Columns not used (not numeric): `id`')
  })
})
