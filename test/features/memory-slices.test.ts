/**
 * Snapshots and expiry in slices (src/features/memory.ts): a snapshot taken a few states per turn
 * of the event loop, while updates, new keys, evictions and expiries go on between the slices,
 * restores to exactly the state at the instant it began (every read equal); untouched, it is the
 * same bytes as the one-go snapshot; and an expiry in slices drops the same keys as one pass,
 * with keys evicted under its cursor meanwhile.
 */

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { seededRandom as rng } from '../../src/core/random.ts'
import { MemoryFeatureStore } from '../../src/features/memory.ts'
import type { FeatureOp, FeatureSpec } from '../../src/features/types.ts'
import { spec } from './spec.ts'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const T0 = 1_700_000_000_000

const SPECS: FeatureSpec[] = [
  spec('logins_1h#1', 'count', HOUR),
  spec('amount_24h#2', 'sum', DAY),
  spec('min_1h#3', 'min', HOUR),
  spec('max_1h#4', 'max', HOUR),
  spec('accounts_1h#5', 'distinct', HOUR),
  spec('first_seen#6', 'first_seen', 0, DAY),
  spec('last_seen#7', 'last_seen', 0, DAY),
]
const KEYS = Array.from({ length: 40 }, (_, i) => `k-${i}`)

const op = (s: FeatureSpec, key: string, value: number): FeatureOp => ({
  spec: s,
  key,
  update: true,
  value: s.kind === 'distinct' ? `v-${value % 13}` : value,
})

/** Every (spec, key) read at `time`, as one batch of reads. */
function readAll(store: MemoryFeatureStore, time: number): (number | undefined)[] {
  return store.applySync({
    time,
    ops: SPECS.flatMap((s) => KEYS.map((key) => ({ spec: s, key, update: false }))),
  })
}

/** A store filled with `n` seeded updates from T0, and the time reached. */
function filled(seed: number, n: number, maxKeys?: number): { store: MemoryFeatureStore; time: number } {
  const store = new MemoryFeatureStore(maxKeys ? { maxKeys } : {})
  const r = rng(seed)
  let time = T0
  for (let i = 0; i < n; i++) {
    time += Math.floor(r() * 30_000)
    const s = SPECS[Math.floor(r() * SPECS.length)]!
    store.applySync({ time, ops: [op(s, KEYS[Math.floor(r() * KEYS.length)]!, Math.floor(r() * 100))] })
  }
  return { store, time }
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve))

describe('snapshots in slices', () => {
  it('untouched, write the same bytes as the one-go snapshot', async () => {
    const { store } = filled(1, 400)
    const whole = store.snapshot()
    expect(Buffer.compare(Buffer.concat(await store.snapshotInSlices(7)), whole)).toBe(0)
    // And again (a second generation), after more updates.
    store.applySync({ time: T0 + DAY, ops: [op(SPECS[0]!, 'k-1', 1)] })
    expect(Buffer.compare(Buffer.concat(await store.snapshotInSlices(3)), store.snapshot())).toBe(0)
  })

  it('restore to the state at the instant they began, whatever happens between slices', async () => {
    const change = fc.oneof(
      fc.record({
        kind: fc.constant('update' as const),
        spec: fc.nat(SPECS.length - 1),
        key: fc.nat(KEYS.length - 1),
        value: fc.nat(99),
        later: fc.nat(20 * MINUTE),
      }),
      fc.record({ kind: fc.constant('expire' as const), later: fc.nat(2 * DAY) }),
    )
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 9 }),
        fc.array(fc.array(change, { maxLength: 6 }), { maxLength: 30 }),
        fc.option(fc.integer({ min: 20, max: 120 }), { nil: undefined }),
        async (seed, slice, betweenSlices, maxKeys) => {
          const { store, time } = filled(seed, 300, maxKeys)
          const atInstant = store.snapshot()
          const taking = store.snapshotInSlices(slice)
          let done = false
          void taking.then(() => {
            done = true
          })
          let now = time
          for (const changes of betweenSlices) {
            for (const c of changes) {
              if (c.kind === 'update') {
                now += c.later
                store.applySync({ time: now, ops: [op(SPECS[c.spec]!, KEYS[c.key]!, c.value)] })
              } else store.expire(now + c.later)
            }
            if (done) break
            await turn()
          }
          const sliced = Buffer.concat(await taking)
          const expected = new MemoryFeatureStore({ maxKeys: 1e9 })
          expected.restoreSnapshot(atInstant)
          const restored = new MemoryFeatureStore({ maxKeys: 1e9 })
          restored.restoreSnapshot(sliced)
          expect(restored.size()).toBe(expected.size())
          for (const at of [time, time + 30 * MINUTE, time + 2 * HOUR])
            expect(readAll(restored, at)).toEqual(readAll(expected, at))
        },
      ),
      { numRuns: 120 },
    )
  })

  it('one at a time: a second one while one is under way is refused', async () => {
    const { store } = filled(2, 200)
    const first = store.snapshotInSlices(5)
    await expect(store.snapshotInSlices(5)).rejects.toThrow('already being taken')
    expect(() => new MemoryFeatureStore().restoreSnapshot(Buffer.alloc(0))).toThrow()
    expect(() => store.restoreSnapshot(store.snapshot())).toThrow('under way')
    await first
    store.restoreSnapshot(store.snapshot())
  })
})

describe('expiry in slices', () => {
  it('drops the same keys as one pass', async () => {
    for (const seed of [3, 4, 5]) {
      const a = filled(seed, 500)
      const b = filled(seed, 500)
      const now = a.time + 3 * HOUR
      const gone = a.store.expire(now)
      expect(gone).toBeGreaterThan(0)
      expect(await b.store.expireInSlices(now, 4)).toBe(gone)
      expect(Buffer.compare(b.store.snapshot(), a.store.snapshot())).toBe(0)
    }
  })

  it('keeps walking when the key cap evicts states under its cursor meanwhile', async () => {
    const { store, time } = filled(6, 500, 60)
    const walk = store.expireInSlices(time + 3 * HOUR, 2)
    let fresh = 0
    let settled = false
    void walk.then(() => {
      settled = true
    })
    while (!settled) {
      // New keys at the cap: the oldest states (around the cursor) are evicted or moved.
      for (let i = 0; i < 5; i++)
        store.applySync({ time: time + 3 * HOUR, ops: [op(SPECS[0]!, `new-${fresh++}`, 1)] })
      await turn()
    }
    await walk
    // Whatever the walk passed or the cap evicted, nothing idle at that time is left.
    expect(store.expire(time + 3 * HOUR)).toBe(0)
    expect(store.size()).toBeLessThanOrEqual(60)
  })
})
