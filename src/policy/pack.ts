/**
 * A loaded policy pack: everything checked and compiled, ready for the engine. Immutable; a new
 * version replaces it as a whole (the engine swaps one reference), so a decision never sees
 * half of one pack and half of another.
 */

import type { Outcome, RuleMode, RuleSkip } from '../core/domain.ts'
import type { FeatureSpec } from '../features/types.ts'
import type { Program } from '../lang/program.ts'
import type { Type } from '../lang/types.ts'
import type { EventTypePlan } from './events.ts'
import type { DerivedFeature, FeaturePlan } from './features.ts'
import type { ListPlan } from './lists.ts'

/** Slots of the evaluation frame every program of a pack shares, in order. */
export const FRAME_VARIABLES = ['event', 'features', 'lists', 'labels', 'models', 'now'] as const
export const SLOT = { event: 0, features: 1, lists: 2, labels: 3, models: 4, now: 5 } as const

export interface EntityPlan {
  readonly name: string
  /** Dotted path of the entity id in events. */
  readonly path: string
  readonly get: (event: Record<string, unknown>) => unknown
  /** Event types that carry the path. */
  readonly types: ReadonlySet<string>
  /** The id is PII in some event type (stored pseudonymised). */
  readonly pii: boolean
  /** Label names readable as labels.<entity>.<name>. */
  readonly labels: readonly string[]
  /** What rules read for an entity with none of its labels set (shared, frozen). */
  readonly noLabels: Readonly<Record<string, boolean>>
}

export interface LabelToSet {
  readonly entity: string
  readonly name: string
  /** Milliseconds, or undefined for no expiry. */
  readonly ttlMs?: number
}

export interface RulePlan {
  readonly id: string
  readonly description?: string
  readonly area?: string
  readonly mode: RuleMode
  readonly on: ReadonlySet<string>
  readonly program: Program
  readonly outcome: Outcome
  readonly score: number
  readonly reason: string
  readonly labels: readonly LabelToSet[]
  readonly rollout?: { readonly percent: number; readonly entity: string }
  /** Where the rule is defined, for traces: `rules/spam.yaml:12`. */
  readonly location: string
}

export interface PackTestStep {
  readonly event: Record<string, unknown>
  readonly afterMs: number
  readonly repeat: number
  readonly expect?: {
    readonly outcome?: Outcome
    readonly hits?: readonly string[]
    readonly not_hits?: readonly string[]
    readonly score?: number
    readonly features?: Readonly<Record<string, unknown>>
  }
  /** `tests/signup.yaml:14` */
  readonly location: string
}

export interface PackTest {
  readonly name: string
  readonly file: string
  readonly start: number
  readonly steps: readonly PackTestStep[]
}

export interface Pack {
  readonly name: string
  readonly description?: string
  /** Content hash of the pack's files. */
  readonly version: string
  readonly files: Readonly<Record<string, string>>
  readonly eventTypes: ReadonlyMap<string, EventTypePlan>
  readonly entities: ReadonlyMap<string, EntityPlan>
  readonly thresholds: { readonly challenge: number; readonly review: number; readonly block: number }
  readonly features: readonly FeaturePlan[]
  readonly derived: readonly DerivedFeature[]
  readonly featureSpecs: ReadonlyMap<string, FeatureSpec>
  readonly featuresType: Type
  readonly lists: ReadonlyMap<string, ListPlan>
  readonly rules: readonly RulePlan[]
  /** Rules applicable to each event type that are not off, cheapest first. */
  readonly rulesByType: ReadonlyMap<string, readonly RulePlan[]>
  /** Rules applicable to each event type that are switched off, for decision traces. */
  readonly skippedByType: ReadonlyMap<string, readonly RuleSkip[]>
  readonly tests: readonly PackTest[]
  /** Frame length every program fits in. */
  readonly frameSize: number
}
