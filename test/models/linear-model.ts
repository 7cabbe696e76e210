/**
 * A tiny in-test model for the decision-path tests: a linear score over named inputs (missing
 * inputs count as 0), squashed by a logistic, synchronous unless asked to be asynchronous only.
 */

import type { Model } from '../../src/models/model.ts'

export function linearModel(
  weights: Readonly<Record<string, number>>,
  options: { bias?: number; async?: boolean; text?: boolean; fail?: boolean } = {},
): Model {
  const inputs = Object.keys(weights)
  const w = inputs.map((n) => weights[n]!)
  const score = (row: Float64Array, text: string | undefined, out: Float64Array) => {
    if (options.fail) throw new Error('model failed on purpose')
    let z = options.bias ?? 0
    for (let i = 0; i < w.length; i++) if (!Number.isNaN(row[i]!)) z += w[i]! * row[i]!
    if (text !== undefined) z += text.length / 100
    out[0] = 1 / (1 + Math.exp(-z))
  }
  return {
    format: 'logreg',
    inputs,
    textInput: options.text ?? false,
    outputSize: 1,
    ...(options.async ? {} : { predict: score }),
    predictAsync: async (row, text, out) => score(row, text, out),
    close: async () => {},
  }
}

/** A loadFile for attachModels: file contents name the model, `{"weights": {...}, ...options}`. */
export async function loadLinear(path: string): Promise<Model> {
  const { readFileSync } = await import('node:fs')
  const spec = JSON.parse(readFileSync(path, 'utf8'))
  if (!spec.weights) throw new Error('not a test model: no weights')
  return linearModel(spec.weights, spec)
}
