/**
 * Small counters shared by evaluation and backtests: outcome friction tallies and safe ratios.
 * A ratio whose denominator is 0 is null ("not measurable"), never 0 or NaN.
 */

import type { Outcome } from '../core/domain.ts'

/** Ratio rounded to 6 decimals, or null when nothing was measured. */
export function ratio(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part / whole) * 1e6) / 1e6 : null
}

/** How many events got each non-allow outcome. */
export interface Friction {
  events: number
  challenged: number
  reviewed: number
  blocked: number
}

export const emptyFriction = (): Friction => ({ events: 0, challenged: 0, reviewed: 0, blocked: 0 })

export function countOutcome(f: Friction, outcome: Outcome): void {
  f.events++
  if (outcome === 'challenge') f.challenged++
  else if (outcome === 'review') f.reviewed++
  else if (outcome === 'block') f.blocked++
}

export function addFriction(into: Friction, from: Friction): void {
  into.events += from.events
  into.challenged += from.challenged
  into.reviewed += from.reviewed
  into.blocked += from.blocked
}

/** Events with any outcome other than allow. */
export const frictionCount = (f: Friction): number => f.challenged + f.reviewed + f.blocked

/** Get-or-create for maps of mutable tallies. */
export function upsert<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let v = map.get(key)
  if (v === undefined) {
    v = create()
    map.set(key, v)
  }
  return v
}
