/**
 * Ranking and threshold metrics for binary classifiers, computed exactly from scores and 0/1
 * labels (no sampling, no binning):
 *
 * - `rocAuc`: the probability that a random positive scores above a random negative, ties
 *   counting one half (the Mann-Whitney U statistic over average ranks).
 * - `averagePrecision` (PR-AUC): the mean of the precision reached at each positive, with equal
 *   scores taken as one step (so the result does not depend on the order of tied rows) —
 *   Σ (recall_k − recall_{k−1}) · precision_k over the distinct score thresholds.
 * - `bestF1`: the threshold t among the scores that maximises F1 when "score ≥ t" predicts
 *   positive, with the precision and recall at it; on a tie of F1 the higher threshold wins.
 *
 * NaN when the metric is undefined (no positives or no negatives).
 */

export interface ThresholdChoice {
  readonly threshold: number
  readonly f1: number
  readonly precision: number
  readonly recall: number
}

/** Row indices sorted by descending score. */
function byScoreDescending(scores: ArrayLike<number>): Uint32Array {
  const order = new Uint32Array(scores.length)
  for (let i = 0; i < order.length; i++) order[i] = i
  return order.sort((a, b) => scores[b]! - scores[a]!)
}

function countPositives(labels: ArrayLike<number>): number {
  let p = 0
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) p++
  return p
}

export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length
  const positives = countPositives(labels)
  const negatives = n - positives
  if (positives === 0 || negatives === 0) return Number.NaN
  const order = byScoreDescending(scores)
  // Walk from the highest score: each positive beats every negative below it; ties count half.
  let negativesAbove = 0
  let wins = 0
  for (let i = 0; i < n; ) {
    let j = i
    let groupPositives = 0
    let groupNegatives = 0
    while (j < n && scores[order[j]!] === scores[order[i]!]) {
      if (labels[order[j]!] === 1) groupPositives++
      else groupNegatives++
      j++
    }
    wins += groupPositives * (negatives - negativesAbove - groupNegatives)
    wins += 0.5 * groupPositives * groupNegatives
    negativesAbove += groupNegatives
    i = j
  }
  return wins / (positives * negatives)
}

/** Calls `step(truePositives, predictedPositives, threshold)` once per distinct score, descending. */
function forEachThreshold(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  step: (tp: number, predicted: number, threshold: number) => void,
): void {
  const order = byScoreDescending(scores)
  let tp = 0
  for (let i = 0; i < order.length; ) {
    const threshold = scores[order[i]!]!
    while (i < order.length && scores[order[i]!] === threshold) {
      if (labels[order[i]!] === 1) tp++
      i++
    }
    step(tp, i, threshold)
  }
}

export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const positives = countPositives(labels)
  if (positives === 0 || positives === labels.length) return Number.NaN
  let ap = 0
  let previousTp = 0
  forEachThreshold(scores, labels, (tp, predicted) => {
    ap += ((tp - previousTp) / positives) * (tp / predicted)
    previousTp = tp
  })
  return ap
}

export function bestF1(scores: ArrayLike<number>, labels: ArrayLike<number>): ThresholdChoice {
  const positives = countPositives(labels)
  let best: ThresholdChoice = { threshold: Number.NaN, f1: 0, precision: 0, recall: 0 }
  if (positives === 0) return best
  forEachThreshold(scores, labels, (tp, predicted, threshold) => {
    const f1 = (2 * tp) / (predicted + positives)
    if (f1 > best.f1) best = { threshold, f1, precision: tp / predicted, recall: tp / positives }
  })
  return best
}
