/**
 * Sliding-window state for count / sum / min / max. A window of length W is cut into n buckets
 * of W/n (n = 60, fewer when W/60 would be under 1 s), bucket = floor(time · n / W) — exact in
 * integer arithmetic — and a read at `now` aggregates the buckets in (bucket(now) - n,
 * bucket(now)]: an event leaves the window between W - W/n and W after it happened.
 *
 * Buckets are kept sparsely because most keys see few events: one flat number array
 * [index, value, index, value, …], oldest first, holding only buckets within one window of the
 * newest (so at most n ≤ 60 pairs). Counts stay small integers and sums plain doubles, so V8
 * stores the array unboxed. Events may arrive out of order: each lands in its own time's bucket;
 * one older than the window (relative to the newest bucket) is ignored, as no read can see it.
 */

import type { ByteReader, ByteWriter } from './snapshot.ts'
import { StoredKey } from './state.ts'
import type { FeatureSpec } from './types.ts'

export const MAX_BUCKETS = 60
export const MIN_BUCKET_MS = 1000

export type WindowKind = 'count' | 'sum' | 'min' | 'max'

/** How many buckets a window is cut into: 60, or fewer so that none is shorter than 1 s. */
export function bucketsPerWindow(windowMs: number): number {
  return Math.max(1, Math.min(MAX_BUCKETS, Math.floor(windowMs / MIN_BUCKET_MS)))
}

/** The bucket holding `time`: floor(time / (W / n)), exact as long as time · n < 2^53. */
export function bucketOf(time: number, buckets: number, windowMs: number): number {
  return Math.floor((time * buckets) / windowMs)
}

function combine(kind: WindowKind, current: number, value: number): number {
  switch (kind) {
    case 'count':
      return current + 1
    case 'sum':
      return current + value
    case 'min':
      return Math.min(value, current)
    case 'max':
      return Math.max(value, current)
  }
}

/**
 * Folds one event into a sparse bucket array (see the module comment); `n` buckets per window.
 * `value` is ignored by count. Used by windows here and by distinct's per-bucket tallies.
 */
export function addToBuckets(
  buckets: number[],
  index: number,
  n: number,
  kind: WindowKind,
  value: number,
): void {
  const length = buckets.length
  const first = kind === 'count' ? 1 : value
  if (length === 0) {
    buckets.push(index, first)
    return
  }
  const newest = buckets[length - 2]!
  if (index === newest) {
    buckets[length - 1] = combine(kind, buckets[length - 1]!, value)
    return
  }
  if (index > newest) {
    appendDropping(buckets, index, first, index - n)
    return
  }
  if (index <= newest - n) return
  let at = length - 4
  while (at >= 0 && buckets[at]! > index) at -= 2
  if (at >= 0 && buckets[at] === index) {
    buckets[at + 1] = combine(kind, buckets[at + 1]!, value)
    return
  }
  // Open a gap after `at` by shifting the newer pairs up one place.
  buckets.push(0, 0)
  for (let i = length - 1; i > at + 1; i--) buckets[i + 2] = buckets[i]!
  buckets[at + 2] = index
  buckets[at + 3] = first
}

/**
 * Appends a pair after removing those whose bucket index is ≤ `limit` (all at the front: the
 * array is sorted). When one pair leaves as one arrives — the steady state of a busy key — the
 * length never changes, so V8 neither trims nor regrows the backing store.
 */
function appendDropping(buckets: number[], index: number, value: number, limit: number): void {
  const length = buckets.length
  let stale = 0
  while (stale < length && buckets[stale]! <= limit) stale += 2
  if (stale === 0) {
    buckets.push(index, value)
    return
  }
  for (let i = stale; i < length; i++) buckets[i - stale] = buckets[i]!
  const end = length - stale
  buckets[end] = index
  buckets[end + 1] = value
  if (stale > 2) buckets.length = end + 2
}

/**
 * Aggregates the buckets with lowest < index ≤ highest: count/sum add up (0 when none), min/max
 * give undefined when none. Walks newest first, so a read at the newest time stops early.
 */
export function readBuckets(
  buckets: readonly number[],
  lowest: number,
  highest: number,
  kind: WindowKind,
): number | undefined {
  let at = buckets.length - 2
  while (at >= 0 && buckets[at]! > highest) at -= 2
  if (kind === 'count' || kind === 'sum') {
    let total = 0
    for (; at >= 0 && buckets[at]! > lowest; at -= 2) total += buckets[at + 1]!
    return total
  }
  let result: number | undefined
  for (; at >= 0 && buckets[at]! > lowest; at -= 2) {
    const value = buckets[at + 1]!
    if (result === undefined || (kind === 'min' ? value < result : value > result)) result = value
  }
  return result
}

/** One key's window: its spec, its place in the store (state.ts) and its buckets. */
export class WindowState extends StoredKey {
  readonly buckets: number[]

  constructor(spec: FeatureSpec, key: string, recent: boolean, buckets: number[]) {
    super(spec, key, recent)
    this.buckets = buckets
  }
}

/** Records one event at `time` (value for sum/min/max). */
export function windowAdd(state: WindowState, kind: WindowKind, time: number, value: number): void {
  const windowMs = state.spec.windowMs
  const n = bucketsPerWindow(windowMs)
  addToBuckets(state.buckets, bucketOf(time, n, windowMs), n, kind, value)
}

/** The window's value as of `now`: events in (now - W, now] at bucket granularity. */
export function windowRead(state: WindowState, kind: WindowKind, now: number): number | undefined {
  const windowMs = state.spec.windowMs
  const n = bucketsPerWindow(windowMs)
  const current = bucketOf(now, n, windowMs)
  return readBuckets(state.buckets, current - n, current, kind)
}

/** The end of the newest bucket: no event in this window happened at or after it. */
export function windowLastTime(state: WindowState): number {
  const buckets = state.buckets
  if (buckets.length === 0) return Number.NEGATIVE_INFINITY
  const windowMs = state.spec.windowMs
  return ((buckets[buckets.length - 2]! + 1) * windowMs) / bucketsPerWindow(windowMs)
}

/** Snapshot form: pair count, first index, index deltas, then values (varints for counts). */
export function writeWindow(out: ByteWriter, state: WindowState, kind: WindowKind): void {
  const buckets = state.buckets
  out.varint(buckets.length / 2)
  let previous = 0
  for (let i = 0; i < buckets.length; i += 2) {
    out.svarint(buckets[i]! - previous)
    previous = buckets[i]!
  }
  for (let i = 1; i < buckets.length; i += 2) {
    if (kind === 'count') out.varint(buckets[i]!)
    else out.f64(buckets[i]!)
  }
}

export function readWindow(
  input: ByteReader,
  spec: FeatureSpec,
  key: string,
  kind: WindowKind,
  recent: boolean,
): WindowState {
  const pairs = input.varint()
  const buckets: number[] = new Array(pairs * 2)
  let index = 0
  for (let i = 0; i < pairs; i++) {
    index += input.svarint()
    buckets[i * 2] = index
  }
  for (let i = 0; i < pairs; i++) buckets[i * 2 + 1] = kind === 'count' ? input.varint() : input.f64()
  return new WindowState(spec, key, recent, buckets)
}
