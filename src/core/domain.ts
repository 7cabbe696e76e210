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
  readonly reason: string
  /** Why an enforce-mode rule only counted as shadow (e.g. outside its rollout share). */
  readonly note?: string
}

/** A rule whose condition could not be evaluated; it counts as not matched. */
export interface RuleError {
  readonly rule: string
  readonly code: string
  readonly message: string
}

/** A rule that applied to the event type but was not evaluated, and why. */
export interface RuleSkip {
  readonly rule: string
  readonly reason: string
}

/** A label a decision set on an entity. */
export interface LabelSet {
  readonly entity: string
  readonly id: string
  readonly name: string
  /** RFC 3339 expiry, or absent for none. */
  readonly expiresAt?: string
}

/** A model scored for a decision: its scores, how it was served, and the input row it saw. */
export interface ModelScore {
  readonly model: string
  /** Content hash of the champion's file. */
  readonly version: string
  readonly mode: 'enforce' | 'shadow'
  /** Whose score rules read: the champion, the challenger (canary share), or none (shadow, rollout). */
  readonly served: 'champion' | 'challenger' | 'none'
  /** The champion's score; null when it could not score. */
  readonly score: number | null
  readonly challenger?: { readonly version: string; readonly score: number | null }
  /** The model inputs as the model saw them (null: missing), for point-in-time training data. */
  readonly inputs: Readonly<Record<string, number | null>>
  readonly missing: number
  readonly latencyUs: number
  readonly error?: string
}

/** Bulwark's answer for one event, with the trace that explains it. */
export interface Decision {
  readonly eventId: string
  readonly eventType: string
  readonly outcome: Outcome
  /** Sum of the enforced hits' scores, capped at 100. */
  readonly score: number
  /** Human-readable reasons, one per enforced hit that raised the outcome or score. */
  readonly reasons: readonly string[]
  readonly hits: readonly RuleHit[]
  readonly errors: readonly RuleError[]
  readonly skipped: readonly RuleSkip[]
  /** How many rules were evaluated. */
  readonly evaluated: number
  /** Feature values the rules saw. */
  readonly features: Readonly<Record<string, unknown>>
  /** Models scored (absent when the pack scores none for this event type). */
  readonly models?: readonly ModelScore[]
  readonly labels: readonly LabelSet[]
  /** Fields the event carried that the schema does not declare (ignored, not stored). */
  readonly ignoredFields: readonly string[]
  /** Seconds the client should wait before retrying (a `throttle` action of an enforced rule). */
  readonly retryAfter?: number
  readonly policyVersion: string
  /** Time spent deciding, in milliseconds (excluding the durable write). */
  readonly latencyMs: number
  /** RFC 3339 time of the event. */
  readonly time: string
}
