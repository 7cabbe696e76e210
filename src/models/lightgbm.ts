/**
 * LightGBM text models (`model.txt`, what `Booster.save_model` writes) read into the flat tree
 * ensemble, following LightGBM 4's prediction rules:
 *
 * - a numeric split sends a value left when `value <= threshold`;
 * - decision_type bit 0 marks a categorical split, bit 1 "missing goes left", bits 2-3 the missing
 *   type: None (NaN is read as 0), Zero (NaN and |value| ≤ 1e-35 take the default direction) or
 *   NaN (NaN takes the default direction);
 * - a categorical split sends the categories in its bitset (cat_boundaries / cat_threshold) left,
 *   and NaN, negative values and every other category right;
 * - children ≥ 0 are internal nodes, negative children are leaves (~child);
 * - leaf values already include the shrinkage; trees cycle over the classes
 *   (num_tree_per_iteration); `average_output` (random forests) divides by the iteration count.
 *
 * Objectives: binary (sigmoid:K → 1/(1+exp(-K·x))), cross_entropy, regression and the other
 * identity-link regressions, poisson/gamma/tweedie (exp), multiclass (softmax) and multiclassova
 * (sigmoid per class). Linear trees are refused.
 */

import { BulwarkError } from '../core/errors.ts'
import type { Model } from './model.ts'
import {
  type OutputTransform,
  packEnsemble,
  SplitOp,
  type TreeEnsemble,
  type TreeNodes,
} from './tree-ensemble.ts'
import { treeModel } from './tree-model.ts'

const IDENTITY = new Set([
  'regression',
  'regression_l1',
  'huber',
  'fair',
  'quantile',
  'mape',
  'lambdarank',
  'rank_xendcg',
])
const EXP = new Set(['poisson', 'gamma', 'tweedie'])

const CATEGORICAL_BIT = 1
const DEFAULT_LEFT_BIT = 2

function fail(file: string, detail: string): never {
  throw new BulwarkError('MODEL_INVALID', { file, detail })
}

/** `key=value` lines of one block. */
function keyValues(lines: readonly string[]): Map<string, string> {
  const map = new Map<string, string>()
  for (const line of lines) {
    const eq = line.indexOf('=')
    if (eq > 0) map.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim())
  }
  return map
}

function numberList(
  block: Map<string, string>,
  key: string,
  length: number,
  where: string,
  file: string,
): number[] {
  const raw = block.get(key)
  if (raw === undefined) fail(file, `${where}: ${key} is missing`)
  const values = raw === '' ? [] : raw.split(/\s+/).map(Number)
  if (values.length !== length || values.some((v) => Number.isNaN(v))) {
    fail(file, `${where}: ${key} must hold ${length} numbers`)
  }
  return values
}

function objectiveTransform(objective: string, file: string): OutputTransform {
  const [name = '', ...options] = objective.split(/\s+/)
  const sigmoidOption = options.find((o) => o.startsWith('sigmoid:'))
  const scale = sigmoidOption ? Number(sigmoidOption.slice('sigmoid:'.length)) : 1
  if (!Number.isFinite(scale)) fail(file, `objective '${objective}' has a bad sigmoid`)
  if (name === 'binary' || name === 'multiclassova') return { kind: 'sigmoid', scale }
  if (name === 'cross_entropy' || name === 'xentropy') return { kind: 'sigmoid', scale: 1 }
  if (name === 'multiclass' || name === 'softmax') return { kind: 'softmax' }
  if (EXP.has(name)) return { kind: 'exp' }
  if (IDENTITY.has(name) || name.startsWith('regression')) {
    if (options.includes('sqrt'))
      throw new BulwarkError('MODEL_UNSUPPORTED', { file, detail: 'regression with sqrt' })
    return { kind: 'identity' }
  }
  throw new BulwarkError('MODEL_UNSUPPORTED', { file, detail: `objective '${objective}'` })
}

function numericOp(decisionType: number, threshold: number): number {
  const missingType = (decisionType >> 2) & 3
  const defaultLeft = (decisionType & DEFAULT_LEFT_BIT) !== 0
  if (missingType === 1) return defaultLeft ? SplitOp.LE_ZERO_MISSING_LEFT : SplitOp.LE_ZERO_MISSING_RIGHT
  if (missingType === 2) return defaultLeft ? SplitOp.LE_MISSING_LEFT : SplitOp.LE_MISSING_RIGHT
  // Missing type None: NaN is read as 0, so it goes where 0 goes.
  return 0 <= threshold ? SplitOp.LE_MISSING_LEFT : SplitOp.LE_MISSING_RIGHT
}

