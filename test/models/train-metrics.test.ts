/**
 * The training metrics against brute force: ROC AUC as the share of (positive, negative) pairs
 * ranked right (ties half), average precision from precision at each distinct threshold, and the
 * F1-maximising threshold by trying every score — on small random cases full of ties.
 */

import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../src/core/random.ts'
import { averagePrecision, bestF1, rocAuc } from '../../src/models/metrics.ts'

function bruteAuc(s: number[], y: number[]): number {
  let wins = 0
  let pairs = 0
  for (let i = 0; i < s.length; i++)
    for (let j = 0; j < s.length; j++)
      if (y[i] === 1 && y[j] === 0) {
        pairs++
        wins += s[i]! > s[j]! ? 1 : s[i] === s[j] ? 0.5 : 0
      }
  return wins / pairs
}

/** At each distinct threshold t (descending): precision and recall of "score ≥ t". */
function curve(s: number[], y: number[]) {
  const positives = y.filter((v) => v === 1).length
  return [...new Set(s)]
    .sort((a, b) => b - a)
    .map((t) => {
      const predicted = s.filter((v) => v >= t).length
      const tp = s.filter((v, i) => v >= t && y[i] === 1).length
      return { t, precision: tp / predicted, recall: tp / positives, f1: (2 * tp) / (predicted + positives) }
    })
}

function bruteAp(s: number[], y: number[]): number {
  let ap = 0
  let previous = 0
  for (const p of curve(s, y)) {
    ap += (p.recall - previous) * p.precision
    previous = p.recall
  }
  return ap
}

function randomCase(seed: number) {
  const r = seededRandom(seed)
  const n = 5 + Math.floor(r() * 40)
  const s = Array.from({ length: n }, () => Math.floor(r() * 8) / 8)
  const y = s.map((v) => (r() < 0.2 + 0.6 * v ? 1 : 0))
  y[0] = 1
  y[1] = 0
  return { s, y }
}

describe('training metrics', () => {
  it('AUC, average precision and best F1 match brute force on 200 random cases with ties', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const { s, y } = randomCase(seed)
      expect(rocAuc(s, y)).toBeCloseTo(bruteAuc(s, y), 12)
      expect(averagePrecision(s, y)).toBeCloseTo(bruteAp(s, y), 12)
      const best = curve(s, y).reduce((a, b) => (b.f1 > a.f1 ? b : a))
      const got = bestF1(s, y)
      expect(got.threshold).toBe(best.t)
      expect(got.f1).toBeCloseTo(best.f1, 12)
      expect(got.precision).toBeCloseTo(best.precision, 12)
      expect(got.recall).toBeCloseTo(best.recall, 12)
    }
  })

  it('known values: perfect, reversed and all-tied rankings', () => {
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0])).toBe(1)
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [1, 1, 0, 0])).toBe(0)
    expect(rocAuc([0.5, 0.5, 0.5], [1, 0, 0])).toBe(0.5)
    expect(averagePrecision([0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0])).toBe(1)
    // Positives ranked 1st and 3rd: (1/2)·1 + (1/2)·(2/3).
    expect(averagePrecision([0.9, 0.8, 0.7], [1, 0, 1])).toBeCloseTo(5 / 6, 12)
    expect(bestF1([0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0])).toEqual({
      threshold: 0.8,
      f1: 1,
      precision: 1,
      recall: 1,
    })
  })

  it('is undefined (NaN) without both classes', () => {
    expect(rocAuc([0.1, 0.2], [1, 1])).toBeNaN()
    expect(averagePrecision([0.1, 0.2], [0, 0])).toBeNaN()
    expect(bestF1([0.1, 0.2], [0, 0]).f1).toBe(0)
  })
})
