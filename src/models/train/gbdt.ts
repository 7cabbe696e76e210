/**
 * A histogram gradient-boosted decision tree trainer for binary labels (logistic loss), the
 * second-order method XGBoost uses: per round, every row's gradient g = p − y and hessian
 * h = p(1 − p); a tree grows best-first (the leaf whose best split reduces the loss most splits
 * next) up to `maxDepth` and `maxLeaves`. A split's gain is
 * ½·(G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)) − γ, each side needing `minChildWeight` of hessian;
 * a leaf's value is −G/(H+λ) · learning rate. Split candidates are the quantile bins of bins.ts;
 * histograms of (g, h) per feature and bin are built for the smaller child and the larger one is
 * the parent's minus it. Missing values learn a direction: both ways are tried and the better
 * one is kept (when a node has no missing values they follow its heavier side). With a
 * validation slice, training stops after `earlyStoppingRounds` rounds without a lower
 * validation log loss and keeps the best round. Deterministic: no randomness at all.
 */

import { BulwarkError } from '../../core/errors.ts'
import { type BinnedRows, binRows, MISSING_BIN } from './bins.ts'
import { baseMargin, type Ensemble, sigmoid, type Tree, treeValue } from './ensemble.ts'

export interface GbdtParams {
  readonly rounds: number
  readonly learningRate: number
  readonly maxDepth: number
  /** 0 for no limit other than the depth. */
  readonly maxLeaves: number
  readonly minChildWeight: number
  readonly lambda: number
  readonly gamma: number
  readonly maxBins: number
  /** 0 to train every round. */
  readonly earlyStoppingRounds: number
}

export const DEFAULT_GBDT: GbdtParams = {
  rounds: 100,
  learningRate: 0.3,
  maxDepth: 6,
  maxLeaves: 0,
  minChildWeight: 1,
  lambda: 1,
  gamma: 0,
  maxBins: 255,
  earlyStoppingRounds: 20,
}

export interface GbdtResult {
  readonly ensemble: Ensemble
  /** Total split gain per feature. */
  readonly gain: Float64Array
  /** Rounds trained and the round kept (1-based); equal without early stopping. */
  readonly roundsTrained: number
  readonly bestRound: number
  readonly validationLogLoss?: number
}

const SLOTS = 256 * 2

interface Split {
  readonly feature: number
  readonly bin: number
  readonly defaultLeft: boolean
  readonly gain: number
}

interface Leaf {
  readonly node: number
  readonly start: number
  readonly end: number
  readonly depth: number
  readonly g: number
  readonly h: number
  hist: Float64Array
  split: Split | undefined
}

function checkParams(p: GbdtParams): void {
  const bad = (name: string, rule: string) => {
    throw new BulwarkError('TRAIN_OPTIONS_INVALID', { detail: `${name} ${rule}` })
  }
  if (!Number.isInteger(p.rounds) || p.rounds < 1) bad('rounds', 'must be a positive integer')
  if (!(p.learningRate > 0 && p.learningRate <= 1)) bad('learning-rate', 'must be in (0, 1]')
  if (!Number.isInteger(p.maxDepth) || p.maxDepth < 1 || p.maxDepth > 30)
    bad('max-depth', 'must be an integer in 1..30')
  if (!Number.isInteger(p.maxLeaves) || p.maxLeaves < 0 || p.maxLeaves === 1)
    bad('max-leaves', 'must be 0 or an integer ≥ 2')
  if (!(p.minChildWeight >= 0)) bad('min-child-weight', 'must be ≥ 0')
  if (!(p.lambda >= 0)) bad('lambda', 'must be ≥ 0')
  if (!(p.gamma >= 0)) bad('gamma', 'must be ≥ 0')
  if (!Number.isInteger(p.maxBins) || p.maxBins < 2 || p.maxBins > 255)
    bad('max-bins', 'must be an integer in 2..255')
  if (!Number.isInteger(p.earlyStoppingRounds) || p.earlyStoppingRounds < 0)
    bad('early-stopping', 'must be a non-negative integer')
}

