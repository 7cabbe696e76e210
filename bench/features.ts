/**
 * `node --import tsx bench/features.ts`: nanoseconds per feature op in the embedded store
 * (update + read of one op, as a decision does), beside baselines in the same run: a plain
 * Map<string, number> increment keyed by the entity key (the floor: one hash lookup), and the
 * same keyed by `${spec.id}\u0000${key}` (what a single composite-keyed Map pays). 100,000 keys,
 * event time advancing 10 ms per event so buckets roll over as in production. Also a batch of 8
 * mixed ops (5 updates, 3 reads) on one entity per event, and a hot distinct key in HLL mode.
 * Keys are cycled through in order, so every lookup misses the CPU cache: a worst case.
 *
 * Then the store's two whole-store walks at 1,000,000 keys, in one go (the baseline: what held the
 * event loop before 2026-12-04) and in slices (what the server runs): the snapshot and the expiry,
 * each as total ms and the longest single turn of the event loop while it ran.
 *
 * Last line: {"map_increment_ns", "map_composite_ns", "count_ns", "sum_ns", "distinct_ns",
 * "first_seen_ns", "last_seen_ns", "mixed8_per_op_ns", "distinct_hll_ns"} (medians), then
 * "snapshot_ms", "snapshot_sliced_turn_ms", "expire_ms", "expire_sliced_turn_ms".
 */

import { MemoryFeatureStore } from '../src/features/memory.ts'
import type { FeatureOp, FeatureSpec } from '../src/features/types.ts'
import { spec } from '../test/features/spec.ts'

const KEYS = 100_000
const N = 1_000_000
const SAMPLES = 7
const HOUR = 3_600_000
const DAY = 24 * HOUR

const specs = {
  count: spec('logins_1h#a1', 'count', HOUR),
  sum: spec('amount_1h#b2', 'sum', HOUR),
  distinct: spec('accounts_per_ip_24h#c3', 'distinct', DAY),
  firstSeen: spec('first_seen#d4', 'first_seen', 0, 90 * DAY),
  lastSeen: spec('last_login#e5', 'last_seen', 0, 90 * DAY),
}

const keys = Array.from({ length: KEYS }, (_, i) => `user-${(i * 2654435761) % 1e9}`)
const values = Array.from({ length: 64 }, (_, i) => `actor-${i * 7919}`)
const hllValues = Array.from({ length: 200_000 }, (_, i) => `v-${i}`)

/** Runs `body` for N iterations SAMPLES times; the median ns per iteration. */
function measure(body: (i: number) => void): number {
  for (let i = 0; i < N / 4; i++) body(i)
  const samples: number[] = []
  for (let s = 0; s < SAMPLES; s++) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < N; i++) body(i)
    samples.push(Number(process.hrtime.bigint() - t0) / N)
  }
  return samples.sort((a, b) => a - b)[SAMPLES >> 1]!
}

function op(featureSpec: FeatureSpec, key: string, update: boolean, value?: number | string): FeatureOp {
  return value === undefined ? { spec: featureSpec, key, update } : { spec: featureSpec, key, update, value }
}

/** One op per event against a fresh store: the batch object and ops are reused, as a plan would. */
function single(featureSpec: FeatureSpec, value: (i: number) => number | string | undefined): number {
  const store = new MemoryFeatureStore()
  const ops = keys.map((key, i) => op(featureSpec, key, true, value(i)))
  const batch = { time: 1.7e12, ops: [ops[0]!] }
  let time = 1.7e12
  return measure((i) => {
    time += 10
    batch.time = time
    batch.ops[0] = ops[i % KEYS]!
    void store.apply(batch)
  })
}

function mapIncrement(composite: boolean): number {
  const map = new Map<string, number>()
  const id = specs.count.id
  return measure((i) => {
    const key = composite ? `${id}\u0000${keys[i % KEYS]!}` : keys[i % KEYS]!
    map.set(key, (map.get(key) ?? 0) + 1)
  })
}

function mixed(): number {
  const store = new MemoryFeatureStore()
  const events = keys.map((key, i) => [
    op(specs.count, key, true),
    op(specs.sum, key, true, (i % 100) + 0.5),
    op(specs.distinct, key, true, values[i % values.length]!),
    op(specs.firstSeen, key, true),
    op(specs.lastSeen, key, true),
    op(spec('logins_1h_other#f6', 'count', HOUR), key, false),
    op(spec('max_amount_1h#g7', 'max', HOUR), key, false),
    op(spec('min_amount_1h#h8', 'min', HOUR), key, false),
  ])
  const batch = { time: 1.7e12, ops: events[0]! }
  let time = 1.7e12
  return (
    measure((i) => {
      time += 10
      batch.time = time
      batch.ops = events[i % KEYS]!
      void store.apply(batch)
    }) / 8
  )
}

