/**
 * Sliding windows (src/features/window.ts): the granularity bound at the window's edge, windows
 * from 1 s to 90 days, count/sum/min/max against a brute-force reference, and out-of-order
 * events. Times are deterministic; nothing here is timed.
 */

import { describe, expect, it } from 'vitest'
import { seededRandom as rng } from '../../src/core/random.ts'
import type { WindowKind } from '../../src/features/window.ts'
import { bucketOf, bucketsPerWindow, WindowState, windowAdd, windowRead } from '../../src/features/window.ts'

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const T0 = 1_700_000_000_000

function windowOf(kind: WindowKind, windowMs: number): WindowState {
  return new WindowState(
    { id: `w-${kind}-${windowMs}`, kind, windowMs, retentionMs: windowMs },
    'k',
    true,
    [],
  )
}

/** What a read must answer: the events whose bucket is one of the n up to now's. */
function reference(
  events: { time: number; value: number }[],
  kind: WindowKind,
  windowMs: number,
  now: number,
) {
  const n = bucketsPerWindow(windowMs)
  const current = bucketOf(now, n, windowMs)
  const inside = events.filter((e) => {
    const bucket = bucketOf(e.time, n, windowMs)
    return bucket > current - n && bucket <= current
  })
  if (kind === 'count') return inside.length
  if (kind === 'sum') return inside.reduce((total, e) => total + e.value, 0)
  if (inside.length === 0) return undefined
  const values = inside.map((e) => e.value)
  return kind === 'min' ? Math.min(...values) : Math.max(...values)
}

describe('bucket layout', () => {
  it('cuts windows into 60 buckets, never shorter than 1 s', () => {
    expect(bucketsPerWindow(SECOND)).toBe(1)
    expect(bucketsPerWindow(1500)).toBe(1)
    expect(bucketsPerWindow(30 * SECOND)).toBe(30)
    expect(bucketsPerWindow(MINUTE)).toBe(60)
    expect(bucketsPerWindow(HOUR)).toBe(60)
    expect(bucketsPerWindow(90 * DAY)).toBe(60)
  })

  it('computes bucket indices exactly at bucket boundaries', () => {
    // 61 s / 60 is not a whole number of ms; the integer formula still puts boundaries exactly.
    const windowMs = 61 * SECOND
    for (let b = 27_868_852; b < 27_868_852 + 120; b++) {
      const start = Math.ceil((b * windowMs) / 60)
      expect(bucketOf(start, 60, windowMs)).toBe(b)
      expect(bucketOf(start - 1, 60, windowMs)).toBe(b - 1)
    }
  })
})

describe('the window edge', () => {
  it('an event leaves a 60 s window between 59 and 60 s after it happened', () => {
    for (const offset of [0, 1, 250, 500, 999]) {
      const state = windowOf('count', MINUTE)
      const t = T0 + offset
      windowAdd(state, 'count', t, 0)
      expect(windowRead(state, 'count', t)).toBe(1)
      expect(windowRead(state, 'count', t + 59 * SECOND)).toBe(1)
      expect(windowRead(state, 'count', t + 60 * SECOND)).toBe(0)
      // It leaves exactly when its bucket does: at the start of the 60th bucket after its own.
      const leaves = (Math.floor(t / SECOND) + 60) * SECOND
      expect(windowRead(state, 'count', leaves - 1)).toBe(1)
      expect(windowRead(state, 'count', leaves)).toBe(0)
      expect(leaves - t).toBeGreaterThan(59 * SECOND)
      expect(leaves - t).toBeLessThanOrEqual(60 * SECOND)
    }
  })

  it('counts windows from 1 s to 90 days, each event leaving between W - W/60 and W', () => {
    const windows = [SECOND, 10 * SECOND, MINUTE, 5 * MINUTE, HOUR, DAY, 7 * DAY, 30 * DAY, 90 * DAY]
    for (const windowMs of windows) {
      const granularity = windowMs / bucketsPerWindow(windowMs)
      for (const offset of [0, 0.37, 0.99]) {
        const state = windowOf('count', windowMs)
        const t = T0 + Math.floor(offset * granularity)
        windowAdd(state, 'count', t, 0)
        expect(windowRead(state, 'count', t)).toBe(1)
        expect(windowRead(state, 'count', t + windowMs - granularity)).toBe(1)
        expect(windowRead(state, 'count', t + windowMs)).toBe(0)
        // More events through the window, checked against the reference at several times.
        const events = [{ time: t, value: 0 }]
        for (let i = 1; i <= 90; i++) {
          const time = t + Math.floor((i * windowMs) / 45)
          windowAdd(state, 'count', time, 0)
          events.push({ time, value: 0 })
          expect(windowRead(state, 'count', time)).toBe(reference(events, 'count', windowMs, time))
        }
        if (windowMs >= MINUTE) expect(windowRead(state, 'count', t + 2 * windowMs)).toBeGreaterThan(40)
      }
    }
  })

  it('never keeps more than one window of buckets', () => {
    const state = windowOf('count', HOUR)
    for (let i = 0; i < 500; i++) windowAdd(state, 'count', T0 + i * 30 * SECOND, 0)
    expect(state.buckets.length / 2).toBeLessThanOrEqual(60)
    expect(windowRead(state, 'count', T0 + 499 * 30 * SECOND)).toBe(
      reference(
        Array.from({ length: 500 }, (_, i) => ({ time: T0 + i * 30 * SECOND, value: 0 })),
        'count',
        HOUR,
        T0 + 499 * 30 * SECOND,
      ),
    )
  })
})

