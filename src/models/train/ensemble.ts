/**
 * The trainer's in-memory tree ensemble (binary logistic): what the GBDT grows, what it scores
 * held-out rows with, and what xgboost-writer.ts turns into XGBoost JSON. A node with
 * `left[n] === -1` is a leaf holding `value[n]` (a float32, learning rate applied); an inner node
 * sends a row left when its feature value is < `threshold[n]`, and a missing (NaN) value to the
 * left when `defaultLeft[n]`. The prediction is sigmoid(base margin + Σ leaf values), computed
 * the way XGBoost computes it — the base margin, every partial sum and the probability rounded to
 * float32 — so the held-out metrics are those of the model as it will be served.
 */

export interface Tree {
  readonly feature: number[]
  readonly threshold: number[]
  readonly left: number[]
  readonly right: number[]
  readonly defaultLeft: boolean[]
  readonly value: number[]
  /** Loss reduction of each split (0 at leaves). */
  readonly gain: number[]
  /** Sum of hessians of the training rows that reached each node. */
  readonly hessian: number[]
}

export interface Ensemble {
  readonly names: readonly string[]
  /** The prior probability, float32 (XGBoost's base_score). */
  readonly baseScore: number
  readonly trees: readonly Tree[]
}

export function baseMargin(baseScore: number): number {
  return -Math.log(1 / baseScore - 1)
}

export const sigmoid = (margin: number): number => 1 / (1 + Math.exp(-margin))

/** The leaf value a row reaches, its features read by `value(feature)`. */
export function treeValue(tree: Tree, value: (feature: number) => number): number {
  let n = 0
  while (tree.left[n] !== -1) {
    const x = value(tree.feature[n]!)
    n = Number.isNaN(x)
      ? tree.defaultLeft[n]
        ? tree.left[n]!
        : tree.right[n]!
      : x < tree.threshold[n]!
        ? tree.left[n]!
        : tree.right[n]!
  }
  return tree.value[n]!
}

/** Probability for one row of a column-major table. */
export function predictRow(ensemble: Ensemble, columns: readonly Float64Array[], row: number): number {
  let margin = Math.fround(baseMargin(ensemble.baseScore))
  const read = (f: number) => columns[f]![row]!
  for (const tree of ensemble.trees) margin = Math.fround(margin + treeValue(tree, read))
  return Math.fround(sigmoid(margin))
}

/** Probabilities for the given rows. */
export function predictRows(
  ensemble: Ensemble,
  columns: readonly Float64Array[],
  rows: Uint32Array,
): Float64Array {
  const out = new Float64Array(rows.length)
  for (let i = 0; i < rows.length; i++) out[i] = predictRow(ensemble, columns, rows[i]!)
  return out
}
