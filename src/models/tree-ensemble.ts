/**
 * The one tree-ensemble evaluator behind every gradient-boosted format (XGBoost JSON, LightGBM
 * text): all trees of a model live in flat typed arrays, one slot per node, so scoring a row is a
 * tight loop over numbers with no objects on the way.
 *
 * Each node has a split operation (`op`) folding the format's comparison and missing-value rule
 * into one decision. Trees are laid out breadth first with siblings adjacent (right = left + 1).
 * When a whole ensemble uses only plain numeric splits (the common case), it is scored by a
 * branch-free loop specialised to its comparison:
 * `node = left + ((v >= t) | (isNaN(v) & missingRight))` — a tree's splits defeat branch
 * prediction, so avoiding the branch is what makes it fast. Other ensembles (categorical splits,
 * LightGBM's zero-as-missing) go node by node through `op`; categorical splits test a bit in a
 * shared pool of 32-bit words. `ensembleScorer` builds one closure per model at load.
 */

import { BulwarkError } from '../core/errors.ts'

/** Split operations; a node whose feature is -1 is a leaf. */
export const SplitOp = {
  /** Left when value < threshold; missing goes right (XGBoost). */
  LT_MISSING_RIGHT: 0,
  /** Left when value < threshold or missing (XGBoost). */
  LT_MISSING_LEFT: 1,
  /** Left when value <= threshold; missing goes right (LightGBM). */
  LE_MISSING_RIGHT: 2,
  /** Left when value <= threshold or missing (LightGBM). */
  LE_MISSING_LEFT: 3,
  /** LightGBM missing type Zero: missing or zero goes right, otherwise value <= threshold. */
  LE_ZERO_MISSING_RIGHT: 4,
  /** LightGBM missing type Zero: missing or zero goes left, otherwise value <= threshold. */
  LE_ZERO_MISSING_LEFT: 5,
  /** XGBoost categorical: categories in the set go right, others left; missing goes right. */
  XGB_CATEGORY_MISSING_RIGHT: 6,
  /** XGBoost categorical, missing goes left. */
  XGB_CATEGORY_MISSING_LEFT: 7,
  /** LightGBM categorical: categories in the set go left; missing, negative and others go right. */
  LGB_CATEGORY: 8,
} as const

export type SplitOpCode = (typeof SplitOp)[keyof typeof SplitOp]

/** What turns the summed raw scores into the model's output. */
export type OutputTransform =
  | { readonly kind: 'identity' }
  | { readonly kind: 'sigmoid'; readonly scale: number }
  | { readonly kind: 'softmax' }
  | { readonly kind: 'exp' }
  /** The index of the largest raw score (XGBoost multi:softmax). */
  | { readonly kind: 'argmax' }

export interface TreeEnsemble {
  /** Per node: the feature index read, or -1 for a leaf. */
  readonly feature: Int32Array
  /** Per node: the split threshold (internal nodes) or the leaf value (leaves). */
  readonly value: Float64Array
  /** Per split: its children, always neighbours (right = left + 1). */
  readonly left: Int32Array
  readonly right: Int32Array
  /** Per split: 1 when a missing value (NaN) goes right, 0 when it goes left. */
  readonly missingRight: Uint8Array
  readonly op: Uint8Array
  /**
   * 'lt' when every split is a plain XGBoost numeric split, 'le' when every split is a plain
   * LightGBM NaN-aware numeric split: such ensembles take a loop with one comparison per node.
   * 'mixed' otherwise (categorical or zero-as-missing splits).
   */
  readonly comparison: 'lt' | 'le' | 'mixed'
  /** Per categorical node: first word and word count of its bitset in `categoryWords`. */
  readonly categoryStart: Int32Array
  readonly categoryCount: Int32Array
  readonly categoryWords: Uint32Array
  /** Root node of each tree, and the output slot (class) the tree adds to. */
  readonly roots: Int32Array
  readonly treeGroup: Int32Array
  /** Raw score each output slot starts from. */
  readonly baseScores: Float64Array
  /** Number of raw scores (the class count for multi-class models, else 1). */
  readonly groups: number
  /** Divide the raw sums by this (LightGBM random forests average their trees), else 1. */
  readonly divisor: number
  /** Emulate float32 arithmetic (XGBoost reads features and sums leaves as float32). */
  readonly float32: boolean
  readonly transform: OutputTransform
  /** Number of input features. */
  readonly featureCount: number
}

