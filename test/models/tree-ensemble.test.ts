/**
 * The flat evaluator against a plain reference walk written from the formats' rules, on seeded
 * random ensembles: XGBoost (`<`, default direction, float32, categorical sets going right) and
 * LightGBM (`<=`, missing types None / Zero / NaN, categorical sets going left), with NaN, zeros,
 * values equal to thresholds and categories in and out of range. Covers both the branch-free loop
 * (plain numeric ensembles) and the node-by-node path (categorical and zero-as-missing splits).
 */

import { describe, expect, it } from 'vitest'
import {
  bitsetOf,
  ensembleScorer,
  packEnsemble,
  SplitOp,
  type TreeNodes,
} from '../../src/models/tree-ensemble.ts'

function random(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 4294967296
  }
}

const FEATURES = 6
const THRESHOLDS = [-1, -0.5, 0, 0.25, 1, 2]

interface RefNode {
  readonly feature: number
  readonly value: number
  readonly op: number
  readonly left: number
  readonly right: number
  readonly categories?: readonly number[]
}

/** A random tree in node order (root 0), children numbered after their parent. */
function randomTree(rand: () => number, ops: readonly number[], depth: number): RefNode[] {
  const nodes: RefNode[] = []
  const grow = (d: number): number => {
    const at = nodes.length
    nodes.push({ feature: -1, value: Math.round((rand() - 0.5) * 100) / 64, op: 0, left: -1, right: -1 })
    if (d === depth || (d > 1 && rand() < 0.2)) return at
    const op = ops[Math.floor(rand() * ops.length)]!
    const categorical =
      op === SplitOp.XGB_CATEGORY_MISSING_LEFT ||
      op === SplitOp.XGB_CATEGORY_MISSING_RIGHT ||
      op === SplitOp.LGB_CATEGORY
    const categories = categorical ? [0, 1, 2, 3, 5, 33, 40].filter(() => rand() < 0.4) : undefined
    const left = grow(d + 1)
    const right = grow(d + 1)
    nodes[at] = {
      feature: Math.floor(rand() * FEATURES),
      value: categorical ? 0 : THRESHOLDS[Math.floor(rand() * THRESHOLDS.length)]!,
      op,
      left,
      right,
      ...(categories && categories.length > 0 ? { categories } : { categories: [7] }),
    }
    return at
  }
  grow(0)
  return nodes
}

/** The reference: one node at a time, straight from the rules in docs/models.md. */
function referenceNext(n: RefNode, v: number): number {
  const missing = Number.isNaN(v)
  switch (n.op) {
    case SplitOp.LT_MISSING_LEFT:
      return missing ? n.left : v < n.value ? n.left : n.right
    case SplitOp.LT_MISSING_RIGHT:
      return missing ? n.right : v < n.value ? n.left : n.right
    case SplitOp.LE_MISSING_LEFT:
      return missing ? n.left : v <= n.value ? n.left : n.right
    case SplitOp.LE_MISSING_RIGHT:
      return missing ? n.right : v <= n.value ? n.left : n.right
    case SplitOp.LE_ZERO_MISSING_LEFT:
    case SplitOp.LE_ZERO_MISSING_RIGHT:
      if (missing || Math.abs(v) <= 1e-35) return n.op === SplitOp.LE_ZERO_MISSING_LEFT ? n.left : n.right
      return v <= n.value ? n.left : n.right
    case SplitOp.XGB_CATEGORY_MISSING_LEFT:
    case SplitOp.XGB_CATEGORY_MISSING_RIGHT:
      if (missing) return n.op === SplitOp.XGB_CATEGORY_MISSING_LEFT ? n.left : n.right
      return v >= 0 && n.categories!.includes(Math.trunc(v)) ? n.right : n.left
    default:
      // LightGBM casts to int first: -0.5 is category 0, -1 is negative.
      if (missing || Math.trunc(v) < 0) return n.right
      return n.categories!.includes(Math.trunc(v)) ? n.left : n.right
  }
}

function referenceSum(trees: readonly RefNode[][], row: Float64Array, float32: boolean): number {
  let sum = 0
  for (const tree of trees) {
    let node = 0
    while (tree[node]!.feature >= 0) node = referenceNext(tree[node]!, row[tree[node]!.feature]!)
    sum = float32 ? Math.fround(sum + tree[node]!.value) : sum + tree[node]!.value
  }
  return sum
}

function toNodes(tree: readonly RefNode[]): TreeNodes {
  const categories = new Map<number, Uint32Array>()
  tree.forEach((n, i) => {
    if (n.categories && n.feature >= 0) categories.set(i, bitsetOf(n.categories))
  })
  return {
    feature: tree.map((n) => n.feature),
    value: tree.map((n) => n.value),
    left: tree.map((n) => n.left),
    right: tree.map((n) => n.right),
    op: tree.map((n) => n.op),
    categories,
    group: 0,
  }
}

const VALUES = [Number.NaN, 0, 1e-36, -1e-36, -1, -0.5, -0.99, 0.25, 1, 2, 3, 3.7, 33, 40, 41, -3, 0.1]

const cases: [string, readonly number[], boolean][] = [
  ['XGBoost numeric (branch-free loop)', [SplitOp.LT_MISSING_LEFT, SplitOp.LT_MISSING_RIGHT], true],
  ['LightGBM numeric (branch-free loop)', [SplitOp.LE_MISSING_LEFT, SplitOp.LE_MISSING_RIGHT], false],
  [
    'XGBoost with categorical splits',
    [
      SplitOp.LT_MISSING_LEFT,
      SplitOp.LT_MISSING_RIGHT,
      SplitOp.XGB_CATEGORY_MISSING_LEFT,
      SplitOp.XGB_CATEGORY_MISSING_RIGHT,
    ],
    true,
  ],
  [
    'LightGBM with zero-as-missing and categorical splits',
    [
      SplitOp.LE_MISSING_LEFT,
      SplitOp.LE_MISSING_RIGHT,
      SplitOp.LE_ZERO_MISSING_LEFT,
      SplitOp.LE_ZERO_MISSING_RIGHT,
      SplitOp.LGB_CATEGORY,
    ],
    false,
  ],
]

describe('flat tree ensemble vs a reference walk', () => {
  it.each(cases)('%s: identical sums on 2,000 rows of 30 random trees', (_name, ops, float32) => {
    const rand = random(ops.length * 7919 + (float32 ? 1 : 0))
    const trees = Array.from({ length: 30 }, () => randomTree(rand, ops, 5))
    const ensemble = packEnsemble(
      trees.map(toNodes),
      {
        baseScores: Float64Array.of(0),
        groups: 1,
        divisor: 1,
        float32,
        transform: { kind: 'identity' },
        featureCount: FEATURES,
      },
      'random',
    )
    const expectedPath = ops.length === 2 ? (float32 ? 'lt' : 'le') : 'mixed'
    expect(ensemble.comparison).toBe(expectedPath)
    const score = ensembleScorer(ensemble)
    const out = new Float64Array(1)
    let mismatches = 0
    for (let r = 0; r < 2000; r++) {
      const row = Float64Array.from({ length: FEATURES }, () => VALUES[Math.floor(rand() * VALUES.length)]!)
      score(row, out)
      if (out[0] !== referenceSum(trees, row, float32)) mismatches++
    }
    expect(mismatches).toBe(0)
  })
})
