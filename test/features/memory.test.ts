/**
 * The embedded feature store (src/features/memory.ts) through its public surface: updates before
 * reads, first/last_seen, replay reproducing applied state, snapshot round trips (in memory and
 * through files), expiry, the key cap, and a generous memory-per-key bound. Nothing is timed.
 */

import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BulwarkError } from '../../src/core/errors.ts'
import { seededRandom as rng } from '../../src/core/random.ts'
import { MemoryFeatureStore } from '../../src/features/memory.ts'
import type { FeatureBatch, FeatureOp, FeatureSpec, FeatureUpdate } from '../../src/features/types.ts'
import { spec } from './spec.ts'

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const T0 = 1_700_000_000_000

const logins = spec('logins_1h#1', 'count', HOUR)
const amount = spec('amount_24h#2', 'sum', DAY)
const smallest = spec('min_amount_1h#3', 'min', HOUR)
const largest = spec('max_amount_1h#4', 'max', HOUR)
const accounts = spec('accounts_per_ip_1h#5', 'distinct', HOUR)
const firstSeen = spec('device_first_seen#6', 'first_seen', 0, 30 * DAY)
const lastSeen = spec('last_login#7', 'last_seen', 0, 30 * DAY)
const ALL = [logins, amount, smallest, largest, accounts, firstSeen, lastSeen]

const up = (s: FeatureSpec, key: string, value?: number | string): FeatureOp =>
  value === undefined ? { spec: s, key, update: true } : { spec: s, key, update: true, value }
const read = (s: FeatureSpec, key: string): FeatureOp => ({ spec: s, key, update: false })

/** A seeded stream of events over every kind; a few keys get > 1,024 distinct values. */
function workload(seed: number, events: number): FeatureBatch[] {
  const random = rng(seed)
  const batches: FeatureBatch[] = []
  let time = T0
  for (let i = 0; i < events; i++) {
    time += Math.floor(random() * 2 * SECOND) - 200 // mostly forward, sometimes a little late
    const user = `user-${Math.floor(random() * 50)}`
    const ip = i % 3 === 0 ? 'ip-hot' : `ip-${Math.floor(random() * 20)}`
    const value = Math.round(random() * 10_000) / 100
    batches.push({
      time,
      ops: [
        up(logins, user),
        up(amount, user, value),
        up(smallest, user, value),
        up(largest, user, value),
        up(accounts, ip, i % 3 === 0 ? `acct-${i}` : user),
        up(firstSeen, user),
        up(lastSeen, user),
        read(logins, `user-${Math.floor(random() * 60)}`),
      ],
    })
  }
  return batches
}

/** The updates a decision record would carry for a batch. */
function updatesOf(batch: FeatureBatch): FeatureUpdate[] {
  return batch.ops
    .filter((op) => op.update)
    .map((op) => ({
      id: op.spec.id,
      key: op.key,
      time: batch.time,
      ...(op.value === undefined ? {} : { value: op.value }),
    }))
}

/** Every feature of every key the workload touches, read at `time`. */
async function readAll(store: MemoryFeatureStore, time: number) {
  const ops: FeatureOp[] = []
  for (const s of ALL) {
    for (let u = 0; u < 60; u++) ops.push(read(s, `user-${u}`))
    for (let p = 0; p < 20; p++) ops.push(read(s, `ip-${p}`))
    ops.push(read(s, 'ip-hot'))
  }
  return store.apply({ time, ops })
}

