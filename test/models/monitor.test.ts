/**
 * PSI and the model monitor against hand-computed values: reference deciles as bucket edges,
 * NaN as its own bucket, the 1e-4 floor for empty buckets, the PSI formula itself; the
 * monitor's reference and current windows, missing-input rates, fixed score buckets, agreement
 * and the drift flag at the threshold.
 */

import { describe, expect, it } from 'vitest'
import { ModelMonitor, SCORE_BUCKETS } from '../../src/models/monitor.ts'
import { bucketCounts, psi, psiOfCounts, referenceEdges } from '../../src/models/psi.ts'

describe('PSI', () => {
  it('takes the distinct reference deciles as edges and counts NaN apart', () => {
    const ref = Array.from({ length: 10 }, (_, i) => i) // 0..9
    expect(referenceEdges(ref)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(referenceEdges([5, 5, 5, 5, Number.NaN])).toEqual([])
    expect(bucketCounts([0, 1, 1.5, 9, 100, Number.NaN], [1, 2, 9])).toEqual([1, 2, 0, 2, 1])
  })

  it('matches the formula on hand-computed shares', () => {
    // Reference shares 0.5 / 0.5, current 0.8 / 0.2, no missing values (both floored at 1e-4).
    const by = (r: number, c: number) => (c - r) * Math.log(c / r)
    const expected = by(0.5, 0.8) + by(0.5, 0.2) + by(1e-4, 1e-4)
    expect(psiOfCounts([5, 5, 0], [8, 2, 0])).toBeCloseTo(expected, 12)
    expect(expected).toBeCloseTo(0.3 * Math.log(1.6) - 0.3 * Math.log(0.4), 12) // ≈ 0.4159
    // Identical distributions: 0.
    expect(psiOfCounts([3, 3, 4, 0], [30, 30, 40, 0])).toBe(0)
    // An empty current bucket is floored, not infinite: shares (0.5, 0.5) → (1, 0).
    expect(psiOfCounts([1, 1, 0], [2, 0, 0])).toBeCloseTo(by(0.5, 1) + by(0.5, 1e-4), 12)
    expect(Number.isNaN(psiOfCounts([0, 0], [1, 1]))).toBe(true)
  })

  it('computes PSI of samples with edges from the reference', () => {
    const ref = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    // Edges: deciles of ref = values at ranks 1..9 → 2..10.
    expect(referenceEdges(ref)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10])
    // Current: everything in the top bucket (≥ 10): shares 1 there, 0.1 in the reference.
    const cur = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]
    const by = (r: number, c: number) => (c - r) * Math.log(c / r)
    const expected = 9 * by(0.1, 1e-4) + by(0.1, 1) + by(1e-4, 1e-4)
    expect(psi(ref, cur)).toBeCloseTo(expected, 12)
    expect(psi(ref, ref)).toBe(0)
  })
})

