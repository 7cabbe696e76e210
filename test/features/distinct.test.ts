/**
 * HyperLogLog (src/features/hll.ts) and windowed distinct counts (src/features/distinct.ts):
 * hash vectors, estimator accuracy on deterministic data, merging, exact counts that slide, the
 * switch from exact to sketches at 1,024 values, and sketch windows sliding and resetting.
 */

import { describe, expect, it } from 'vitest'
import {
  DistinctState,
  distinctAdd,
  distinctMode,
  distinctRead,
  EXACT_LIMIT,
  SMALL_LIMIT,
} from '../../src/features/distinct.ts'
import { HLL_REGISTERS, HLL_STANDARD_ERROR, HyperLogLog, hash64, hllCode } from '../../src/features/hll.ts'
import { bucketOf } from '../../src/features/window.ts'

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const T0 = 1_700_000_000_000

const hex = (value: string | number) => {
  const [high, low] = hash64(value)
  return high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0')
}

/**
 * Whether a secondary estimate is near the truth: 4 standard errors (a 3σ bound fails one run in
 * ~370 per assertion; the dedicated 100,000-value test holds the 3σ line).
 */
function near(estimate: number, n: number): boolean {
  return Math.abs(estimate - n) <= 4 * HLL_STANDARD_ERROR * n
}

function distinctOf(windowMs: number, time = T0): DistinctState {
  const spec = { id: `d-${windowMs}`, kind: 'distinct' as const, windowMs, retentionMs: windowMs }
  return new DistinctState(spec, 'k', true, bucketOf(time, 60, windowMs), [])
}

describe('HyperLogLog', () => {
  it('hashes with FNV-1a 64 + fmix64 (vectors from an independent BigInt/Python implementation)', () => {
    expect(HLL_REGISTERS).toBe(2048)
    expect(hex('')).toBe('efd01f60ba992926')
    expect(hex('a')).toBe('82a2a958a9bece5b')
    expect(hex('user-42')).toBe('a39532c7ab051e8d')
    expect(hex(42)).toBe('1c39f3d6d8e55ca7')
    // Numbers and strings are different values; -0 is 0 and every NaN is one value.
    expect(hex('42')).not.toBe(hex(42))
    expect(hex(-0)).toBe(hex(0))
    expect(hllCode(Number.NaN)).toBe(hllCode(0 / 0))
  })

  it('documents a standard error of about 2.3 %', () => {
    expect(HLL_STANDARD_ERROR).toBeCloseTo(0.023, 3)
  })

  it('estimates 100,000 distinct values within 3 standard errors', () => {
    const sketch = new HyperLogLog()
    const n = 100_000
    for (let i = 0; i < n; i++) sketch.add(`account-${i}`)
    // Adding everything again changes nothing.
    let grew = 0
    for (let i = 0; i < n; i++) if (sketch.add(`account-${i}`)) grew++
    expect(grew).toBe(0)
    const error = Math.abs(sketch.estimate() - n) / n
    expect(error).toBeLessThan(3 * HLL_STANDARD_ERROR)
  })

  it('is accurate across the small and middle range (where linear counting takes over)', () => {
    for (const n of [0, 1, 10, 100, 1000, 3000, 5000, 10_000]) {
      const sketch = new HyperLogLog()
      for (let i = 0; i < n; i++) sketch.add(i * 7919 + 0.5)
      expect(Math.abs(sketch.estimate() - n)).toBeLessThanOrEqual(Math.max(0.5, 4 * HLL_STANDARD_ERROR * n))
    }
  })

  it('merges into the union', () => {
    const a = new HyperLogLog()
    const b = new HyperLogLog()
    const both = new HyperLogLog()
    for (let i = 0; i < 30_000; i++) {
      const value = `v${i}`
      if (i < 20_000) a.add(value)
      if (i >= 10_000) b.add(value)
      both.add(value)
    }
    a.merge(b)
    expect(a.registers).toEqual(both.registers)
    expect(near(a.estimate(), 30_000)).toBe(true)
    a.merge(b)
    expect(a.registers).toEqual(both.registers)
  })
})

