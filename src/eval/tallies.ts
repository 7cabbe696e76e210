/**
 * The evaluation's raw counts, gathered decision by decision (evaluator.ts) and turned into the
 * reported metrics at the end (metrics.ts). Everything here is a count or a set; no ratios.
 */

import { emptyFriction, type Friction } from './tally.ts'

/** Counts over one area's malicious events, and the stops its rules made. */
export interface AreaTally {
  malicious: number
  stopped: number
  /** Stopped had shadow hits been enforced too. */
  stoppedWithShadow: number
  damageTotal: number
  damageStopped: number
  damageStoppedWithShadow: number
  /** Event types this area's malicious events used: the scope of its benign friction. */
  readonly eventTypes: Set<string>
  /** Labelled events stopped by a rule of this area (stoppingRules): malicious (any area) … */
  attributedMalicious: number
  /** … and benign: the area's false positives. */
  attributedBenign: number
}

export const emptyArea = (): AreaTally => ({
  malicious: 0,
  stopped: 0,
  stoppedWithShadow: 0,
  damageTotal: 0,
  damageStopped: 0,
  damageStoppedWithShadow: 0,
  eventTypes: new Set(),
  attributedMalicious: 0,
  attributedBenign: 0,
})

/** Benign events of one event type (or of all types), and the users who sent them. */
export interface BenignTally {
  readonly friction: Friction
  /** Benign events that would have been stopped with shadow rules enforced too. */
  frictionWithShadow: number
  /** Per actor id: whether any of its benign events got friction. */
  readonly users: Map<string, boolean>
}

export const emptyBenign = (): BenignTally => ({
  friction: emptyFriction(),
  frictionWithShadow: 0,
  users: new Map(),
})

/** One campaign's malicious events: the first seen and the first stopped give time to detect. */
export interface CampaignTally {
  readonly area: string
  events: number
  stopped: number
  damageTotal: number
  damageStopped: number
  readonly firstTime: number
  firstStoppedTime: number | null
  /** First stopped had shadow rules been enforced too. */
  firstStoppedWithShadowTime: number | null
}

export interface RuleTally {
  /** Enforced hits. */
  hits: number
  shadowHits: number
  truePositives: number
  falsePositives: number
  unlabelledHits: number
  /** Malicious events hit, per area of the event. */
  readonly maliciousByArea: Map<string, number>
}

export const emptyRule = (): RuleTally => ({
  hits: 0,
  shadowHits: 0,
  truePositives: 0,
  falsePositives: 0,
  unlabelledHits: 0,
  maliciousByArea: new Map(),
})

/** One minute of the timeline (metrics.ts merges minutes into wider buckets). */
export interface BucketTally {
  /** Per area: damage of malicious events, and how much of it was stopped. */
  readonly areas: Map<string, { damage: number; stopped: number }>
  benignEvents: number
  benignFriction: number
}

export const emptyBucket = (): BucketTally => ({ areas: new Map(), benignEvents: 0, benignFriction: 0 })

/** Everything counted so far (evaluator.ts), read by metrics.ts. */
export interface EvalCounts {
  events: number
  labelled: number
  malicious: number
  benign: number
  readonly areas: Map<string, AreaTally>
  readonly benignByType: Map<string, BenignTally>
  readonly benignAll: BenignTally
  readonly campaigns: Map<string, CampaignTally>
  readonly rules: Map<string, RuleTally>
  readonly minutes: Map<number, BucketTally>
}

export const emptyCounts = (): EvalCounts => ({
  events: 0,
  labelled: 0,
  malicious: 0,
  benign: 0,
  areas: new Map(),
  benignByType: new Map(),
  benignAll: emptyBenign(),
  campaigns: new Map(),
  rules: new Map(),
  minutes: new Map(),
})
