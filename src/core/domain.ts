/**
 * Shared domain types: the event envelope, outcomes and their ladder, rule modes, and the
 * decision Bulwark answers with. Every layer speaks these; none of them does I/O.
 */

/** Outcomes, from least to most severe. The ladder order is the array order. */
export const OUTCOMES = ['allow', 'challenge', 'review', 'block'] as const
export type Outcome = (typeof OUTCOMES)[number]

export function outcomeRank(outcome: Outcome): number {
  return OUTCOMES.indexOf(outcome)
}

/** The more severe of two outcomes. */
export function worstOutcome(a: Outcome, b: Outcome): Outcome {
  return outcomeRank(a) >= outcomeRank(b) ? a : b
}

export function isOutcome(value: unknown): value is Outcome {
  return typeof value === 'string' && (OUTCOMES as readonly string[]).includes(value)
}

/** How a rule takes part in decisions: enforce changes the outcome, shadow only records its hits. */
export const RULE_MODES = ['enforce', 'shadow', 'off'] as const
export type RuleMode = (typeof RULE_MODES)[number]

/** One envelope for every event type; type-specific fields sit beside these. */
export interface EventEnvelope {
  readonly type: string
  /** Client-supplied id; a repeated id is answered with the recorded decision. */
  readonly id?: string
  /** Event time (RFC 3339); defaults to the time of receipt. */
  readonly time?: string
  readonly actor: { readonly id: string; readonly [field: string]: unknown }
  readonly [field: string]: unknown
}

/** A rule that matched, enforced or in shadow. */
export interface RuleHit {
  readonly rule: string
  readonly mode: 'enforce' | 'shadow'
  readonly outcome: Outcome
  readonly score: number
}

/** A rule whose condition could not be evaluated; it counts as not matched. */
export interface RuleError {
  readonly rule: string
  readonly code: string
  readonly message: string
}

export interface Decision {
  readonly eventId: string
  readonly outcome: Outcome
  readonly score: number
  /** Human-readable reasons, one per enforced hit. */
  readonly reasons: readonly string[]
  readonly hits: readonly RuleHit[]
  readonly errors: readonly RuleError[]
  readonly policyVersion: string
  readonly latencyMs: number
}