function readTree(
  lines: readonly string[],
  t: number,
  group: number,
  featureCount: number,
  file: string,
): TreeNodes {
  const where = `Tree=${t}`
  const block = keyValues(lines)
  if (block.get('is_linear') === '1')
    throw new BulwarkError('MODEL_UNSUPPORTED', { file, detail: `${where}: linear trees` })
  const leaves = Number(block.get('num_leaves'))
  if (!Number.isInteger(leaves) || leaves < 1) fail(file, `${where}: num_leaves must be a positive integer`)
  const leafValues = numberList(block, 'leaf_value', leaves, where, file)
  const nodes: TreeNodes = {
    feature: [],
    value: [],
    left: [],
    right: [],
    op: [],
    categories: new Map(),
    group,
  }
  if (leaves === 1) {
    nodes.feature.push(-1)
    nodes.value.push(leafValues[0]!)
    nodes.left.push(-1)
    nodes.right.push(-1)
    nodes.op.push(0)
    return nodes
  }
  const internal = leaves - 1
  const features = numberList(block, 'split_feature', internal, where, file)
  const thresholds = numberList(block, 'threshold', internal, where, file)
  const decisionTypes = numberList(block, 'decision_type', internal, where, file)
  const lefts = numberList(block, 'left_child', internal, where, file)
  const rights = numberList(block, 'right_child', internal, where, file)
  const numCat = Number(block.get('num_cat') ?? '0')
  const boundaries = numCat > 0 ? numberList(block, 'cat_boundaries', numCat + 1, where, file) : []
  const words = numCat > 0 ? numberList(block, 'cat_threshold', boundaries[numCat]!, where, file) : []
  // Internal node i is node i; leaf j is node internal + j.
  const child = (c: number, i: number): number => {
    const index = c >= 0 ? c : internal + ~c
    if (!Number.isInteger(c) || index <= 0 || index >= internal + leaves || (c >= 0 && c >= internal)) {
      fail(file, `${where}: node ${i} has a child (${c}) outside the tree`)
    }
    return index
  }
  for (let i = 0; i < internal; i++) {
    const f = features[i]!
    if (!Number.isInteger(f) || f < 0 || f >= featureCount) {
      fail(file, `${where}: node ${i} splits on feature ${f}, but max_feature_idx allows ${featureCount}`)
    }
    const decision = decisionTypes[i]!
    nodes.feature.push(f)
    nodes.left.push(child(lefts[i]!, i))
    nodes.right.push(child(rights[i]!, i))
    if (decision & CATEGORICAL_BIT) {
      const catIndex = thresholds[i]!
      if (!Number.isInteger(catIndex) || catIndex < 0 || catIndex >= numCat) {
        fail(file, `${where}: categorical node ${i} names bitset ${catIndex}, but num_cat is ${numCat}`)
      }
      nodes.value.push(0)
      nodes.op.push(SplitOp.LGB_CATEGORY)
      nodes.categories.set(i, Uint32Array.from(words.slice(boundaries[catIndex]!, boundaries[catIndex + 1]!)))
    } else {
      nodes.value.push(thresholds[i]!)
      nodes.op.push(numericOp(decision, thresholds[i]!))
    }
  }
  for (const v of leafValues) {
    nodes.feature.push(-1)
    nodes.value.push(v)
    nodes.left.push(-1)
    nodes.right.push(-1)
    nodes.op.push(0)
  }
  return nodes
}

export interface LightgbmModel extends Model {
  readonly ensemble: TreeEnsemble
  readonly objective: string
}

/** Reads the text of a LightGBM model file; `file` names it in errors. */
export function lightgbmFromText(text: string, file: string): LightgbmModel {
  const lines = text.split(/\r?\n/)
  if (lines[0]?.trim() !== 'tree') fail(file, "a LightGBM text model starts with the line 'tree'")
  const end = lines.findIndex((l) => l.trim() === 'end of trees')
  const body = end === -1 ? lines : lines.slice(0, end)
  const firstTree = body.findIndex((l) => l.startsWith('Tree='))
  if (firstTree === -1) fail(file, 'no Tree= blocks')
  const header = keyValues(body.slice(0, firstTree))
  const maxFeatureIdx = Number(header.get('max_feature_idx'))
  if (!Number.isInteger(maxFeatureIdx) || maxFeatureIdx < 0)
    fail(file, 'max_feature_idx must be a non-negative integer')
  const featureCount = maxFeatureIdx + 1
  const numClass = Number(header.get('num_class') ?? '1')
  const perIteration = Number(header.get('num_tree_per_iteration') ?? String(numClass))
  if (!Number.isInteger(perIteration) || perIteration < 1)
    fail(file, 'num_tree_per_iteration must be a positive integer')
  const objective = header.get('objective') ?? 'regression'
  const transform = objectiveTransform(objective, file)
  const names = header.get('feature_names')?.split(/\s+/) ?? []
  const inputs =
    names.length === featureCount ? names : Array.from({ length: featureCount }, (_, i) => `Column_${i}`)

  const blocks: string[][] = []
  for (const line of body.slice(firstTree)) {
    if (line.startsWith('Tree=')) blocks.push([])
    else if (line.trim() !== '') blocks[blocks.length - 1]!.push(line)
  }
  const trees = blocks.map((block, t) => readTree(block, t, t % perIteration, featureCount, file))
  const iterations = Math.max(1, Math.floor(trees.length / perIteration))
  const ensemble = packEnsemble(
    trees,
    {
      baseScores: new Float64Array(perIteration),
      groups: perIteration,
      divisor:
        header.has('average_output') || body.some((l) => l.trim() === 'average_output') ? iterations : 1,
      float32: false,
      transform,
      featureCount,
    },
    file,
  )
  return treeModel('lightgbm-text', inputs, ensemble, { objective })
}