/** Trains on `train` rows of the columns; `valid` rows (optional) drive early stopping. */
export function trainGbdt(
  names: readonly string[],
  columns: readonly Float64Array[],
  labels: Uint8Array,
  train: Uint32Array,
  valid: Uint32Array | undefined,
  params: GbdtParams,
): GbdtResult {
  checkParams(params)
  if (train.length === 0) throw new BulwarkError('TRAIN_DATA_INVALID', { detail: 'no training rows' })
  const binned = binRows(columns, train, params.maxBins)
  const n = train.length
  const y = new Float64Array(n)
  let positives = 0
  for (let i = 0; i < n; i++) positives += y[i] = labels[train[i]!]!
  const baseScore = Math.fround(Math.min(1 - 1e-6, Math.max(1e-6, positives / n)))
  const margin = new Float64Array(n).fill(baseMargin(baseScore))
  // Gradient and hessian of row i at gh[2i] and gh[2i + 1]: one cache line serves both.
  const gh = new Float64Array(2 * n)
  const grower = new TreeGrower(binned, gh, params)
  const gain = new Float64Array(columns.length)
  const trees: Tree[] = []
  const validMargin = valid ? new Float64Array(valid.length).fill(baseMargin(baseScore)) : undefined
  let best = { round: 0, loss: Number.POSITIVE_INFINITY }
  let round = 0
  while (round < params.rounds) {
    for (let i = 0; i < n; i++) {
      const p = sigmoid(margin[i]!)
      gh[2 * i] = p - y[i]!
      gh[2 * i + 1] = Math.max(p * (1 - p), 1e-16)
    }
    const tree = grower.grow(margin, gain)
    trees.push(tree)
    round++
    if (valid && validMargin && params.earlyStoppingRounds > 0) {
      let loss = 0
      for (let i = 0; i < valid.length; i++) {
        const row = valid[i]!
        validMargin[i]! += treeValue(tree, (f) => columns[f]![row]!)
        const p = Math.min(1 - 1e-15, Math.max(1e-15, sigmoid(validMargin[i]!)))
        loss -= labels[row] === 1 ? Math.log(p) : Math.log(1 - p)
      }
      loss /= valid.length
      if (loss < best.loss) best = { round, loss }
      else if (round - best.round >= params.earlyStoppingRounds) break
    }
    if (tree.left.length === 1 && tree.value[0] === 0) break
  }
  const kept = best.round > 0 ? best.round : round
  if (kept < trees.length) {
    gain.fill(0)
    for (const t of trees.slice(0, kept))
      for (let i = 0; i < t.gain.length; i++) if (t.left[i] !== -1) gain[t.feature[i]!]! += t.gain[i]!
  }
  return {
    ensemble: { names, baseScore, trees: trees.slice(0, kept) },
    gain,
    roundsTrained: round,
    bestRound: kept,
    ...(best.round > 0 ? { validationLogLoss: best.loss } : {}),
  }
}

/** Grows one tree at a time over binned rows, reusing its buffers between trees. */
class TreeGrower {
  private readonly order: Uint32Array
  private readonly scratch: Uint32Array
  private readonly pool: Float64Array[] = []
  private readonly data: BinnedRows
  private readonly gh: Float64Array
  private readonly params: GbdtParams

  constructor(data: BinnedRows, gh: Float64Array, params: GbdtParams) {
    this.data = data
    this.gh = gh
    this.params = params
    this.order = new Uint32Array(data.rows)
    this.scratch = new Uint32Array(data.rows)
  }

  private histogram(): Float64Array {
    const h = this.pool.pop()
    if (h) return h.fill(0)
    return new Float64Array(this.data.features * SLOTS)
  }

  /** Histogram of the present values of order[start, end); missing bins are left at 0. */
  private build(start: number, end: number, hist: Float64Array): void {
    const { presentStart, presentFeature, presentBin } = this.data
    const { order, gh } = this
    for (let i = start; i < end; i++) {
      const r = order[i]!
      const g = gh[2 * r]!
      const h = gh[2 * r + 1]!
      const stop = presentStart[r + 1]!
      for (let p = presentStart[r]!; p < stop; p++) {
        const k = presentFeature[p]! * SLOTS + presentBin[p]! * 2
        hist[k]! += g
        hist[k + 1]! += h
      }
    }
  }

