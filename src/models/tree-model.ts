/**
 * A flat tree ensemble wrapped as a `Model`: synchronous scoring into the caller's output array,
 * with the scratch buffers allocated once at load so a prediction allocates nothing.
 */

import type { Model } from './model.ts'
import { ensembleOutputSize, ensembleScorer, type TreeEnsemble } from './tree-ensemble.ts'

/** Wraps an ensemble as a `Model` of the given format, with format-specific extra fields. */
export function treeModel<Extra extends object>(
  format: 'xgboost-json' | 'lightgbm-text',
  inputs: readonly string[],
  ensemble: TreeEnsemble,
  extra: Extra,
): Model & { readonly ensemble: TreeEnsemble } & Extra {
  const score = ensembleScorer(ensemble)
  const raw = new Float64Array(Math.max(ensemble.groups, 1))
  const outputSize = ensembleOutputSize(ensemble)
  const predict = (row: Float64Array, _text: string | undefined, out: Float64Array): void => {
    if (raw.length === outputSize) {
      score(row, out)
      return
    }
    score(row, raw)
    out.set(raw.subarray(0, outputSize))
  }
  return {
    format,
    inputs,
    textInput: false,
    outputSize,
    predict,
    predictAsync: async (row, text, out) => predict(row, text, out),
    close: async () => {},
    ensemble,
    ...extra,
  }
}