describe('apply', () => {
  it('applies updates before reads: the current event counts itself', async () => {
    const store = new MemoryFeatureStore()
    expect(await store.apply({ time: T0, ops: [up(logins, 'u1'), read(logins, 'u1')] })).toEqual([1, 1])
    expect(await store.apply({ time: T0 + 1, ops: [read(logins, 'u1'), up(logins, 'u1')] })).toEqual([2, 2])
    const values = await store.apply({
      time: T0 + 2,
      ops: [up(amount, 'u1', 10), up(smallest, 'u1', 10), up(largest, 'u1', 10), up(accounts, 'ip', 'u1')],
    })
    expect(values).toEqual([10, 10, 10, 1])
  })

  it('applySync answers what apply would, without the Promise', async () => {
    const viaPromise = new MemoryFeatureStore()
    const direct = new MemoryFeatureStore()
    for (const batch of workload(5, 300))
      expect(direct.applySync(batch)).toEqual(await viaPromise.apply(batch))
    expect(() => direct.applySync({ time: T0, ops: [up(spec('broken#2', 'sum', 0), 'k', 1)] })).toThrow(
      BulwarkError,
    )
  })

  it('answers 0 or undefined for keys it has never seen, and creates nothing for reads', async () => {
    const store = new MemoryFeatureStore()
    const values = await store.apply({ time: T0, ops: ALL.map((s) => read(s, 'nobody')) })
    expect(values).toEqual([0, 0, undefined, undefined, 0, undefined, undefined])
    expect(store.size()).toBe(0)
  })

  it('keeps features apart by spec id and by key', async () => {
    const store = new MemoryFeatureStore()
    const other = spec('logins_1h#other', 'count', HOUR)
    await store.apply({ time: T0, ops: [up(logins, 'a'), up(logins, 'a'), up(other, 'a'), up(logins, 'b')] })
    expect(
      await store.apply({ time: T0, ops: [read(logins, 'a'), read(other, 'a'), read(logins, 'b')] }),
    ).toEqual([2, 1, 1])
    expect(store.size()).toBe(3)
  })

  it('skips sum/min/max updates without a finite number and distinct updates without a value', async () => {
    const store = new MemoryFeatureStore()
    const values = await store.apply({
      time: T0,
      ops: [
        up(amount, 'u', Number.NaN),
        { spec: amount, key: 'u', update: true, value: '12' },
        up(largest, 'u'),
        up(accounts, 'u'),
      ],
    })
    expect(values).toEqual([0, 0, undefined, 0])
    expect(store.size()).toBe(0)
  })

  it('rejects (not throws) a windowed spec without a window', async () => {
    const store = new MemoryFeatureStore()
    const broken = spec('broken#1', 'count', 0)
    const result = store.apply({ time: T0, ops: [up(broken, 'k')] })
    await expect(result).rejects.toBeInstanceOf(BulwarkError)
    // The failed batch leaves nothing behind for the next one.
    expect(await store.apply({ time: T0, ops: [read(logins, 'k')] })).toEqual([0])
  })
})

describe('first_seen and last_seen', () => {
  it('first_seen includes the current event; last_seen is the previous one, undefined at first', async () => {
    const store = new MemoryFeatureStore()
    const event = (time: number) => store.apply({ time, ops: [up(firstSeen, 'd'), up(lastSeen, 'd')] })
    expect(await event(T0)).toEqual([T0, undefined])
    expect(await event(T0 + 5 * MINUTE)).toEqual([T0, T0])
    expect(await event(T0 + 9 * MINUTE)).toEqual([T0, T0 + 5 * MINUTE])
    // Two events in the same millisecond: the second's last_seen is the first's time.
    expect(await event(T0 + 9 * MINUTE)).toEqual([T0, T0 + 9 * MINUTE])
  })

  it('a read-only op (the event did not match) sees the latest matching event', async () => {
    const store = new MemoryFeatureStore()
    await store.apply({ time: T0, ops: [up(lastSeen, 'u')] })
    await store.apply({ time: T0 + MINUTE, ops: [up(lastSeen, 'u')] })
    expect(await store.apply({ time: T0 + HOUR, ops: [read(lastSeen, 'u'), read(firstSeen, 'u')] })).toEqual([
      T0 + MINUTE,
      undefined,
    ])
  })

  it('the same update twice in one batch counts as one sighting', async () => {
    const store = new MemoryFeatureStore()
    await store.apply({ time: T0, ops: [up(lastSeen, 'u')] })
    const values = await store.apply({ time: T0 + MINUTE, ops: [up(lastSeen, 'u'), up(lastSeen, 'u')] })
    expect(values).toEqual([T0, T0])
  })

  it('a late event moves first_seen back, and reads the newest other sighting as last_seen', async () => {
    const store = new MemoryFeatureStore()
    await store.apply({ time: T0 + MINUTE, ops: [up(firstSeen, 'u'), up(lastSeen, 'u')] })
    const late = await store.apply({ time: T0, ops: [up(firstSeen, 'u'), up(lastSeen, 'u')] })
    expect(late).toEqual([T0, T0 + MINUTE])
    expect(await store.apply({ time: T0 + HOUR, ops: [read(lastSeen, 'u')] })).toEqual([T0 + MINUTE])
  })
})

