/**
 * first_seen / last_seen. first_seen is the earliest time recorded for the key, the current
 * event included (so it is never undefined once the event updated it). last_seen is the time of
 * the previous matching event, BEFORE the current one — "time since last login" — and undefined
 * on the first. Both remember their latest update so idle keys can be forgotten after retention.
 *
 * last_seen keeps, besides the latest time, the latest time as it stood before the current batch
 * (`before`) and which batch last updated it (`stamp`): a read in the batch that updated the key
 * answers `before`, any later read answers the latest time. A late (out-of-order) event therefore
 * reads the newest other sighting, even if that is later than itself.
 */

import type { ByteReader, ByteWriter } from './snapshot.ts'
import { StoredKey } from './state.ts'
import type { FeatureSpec } from './types.ts'

export class FirstSeenState extends StoredKey {
  first: number
  last: number

  constructor(spec: FeatureSpec, key: string, recent: boolean, first: number, last: number) {
    super(spec, key, recent)
    this.first = first
    this.last = last
  }
}

export function firstSeenAdd(state: FirstSeenState, time: number): void {
  if (time < state.first) state.first = time
  if (time > state.last) state.last = time
}

export class LastSeenState extends StoredKey {
  /** Latest update time. */
  last: number
  /** `last` as it was before the batch `stamp` updated it; NaN when there was none. */
  before: number
  stamp: number

  constructor(spec: FeatureSpec, key: string, recent: boolean, last: number, before: number, stamp: number) {
    super(spec, key, recent)
    this.last = last
    this.before = before
    this.stamp = stamp
  }
}

/** Records a sighting at `time` by batch `stamp` (repeats within one batch count once). */
export function lastSeenAdd(state: LastSeenState, time: number, stamp: number): void {
  if (state.stamp !== stamp) {
    state.before = state.last
    state.stamp = stamp
  }
  if (time > state.last) state.last = time
}

/** The previous sighting as seen by batch `stamp`. */
export function lastSeenRead(state: LastSeenState, stamp: number): number | undefined {
  const time = state.stamp === stamp ? state.before : state.last
  return Number.isNaN(time) ? undefined : time
}

export function writeFirstSeen(out: ByteWriter, state: FirstSeenState): void {
  out.f64(state.first)
  out.f64(state.last)
}

export function readFirstSeen(
  input: ByteReader,
  spec: FeatureSpec,
  key: string,
  recent: boolean,
): FirstSeenState {
  const first = input.f64()
  return new FirstSeenState(spec, key, recent, first, input.f64())
}

/** Only the latest time is kept: `before` matters only within the batch that set it. */
export function writeLastSeen(out: ByteWriter, state: LastSeenState): void {
  out.f64(state.last)
}

/** `stamp` must be one no batch will use again, so reads answer the latest time. */
export function readLastSeen(
  input: ByteReader,
  spec: FeatureSpec,
  key: string,
  recent: boolean,
  stamp: number,
): LastSeenState {
  return new LastSeenState(spec, key, recent, input.f64(), Number.NaN, stamp)
}