function hotDistinct(): number {
  const store = new MemoryFeatureStore()
  const ops = hllValues.map((value) => op(specs.distinct, 'ip-10.0.0.1', true, value))
  const batch = { time: 1.7e12, ops: [ops[0]!] }
  let time = 1.7e12
  return measure((i) => {
    time += 10
    batch.time = time
    batch.ops[0] = ops[i % ops.length]!
    void store.apply(batch)
  })
}

const result = {
  map_increment_ns: mapIncrement(false),
  map_composite_ns: mapIncrement(true),
  count_ns: single(specs.count, () => undefined),
  sum_ns: single(specs.sum, (i) => (i % 100) + 0.5),
  distinct_ns: single(specs.distinct, (i) => values[i % values.length]!),
  first_seen_ns: single(specs.firstSeen, () => undefined),
  last_seen_ns: single(specs.lastSeen, () => undefined),
  mixed8_per_op_ns: mixed(),
  distinct_hll_ns: hotDistinct(),
}
const rounded = Object.fromEntries(Object.entries(result).map(([k, v]) => [k, Math.round(v * 10) / 10]))

/** A store of `n` keys over five kinds, and the time of its last update. */
function bigStore(n: number): { store: MemoryFeatureStore; time: number } {
  const kinds = [specs.count, specs.sum, specs.distinct, specs.firstSeen, specs.lastSeen]
  const store = new MemoryFeatureStore()
  let time = 1.7e12
  for (let i = 0; i < n; i++) {
    const s = kinds[i % kinds.length]!
    time += 5
    store.applySync({ time, ops: [op(s, `key-${i}`, true, s.kind === 'distinct' ? values[i % 64] : 3)] })
  }
  return { store, time }
}

/** Runs `work` and reports its ms and the longest turn of the event loop while it ran. */
async function walked(work: () => unknown): Promise<{ ms: number; turnMs: number }> {
  let last = performance.now()
  let longest = 0
  let running = true
  const tick = () => {
    const now = performance.now()
    longest = Math.max(longest, now - last)
    last = now
    if (running) setImmediate(tick)
  }
  setImmediate(tick)
  const t0 = performance.now()
  await work()
  const ms = performance.now() - t0
  running = false
  await new Promise((resolve) => setImmediate(resolve))
  return { ms, turnMs: Math.max(longest, performance.now() - last) }
}

const BIG = 1_000_000
const big = bigStore(BIG)
const oneGo = await walked(() => big.store.snapshot())
const sliced = await walked(() => big.store.snapshotInSlices())
// The same expiry on two identical stores, two days on (every windowed key goes): one pass, then in slices.
const twin = bigStore(BIG)
const expireAt = big.time + 2 * DAY
const expired = await walked(() => big.store.expire(expireAt))
const expiredSliced = await walked(() => twin.store.expireInSlices(expireAt))
const walks = {
  snapshot_ms: Math.round(oneGo.ms),
  snapshot_sliced_turn_ms: Math.round(sliced.turnMs * 10) / 10,
  expire_ms: Math.round(expired.ms),
  expire_sliced_turn_ms: Math.round(expiredSliced.turnMs * 10) / 10,
}

console.log(`ns per op (update + read), median of ${SAMPLES} samples of ${N} ops, ${KEYS} keys:`)
for (const [name, ns] of Object.entries(rounded)) {
  const ratio = name === 'map_increment_ns' ? '' : `  (${(ns / rounded.map_increment_ns!).toFixed(1)}× map)`
  console.log(`  ${name.replace(/_ns$/, '').padEnd(18)} ${String(ns).padStart(7)}${ratio}`)
}
console.log(`whole-store walks at ${BIG} keys, in one go / longest turn of the loop in slices:`)
console.log(`  snapshot           ${walks.snapshot_ms} ms / ${walks.snapshot_sliced_turn_ms} ms`)
console.log(`  expire             ${walks.expire_ms} ms / ${walks.expire_sliced_turn_ms} ms`)
console.log(JSON.stringify({ ...rounded, ...walks }))
