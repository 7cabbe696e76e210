/**
 * The evaluation over time: the per-minute counts merged into at most MAX_BUCKETS buckets of a
 * round width (a minute up to a week), each with the share of damage prevented per area and the
 * benign friction in that interval — what the HTML report draws.
 */

import type { BucketTally } from './tallies.ts'
import { ratio } from './tally.ts'

const MAX_BUCKETS = 48
const MINUTES = [1, 5, 15, 30, 60, 180, 360, 720, 1440, 10080]

export interface TimelineBucket {
  /** Start of the bucket (RFC 3339). */
  readonly start: string
  /** Per area with malicious events in the bucket: damage prevented in it (0..1). */
  readonly damage_prevented: Readonly<Record<string, number | null>>
  readonly benign_events: number
  /** Share of the bucket's benign events with friction, null without any. */
  readonly benign_friction: number | null
}

export interface Timeline {
  readonly bucket_minutes: number
  readonly buckets: readonly TimelineBucket[]
}

export function timelineOf(minutes: ReadonlyMap<number, BucketTally>): Timeline {
  if (minutes.size === 0) return { bucket_minutes: 1, buckets: [] }
  let first = Number.POSITIVE_INFINITY
  let last = Number.NEGATIVE_INFINITY
  for (const m of minutes.keys()) {
    if (m < first) first = m
    if (m > last) last = m
  }
  const width = MINUTES.find((w) => (last - first + 1) / w <= MAX_BUCKETS) ?? MINUTES[MINUTES.length - 1]!
  const start = Math.floor(first / width) * width
  const merged = new Map<
    number,
    { areas: Map<string, { damage: number; stopped: number }>; b: number; f: number }
  >()
  for (const [m, t] of minutes) {
    const k = Math.floor((m - start) / width)
    let into = merged.get(k)
    if (!into) {
      into = { areas: new Map(), b: 0, f: 0 }
      merged.set(k, into)
    }
    into.b += t.benignEvents
    into.f += t.benignFriction
    for (const [area, d] of t.areas) {
      const a = into.areas.get(area) ?? { damage: 0, stopped: 0 }
      a.damage += d.damage
      a.stopped += d.stopped
      into.areas.set(area, a)
    }
  }
  const count = Math.floor((last - start) / width) + 1
  const buckets: TimelineBucket[] = []
  for (let k = 0; k < count; k++) {
    const t = merged.get(k)
    const damagePrevented: Record<string, number | null> = {}
    for (const [area, d] of t?.areas ?? []) damagePrevented[area] = ratio(d.stopped, d.damage)
    buckets.push({
      start: new Date((start + k * width) * 60_000).toISOString(),
      damage_prevented: damagePrevented,
      benign_events: t?.b ?? 0,
      benign_friction: ratio(t?.f ?? 0, t?.b ?? 0),
    })
  }
  return { bucket_minutes: width, buckets }
}
