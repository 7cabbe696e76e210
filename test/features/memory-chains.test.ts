/**
 * The embedded store's layout (src/features/memory.ts, state.ts): states of several specs under
 * one key string share a Map entry, chained, and every state sits in one linked eviction order.
 * These tests take a chain apart from its head, middle and tail (expiry, eviction) and check the
 * survivors still read and update as before, and that a snapshot naming a key twice is refused.
 */

import { describe, expect, it } from 'vitest'
import { BulwarkError } from '../../src/core/errors.ts'
import { MemoryFeatureStore } from '../../src/features/memory.ts'
import type { FeatureOp, FeatureSpec } from '../../src/features/types.ts'
import { spec } from './spec.ts'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const T0 = 1_700_000_000_000

// Three specs with different windows, so that expiry removes them one at a time.
const short = spec('views_10m#1', 'count', 10 * MINUTE)
const middle = spec('views_1h#2', 'count', HOUR)
const long = spec('views_24h#3', 'count', 24 * HOUR)
const watched = spec('watch_ms_1h#4', 'sum', HOUR)

const up = (s: FeatureSpec, key: string, value?: number): FeatureOp =>
  value === undefined ? { spec: s, key, update: true } : { spec: s, key, update: true, value }
const read = (s: FeatureSpec, key: string): FeatureOp => ({ spec: s, key, update: false })

/** Fresh string objects with equal text, as each decision builds its keys. */
const fresh = (key: string) => ` ${key}`.slice(1)

describe('states of several specs under one key', () => {
  it('keeps each spec apart under a shared key and reads each after its neighbours expire', () => {
    const store = new MemoryFeatureStore()
    // Inserted in the order short, middle, long: the chain is short → long → middle (new states
    // go second), so expiry removes the head first, then a middle link, then the last.
    store.applySync({
      time: T0,
      ops: [up(short, 'd|c'), up(middle, 'd|c'), up(long, 'd|c'), up(watched, 'x', 5)],
    })
    store.applySync({
      time: T0 + 1000,
      ops: [up(short, fresh('d|c')), up(middle, fresh('d|c')), up(long, fresh('d|c'))],
    })
    expect(store.size()).toBe(4)
    const all = () =>
      store.applySync({
        time: T0 + 2 * HOUR,
        ops: [read(short, 'd|c'), read(middle, 'd|c'), read(long, 'd|c')],
      })
    expect(
      store.applySync({ time: T0 + 2000, ops: [read(short, 'd|c'), read(middle, 'd|c'), read(long, 'd|c')] }),
    ).toEqual([2, 2, 2])

    expect(store.expire(T0 + 30 * MINUTE)).toBe(1) // short, the head of the chain
    expect(store.size()).toBe(3)
    expect(
      store.applySync({ time: T0 + 30 * MINUTE, ops: [read(middle, 'd|c'), read(long, 'd|c')] }),
    ).toEqual([2, 2])
    // A new state for the expired spec joins the chain again, counting from zero.
    expect(store.applySync({ time: T0 + 31 * MINUTE, ops: [up(short, 'd|c'), up(long, 'd|c')] })).toEqual([
      1, 3,
    ])

    expect(store.expire(T0 + 2 * HOUR)).toBe(3) // middle, watched and the new short
    expect(all()).toEqual([0, 0, 3])
    expect(store.expire(T0 + 48 * HOUR)).toBe(1)
    expect(store.size()).toBe(0)
    expect(store.applySync({ time: T0 + 48 * HOUR, ops: [up(long, 'd|c'), read(middle, 'd|c')] })).toEqual([
      1, 0,
    ])
  })

  it('evicts single states out of a chain and keeps the others', () => {
    const store = new MemoryFeatureStore({ maxKeys: 3 })
    store.applySync({ time: T0, ops: [up(short, 'k'), up(middle, 'k'), up(long, 'k')] })
    // Updating `short` again gives it a second chance; `middle` is then the oldest not updated.
    store.applySync({ time: T0 + 1000, ops: [up(short, 'k')] })
    store.applySync({ time: T0 + 2000, ops: [up(watched, 'k', 7)] })
    expect(store.size()).toBe(3)
    expect(store.evictions()).toBe(1)
    expect(
      store.applySync({
        time: T0 + 3000,
        ops: [read(short, 'k'), read(middle, 'k'), read(long, 'k'), read(watched, 'k')],
      }),
    ).toEqual([2, 0, 1, 7])
    // Then `long` (never updated again), then `short` (its chance used), in that order.
    store.applySync({ time: T0 + 4000, ops: [up(middle, 'other')] })
    store.applySync({ time: T0 + 5000, ops: [up(middle, 'third')] })
    expect(store.evictions()).toBe(3)
    expect(
      store.applySync({ time: T0 + 6000, ops: [read(short, 'k'), read(long, 'k'), read(watched, 'k')] }),
    ).toEqual([0, 0, 7])
  })

  it('round-trips shared keys through a snapshot, in eviction order', () => {
    const store = new MemoryFeatureStore()
    store.applySync({ time: T0, ops: [up(short, 'k'), up(watched, 'k', 3), up(long, 'j'), up(middle, 'k')] })
    const copy = new MemoryFeatureStore()
    copy.restoreSnapshot(store.snapshot())
    expect(copy.snapshot()).toEqual(store.snapshot())
    const ops = [read(short, 'k'), read(middle, 'k'), read(long, 'j'), read(watched, 'k'), read(long, 'k')]
    expect(copy.applySync({ time: T0 + 1, ops })).toEqual([1, 1, 1, 3, 0])
  })

  it('refuses a snapshot that holds the same spec and key twice, and keeps its state', () => {
    const one = new MemoryFeatureStore()
    one.applySync({ time: T0, ops: [up(middle, 'k')] })
    const bytes = one.snapshot()
    // Header: "BWFS", version, key count (one byte here). The record: spec ref 0 and the spec
    // (id string, kind, window, retention), then the key and state; a second record refers back.
    const record = bytes.subarray(6)
    const specLength = 1 + 1 + middle.id.length + 1 + 16
    const twice = Buffer.concat([
      bytes.subarray(0, 5),
      Buffer.from([2]),
      record,
      Buffer.from([1]),
      record.subarray(specLength),
    ])
    const store = new MemoryFeatureStore()
    store.applySync({ time: T0, ops: [up(long, 'kept')] })
    expect(() => store.restoreSnapshot(twice)).toThrow(BulwarkError)
    expect(store.applySync({ time: T0 + 1, ops: [read(long, 'kept')] })).toEqual([1])
    // The same bytes with the count of one are a valid snapshot.
    const copy = new MemoryFeatureStore()
    copy.restoreSnapshot(bytes)
    expect(copy.applySync({ time: T0 + 1, ops: [read(middle, 'k')] })).toEqual([1])
  })
})