  private bestSplit(hist: Float64Array, g: number, h: number): Split | undefined {
    const { lambda, gamma, minChildWeight } = this.params
    const parent = (g * g) / (h + lambda)
    let best: Split | undefined
    const score = (gl: number, hl: number) => {
      const gr = g - gl
      const hr = h - hl
      if (hl < minChildWeight || hr < minChildWeight) return Number.NEGATIVE_INFINITY
      return 0.5 * ((gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parent) - gamma
    }
    for (let f = 0; f < this.data.features; f++) {
      const cuts = this.data.cuts[f]!.length
      if (cuts === 0) continue
      const base = f * SLOTS
      // Missing = the node's total minus the feature's present bins (see build).
      let gp = 0
      let hp = 0
      for (let b = 0; b <= cuts; b++) {
        gp += hist[base + b * 2]!
        hp += hist[base + b * 2 + 1]!
      }
      const hm = h - hp > 1e-9 * h ? h - hp : 0
      const gm = hm > 0 ? g - gp : 0
      let gl = 0
      let hl = 0
      for (let b = 0; b < cuts; b++) {
        gl += hist[base + b * 2]!
        hl += hist[base + b * 2 + 1]!
        const right = score(gl, hl)
        const left = hm > 0 ? score(gl + gm, hl + hm) : Number.NEGATIVE_INFINITY
        const gainHere = Math.max(left, right)
        if (gainHere > 0 && (!best || gainHere > best.gain)) {
          const defaultLeft = hm > 0 ? left > right : hl >= h - hl
          best = { feature: f, bin: b, defaultLeft, gain: gainHere }
        }
      }
    }
    return best
  }

  private sums(start: number, end: number): { g: number; h: number } {
    let g = 0
    let h = 0
    const { order, gh } = this
    for (let i = start; i < end; i++) {
      const r = order[i]!
      g += gh[2 * r]!
      h += gh[2 * r + 1]!
    }
    return { g, h }
  }

  /** Stable partition of order[start, end) by the split; returns where the right side starts. */
  private partition(leaf: Leaf, split: Split): number {
    const column = this.data.bins.subarray(
      split.feature * this.data.rows,
      (split.feature + 1) * this.data.rows,
    )
    const { order, scratch } = this
    let l = leaf.start
    let r = 0
    for (let i = leaf.start; i < leaf.end; i++) {
      const row = order[i]!
      const bin = column[row]!
      const left = bin === MISSING_BIN ? split.defaultLeft : bin <= split.bin
      if (left) order[l++] = row
      else scratch[r++] = row
    }
    order.set(scratch.subarray(0, r), l)
    return l
  }

  grow(margin: Float64Array, gain: Float64Array): Tree {
    const p = this.params
    for (let i = 0; i < this.order.length; i++) this.order[i] = i
    const tree: Tree = {
      feature: [],
      threshold: [],
      left: [],
      right: [],
      defaultLeft: [],
      value: [],
      gain: [],
      hessian: [],
    }
    const addNode = (h: number) => {
      tree.feature.push(0)
      tree.threshold.push(0)
      tree.left.push(-1)
      tree.right.push(-1)
      tree.defaultLeft.push(false)
      tree.value.push(0)
      tree.gain.push(0)
      tree.hessian.push(h)
      return tree.left.length - 1
    }
    const open: Leaf[] = []
    const finish = (leaf: Leaf) => {
      const v = Math.fround((-leaf.g / (leaf.h + p.lambda)) * p.learningRate)
      tree.value[leaf.node] = v
      for (let i = leaf.start; i < leaf.end; i++) margin[this.order[i]!]! += v
      this.pool.push(leaf.hist)
    }
    const consider = (leaf: Leaf) => {
      leaf.split =
        leaf.depth < p.maxDepth && leaf.end - leaf.start >= 2
          ? this.bestSplit(leaf.hist, leaf.g, leaf.h)
          : undefined
      if (leaf.split) open.push(leaf)
      else finish(leaf)
    }
    const all = this.sums(0, this.order.length)
    const rootHist = this.histogram()
    this.build(0, this.order.length, rootHist)
    consider({
      node: addNode(all.h),
      start: 0,
      end: this.order.length,
      depth: 0,
      ...all,
      hist: rootHist,
      split: undefined,
    })
    let leaves = 1
    while (open.length > 0) {
      let pick = 0
      for (let i = 1; i < open.length; i++) if (open[i]!.split!.gain > open[pick]!.split!.gain) pick = i
      const leaf = open.splice(pick, 1)[0]!
      if (p.maxLeaves > 0 && leaves >= p.maxLeaves) {
        finish(leaf)
        continue
      }
      const split = leaf.split!
      const mid = this.partition(leaf, split)
      const left = addNode(0)
      const right = addNode(0)
      const n = leaf.node
      tree.feature[n] = split.feature
      tree.threshold[n] = this.data.cuts[split.feature]![split.bin]!
      tree.left[n] = left
      tree.right[n] = right
      tree.defaultLeft[n] = split.defaultLeft
      tree.gain[n] = split.gain
      gain[split.feature]! += split.gain
      leaves++
      const ls = this.sums(leaf.start, mid)
      const rs = this.sums(mid, leaf.end)
      tree.hessian[left] = ls.h
      tree.hessian[right] = rs.h
      // Build the smaller child's histogram; the larger one is the parent's minus it.
      const small = this.histogram()
      const leftSmaller = mid - leaf.start <= leaf.end - mid
      if (leftSmaller) this.build(leaf.start, mid, small)
      else this.build(mid, leaf.end, small)
      const large = leaf.hist
      const cuts = this.data.cuts
      for (let f = 0; f < cuts.length; f++) {
        const from = f * SLOTS
        const to = from + (cuts[f]!.length + 1) * 2
        for (let i = from; i < to; i++) large[i]! -= small[i]!
      }
      const depth = leaf.depth + 1
      consider({
        node: left,
        start: leaf.start,
        end: mid,
        depth,
        ...ls,
        hist: leftSmaller ? small : large,
        split: undefined,
      })
      consider({
        node: right,
        start: mid,
        end: leaf.end,
        depth,
        ...rs,
        hist: leftSmaller ? large : small,
        split: undefined,
      })
    }
    return tree
  }
}
