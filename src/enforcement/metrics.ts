/** Enforcement metrics on /metrics: outcomes of actions, deliveries, dead letters, caps, guard. */

import { Counter, Registry, renderGauges } from '../core/metrics.ts'

export class EnforcementMetrics {
  readonly registry = new Registry()
  readonly transitions = this.registry.add(
    new Counter(
      'bulwark_action_transitions_total',
      'Actions recorded or moved to a status, by kind and status.',
    ),
  )
  readonly deliveries = this.registry.add(
    new Counter('bulwark_webhook_deliveries_total', 'Webhook delivery attempts, by destination and result.'),
  )
  readonly deadLetters = this.registry.add(
    new Counter(
      'bulwark_actions_dead_lettered_total',
      'Actions moved to dead after their last attempt, by kind.',
    ),
  )
  readonly capped = this.registry.add(
    new Counter(
      'bulwark_actions_capped_total',
      "Actions recorded as capped (a rule's daily cap reached), by rule.",
    ),
  )
  readonly pruned = this.registry.add(
    new Counter(
      'bulwark_actions_pruned_total',
      'Finished actions deleted by retention (enforcement config retention.actions).',
    ),
  )
  readonly guardAlerts = this.registry.add(
    new Counter(
      'bulwark_guard_alerts_total',
      'Rule anomaly guard alerts, by rule and whether the rule was demoted.',
    ),
  )

  /** Counters plus the stored actions by kind and status and the demoted rules (gauges). */
  render(stored: readonly { kind: string; status: string; n: number }[], demoted: number): string {
    return [
      this.registry.render().trimEnd(),
      renderGauges(
        'bulwark_actions',
        'Actions in the outbox, by kind and status.',
        stored.map((s) => ({ labels: { kind: s.kind, status: s.status }, value: s.n })),
      ),
      renderGauges('bulwark_rules_demoted', 'Rules the anomaly guard demoted to shadow.', [
        { labels: {}, value: demoted },
      ]),
    ].join('\n')
  }
}
