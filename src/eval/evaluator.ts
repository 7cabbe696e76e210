/**
 * Gathers the evaluation's counts from a stream of decisions, one at a time, in event-time order:
 * joins each decision to its label by event id, then counts malicious events stopped and their
 * damage per area and campaign, friction on benign events and users, rule hits against the
 * labels, and a per-minute timeline. Holds counts and small sets only, never the decisions.
 * `report()` (metrics.ts) turns the counts into ratios.
 */

import type { Decision } from '../core/domain.ts'
import type { Pack, RulePlan } from '../policy/pack.ts'
import { areaOf, damageOf, type Label, type Labels } from './labels.ts'
import { reportOf } from './metrics.ts'
import type { EvalReport } from './report.ts'
import { outcomeWithShadow, stoppingRules, stops } from './stop.ts'
import {
  type BucketTally,
  type EvalCounts,
  emptyArea,
  emptyBenign,
  emptyBucket,
  emptyCounts,
  emptyRule,
} from './tallies.ts'
import { countOutcome, upsert } from './tally.ts'

const MINUTE = 60_000

export class Evaluator {
  readonly counts: EvalCounts = emptyCounts()
  private readonly ruleAreas = new Map<string, string | undefined>()
  private readonly rulePlans = new Map<string, RulePlan>()

  private readonly pack: Pack
  private readonly labels: Labels

  constructor(pack: Pack, labels: Labels) {
    this.pack = pack
    this.labels = labels
    for (const r of pack.rules) {
      this.rulePlans.set(r.id, r)
      this.ruleAreas.set(r.id, r.area)
    }
  }

  /** Counts one decision (duplicates are skipped); `time` is the event time in ms. */
  observe(decision: Decision, duplicate: boolean, event: Record<string, unknown>, time: number): void {
    if (duplicate) return
    const c = this.counts
    c.events++
    const label = this.labels.byEvent.get(decision.eventId)
    for (const h of decision.hits) {
      const r = upsert(c.rules, h.rule, emptyRule)
      if (h.mode === 'enforce') r.hits++
      else r.shadowHits++
      if (!label) r.unlabelledHits++
      else if (label.malicious) {
        r.truePositives++
        r.maliciousByArea.set(areaOf(label), (r.maliciousByArea.get(areaOf(label)) ?? 0) + 1)
      } else r.falsePositives++
    }
    if (!label) return
    c.labelled++
    const stopped = stops(decision.outcome)
    const shadowOutcome = outcomeWithShadow(this.pack, this.rulePlans, decision)
    const withShadow = stops(shadowOutcome)
    const stoppers = stoppingRules(decision)
    if (stoppers.length) this.attribute(stoppers, label.malicious)
    const bucket = upsert(c.minutes, Math.floor(time / MINUTE), emptyBucket)
    if (label.malicious) this.malicious(label, decision, time, stopped, withShadow, bucket)
    else this.benign(decision, event, shadowOutcome !== 'allow', bucket)
  }

  /** The report so far; `replay` adds the replay's rejected lines and duplicates. */
  report(replay?: { readonly rejected: number; readonly duplicates: number }): EvalReport {
    return reportOf(this.pack, this.labels, this.counts, replay)
  }

  /** Counts a stopped labelled event once for each area whose rules stopped it. */
  private attribute(rules: readonly string[], malicious: boolean): void {
    const areas = new Set<string>()
    for (const rule of rules) {
      const area = this.ruleAreas.get(rule)
      if (area !== undefined) areas.add(area)
    }
    for (const area of areas) {
      const a = upsert(this.counts.areas, area, emptyArea)
      if (malicious) a.attributedMalicious++
      else a.attributedBenign++
    }
  }

  private malicious(
    label: Label,
    decision: Decision,
    time: number,
    stopped: boolean,
    withShadow: boolean,
    bucket: BucketTally,
  ): void {
    const c = this.counts
    c.malicious++
    const area = areaOf(label)
    const damage = damageOf(label)
    const a = upsert(c.areas, area, emptyArea)
    a.malicious++
    a.damageTotal += damage
    a.eventTypes.add(decision.eventType)
    if (stopped) {
      a.stopped++
      a.damageStopped += damage
    }
    if (withShadow) {
      a.stoppedWithShadow++
      a.damageStoppedWithShadow += damage
    }
    const b = upsert(bucket.areas, area, () => ({ damage: 0, stopped: 0 }))
    b.damage += damage
    if (stopped) b.stopped += damage
    if (label.campaign === undefined) return
    const k = upsert(c.campaigns, label.campaign, () => ({
      area,
      events: 0,
      stopped: 0,
      damageTotal: 0,
      damageStopped: 0,
      firstTime: time,
      firstStoppedTime: null,
      firstStoppedWithShadowTime: null,
    }))
    k.events++
    k.damageTotal += damage
    if (stopped) {
      k.stopped++
      k.damageStopped += damage
      k.firstStoppedTime ??= time
    }
    if (withShadow) k.firstStoppedWithShadowTime ??= time
  }

  private benign(
    decision: Decision,
    event: Record<string, unknown>,
    frictionWithShadow: boolean,
    bucket: BucketTally,
  ): void {
    const c = this.counts
    c.benign++
    const actor = (event.actor as { id?: unknown } | undefined)?.id
    const user = actor === undefined ? undefined : String(actor)
    const friction = decision.outcome !== 'allow'
    for (const t of [upsert(c.benignByType, decision.eventType, emptyBenign), c.benignAll]) {
      countOutcome(t.friction, decision.outcome)
      if (frictionWithShadow) t.frictionWithShadow++
      if (user !== undefined) t.users.set(user, friction || t.users.get(user) === true)
    }
    bucket.benignEvents++
    if (friction) bucket.benignFriction++
  }
}