const MISSING_GOES_LEFT: ReadonlySet<number> = new Set([
  SplitOp.LT_MISSING_LEFT,
  SplitOp.LE_MISSING_LEFT,
  SplitOp.LE_ZERO_MISSING_LEFT,
  SplitOp.XGB_CATEGORY_MISSING_LEFT,
])

/** LightGBM's bound for "zero" under missing type Zero. */
const ZERO_THRESHOLD = 1e-35

function inBitset(words: Uint32Array, start: number, count: number, category: number): boolean {
  const word = category >>> 5
  if (word >= count) return false
  return ((words[start + word]! >>> (category & 31)) & 1) === 1
}

/** The next node from a non-numeric-fast-path split. */
function slowSplit(e: TreeEnsemble, node: number, v: number): number {
  switch (e.op[node]) {
    case SplitOp.LE_ZERO_MISSING_RIGHT:
    case SplitOp.LE_ZERO_MISSING_LEFT: {
      if (Number.isNaN(v) || (v >= -ZERO_THRESHOLD && v <= ZERO_THRESHOLD)) {
        return e.op[node] === SplitOp.LE_ZERO_MISSING_LEFT ? e.left[node]! : e.right[node]!
      }
      return v <= e.value[node]! ? e.left[node]! : e.right[node]!
    }
    case SplitOp.XGB_CATEGORY_MISSING_RIGHT:
    case SplitOp.XGB_CATEGORY_MISSING_LEFT: {
      if (Number.isNaN(v))
        return e.op[node] === SplitOp.XGB_CATEGORY_MISSING_LEFT ? e.left[node]! : e.right[node]!
      // XGBoost sends negative or out-of-range categories left, like categories not in the set.
      if (v < 0 || v >= 16777216) return e.left[node]!
      const inSet = inBitset(e.categoryWords, e.categoryStart[node]!, e.categoryCount[node]!, Math.trunc(v))
      return inSet ? e.right[node]! : e.left[node]!
    }
    default: {
      // LGB_CATEGORY
      if (Number.isNaN(v)) return e.right[node]!
      // LightGBM casts to int: negative values and values beyond int range go right.
      const category = Math.trunc(v)
      if (category < 0 || category > 2147483647) return e.right[node]!
      const inSet = inBitset(e.categoryWords, e.categoryStart[node]!, e.categoryCount[node]!, category)
      return inSet ? e.left[node]! : e.right[node]!
    }
  }
}

/** Index of the leaf `row` reaches in the tree rooted at `root`. */
export function leafOf(e: TreeEnsemble, root: number, row: ArrayLike<number>): number {
  const { feature, value, left, right, op } = e
  let node = root
  let f = feature[node]!
  while (f >= 0) {
    const v = row[f]!
    const o = op[node]!
    if (o === SplitOp.LT_MISSING_RIGHT) node = v < value[node]! ? left[node]! : right[node]!
    else if (o === SplitOp.LT_MISSING_LEFT) node = v >= value[node]! ? right[node]! : left[node]!
    else if (o === SplitOp.LE_MISSING_RIGHT) node = v <= value[node]! ? left[node]! : right[node]!
    else if (o === SplitOp.LE_MISSING_LEFT) node = v > value[node]! ? right[node]! : left[node]!
    else node = slowSplit(e, node, v)
    f = feature[node]!
  }
  return node
}

/** Applies the output transform to the raw scores in `out[0..groups)`, in place. */
function transform(e: TreeEnsemble, out: Float64Array): void {
  const t = e.transform
  const n = e.groups
  const f32 = e.float32
  switch (t.kind) {
    case 'identity':
      return
    case 'sigmoid':
      for (let i = 0; i < n; i++) {
        const p = 1 / (1 + Math.exp(-t.scale * out[i]!))
        out[i] = f32 ? Math.fround(p) : p
      }
      return
    case 'exp':
      for (let i = 0; i < n; i++) out[i] = f32 ? Math.fround(Math.exp(out[i]!)) : Math.exp(out[i]!)
      return
    case 'softmax': {
      let max = Number.NEGATIVE_INFINITY
      for (let i = 0; i < n; i++) if (out[i]! > max) max = out[i]!
      let sum = 0
      for (let i = 0; i < n; i++) {
        out[i] = Math.exp(out[i]! - max)
        sum += out[i]!
      }
      for (let i = 0; i < n; i++) out[i] = f32 ? Math.fround(out[i]! / sum) : out[i]! / sum
      return
    }
    case 'argmax': {
      let best = 0
      for (let i = 1; i < n; i++) if (out[i]! > out[best]!) best = i
      out[0] = best
      return
    }
  }
}