describe('distinct, exact mode', () => {
  it('counts distinct values, repeats once', () => {
    const state = distinctOf(HOUR)
    for (const value of ['a', 'b', 'a', 'c', 'b', 'a']) distinctAdd(state, T0, value)
    expect(distinctRead(state, T0)).toBe(3)
    expect(distinctMode(state)).toBe('small')
  })

  it('slides: a value whose last sighting left the window stops counting', () => {
    const state = distinctOf(MINUTE)
    distinctAdd(state, T0, 'a')
    distinctAdd(state, T0 + 20 * SECOND, 'b')
    distinctAdd(state, T0 + 40 * SECOND, 'a') // a seen again: its last sighting moves
    expect(distinctRead(state, T0 + 40 * SECOND)).toBe(2)
    expect(distinctRead(state, T0 + 79 * SECOND)).toBe(2)
    expect(distinctRead(state, T0 + 81 * SECOND)).toBe(1) // b (T0 + 20 s) has left, a has not
    expect(distinctRead(state, T0 + 101 * SECOND)).toBe(0)
  })

  it('slides the same way past the small array, in the Map with its tally', () => {
    const state = distinctOf(MINUTE)
    for (let i = 0; i < 50; i++) distinctAdd(state, T0 + i * SECOND, `v${i}`)
    expect(distinctMode(state)).toBe('exact')
    expect(distinctRead(state, T0 + 49 * SECOND)).toBe(50)
    // Re-sight v0..v9 at T0 + 50 s: they now leave last.
    for (let i = 0; i < 10; i++) distinctAdd(state, T0 + 50 * SECOND, `v${i}`)
    expect(distinctRead(state, T0 + 50 * SECOND)).toBe(50)
    expect(distinctRead(state, T0 + 70 * SECOND)).toBe(10 + 39)
    expect(distinctRead(state, T0 + 109 * SECOND)).toBe(10 + 0)
    expect(distinctRead(state, T0 + 111 * SECOND)).toBe(0)
  })

  it('keeps numbers and strings apart and treats NaN as one value', () => {
    const state = distinctOf(HOUR)
    for (const value of [1, '1', 1, Number.NaN, Number.NaN, -0, 0]) distinctAdd(state, T0, value)
    expect(distinctRead(state, T0)).toBe(4)
  })

  it('frees room in the small array by dropping values that left the window', () => {
    const state = distinctOf(MINUTE)
    for (let i = 0; i < SMALL_LIMIT; i++) distinctAdd(state, T0, `old${i}`)
    distinctAdd(state, T0 + 2 * MINUTE, 'new')
    expect(distinctMode(state)).toBe('small')
    expect(distinctRead(state, T0 + 2 * MINUTE)).toBe(1)
  })

  it('ignores sightings older than the window', () => {
    const state = distinctOf(MINUTE)
    distinctAdd(state, T0 + 10 * MINUTE, 'a')
    distinctAdd(state, T0, 'b')
    expect(distinctRead(state, T0 + 10 * MINUTE)).toBe(1)
  })
})

describe('distinct, switching to sketches', () => {
  it('stays exact up to 1,024 values and switches on the 1,025th', () => {
    const state = distinctOf(HOUR)
    for (let i = 0; i < EXACT_LIMIT; i++) distinctAdd(state, T0 + i, `user-${i}`)
    expect(distinctMode(state)).toBe('exact')
    expect(distinctRead(state, T0 + EXACT_LIMIT)).toBe(1024)
    distinctAdd(state, T0 + EXACT_LIMIT, 'one-more')
    expect(distinctMode(state)).toBe('sketch')
    expect(near(distinctRead(state, T0 + EXACT_LIMIT), 1025)).toBe(true)
  })

  it('does not switch while values that left the window make room', () => {
    const state = distinctOf(MINUTE)
    for (let i = 0; i < EXACT_LIMIT; i++) distinctAdd(state, T0, `early-${i}`)
    for (let i = 0; i < 500; i++) distinctAdd(state, T0 + 2 * MINUTE, `late-${i}`)
    expect(distinctMode(state)).toBe('exact')
    expect(distinctRead(state, T0 + 2 * MINUTE)).toBe(500)
  })

  it('estimates large counts within 3 standard errors and keeps estimating as values repeat', () => {
    const state = distinctOf(HOUR)
    for (let i = 0; i < 50_000; i++) distinctAdd(state, T0 + i * 10, `device-${i % 20_000}`)
    expect(near(distinctRead(state, T0 + 500_000), 20_000)).toBe(true)
  })

  it('slides by sub-window: an event leaves between 7/8 and all of the window after it', () => {
    const state = distinctOf(8 * MINUTE)
    for (let i = 0; i < 3000; i++) distinctAdd(state, T0 + (i % 60) * SECOND, `first-${i}`)
    for (let i = 0; i < 3000; i++) distinctAdd(state, T0 + 4 * MINUTE, `second-${i}`)
    expect(near(distinctRead(state, T0 + 4 * MINUTE), 6000)).toBe(true)
    // 8 min after the first batch (T0 .. T0 + 59 s) every one of them has left; the second stays.
    expect(near(distinctRead(state, T0 + 9 * MINUTE), 3000)).toBe(true)
    // 7 min (7/8 W) after the first of them, all are still there.
    expect(near(distinctRead(state, T0 + 7 * MINUTE), 6000)).toBe(true)
    expect(distinctRead(state, T0 + 13 * MINUTE)).toBe(0)
  })

  it('returns to exact counting once every sub-window has aged out', () => {
    const state = distinctOf(HOUR)
    for (let i = 0; i < 2000; i++) distinctAdd(state, T0, `v${i}`)
    expect(distinctMode(state)).toBe('sketch')
    distinctAdd(state, T0 + 2 * HOUR, 'fresh')
    expect(distinctMode(state)).toBe('small')
    expect(distinctRead(state, T0 + 2 * HOUR)).toBe(1)
  })

  it('ignores sketch sightings older than the window', () => {
    const state = distinctOf(HOUR)
    for (let i = 0; i < 2000; i++) distinctAdd(state, T0 + HOUR, `v${i}`)
    const before = distinctRead(state, T0 + HOUR)
    for (let i = 0; i < 2000; i++) distinctAdd(state, T0 - HOUR, `old${i}`)
    expect(distinctRead(state, T0 + HOUR)).toBe(before)
  })
})
