/**
 * The rule step of a decision: evaluate the rules that apply to the event's type, cheapest
 * first, each isolated (an error is recorded and counts as no match), then turn the hits into
 * an outcome: the most severe enforced outcome and the one the total score reaches on the
 * pack's thresholds, whichever is worse. Shadow hits are recorded but never change the outcome.
 */

import { type Outcome, outcomeRank, type RuleError, type RuleHit, worstOutcome } from '../core/domain.ts'
import { fnv1a } from '../core/ids.ts'
import { IpAddress } from '../core/net/ip.ts'
import type { Frame } from '../lang/compile/node.ts'
import { isCelError } from '../lang/runtime/values.ts'
import type { Pack, RulePlan } from '../policy/pack.ts'

/** Empty lists are one shared frozen array: most events hit no rule and none fails. */
export interface RuleResults {
  readonly hits: readonly RuleHit[]
  readonly errors: readonly RuleError[]
  readonly evaluated: number
  /** Enforced hits, for labels and actions. */
  readonly enforced: readonly RulePlan[]
}

const NONE: readonly never[] = Object.freeze([])
const NO_RULES: readonly RulePlan[] = NONE

/** Whether an entity falls inside a rule's rollout share (stable per rule and entity). */
export function inRollout(rule: RulePlan, pack: Pack, event: Record<string, unknown>): boolean {
  const r = rule.rollout
  if (!r || r.percent >= 100) return true
  const entity = pack.entities.get(r.entity)
  const raw = entity?.get(event)
  if (raw === undefined || raw === null) return false
  const id = raw instanceof IpAddress ? raw.toString() : String(raw)
  return (fnv1a(`${rule.id}\u001f${id}`) % 10_000) / 100 < r.percent
}

/**
 * A rule's hit without a note is the same every time it hits: one frozen object per rule and
 * mode, shared by the decisions that hold it (a replay keeps 100,000 recent decisions alive).
 */
const sharedHits = new WeakMap<RulePlan, { enforce?: RuleHit; shadow?: RuleHit }>()

function hitOf(rule: RulePlan, mode: 'enforce' | 'shadow'): RuleHit {
  let byMode = sharedHits.get(rule)
  if (byMode === undefined) {
    byMode = {}
    sharedHits.set(rule, byMode)
  }
  let hit = byMode[mode]
  if (hit === undefined) {
    hit = Object.freeze({
      rule: rule.id,
      mode,
      outcome: rule.outcome,
      score: rule.score,
      reason: rule.reason,
    })
    byMode[mode] = hit
  }
  return hit
}

export function evaluateRules(
  pack: Pack,
  event: Record<string, unknown>,
  frame: Frame,
  /** Rules the anomaly guard demoted to shadow at run time (src/enforcement/guard.ts). */
  demoted?: ReadonlySet<string>,
): RuleResults {
  const rules = pack.rulesByType.get(event.type as string) ?? NO_RULES
  // Allocated on the first hit or error only.
  let hits: RuleHit[] | undefined
  let errors: RuleError[] | undefined
  let enforced: RulePlan[] | undefined
  const evaluated = rules.length
  for (let i = 0; i < evaluated; i++) {
    const rule = rules[i]!
    const v = rule.program.evaluateFrame(frame)
    // Most rules do not match most events: that answer first, before any type test.
    if (v === false) continue
    if (v === true) {
      let mode: 'enforce' | 'shadow' = rule.mode === 'enforce' ? 'enforce' : 'shadow'
      let note: string | undefined
      if (mode === 'enforce' && rule.rollout && !inRollout(rule, pack, event)) {
        mode = 'shadow'
        note = `outside the ${rule.rollout.percent}% rollout by ${rule.rollout.entity}`
      }
      if (mode === 'enforce' && demoted !== undefined && demoted.size > 0 && demoted.has(rule.id)) {
        mode = 'shadow'
        note = 'demoted to shadow by the anomaly guard'
      }
      hits ??= []
      hits.push(
        note
          ? { rule: rule.id, mode, outcome: rule.outcome, score: rule.score, reason: rule.reason, note }
          : hitOf(rule, mode),
      )
      if (mode === 'enforce') {
        enforced ??= []
        enforced.push(rule)
      }
    } else if (isCelError(v)) {
      // The message without run-time values: they may be PII, and the decision is stored.
      errors ??= []
      errors.push({ rule: rule.id, code: v.code, message: v.redacted })
    } else {
      errors ??= []
      errors.push({
        rule: rule.id,
        code: 'EVAL_NO_OVERLOAD',
        message: `condition gave ${typeof v}, not bool`,
      })
    }
  }
  return { hits: hits ?? NONE, errors: errors ?? NONE, evaluated, enforced: enforced ?? NO_RULES }
}

export function outcomeOf(
  pack: Pack,
  enforced: readonly RulePlan[],
): { outcome: Outcome; score: number; reasons: readonly string[] } {
  let outcome: Outcome = 'allow'
  let total = 0
  let reasons: string[] | undefined
  for (const r of enforced) {
    outcome = worstOutcome(outcome, r.outcome)
    total += r.score
    if (r.score > 0 || r.outcome !== 'allow') {
      reasons ??= []
      reasons.push(r.reason)
    }
  }
  const score = Math.min(100, total)
  const t = pack.thresholds
  const byScore: Outcome =
    score >= t.block ? 'block' : score >= t.review ? 'review' : score >= t.challenge ? 'challenge' : 'allow'
  return {
    outcome: outcomeRank(byScore) > outcomeRank(outcome) ? byScore : outcome,
    score,
    reasons: reasons ?? NONE,
  }
}