describe('replay and snapshots', () => {
  it('replaying the recorded updates reproduces the applied state exactly', async () => {
    const batches = workload(1, 6000)
    const live = new MemoryFeatureStore()
    const recorded: FeatureUpdate[] = []
    for (const batch of batches) {
      await live.apply(batch)
      recorded.push(...updatesOf(batch))
    }
    const unknown: FeatureUpdate = { id: 'retired#0', key: 'user-1', time: T0 }
    const restarted = new MemoryFeatureStore()
    restarted.replay([unknown, ...recorded], new Map(ALL.map((s) => [s.id, s])))
    expect(restarted.size()).toBe(live.size())
    expect(Buffer.compare(restarted.snapshot(), live.snapshot())).toBe(0)
    const end = batches.at(-1)!.time
    for (const time of [end, end + 10 * MINUTE, end + 2 * HOUR]) {
      expect(await readAll(restarted, time)).toEqual(await readAll(live, time))
    }
  })

  it('round-trips a snapshot: identical values, identical bytes', async () => {
    const store = new MemoryFeatureStore()
    for (const batch of workload(2, 4000)) await store.apply(batch)
    await store.apply({ time: T0, ops: [up(accounts, 'ключ-🔑', 'значение'), up(accounts, 'ключ-🔑', 42.5)] })
    // The hot IP has passed 1,024 accounts: its distinct state is in sketch mode.
    const [hot] = await store.apply({ time: T0 + 3999 * SECOND, ops: [read(accounts, 'ip-hot')] })
    expect(hot).toBeGreaterThan(1024)
    const bytes = store.snapshot()
    const restored = new MemoryFeatureStore()
    restored.restoreSnapshot(bytes)
    expect(restored.size()).toBe(store.size())
    expect(Buffer.compare(restored.snapshot(), bytes)).toBe(0)
    const end = T0 + 4000 * SECOND
    for (const time of [T0, end, end + 30 * MINUTE, end + 3 * HOUR]) {
      expect(await readAll(restored, time)).toEqual(await readAll(store, time))
    }
    expect(await restored.apply({ time: T0, ops: [read(accounts, 'ключ-🔑')] })).toEqual([2])
    // Both keep working the same way afterwards.
    for (const batch of workload(3, 500)) {
      expect(await restored.apply(batch)).toEqual(await store.apply(batch))
    }
  })

  it('restoring replaces whatever the store held', async () => {
    const empty = new MemoryFeatureStore().snapshot()
    const store = new MemoryFeatureStore()
    await store.apply({ time: T0, ops: [up(logins, 'u')] })
    store.restoreSnapshot(empty)
    expect(store.size()).toBe(0)
  })

  it('rejects a corrupt snapshot and keeps its state', async () => {
    const store = new MemoryFeatureStore()
    await store.apply({ time: T0, ops: [up(logins, 'u')] })
    const bytes = store.snapshot()
    expect(() => store.restoreSnapshot(Buffer.from('not a snapshot'))).toThrow(BulwarkError)
    expect(() => store.restoreSnapshot(bytes.subarray(0, bytes.length - 1))).toThrow(
      /corrupt feature snapshot/,
    )
    expect(() => store.restoreSnapshot(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(/trailing/)
    expect(store.size()).toBe(1)
  })

  describe('files', () => {
    let dir = ''
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'bulwark-features-'))
    })
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true })
    })

    it('saves atomically and loads back', async () => {
      const store = new MemoryFeatureStore()
      for (const batch of workload(4, 1000)) await store.apply(batch)
      const path = join(dir, 'features.snapshot')
      await writeFile(path, 'the previous snapshot')
      await store.saveSnapshot(path)
      expect(await readdir(dir)).toEqual(['features.snapshot']) // no temp file left behind
      const loaded = await MemoryFeatureStore.loadSnapshot(path)
      expect(Buffer.compare(loaded.snapshot(), store.snapshot())).toBe(0)
      await expect(MemoryFeatureStore.loadSnapshot(join(dir, 'missing'))).rejects.toThrow()
    })
  })
})

