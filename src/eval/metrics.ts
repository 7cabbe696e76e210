/**
 * Turns the evaluation's counts (tallies.ts) into the report (report.ts): ratios, friction over
 * each area's event types, campaign times to detect, rule precision and recall. Pure: the same
 * counts give the same report. Formulas are in docs/evaluation.md.
 */

import type { Pack } from '../policy/pack.ts'
import { AREAS, type Labels } from './labels.ts'
import type { AreaReport, CampaignReport, EvalReport, RuleReport } from './report.ts'
import { STOP_OUTCOME } from './stop.ts'
import type { AreaTally, CampaignTally, EvalCounts, RuleTally } from './tallies.ts'
import { emptyArea } from './tallies.ts'
import { addFriction, emptyFriction, frictionCount, ratio } from './tally.ts'
import { timelineOf } from './timeline.ts'

const seconds = (ms: number): number => Math.round(ms) / 1000
/** Sums of fractional damage, without floating-point dust (0.1 + 0.2). */
const units = (x: number): number => Math.round(x * 1e6) / 1e6
const iso = (ms: number): string => new Date(ms).toISOString()

export function reportOf(
  pack: Pack,
  labels: Labels,
  c: EvalCounts,
  replay: { readonly rejected: number; readonly duplicates: number } = { rejected: 0, duplicates: 0 },
): EvalReport {
  const areas: Record<string, AreaReport> = {}
  const names = [...AREAS, ...[...c.areas.keys()].filter((a) => !(AREAS as readonly string[]).includes(a))]
  for (const name of names) areas[name] = areaReport(name, c.areas.get(name) ?? emptyArea(), c)
  let stopped = 0
  let damage = 0
  let damageStopped = 0
  for (const a of c.areas.values()) {
    stopped += a.stopped
    damage += a.damageTotal
    damageStopped += a.damageStopped
  }
  const rules: Record<string, RuleReport> = {}
  for (const plan of pack.rules) rules[plan.id] = ruleReport(plan.area, plan.mode, c.rules.get(plan.id), c)
  const all = c.benignAll
  return {
    policy: { name: pack.name, version: pack.version },
    stop_outcome: STOP_OUTCOME,
    events: c.events,
    rejected: replay.rejected,
    duplicates: replay.duplicates,
    labelled: c.labelled,
    unlabelled: c.events - c.labelled,
    malicious: c.malicious,
    benign: c.benign,
    labels: {
      lines: labels.lines,
      rejected: labels.rejected,
      unmatched: labels.byEvent.size - c.labelled,
      problems: labels.problems,
    },
    recall: ratio(stopped, c.malicious),
    damage_prevented: ratio(damageStopped, damage),
    benign_friction: ratio(frictionCount(all.friction), all.friction.events),
    benign_user_friction: userFriction(all.users),
    benign_friction_with_shadow: ratio(all.frictionWithShadow, all.friction.events),
    areas,
    rules,
    timeline: timelineOf(c.minutes),
  }
}

function userFriction(users: ReadonlyMap<string, boolean>): number | null {
  let n = 0
  for (const f of users.values()) if (f) n++
  return ratio(n, users.size)
}

function areaReport(name: string, a: AreaTally, c: EvalCounts): AreaReport {
  // Benign friction, over the event types this area's malicious events used.
  const friction = emptyFriction()
  let frictionWithShadow = 0
  const users = new Map<string, boolean>()
  for (const type of a.eventTypes) {
    const t = c.benignByType.get(type)
    if (!t) continue
    addFriction(friction, t.friction)
    frictionWithShadow += t.frictionWithShadow
    for (const [u, f] of t.users) users.set(u, f || users.get(u) === true)
  }
  let usersWithFriction = 0
  for (const f of users.values()) if (f) usersWithFriction++
  const campaigns: Record<string, CampaignReport> = {}
  const detect: number[] = []
  for (const [id, k] of c.campaigns) {
    if (k.area !== name) continue
    campaigns[id] = campaignReport(k)
    if (k.firstStoppedTime !== null) detect.push(k.firstStoppedTime - k.firstTime)
  }
  return {
    malicious: a.malicious,
    stopped: a.stopped,
    recall: ratio(a.stopped, a.malicious),
    damage_total: units(a.damageTotal),
    damage_stopped: units(a.damageStopped),
    damage_prevented: ratio(a.damageStopped, a.damageTotal),
    stops_by_rules: a.attributedMalicious + a.attributedBenign,
    precision: ratio(a.attributedMalicious, a.attributedMalicious + a.attributedBenign),
    event_types: [...a.eventTypes].sort(),
    benign_events: friction.events,
    benign_friction: ratio(frictionCount(friction), friction.events),
    benign_outcomes: { challenge: friction.challenged, review: friction.reviewed, block: friction.blocked },
    benign_users: users.size,
    benign_users_with_friction: usersWithFriction,
    benign_user_friction: ratio(usersWithFriction, users.size),
    benign_stopped_by_rules: ratio(a.attributedBenign, c.benign),
    campaigns,
    campaigns_detected: detect.length,
    median_time_to_detect_s: detect.length ? seconds(median(detect)) : null,
    shadow: {
      stopped: a.stoppedWithShadow,
      recall: ratio(a.stoppedWithShadow, a.malicious),
      damage_prevented: ratio(a.damageStoppedWithShadow, a.damageTotal),
      added_stopped: a.stoppedWithShadow - a.stopped,
      added_damage: units(a.damageStoppedWithShadow - a.damageStopped),
      benign_friction: ratio(frictionWithShadow, friction.events),
    },
  }
}

function campaignReport(k: CampaignTally): CampaignReport {
  return {
    area: k.area,
    events: k.events,
    stopped: k.stopped,
    damage_prevented: ratio(k.damageStopped, k.damageTotal),
    first_event: iso(k.firstTime),
    first_stopped: k.firstStoppedTime === null ? null : iso(k.firstStoppedTime),
    time_to_detect_s: k.firstStoppedTime === null ? null : seconds(k.firstStoppedTime - k.firstTime),
    time_to_detect_with_shadow_s:
      k.firstStoppedWithShadowTime === null ? null : seconds(k.firstStoppedWithShadowTime - k.firstTime),
  }
}

function ruleReport(
  area: string | undefined,
  mode: string,
  r: RuleTally | undefined,
  c: EvalCounts,
): RuleReport {
  const tp = r?.truePositives ?? 0
  const fp = r?.falsePositives ?? 0
  const recall =
    area === undefined
      ? ratio(tp, c.malicious)
      : ratio(r?.maliciousByArea.get(area) ?? 0, c.areas.get(area)?.malicious ?? 0)
  return {
    area: area ?? null,
    mode,
    hits: r?.hits ?? 0,
    shadow_hits: r?.shadowHits ?? 0,
    true_positives: tp,
    false_positives: fp,
    unlabelled_hits: r?.unlabelledHits ?? 0,
    precision: ratio(tp, tp + fp),
    recall,
  }
}

/** Median of a non-empty list (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}
