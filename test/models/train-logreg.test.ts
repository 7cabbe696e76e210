/**
 * Logistic regression training: a text task (spam words among ordinary ones) learned through the
 * hashed n-grams of src/models/text-hash.ts, reloaded through the model loader with the same
 * scores; numeric features with missing values (from JSON Lines); and errors for unusable data
 * or options.
 */

import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { BulwarkError } from '../../src/core/errors.ts'
import { seededRandom } from '../../src/core/random.ts'
import { loadModel } from '../../src/models/load.ts'
import { DEFAULT_LOGREG } from '../../src/models/train/logreg.ts'
import { type TrainOutcome, trainModel } from '../../src/models/train/run.ts'
import { options, tempDir, writeCsv } from './train-helpers.ts'

const dir = tempDir('train-logreg')
const HAM = [
  'see',
  'you',
  'at',
  'lunch',
  'tomorrow',
  'thanks',
  'for',
  'the',
  'call',
  'meeting',
  'home',
  'later',
  'ok',
  'dinner',
  'mum',
]
const SPAM = ['win', 'free', 'prize', 'claim', 'cash', 'urgent', 'click', 'offer']

function messages(n: number, seed: number) {
  const r = seededRandom(seed)
  const pick = (words: string[]) => words[Math.floor(r() * words.length)]!
  return Array.from({ length: n }, (_, i) => {
    const spam = r() < 0.25
    const words = Array.from({ length: 4 + Math.floor(r() * 6) }, () => pick(HAM))
    if (spam) for (let k = 0; k < 2; k++) words.splice(Math.floor(r() * words.length), 0, pick(SPAM))
    return { id: i, text: words.join(' '), length: words.length, spam: spam ? 'true' : 'false' }
  })
}

let outcome: TrainOutcome

beforeAll(async () => {
  const data = writeCsv(join(dir, 'sms.csv'), messages(1500, 3))
  outcome = await trainModel(
    options(data, join(dir, 'text'), {
      type: 'logreg',
      label: 'spam',
      text: 'text',
      features: ['length'],
      logreg: { ...DEFAULT_LOGREG, text: { ...DEFAULT_LOGREG.text, buckets: 1 << 12 } },
    }),
  )
})

describe('logistic regression training', () => {
  it('learns spam words from hashed n-grams', () => {
    expect(outcome.card.holdout.f1).toBeGreaterThan(0.95)
    expect(outcome.card.holdout.auc).toBeGreaterThan(0.98)
    expect(outcome.card.model).toMatchObject({
      type: 'logreg',
      format: 'logreg',
      inputs: ['length'],
      text_input: 'text',
    })
    expect(outcome.card.feature_importance.kind).toBe('abs_weight')
  })

  it('writes a logreg file the model loader scores exactly as the trainer did', async () => {
    const model = await loadModel(outcome.modelPath)
    expect(model.format).toBe('logreg')
    expect(model.textInput).toBe(true)
    const out = new Float64Array(1)
    let worst = 0
    outcome.holdoutRows.forEach((r, i) => {
      model.predict!(Float64Array.of(outcome.table.columns[0]![r]!), outcome.table.text![r], out)
      worst = Math.max(worst, Math.abs(out[0]! - outcome.holdoutScores[i]!))
    })
    expect(worst).toBeLessThanOrEqual(1e-12)
    const score = (text: string) => {
      model.predict!(Float64Array.of(5), text, out)
      return out[0]!
    }
    expect(score('claim your free prize now')).toBeGreaterThan(0.9)
    expect(score('see you at lunch tomorrow')).toBeLessThan(0.1)
    const file = JSON.parse(readFileSync(outcome.modelPath, 'utf8'))
    expect(file.text).toMatchObject({
      input: 'text',
      buckets: 4096,
      word_ngrams: [1, 2],
      char_ngrams: [3, 5],
    })
  })

  it('standardises numeric features and fills missing values with the mean', async () => {
    const r = seededRandom(9)
    const rows = Array.from({ length: 1200 }, () => {
      const amount = r() * 1000
      return { amount: r() < 0.1 ? null : amount, label: r() < amount / 1000 ? 1 : 0 }
    })
    // JSON Lines this time: null is missing, a key absent from a line is missing too.
    const path = join(dir, 'amounts.jsonl')
    writeFileSync(
      path,
      rows.map((row, i) => JSON.stringify(i % 50 === 0 ? { label: row.label } : row)).join('\n'),
    )
    const numeric = await trainModel(options(path, join(dir, 'numeric'), { type: 'logreg' }))
    expect(numeric.card.data.rows).toBe(1200)
    const missing = numeric.table.columns[0]!.filter((v) => Number.isNaN(v)).length
    expect(missing).toBe(rows.filter((row, i) => row.amount === null || i % 50 === 0).length)
    const feature = JSON.parse(readFileSync(numeric.modelPath, 'utf8')).features[0]
    expect(feature.name).toBe('amount')
    expect(feature.mean).toBeGreaterThan(400)
    expect(feature.mean).toBeLessThan(600)
    expect(feature.scale).toBeGreaterThan(250)
    expect(feature.weight).toBeGreaterThan(0.5)
    expect(numeric.card.holdout.auc).toBeGreaterThan(0.75)
  })

  it('rejects unusable data and options with stable codes', async () => {
    const bad = (path: string, extra = {}) => trainModel(options(path, join(dir, 'bad'), extra))
    const code = async (p: Promise<unknown>) => {
      const e = await p.then(
        () => undefined,
        (err: unknown) => err,
      )
      expect(e).toBeInstanceOf(BulwarkError)
      return [(e as BulwarkError).code, (e as BulwarkError).message]
    }
    const labels = join(dir, 'labels.csv')
    writeFileSync(labels, 'x,label\n1,1\n2,maybe\n')
    expect(await code(bad(labels))).toEqual([
      'TRAIN_DATA_INVALID',
      "cannot train on this data: line 3: label 'label' must be 0/1 or true/false, found 'maybe'",
    ])
    const oneClass = join(dir, 'one.csv')
    writeFileSync(oneClass, 'x,label\n1,1\n2,1\n')
    expect((await code(bad(oneClass)))[0]).toBe('TRAIN_DATA_INVALID')
    expect((await code(bad(oneClass, { label: 'nope' })))[1]).toContain("no column 'nope'")
    const text = join(dir, 'words.csv')
    writeFileSync(text, 'x,word,label\n1,a,1\n2,b,0\n')
    expect((await code(bad(text, { features: ['word'] })))[1]).toContain("feature 'word' is not numeric")
    expect((await code(bad(text, { text: 'word' })))[0]).toBe('TRAIN_OPTIONS_INVALID')
    expect((await code(bad(text, { holdout: 1.5 })))[0]).toBe('TRAIN_OPTIONS_INVALID')
    expect((await code(bad(join(dir, 'absent.csv'))))[0]).toBe('TRAIN_DATA_INVALID')
  })
})
