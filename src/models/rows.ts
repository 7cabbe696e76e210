/**
 * Scoring rows as JSON objects: maps a row (feature name → value) onto a model's dense input
 * vector and text, and scores it. Absent and null values are missing (NaN); booleans read as 1 and
 * 0; anything else that is not a finite number is a MODEL_INPUT error naming the field.
 */

import { BulwarkError } from '../core/errors.ts'
import type { Model } from './model.ts'

/** The key a scoring row carries a model's text under: the model's declared name, else "text". */
export function textKeyOf(model: Model): string {
  const declared = (model as { textInputName?: unknown }).textInputName
  return typeof declared === 'string' ? declared : 'text'
}

/** Fills `row` from a JSON object and returns the text (undefined when absent or null). */
export function readRow(
  model: Model,
  value: unknown,
  row: Float64Array,
  textKey = textKeyOf(model),
): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BulwarkError('MODEL_INPUT', { detail: 'a row must be a JSON object' })
  }
  const record = value as Record<string, unknown>
  const { inputs } = model
  for (let i = 0; i < inputs.length; i++) {
    const v = record[inputs[i]!]
    if (v === undefined || v === null) row[i] = Number.NaN
    else if (typeof v === 'number' && Number.isFinite(v)) row[i] = v
    else if (typeof v === 'boolean') row[i] = v ? 1 : 0
    else {
      throw new BulwarkError('MODEL_INPUT', {
        detail: `'${inputs[i]}' must be a number, a boolean or null, not ${JSON.stringify(v)}`,
      })
    }
  }
  if (!model.textInput) return undefined
  const text = record[textKey]
  if (text === undefined || text === null) return undefined
  if (typeof text !== 'string')
    throw new BulwarkError('MODEL_INPUT', { detail: `'${textKey}' must be a string or null` })
  return text
}

/** Scores one row object; the output is reused between calls (copy it to keep it). */
export async function scoreRow(
  model: Model,
  value: unknown,
  row: Float64Array,
  out: Float64Array,
  textKey?: string,
): Promise<Float64Array> {
  const text = readRow(model, value, row, textKey)
  if (model.predict) model.predict(row, text, out)
  else await model.predictAsync(row, text, out)
  return out
}
