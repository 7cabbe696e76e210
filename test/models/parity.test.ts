/**
 * Parity with the real libraries: each fixture in test/fixtures/models (made by
 * scripts/model-fixtures.py with python3-xgboost and python3-onnx) holds held-out rows and the
 * library's own predictions; Bulwark must reproduce every number within 1e-6. CI regenerates the
 * fixtures into a temporary directory and points BULWARK_MODEL_FIXTURES at it, so this checks the
 * library installed there as well as the committed files.
 */

import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { loadModel } from '../../src/models/load.ts'
import type { ModelFormat } from '../../src/models/model.ts'

const DIR =
  process.env.BULWARK_MODEL_FIXTURES ?? fileURLToPath(new URL('../fixtures/models', import.meta.url))
const TOLERANCE = 1e-6

interface Expected {
  readonly model: string
  readonly format: ModelFormat
  readonly library: string
  readonly rows: readonly Record<string, number | null>[]
  readonly predictions: readonly (readonly number[])[]
}

const fixtures = readdirSync(DIR)
  .filter((f) => f.endsWith('.expected.json'))
  .sort()
  .map(
    (f) =>
      [f.replace('.expected.json', ''), JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Expected] as const,
  )

describe(`parity with the real libraries (${DIR})`, () => {
  it('has the XGBoost binary, regression and multi-class fixtures and the ONNX ones', () => {
    expect(fixtures.map(([name]) => name)).toEqual(
      expect.arrayContaining([
        'xgb-binary',
        'xgb-regression',
        'xgb-multiclass',
        'onnx-logistic',
        'onnx-named-inputs',
        'onnx-classifier',
      ]),
    )
  })

  it.each(fixtures)('%s: every held-out prediction matches within 1e-6', async (_name, expected) => {
    const model = await loadModel(join(DIR, expected.model))
    try {
      expect(model.format).toBe(expected.format)
      expect(expected.rows.length).toBeGreaterThanOrEqual(20)
      const row = new Float64Array(model.inputs.length)
      const out = new Float64Array(model.outputSize)
      let worst = 0
      let missing = 0
      for (let r = 0; r < expected.rows.length; r++) {
        model.inputs.forEach((name, i) => {
          const v = expected.rows[r]![name]
          row[i] = v === null || v === undefined ? Number.NaN : v
          if (Number.isNaN(row[i]!)) missing++
        })
        await model.predictAsync(row, undefined, out)
        const want = expected.predictions[r]!
        expect(out.length).toBe(want.length)
        for (let k = 0; k < want.length; k++) worst = Math.max(worst, Math.abs(out[k]! - want[k]!))
        // The synchronous path, where the format has one, gives the same numbers.
        if (model.predict) {
          const sync = new Float64Array(model.outputSize)
          model.predict(row, undefined, sync)
          expect([...sync]).toEqual([...out])
        }
      }
      expect(worst).toBeLessThanOrEqual(TOLERANCE)
      // Tree fixtures exercise missing values.
      if (expected.format === 'xgboost-json') expect(missing).toBeGreaterThan(0)
    } finally {
      await model.close()
    }
  })
})
