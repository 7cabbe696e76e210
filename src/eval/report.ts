/**
 * The evaluation report's shape, as `bulwark eval --json` prints it (snake_case keys). Every
 * ratio is a fraction between 0 and 1, or null when there was nothing to measure (no malicious
 * events in an area, no benign events of its types, no labelled hits of a rule).
 */

import type { Outcome } from '../core/domain.ts'
import type { Timeline } from './timeline.ts'

export interface CampaignReport {
  readonly area: string
  readonly events: number
  readonly stopped: number
  readonly damage_prevented: number | null
  /** Time of the campaign's first malicious event (RFC 3339). */
  readonly first_event: string
  /** Time of its first stopped event, or null if none was stopped. */
  readonly first_stopped: string | null
  /** Seconds from the first event to the first stopped one; null if never stopped. */
  readonly time_to_detect_s: number | null
  /** The same had shadow rules been enforced too. */
  readonly time_to_detect_with_shadow_s: number | null
}

export interface ShadowReport {
  /** Malicious events stopped had shadow rules been enforced too. */
  readonly stopped: number
  readonly recall: number | null
  readonly damage_prevented: number | null
  /** What shadow rules would have added: malicious events and damage units. */
  readonly added_stopped: number
  readonly added_damage: number
  /** Benign friction (the area's event types) with shadow rules enforced too. */
  readonly benign_friction: number | null
}

export interface AreaReport {
  readonly malicious: number
  readonly stopped: number
  readonly recall: number | null
  readonly damage_total: number
  readonly damage_stopped: number
  readonly damage_prevented: number | null
  /** Labelled events this area's rules stopped, and the share of them that were malicious. */
  readonly stops_by_rules: number
  readonly precision: number | null
  /** Event types the area's malicious events used: the scope of benign friction. */
  readonly event_types: readonly string[]
  readonly benign_events: number
  readonly benign_friction: number | null
  readonly benign_outcomes: { readonly challenge: number; readonly review: number; readonly block: number }
  readonly benign_users: number
  readonly benign_users_with_friction: number
  readonly benign_user_friction: number | null
  /** Share of all benign events stopped by this area's rules, whatever their type. */
  readonly benign_stopped_by_rules: number | null
  readonly campaigns: Readonly<Record<string, CampaignReport>>
  readonly campaigns_detected: number
  readonly median_time_to_detect_s: number | null
  readonly shadow: ShadowReport
}

export interface RuleReport {
  readonly area: string | null
  readonly mode: string
  /** Enforced hits, and hits in shadow (shadow mode, or outside an enforced rule's rollout). */
  readonly hits: number
  readonly shadow_hits: number
  readonly true_positives: number
  readonly false_positives: number
  readonly unlabelled_hits: number
  /** Labelled hits (enforced and shadow) that were malicious. */
  readonly precision: number | null
  /** Malicious events of the rule's area it hit (of all malicious events without an area). */
  readonly recall: number | null
}

export interface EvalReport {
  readonly policy: { readonly name: string; readonly version: string }
  /** The least severe outcome that counts as stopping an action. */
  readonly stop_outcome: Outcome
  /** Events decided (duplicates and rejected lines excluded). */
  readonly events: number
  /** Event lines the replay rejected (bad JSON, no time, invalid), and repeated event ids. */
  readonly rejected: number
  readonly duplicates: number
  readonly labelled: number
  readonly unlabelled: number
  readonly malicious: number
  readonly benign: number
  readonly labels: {
    readonly lines: number
    /** Lines that do not parse; `problems` lists the first 20 with their line numbers. */
    readonly rejected: number
    /** Labels whose event was not among the decided events. */
    readonly unmatched: number
    readonly problems: readonly { readonly line: number; readonly message: string }[]
  }
  readonly recall: number | null
  readonly damage_prevented: number | null
  readonly benign_friction: number | null
  readonly benign_user_friction: number | null
  readonly benign_friction_with_shadow: number | null
  /** The eight areas always, then any other area found in the labels (e.g. `unassigned`). */
  readonly areas: Readonly<Record<string, AreaReport>>
  readonly rules: Readonly<Record<string, RuleReport>>
  readonly timeline: Timeline
}
