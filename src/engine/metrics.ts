/**
 * What the engine counts, for GET /metrics: decisions by outcome and event type, rule hits by
 * rule and mode (shadow included), rule errors, rejected events, and decision latency.
 */

import type { Decision, Outcome } from '../core/domain.ts'
import { Counter, type CounterSeries, Histogram, Registry } from '../core/metrics.ts'

/** A rule's hit series, by mode. */
interface HitSeries {
  enforce?: CounterSeries
  shadow?: CounterSeries
}

export class EngineMetrics {
  readonly registry = new Registry()
  readonly decisions = this.registry.add(
    new Counter('bulwark_decisions_total', 'Decisions by outcome and event type.'),
  )
  readonly hits = this.registry.add(
    new Counter('bulwark_rule_hits_total', 'Rule hits by rule and mode (enforce or shadow).'),
  )
  readonly ruleErrors = this.registry.add(
    new Counter(
      'bulwark_rule_errors_total',
      'Rules whose condition failed to evaluate, by rule and error code.',
    ),
  )
  readonly rejected = this.registry.add(
    new Counter('bulwark_events_rejected_total', 'Events refused before a decision, by reason.'),
  )
  readonly latency = this.registry.add(
    new Histogram(
      'bulwark_decision_seconds',
      'Time to decide (excluding the durable write), in seconds.',
      [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    ),
  )

  /**
   * The series each decision adds to, kept by event type and outcome and by rule and mode: a
   * decision then builds no label objects and no label keys (observe runs on every decision).
   */
  private readonly decisionSeries = new Map<string, Partial<Record<Outcome, CounterSeries>>>()
  private readonly hitSeries = new Map<string, HitSeries>()

  observe(d: Decision): void {
    let byOutcome = this.decisionSeries.get(d.eventType)
    if (byOutcome === undefined) {
      byOutcome = {}
      this.decisionSeries.set(d.eventType, byOutcome)
    }
    let decided = byOutcome[d.outcome]
    if (decided === undefined) {
      decided = this.decisions.series({ outcome: d.outcome, type: d.eventType })
      byOutcome[d.outcome] = decided
    }
    decided.value++
    // Indexed loops: the heap profile showed for-of over these (mostly empty, shared frozen)
    // lists calling the array iterator's next(), a result object per step.
    const hits = d.hits
    for (let i = 0; i < hits.length; i++) {
      const { rule, mode } = hits[i]!
      let byMode = this.hitSeries.get(rule)
      if (byMode === undefined) {
        byMode = {}
        this.hitSeries.set(rule, byMode)
      }
      let hit = byMode[mode]
      if (hit === undefined) {
        hit = this.hits.series({ rule, mode })
        byMode[mode] = hit
      }
      hit.value++
    }
    const errors = d.errors
    for (let i = 0; i < errors.length; i++)
      this.ruleErrors.inc({ rule: errors[i]!.rule, code: errors[i]!.code })
    this.latency.observe(d.latencyMs / 1000)
  }
}
