/**
 * Escalation ladders: strikes in force → the step reached. Decay model: each strike counts with
 * its weight for `decay` after it was given, then not at all (a sliding window: simple to
 * explain to a user — "a strike expires after 30 days" — and to audit). The step reached is the
 * highest whose `at` is at most the total weight in force. Pure.
 */

import type { LadderPlan, LadderStep } from './types.ts'

export interface StrikeInForce {
  readonly weight: number
  /** When it was given (ms). */
  readonly at: number
}

/** Total weight of the strikes still in force at `now`. */
export function strikesInForce(ladder: LadderPlan, strikes: readonly StrikeInForce[], now: number): number {
  let total = 0
  for (const s of strikes) if (s.at <= now && now < s.at + ladder.decayMs) total += s.weight
  return total
}

/** The highest step reached by `total`, or undefined below the first. */
export function stepAt(ladder: LadderPlan, total: number): LadderStep | undefined {
  let reached: LadderStep | undefined
  for (const s of ladder.steps) if (total >= s.at) reached = s
  return reached
}

/** Steps newly reached going from `before` to `after` strikes (the highest last). */
export function stepsCrossed(ladder: LadderPlan, before: number, after: number): LadderStep[] {
  return ladder.steps.filter((s) => s.at > before && s.at <= after)
}
