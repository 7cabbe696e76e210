/**
 * XGBoost JSON models (what `Booster.save_model("m.json")` writes, XGBoost 1.7 and later) read
 * into the flat tree ensemble. Follows XGBoost's prediction rules: features and sums are float32,
 * a split sends a value left when `value < condition`, a missing value (NaN) takes the node's
 * default direction, and a categorical split sends the categories it lists right.
 *
 * Objectives: binary:logistic, reg:logistic, binary:logitraw, reg:squarederror (and the other
 * identity-link regressions), count:poisson / reg:gamma / reg:tweedie (exp), multi:softprob and
 * multi:softmax. Boosters: gbtree and dart.
 */

import { BulwarkError } from '../core/errors.ts'
import type { Model } from './model.ts'
import {
  bitsetOf,
  type OutputTransform,
  packEnsemble,
  SplitOp,
  type TreeEnsemble,
  type TreeNodes,
} from './tree-ensemble.ts'
import { treeModel } from './tree-model.ts'

type Json = Record<string, unknown>

const IDENTITY_OBJECTIVES = new Set([
  'reg:squarederror',
  'reg:linear',
  'reg:squaredlogerror',
  'reg:pseudohubererror',
  'reg:absoluteerror',
  'reg:quantileerror',
  'binary:logitraw',
  'rank:pairwise',
  'rank:ndcg',
  'rank:map',
])
const LOGISTIC_OBJECTIVES = new Set(['binary:logistic', 'reg:logistic'])
const EXP_OBJECTIVES = new Set(['count:poisson', 'reg:gamma', 'reg:tweedie'])

function fail(file: string, detail: string): never {
  throw new BulwarkError('MODEL_INVALID', { file, detail })
}

function object(value: unknown, what: string, file: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail(file, `${what} must be an object`)
  return value as Json
}

function numbers(tree: Json, key: string, length: number, file: string, t: number): number[] {
  const value = tree[key]
  if (
    !Array.isArray(value) ||
    value.length !== length ||
    value.some((v) => typeof v !== 'number' && v !== null)
  ) {
    fail(file, `tree ${t}: ${key} must be an array of ${length} numbers`)
  }
  // null stands for the NaN XGBoost writes (see parseXgboostJson), e.g. on categorical splits.
  return value.map((v) => (v === null ? Number.NaN : v)) as number[]
}

/**
 * Parses XGBoost's JSON, which may hold the bare tokens NaN, Infinity and -Infinity (XGBoost
 * writes NaN as the condition of categorical splits). Outside strings they become null.
 */
export function parseXgboostJson(text: string): unknown {
  let out = ''
  let from = 0
  let i = 0
  while (i < text.length) {
    const c = text[i]
    if (c === '"') {
      i++
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1
      i++
    } else if (c === 'N' && text.startsWith('NaN', i)) {
      out += `${text.slice(from, i)}null`
      i += 3
      from = i
    } else if ((c === 'I' || c === '-') && text.startsWith(c === '-' ? '-Infinity' : 'Infinity', i)) {
      const length = c === '-' ? 9 : 8
      out += `${text.slice(from, i)}null`
      i += length
      from = i
    } else {
      i++
    }
  }
  return JSON.parse(from === 0 ? text : out + text.slice(from))
}

/** Reads a numeric parameter XGBoost stores as a string ("5E-1"). */
function param(params: Json, key: string, fallback: number, file: string): number {
  const raw = params[key]
  if (raw === undefined) return fallback
  const n = typeof raw === 'number' ? raw : Number(raw)
  if (!Number.isFinite(n)) fail(file, `learner_model_param.${key} is not a number: ${String(raw)}`)
  return n
}