/** The leaf `row` reaches from `root` when every split is a plain XGBoost one (left when v < t). */
function leafLt(
  feature: Int32Array,
  value: Float64Array,
  left: Int32Array,
  missingRight: Uint8Array,
  root: number,
  row: ArrayLike<number>,
): number {
  let node = root
  let f = feature[node]!
  while (f >= 0) {
    const v = row[f]!
    // Branch-free: right (+1) when v >= threshold, or when v is NaN and missing goes right.
    node =
      left[node]! +
      (((v >= value[node]!) as unknown as number) |
        ((Number.isNaN(v) as unknown as number) & missingRight[node]!))
    f = feature[node]!
  }
  return node
}

/** The leaf `row` reaches from `root` when every split is a plain LightGBM one (left when v <= t). */
function leafLe(
  feature: Int32Array,
  value: Float64Array,
  left: Int32Array,
  missingRight: Uint8Array,
  root: number,
  row: ArrayLike<number>,
): number {
  let node = root
  let f = feature[node]!
  while (f >= 0) {
    const v = row[f]!
    node =
      left[node]! +
      (((v > value[node]!) as unknown as number) |
        ((Number.isNaN(v) as unknown as number) & missingRight[node]!))
    f = feature[node]!
  }
  return node
}

/** Adds the leaves of every tree to `out` for an ensemble of plain splits, walked by `leaf`. */
function plainSummer(
  e: TreeEnsemble,
  leaf: typeof leafLt,
): (row: ArrayLike<number>, out: Float64Array) => void {
  const { feature, value, left, missingRight, roots, treeGroup, float32 } = e
  const trees = roots.length
  if (e.groups === 1) {
    return float32
      ? (row, out) => {
          let sum = out[0]!
          for (let t = 0; t < trees; t++)
            sum = Math.fround(sum + value[leaf(feature, value, left, missingRight, roots[t]!, row)]!)
          out[0] = sum
        }
      : (row, out) => {
          let sum = out[0]!
          for (let t = 0; t < trees; t++)
            sum += value[leaf(feature, value, left, missingRight, roots[t]!, row)]!
          out[0] = sum
        }
  }
  return (row, out) => {
    for (let t = 0; t < trees; t++) {
      const g = treeGroup[t]!
      const v = value[leaf(feature, value, left, missingRight, roots[t]!, row)]!
      out[g] = float32 ? Math.fround(out[g]! + v) : out[g]! + v
    }
  }
}

function sumMixed(e: TreeEnsemble, row: ArrayLike<number>, out: Float64Array, float32: boolean): void {
  const { roots, treeGroup, value } = e
  for (let t = 0; t < roots.length; t++) {
    const g = treeGroup[t]!
    const leaf = value[leafOf(e, roots[t]!, row)]!
    out[g] = float32 ? Math.fround(out[g]! + leaf) : out[g]! + leaf
  }
}

/**
 * A scorer for one ensemble: writes the prediction for a row into `out` (length ≥ `groups`).
 * Built once at load, it captures the arrays and picks the loop for the ensemble's split kinds,
 * so scoring allocates nothing and V8 sees one monomorphic loop.
 */
export function ensembleScorer(e: TreeEnsemble): (row: Float64Array, out: Float64Array) => void {
  const { groups, baseScores, divisor, float32, featureCount } = e
  const scratch = new Float64Array(featureCount)
  const sum =
    e.comparison === 'lt'
      ? plainSummer(e, leafLt)
      : e.comparison === 'le'
        ? plainSummer(e, leafLe)
        : (row: ArrayLike<number>, out: Float64Array) => sumMixed(e, row, out, float32)
  return (row, out) => {
    for (let g = 0; g < groups; g++) out[g] = baseScores[g]!
    let x: Float64Array = row
    if (float32) {
      for (let i = 0; i < featureCount; i++) scratch[i] = Math.fround(row[i]!)
      x = scratch
    }
    sum(x, out)
    if (divisor !== 1) for (let g = 0; g < groups; g++) out[g] = out[g]! / divisor
    transform(e, out)
  }
}

/** Numbers a prediction writes: 1 for argmax, else one per raw score. */
export function ensembleOutputSize(e: TreeEnsemble): number {
  return e.transform.kind === 'argmax' ? 1 : e.groups
}

