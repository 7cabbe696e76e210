/**
 * What "stopped" means, in one place. An action is stopped when its decision's outcome is at or
 * above STOP_OUTCOME on the ladder (allow < challenge < review < block). The default is
 * `challenge`: a challenge is a step automation does not pass, a review holds the action until a
 * person looks, a block refuses it — only `allow` lets the action through. Every metric (damage
 * prevented, recall, precision, friction, time to detect, backtest flips) reads this constant.
 */

import { type Decision, type Outcome, outcomeRank } from '../core/domain.ts'
import { outcomeOf } from '../engine/rules.ts'
import type { Pack, RulePlan } from '../policy/pack.ts'

/** The least severe outcome that stops an action. */
export const STOP_OUTCOME: Outcome = 'challenge'

const STOP_RANK = outcomeRank(STOP_OUTCOME)

/** Whether an outcome stops the action. */
export const stops = (outcome: Outcome): boolean => outcomeRank(outcome) >= STOP_RANK

/**
 * The enforced rules that stopped a decision: those whose own outcome stops; when only the score
 * thresholds stopped it, every enforced rule that added score. Empty when the decision allowed.
 */
export function stoppingRules(decision: Decision): string[] {
  if (!stops(decision.outcome)) return []
  const own: string[] = []
  const scored: string[] = []
  for (const h of decision.hits) {
    if (h.mode !== 'enforce') continue
    if (stops(h.outcome)) own.push(h.rule)
    else if (h.score > 0) scored.push(h.rule)
  }
  return own.length ? own : scored
}

/**
 * The outcome had the decision's shadow hits been enforced too, computed the way the engine
 * computes outcomes (worst rule outcome, then the score thresholds).
 */
export function outcomeWithShadow(
  pack: Pack,
  rules: ReadonlyMap<string, RulePlan>,
  decision: Decision,
): Outcome {
  let shadow = false
  for (const h of decision.hits) if (h.mode === 'shadow') shadow = true
  if (!shadow) return decision.outcome
  const all: RulePlan[] = []
  for (const h of decision.hits) {
    const rule = rules.get(h.rule)
    if (rule) all.push(rule)
  }
  return outcomeOf(pack, all).outcome
}