describe('aggregates', () => {
  const kinds: WindowKind[] = ['count', 'sum', 'min', 'max']

  it('count, sum, min and max match a brute-force reference as time moves on', () => {
    for (const kind of kinds) {
      for (const windowMs of [5 * SECOND, MINUTE, HOUR]) {
        const random = rng(windowMs + kind.length)
        const state = windowOf(kind, windowMs)
        const events: { time: number; value: number }[] = []
        let time = T0
        for (let i = 0; i < 2000; i++) {
          time += Math.floor(random() * (windowMs / 40))
          const value = Math.round((random() * 200 - 50) * 100) / 100
          windowAdd(state, kind, time, value)
          events.push({ time, value })
          const now = time + (i % 7 === 0 ? Math.floor(random() * windowMs) : 0)
          const expected = reference(events, kind, windowMs, now)
          const actual = windowRead(state, kind, now)
          if (kind === 'sum') expect(actual).toBeCloseTo(expected as number, 6)
          else expect(actual).toBe(expected)
        }
      }
    }
  })

  it('min and max read undefined on an empty window, count and sum 0', () => {
    for (const kind of kinds) {
      const state = windowOf(kind, MINUTE)
      windowAdd(state, kind, T0, 7)
      const later = T0 + 2 * MINUTE
      expect(windowRead(state, kind, later)).toBe(kind === 'min' || kind === 'max' ? undefined : 0)
    }
  })

  it('sums fractional and negative values', () => {
    const state = windowOf('sum', HOUR)
    for (const value of [0.1, 0.2, -0.3, 1e6, -1e6]) windowAdd(state, 'sum', T0, value)
    expect(windowRead(state, 'sum', T0)).toBeCloseTo(0, 9)
    const min = windowOf('min', HOUR)
    for (const value of [3, -2.5, 8]) windowAdd(min, 'min', T0, value)
    expect(windowRead(min, 'min', T0)).toBe(-2.5)
  })
})

describe('out-of-order events', () => {
  it('bucket each event by its own time: any arrival order within the window reads the same', () => {
    for (const kind of ['count', 'sum', 'max'] as WindowKind[]) {
      const random = rng(7)
      const events = Array.from({ length: 300 }, (_, i) => ({
        time: T0 + i * 2 * SECOND,
        value: Math.floor(random() * 1000),
      }))
      // Late by up to 20 s: shuffle within blocks of 10 consecutive events.
      const arrival = events.slice()
      for (let start = 0; start < arrival.length; start += 10) {
        for (let i = start + 9; i > start; i--) {
          const j = start + Math.floor(random() * (i - start + 1))
          ;[arrival[i], arrival[j]] = [arrival[j]!, arrival[i]!]
        }
      }
      const ordered = windowOf(kind, 10 * MINUTE)
      const shuffled = windowOf(kind, 10 * MINUTE)
      for (const e of events) windowAdd(ordered, kind, e.time, e.value)
      for (const e of arrival) windowAdd(shuffled, kind, e.time, e.value)
      expect(shuffled.buckets).toEqual(ordered.buckets)
      const now = T0 + 600 * SECOND
      expect(windowRead(shuffled, kind, now)).toBe(reference(events, kind, 10 * MINUTE, now))
    }
  })

  it('a late event lands in its own bucket, not the newest', () => {
    const state = windowOf('count', MINUTE)
    windowAdd(state, 'count', T0 + 30 * SECOND, 0)
    windowAdd(state, 'count', T0, 0)
    // At T0 + 60 s the late event (T0) has left; the other has not.
    expect(windowRead(state, 'count', T0 + 59 * SECOND)).toBe(2)
    expect(windowRead(state, 'count', T0 + 60 * SECOND)).toBe(1)
  })

  it('ignores an update older than the window', () => {
    const state = windowOf('count', MINUTE)
    windowAdd(state, 'count', T0 + 5 * MINUTE, 0)
    windowAdd(state, 'count', T0, 0)
    expect(state.buckets).toEqual([bucketOf(T0 + 5 * MINUTE, 60, MINUTE), 1])
    expect(windowRead(state, 'count', T0)).toBe(0)
  })

  it('a read earlier than the newest event does not count later events', () => {
    const state = windowOf('count', MINUTE)
    windowAdd(state, 'count', T0, 0)
    windowAdd(state, 'count', T0 + 10 * SECOND, 0)
    expect(windowRead(state, 'count', T0 + 5 * SECOND)).toBe(1)
  })
})
