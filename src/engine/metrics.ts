/**
 * What the engine counts, for GET /metrics: decisions by outcome and event type, rule hits by
 * rule and mode (shadow included), rule errors, rejected events, and decision latency.
 */

import type { Decision } from '../core/domain.ts'
import { Counter, Histogram, Registry } from '../core/metrics.ts'

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

  observe(d: Decision): void {
    this.decisions.inc({ outcome: d.outcome, type: d.eventType })
    for (const h of d.hits) this.hits.inc({ rule: h.rule, mode: h.mode })
    for (const e of d.errors) this.ruleErrors.inc({ rule: e.rule, code: e.code })
    this.latency.observe(d.latencyMs / 1000)
  }
}
