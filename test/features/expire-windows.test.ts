/**
 * MemoryFeatureStore.expireWindows (src/features/memory.ts), used by offline replay: dropping
 * the windowed keys whose window has emptied changes no answer for a stream in time order —
 * reads equal those of a store that never forgets — and keeps first_seen / last_seen keys.
 */

import { describe, expect, it } from 'vitest'
import { seededRandom as rng } from '../../src/core/random.ts'
import { MemoryFeatureStore } from '../../src/features/memory.ts'
import type { FeatureOp } from '../../src/features/types.ts'
import { spec } from './spec.ts'

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const T0 = 1_700_000_000_000

const SPECS = [
  spec('count_1m', 'count', MINUTE),
  spec('count_5s', 'count', 5 * SECOND),
  spec('sum_10m', 'sum', 10 * MINUTE),
  spec('min_1h', 'min', HOUR),
  spec('max_2m', 'max', 2 * MINUTE),
  spec('distinct_10m', 'distinct', 10 * MINUTE),
  spec('distinct_3s', 'distinct', 3 * SECOND),
  spec('first_seen', 'first_seen', 0, 10 * MINUTE),
  spec('last_seen', 'last_seen', 0, 10 * MINUTE),
]

describe('expireWindows', () => {
  it('answers exactly as a store that never forgets, on a stream in time order', () => {
    const r = rng(42)
    const kept = new MemoryFeatureStore()
    const pruned = new MemoryFeatureStore()
    let time = T0
    let dropped = 0
    for (let i = 0; i < 30_000; i++) {
      // Bursts and long gaps, so keys go idle and come back.
      time += r() < 0.01 ? Math.floor(r() * 2 * HOUR) : Math.floor(r() * 3 * SECOND)
      const ops: FeatureOp[] = []
      for (let j = 0; j < 4; j++) {
        const s = SPECS[Math.floor(r() * SPECS.length)]!
        const key = `k${Math.floor(r() ** 2 * 40)}`
        const update = r() < 0.8
        const value =
          s.kind === 'distinct'
            ? r() < 0.5
              ? `v${Math.floor(r() * 12)}`
              : Math.floor(r() * 12)
            : Math.round(r() * 1000) / 10
        ops.push({ spec: s, key, update, value })
      }
      expect(pruned.applySync({ time, ops })).toEqual(kept.applySync({ time, ops }))
      if (i % 97 === 0) dropped += pruned.expireWindows(time)
    }
    expect(dropped).toBeGreaterThan(0)
    expect(pruned.size()).toBeLessThan(kept.size())
  })

  it('drops only emptied windows and keeps first_seen / last_seen however old', () => {
    const store = new MemoryFeatureStore()
    const [count1m, , , , , distinct10m] = SPECS
    const first = SPECS[7]!
    const last = SPECS[8]!
    store.applySync({
      time: T0,
      ops: [
        { spec: count1m!, key: 'a', update: true },
        { spec: distinct10m!, key: 'a', update: true, value: 'x' },
        { spec: first, key: 'a', update: true },
        { spec: last, key: 'a', update: true },
      ],
    })
    expect(store.expireWindows(T0 + 30 * SECOND)).toBe(0)
    expect(store.expireWindows(T0 + 2 * MINUTE)).toBe(1)
    expect(store.expireWindows(T0 + 11 * MINUTE)).toBe(1)
    expect(store.expireWindows(T0 + 100 * DAY)).toBe(0)
    expect(store.size()).toBe(2)
    const [firstSeen, lastSeen] = store.applySync({
      time: T0 + 100 * DAY,
      ops: [
        { spec: first, key: 'a', update: false },
        { spec: last, key: 'a', update: false },
      ],
    })
    expect(firstSeen).toBe(T0)
    expect(lastSeen).toBe(T0)
  })
})
