/**
 * A loaded policy pack: everything checked and compiled, ready for the engine. Immutable; a new
 * version replaces it as a whole (the engine swaps one reference), so a decision never sees
 * half of one pack and half of another.
 */

import type { Outcome, RuleMode, RuleSkip } from '../core/domain.ts'
import type { FeatureSpec } from '../features/types.ts'
import type { Program } from '../lang/program.ts'
import type { Type } from '../lang/types.ts'
import type { ModelDecl } from '../models/pack.ts'
import type { ModelStage } from '../models/stage.ts'
import type { ActionSpec, EnforcementPlan, RuleSafety } from './actions.ts'
import type { EventTypePlan } from './events.ts'
import type { DerivedFeature, FeaturePlan, KeyPart } from './features.ts'
import type { ListPlan } from './lists.ts'
import type { ReviewPlan } from './review-queues.ts'

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
  /** Actions an enforced hit emits (then.actions; see policy/actions.ts). */
  readonly actions?: readonly ActionSpec[]
  /** Daily action cap and anomaly-guard demotion for this rule. */
  readonly safety?: RuleSafety
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

/**
 * A value a decision reads from the event once and then shares: an entity id or a feature's key
 * part or distinct value, as text (pseudonymised when PII).
 */
export interface EventPart extends KeyPart {
  /**
   * How a non-IP object value is written: as JSON (feature keys) or with String() (entity ids).
   * Parts whose field is a string, number, bool or IP read the same either way.
   */
  readonly objects: 'json' | 'string'
}

/** A feature as a decision on one event type computes it. */
export interface TypeFeature {
  readonly plan: FeaturePlan
  /** Events of this type update the feature (else it is only read). */
  readonly update: boolean
  /** Indexes into TypePlan.parts of the key parts. */
  readonly by: readonly number[]
  /** Index into TypePlan.parts of a distinct feature's value. */
  readonly of?: number
  /** Reads 0 when the event has no key (count, sum, distinct); else absent. */
  readonly zero: boolean
  /** The value is a time (first_seen, last_seen). */
  readonly time: boolean
}

/**
 * What a decision on one event type computes, fixed when the pack loads: the entities its events
 * can carry, and the features its rules read (directly or through derived features) together
 * with the features its events update — not every feature of the pack. Derived features are
 * computed when a rule reads them or when every feature they read is computed anyway.
 */
export interface TypePlan {
  /** Every event part the decision reads, each once. */
  readonly parts: readonly EventPart[]
  /** Entities whose path events of this type declare, with the part holding their id. */
  readonly entities: readonly { readonly entity: EntityPlan; readonly part: number }[]
  /** Base features, those reading 0 when keyless first, each group in declaration order. */
  readonly features: readonly TypeFeature[]
  /** Derived features, in declaration order. */
  readonly derived: readonly DerivedFeature[]
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
  /** What a decision computes for each event type. */
  readonly plansByType: ReadonlyMap<string, TypePlan>
  /** The `labels` object of an event none of whose entities has a label set (shared, frozen). */
  readonly noLabels: Readonly<Record<string, Readonly<Record<string, boolean>>>>
  readonly tests: readonly PackTest[]
  /** Review queues, routes and claims (review/queues.yaml, else the defaults). */
  readonly review: ReviewPlan
  /** Outcome actions, escalation ladders, caps and the anomaly guard (manifest `enforcement`). */
  readonly enforcement?: EnforcementPlan
  /** Models the pack declares (models/NAME/model.yaml), checked but not loaded; absent when none. */
  readonly models?: readonly ModelDecl[]
  /** The loaded models' scoring stage (see src/models/attach.ts); set once the models load. */
  readonly modelStage?: ModelStage
  /** Frame length every program fits in. */
  readonly frameSize: number
}