describe('the model monitor', () => {
  const config = { reference: 10, window: 10, psiThreshold: 0.2, threshold: 0.5 }
  const row = (...xs: number[]) => Float64Array.from(xs)

  it('fills the reference, then the current window, and flags drift above the threshold', () => {
    const monitor = new ModelMonitor()
    const w = monitor.watch('m', 'v1', ['a', 'b'], config)
    for (let i = 0; i < 10; i++)
      monitor.observe(w, {
        champion: i / 10,
        row: row(i, i % 2 ? Number.NaN : 1),
        latencyUs: 10,
        error: false,
      })
    let r = monitor.report('m')!
    expect(r.reference).toEqual({ size: 10, filled: 10 })
    expect(r.drift.every((d) => d.psi === null)).toBe(true)
    expect(r.drifting).toBe(false)
    // The same distribution again: no drift.
    for (let i = 0; i < 10; i++)
      monitor.observe(w, {
        champion: i / 10,
        row: row(i, i % 2 ? Number.NaN : 1),
        latencyUs: 30,
        error: false,
      })
    r = monitor.report('m')!
    expect(r.drift.map((d) => d.psi)).toEqual([0, 0, 0])
    expect(r.missing).toEqual({ a: 0, b: 0.5 })
    expect(r.latencyUs).toEqual({ mean: 20, max: 30 })
    // Now every score is high and input b always missing: score and b drift; a does not.
    for (let i = 0; i < 10; i++)
      monitor.observe(w, { champion: 0.95, row: row(i, Number.NaN), latencyUs: 10, error: i === 0 })
    r = monitor.report('m')!
    const by = Object.fromEntries(r.drift.map((d) => [d.of, d]))
    expect(by.a!.psi).toBe(0)
    expect(by.score!.drifting).toBe(true)
    // b: reference shares 0.5 (value 1) and 0.5 (NaN) → current 0 and 1.
    const f = (x: number, y: number) => (y - x) * Math.log(y / x)
    expect(by.b!.psi).toBeCloseTo(f(0.5, 1e-4) + f(0.5, 1) + f(1e-4, 1e-4), 12)
    expect(r.drifting).toBe(true)
    expect(r.errors).toBe(1)
    expect(monitor.render()).toContain('bulwark_model_drifting{model="m"} 1')
    expect(monitor.render()).toContain('bulwark_model_missing_inputs_total{model="m",input="b"} 20')
  })

  it('carries a watch over a restart through its snapshot, and only to the same version', () => {
    const feed = (monitor: ModelMonitor, w: ReturnType<ModelMonitor['watch']>, from: number, n: number) => {
      for (let i = from; i < from + n; i++)
        monitor.observe(w, {
          champion: (i % 10) / 10 + (i >= 20 ? 0.05 : 0),
          challenger: 0.5,
          row: row(i, i % 3 ? 1 : Number.NaN),
          latencyUs: i,
          error: i === 4,
        })
    }
    const first = new ModelMonitor()
    feed(first, first.watch('m', 'v1', ['a', 'b'], config, 'v2'), 0, 15)
    const saved = JSON.parse(JSON.stringify(first.snapshot()))
    const second = new ModelMonitor()
    second.restore(saved)
    const w = second.watch('m', 'v1', ['a', 'b'], config, 'v2')
    expect(second.report('m')).toEqual(first.report('m'))
    // Both go on alike: the same rows give the same report, drift included.
    feed(first, first.watch('m', 'v1', ['a', 'b'], config, 'v2'), 15, 12)
    feed(second, w, 15, 12)
    expect(second.report('m')).toEqual(first.report('m'))
    expect(second.report('m')!.drift.some((d) => d.psi !== null)).toBe(true)

    // Another version, other inputs or a damaged window start afresh.
    const fresh = (snapshots: unknown, version = 'v1', inputs = ['a', 'b']) => {
      const m = new ModelMonitor()
      m.restore(snapshots as never)
      m.watch('m', version, inputs, config, 'v2')
      return m.report('m')!.rows
    }
    expect(fresh(saved)).toBe(15)
    expect(fresh(saved, 'v3')).toBe(0)
    expect(fresh(saved, 'v1', ['a'])).toBe(0)
    const torn = [{ ...saved[0], reference: { ...saved[0].reference, data: 'AAAA' } }]
    expect(fresh(torn)).toBe(0)
    expect(fresh([{ ...saved[0], champion: [1, 2] }])).toBe(0)
  })

  it('counts scores in fixed buckets and champion/challenger agreement', () => {
    const monitor = new ModelMonitor()
    const w = monitor.watch('m', 'v1', [], config, 'v2')
    const pairs = [
      [0.1, 0.2],
      [0.6, 0.4],
      [0.7, 0.9],
      [0.5, 0.49],
    ] as const
    for (const [a, b] of pairs)
      monitor.observe(w, { champion: a, challenger: b, row: row(), latencyUs: 1, error: false })
    const r = monitor.report('m')!
    expect(r.agreement).toEqual({ compared: 4, agreed: 2, rate: 0.5 })
    expect(r.histogram.buckets).toBe(SCORE_BUCKETS)
    expect(r.histogram.champion[SCORE_BUCKETS.indexOf(0.1)]).toBe(1)
    expect(r.histogram.champion[SCORE_BUCKETS.indexOf(0.5)]).toBe(1)
    expect(r.histogram.challenger[SCORE_BUCKETS.indexOf(0.5)]).toBe(1) // 0.49 ≤ 0.5
    // A new version starts a new watch (and reference window).
    expect(monitor.watch('m', 'v3', [], config)).not.toBe(w)
    expect(monitor.report('m')!.rows).toBe(0)
  })
})