function readTree(
  tree: Json,
  t: number,
  group: number,
  featureCount: number,
  weight: number,
  file: string,
): TreeNodes {
  const params = object(tree.tree_param, `tree ${t}: tree_param`, file)
  const n = Number(params.num_nodes)
  if (!Number.isInteger(n) || n < 1) fail(file, `tree ${t}: tree_param.num_nodes must be a positive integer`)
  const lefts = numbers(tree, 'left_children', n, file, t)
  const rights = numbers(tree, 'right_children', n, file, t)
  const indices = numbers(tree, 'split_indices', n, file, t)
  const conditions = numbers(tree, 'split_conditions', n, file, t)
  const defaultLeft = numbers(tree, 'default_left', n, file, t)
  const splitType =
    tree.split_type === undefined ? new Array<number>(n).fill(0) : numbers(tree, 'split_type', n, file, t)
  const categories = new Map<number, Uint32Array>()
  if (splitType.some((s) => s === 1)) {
    const nodes = tree.categories_nodes as number[] | undefined
    const segments = tree.categories_segments as number[] | undefined
    const sizes = tree.categories_sizes as number[] | undefined
    const values = tree.categories as number[] | undefined
    if (
      !Array.isArray(nodes) ||
      !Array.isArray(segments) ||
      !Array.isArray(sizes) ||
      !Array.isArray(values)
    ) {
      fail(
        file,
        `tree ${t}: categorical splits need categories, categories_nodes, categories_segments and categories_sizes`,
      )
    }
    nodes.forEach((node, k) => {
      const list = values.slice(segments[k]!, segments[k]! + sizes[k]!)
      if (list.some((c) => !Number.isInteger(c) || c < 0))
        fail(file, `tree ${t}: categories must be non-negative integers`)
      categories.set(node, bitsetOf(list))
    })
  }
  const nodes: TreeNodes = { feature: [], value: [], left: [], right: [], op: [], categories, group }
  for (let i = 0; i < n; i++) {
    const leaf = lefts[i] === -1
    if (!leaf) {
      const l = lefts[i]!
      const r = rights[i]!
      if (l <= 0 || l >= n || r <= 0 || r >= n)
        fail(file, `tree ${t}: node ${i} has a child outside the tree`)
      if (!Number.isInteger(indices[i]) || indices[i]! < 0 || indices[i]! >= featureCount) {
        fail(file, `tree ${t}: node ${i} splits on feature ${indices[i]}, but the model has ${featureCount}`)
      }
    }
    const categorical = splitType[i] === 1
    if (!leaf && categorical && !categories.has(i))
      fail(file, `tree ${t}: categorical node ${i} lists no categories`)
    nodes.feature.push(leaf ? -1 : indices[i]!)
    nodes.value.push(leaf ? Math.fround(conditions[i]! * weight) : Math.fround(conditions[i]!))
    nodes.left.push(lefts[i]!)
    nodes.right.push(rights[i]!)
    const missingLeft = defaultLeft[i] === 1
    nodes.op.push(
      categorical
        ? missingLeft
          ? SplitOp.XGB_CATEGORY_MISSING_LEFT
          : SplitOp.XGB_CATEGORY_MISSING_RIGHT
        : missingLeft
          ? SplitOp.LT_MISSING_LEFT
          : SplitOp.LT_MISSING_RIGHT,
    )
  }
  return nodes
}

/**
 * `base_score` per output: XGBoost 1.x writes one number as a string ("5E-1"); XGBoost 3 writes
 * a bracketed list ("[5E-1]", or one value per class).
 */
function baseScoreList(raw: unknown, groups: number, file: string): number[] {
  if (raw === undefined) return new Array<number>(groups).fill(0.5)
  const text = String(raw).trim()
  const values = (text.startsWith('[') ? text.slice(1, -1).split(',') : [text]).map((v) => Number(v.trim()))
  if (values.length === 0 || values.some((v) => !Number.isFinite(v))) {
    fail(file, `learner_model_param.base_score is not a number or a list of numbers: ${text}`)
  }
  if (values.length === 1) return new Array<number>(groups).fill(values[0]!)
  if (values.length !== groups) fail(file, `base_score lists ${values.length} values for ${groups} outputs`)
  return values
}