describe('bounds', () => {
  it('expire forgets keys idle past their retention (windows: past the window)', async () => {
    const store = new MemoryFeatureStore()
    const seenBriefly = spec('seen_1d#8', 'last_seen', 0, DAY)
    await store.apply({ time: T0, ops: [up(logins, 'old'), up(seenBriefly, 'old'), up(firstSeen, 'old')] })
    await store.apply({ time: T0 + 50 * MINUTE, ops: [up(logins, 'recent'), up(accounts, 'recent', 'x')] })
    expect(store.size()).toBe(5)
    expect(store.expire(T0 + 30 * MINUTE)).toBe(0)
    // 1 h 2 min after T0: the old count's window has emptied (granularity 1 min), the rest stay.
    expect(store.expire(T0 + HOUR + 2 * MINUTE)).toBe(1)
    expect(await store.apply({ time: T0 + HOUR + 2 * MINUTE, ops: [read(logins, 'recent')] })).toEqual([1])
    expect(store.expire(T0 + 2 * HOUR)).toBe(2)
    expect(store.expire(T0 + DAY + SECOND)).toBe(1)
    expect(store.size()).toBe(1) // first_seen keeps 30 days
    expect(store.expire(T0 + 31 * DAY)).toBe(1)
    expect(store.size()).toBe(0)
  })

  it('never expires a window that still reads a value', async () => {
    const store = new MemoryFeatureStore()
    const shortRetention = spec('count_1h_short#9', 'count', HOUR, MINUTE)
    await store.apply({ time: T0, ops: [up(shortRetention, 'k')] })
    expect(store.expire(T0 + 30 * MINUTE)).toBe(0)
    expect(await store.apply({ time: T0 + 30 * MINUTE, ops: [read(shortRetention, 'k')] })).toEqual([1])
  })

  it('caps the number of keys, evicting the least recently updated', async () => {
    const store = new MemoryFeatureStore({ maxKeys: 100 })
    let time = T0
    for (let i = 0; i < 100; i++) await store.apply({ time: time++, ops: [up(logins, `k${i}`)] })
    // k0..k9 are updated again; k10.. are not.
    for (let i = 0; i < 10; i++) await store.apply({ time: time++, ops: [up(logins, `k${i}`)] })
    for (let i = 100; i < 120; i++) await store.apply({ time: time++, ops: [up(logins, `k${i}`)] })
    expect(store.size()).toBe(100)
    expect(store.evictions()).toBe(20)
    const has = async (key: string) => (await store.apply({ time, ops: [read(logins, key)] }))[0] !== 0
    for (let i = 0; i < 10; i++) expect(await has(`k${i}`)).toBe(true)
    for (let i = 10; i < 30; i++) expect(await has(`k${i}`)).toBe(false)
    for (let i = 30; i < 120; i++) expect(await has(`k${i}`)).toBe(true)
  })

  it('when every key was updated since it joined, evicts the oldest after one lap', async () => {
    const store = new MemoryFeatureStore({ maxKeys: 3 })
    for (const key of ['a', 'b', 'c']) await store.apply({ time: T0, ops: [up(logins, key)] })
    for (const key of ['a', 'b', 'c']) await store.apply({ time: T0 + 1, ops: [up(logins, key)] })
    await store.apply({ time: T0 + 2, ops: [up(logins, 'd')] })
    const values = await store.apply({
      time: T0 + 2,
      ops: ['a', 'b', 'c', 'd'].map((key) => read(logins, key)),
    })
    expect(values).toEqual([0, 2, 2, 1])
  })

  it('stays under the cap through heavy churn and when restoring a larger snapshot', async () => {
    const big = new MemoryFeatureStore()
    for (let i = 0; i < 5000; i++)
      await big.apply({ time: T0 + i, ops: [up(logins, `k${i}`), up(lastSeen, `k${i}`)] })
    const small = new MemoryFeatureStore({ maxKeys: 1000 })
    small.restoreSnapshot(big.snapshot())
    expect(small.size()).toBe(1000)
    for (let i = 0; i < 5000; i++) await small.apply({ time: T0 + i, ops: [up(logins, `n${i % 1500}`)] })
    expect(small.size()).toBe(1000)
    expect(() => new MemoryFeatureStore({ maxKeys: 0 })).toThrow(BulwarkError)
  })

  it('holds 100,000 one-event keys in under 400 bytes each (key strings included)', async () => {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    gc()
    const before = process.memoryUsage().heapUsed
    const store = new MemoryFeatureStore()
    // Keys are built here, as an event's would be, so the strings the store keeps are counted.
    for (let i = 0; i < 100_000; i++)
      await store.apply({ time: T0 + i, ops: [up(logins, `device-${1e9 + i}`)] })
    gc()
    const perKey = (process.memoryUsage().heapUsed - before) / store.size()
    expect(store.size()).toBe(100_000)
    expect(perKey).toBeLessThan(400)
  })
})