/** One tree under construction, in node order; children are indexes within the tree. */
export interface TreeNodes {
  readonly feature: number[]
  readonly value: number[]
  readonly left: number[]
  readonly right: number[]
  readonly op: number[]
  /** Categorical nodes: the category bitset words. */
  readonly categories: Map<number, Uint32Array>
  readonly group: number
}

/**
 * Node order of one tree for the flat layout: breadth first, so the two children of a split are
 * neighbours (right = left + 1) and the top levels of a tree share cache lines. Nodes no split
 * reaches are dropped; a node reached twice (a cycle or a shared child) is an error.
 */
function breadthFirst(tree: TreeNodes, t: number, file: string): number[] {
  const order = [0]
  const seen = new Uint8Array(tree.feature.length)
  seen[0] = 1
  for (let k = 0; k < order.length; k++) {
    const node = order[k]!
    if (tree.feature[node]! < 0) continue
    for (const child of [tree.left[node]!, tree.right[node]!]) {
      if (!(child >= 0 && child < tree.feature.length) || seen[child]) {
        throw new BulwarkError('MODEL_INVALID', {
          file,
          detail: `tree ${t}: node ${node} has a bad or shared child ${child}`,
        })
      }
      seen[child] = 1
      order.push(child)
    }
  }
  return order
}

/** Packs trees into one flat ensemble; `file` names the model in errors. */
export function packEnsemble(
  trees: readonly TreeNodes[],
  options: Omit<
    TreeEnsemble,
    | 'feature'
    | 'value'
    | 'left'
    | 'right'
    | 'missingRight'
    | 'op'
    | 'comparison'
    | 'categoryStart'
    | 'categoryCount'
    | 'categoryWords'
    | 'roots'
    | 'treeGroup'
  >,
  file: string,
): TreeEnsemble {
  const orders = trees.map((tree, t) => breadthFirst(tree, t, file))
  const total = orders.reduce((n, o) => n + o.length, 0)
  const wordTotal = trees.reduce(
    (n, t) => n + [...t.categories.values()].reduce((m, w) => m + w.length, 0),
    0,
  )
  const feature = new Int32Array(total)
  const value = new Float64Array(total)
  const left = new Int32Array(total)
  const right = new Int32Array(total)
  const missingRight = new Uint8Array(total)
  const op = new Uint8Array(total)
  const categoryStart = new Int32Array(total)
  const categoryCount = new Int32Array(total)
  const categoryWords = new Uint32Array(wordTotal)
  const roots = new Int32Array(trees.length)
  const treeGroup = new Int32Array(trees.length)
  const splitOps = new Set<number>()
  let base = 0
  let words = 0
  trees.forEach((tree, t) => {
    const order = orders[t]!
    const position = new Map(order.map((old, k) => [old, base + k]))
    roots[t] = base
    treeGroup[t] = tree.group
    order.forEach((old, k) => {
      const at = base + k
      const split = tree.feature[old]! >= 0
      feature[at] = tree.feature[old]!
      value[at] = tree.value[old]!
      op[at] = tree.op[old]!
      left[at] = split ? position.get(tree.left[old]!)! : -1
      right[at] = split ? position.get(tree.right[old]!)! : -1
      missingRight[at] = MISSING_GOES_LEFT.has(tree.op[old]!) ? 0 : 1
      if (split) splitOps.add(tree.op[old]!)
      const bits = tree.categories.get(old)
      if (bits) {
        categoryStart[at] = words
        categoryCount[at] = bits.length
        categoryWords.set(bits, words)
        words += bits.length
      }
    })
    base += order.length
  })
  const only = (...ops: number[]) => [...splitOps].every((o) => ops.includes(o))
  const comparison = only(SplitOp.LT_MISSING_LEFT, SplitOp.LT_MISSING_RIGHT)
    ? 'lt'
    : only(SplitOp.LE_MISSING_LEFT, SplitOp.LE_MISSING_RIGHT)
      ? 'le'
      : 'mixed'
  return {
    ...options,
    feature,
    value,
    left,
    right,
    missingRight,
    op,
    comparison,
    categoryStart,
    categoryCount,
    categoryWords: categoryWords.subarray(0, words),
    roots,
    treeGroup,
  }
}

/** A bitset with the given non-negative integer categories set. */
export function bitsetOf(categories: readonly number[]): Uint32Array {
  const max = categories.reduce((m, c) => Math.max(m, c), -1)
  const words = new Uint32Array((max >>> 5) + 1)
  for (const c of categories) words[c >>> 5] = (words[c >>> 5]! | (1 << (c & 31))) >>> 0
  return words
}