export interface XgboostModel extends Model {
  readonly ensemble: TreeEnsemble
  readonly objective: string
}

/** Reads a parsed XGBoost JSON model; `file` names it in errors. */
export function xgboostFromJson(json: unknown, file: string): XgboostModel {
  const root = object(json, 'the model', file)
  const learner = object(root.learner, 'learner', file)
  const params = object(learner.learner_model_param, 'learner.learner_model_param', file)
  const objective = String(object(learner.objective, 'learner.objective', file).name ?? '')
  const booster = object(learner.gradient_booster, 'learner.gradient_booster', file)
  const boosterName = String(booster.name ?? 'gbtree')
  if (boosterName !== 'gbtree' && boosterName !== 'dart') {
    throw new BulwarkError('MODEL_UNSUPPORTED', {
      file,
      detail: `booster '${boosterName}' (only gbtree and dart)`,
    })
  }
  const gbtree = object(boosterName === 'dart' ? booster.gbtree : booster, 'gradient_booster', file)
  const model = object(gbtree.model, 'gradient_booster.model', file)
  const trees = model.trees
  if (!Array.isArray(trees)) fail(file, 'gradient_booster.model.trees must be an array')
  const featureCount = param(params, 'num_feature', 0, file)
  const numClass = param(params, 'num_class', 0, file)
  const numTarget = param(params, 'num_target', 1, file)
  if (numTarget > 1) throw new BulwarkError('MODEL_UNSUPPORTED', { file, detail: 'multi-target models' })
  const groups = Math.max(1, numClass)
  const baseScores = baseScoreList(params.base_score, groups, file)

  let transform: OutputTransform
  let toMargin: (base: number) => number
  if (LOGISTIC_OBJECTIVES.has(objective)) {
    transform = { kind: 'sigmoid', scale: 1 }
    toMargin = (base) => -Math.log(1 / base - 1)
  } else if (IDENTITY_OBJECTIVES.has(objective)) {
    transform = { kind: 'identity' }
    toMargin = (base) => base
  } else if (EXP_OBJECTIVES.has(objective)) {
    transform = { kind: 'exp' }
    toMargin = (base) => Math.log(base)
  } else if (objective === 'multi:softprob' || objective === 'multi:softmax') {
    if (numClass < 2) fail(file, `${objective} needs num_class ≥ 2`)
    transform = objective === 'multi:softprob' ? { kind: 'softmax' } : { kind: 'argmax' }
    toMargin = (base) => base
  } else {
    throw new BulwarkError('MODEL_UNSUPPORTED', { file, detail: `objective '${objective}'` })
  }

  const treeInfo = Array.isArray(model.tree_info) ? (model.tree_info as number[]) : []
  const weights =
    boosterName === 'dart' && Array.isArray(booster.weight_drop) ? (booster.weight_drop as number[]) : []
  const nodes = trees.map((tree, t) => {
    const group = treeInfo[t] ?? 0
    if (!Number.isInteger(group) || group < 0 || group >= groups)
      fail(file, `tree ${t}: tree_info names class ${group}`)
    return readTree(object(tree, `tree ${t}`, file), t, group, featureCount, weights[t] ?? 1, file)
  })
  const names = learner.feature_names
  const inputs =
    Array.isArray(names) && names.length === featureCount
      ? names.map(String)
      : Array.from({ length: featureCount }, (_, i) => `f${i}`)

  const ensemble = packEnsemble(
    nodes,
    {
      baseScores: Float64Array.from(baseScores, (base) => Math.fround(toMargin(base))),
      groups,
      divisor: 1,
      float32: true,
      transform,
      featureCount,
    },
    file,
  )
  return treeModel('xgboost-json', inputs, ensemble, { objective })
}
