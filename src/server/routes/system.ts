/**
 * Operations: /healthz (the process answers), /readyz (a pack is served and storage is open;
 * 503 while shutting down), /metrics (Prometheus text: decisions, rule hits incl. shadow, rule
 * errors, latency, store sizes, and rule precision against ground-truth labels).
 */

import type { FastifyInstance } from 'fastify'
import { renderGauges } from '../../core/metrics.ts'
import { reviewGauges } from '../../review/metrics.ts'
import type { BulwarkNode } from '../../service/node.ts'
import type { RuleMetricsReport } from '../../service/truth.ts'
import { errorBody } from '../errors.ts'
import { errorSchema } from '../schemas.ts'

export function registerSystem(app: FastifyInstance, node: BulwarkNode): void {
  // `security: []`: no API key (see auth.ts), unlike the document's default.
  app.get(
    '/healthz',
    { schema: { summary: 'Liveness (no API key)', tags: ['operations'], security: [] } },
    async () => ({ status: 'ok' }),
  )

  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: serving a pack with storage open (no API key)',
        tags: ['operations'],
        security: [],
        response: { 503: errorSchema },
      },
    },
    async (_req, reply) => {
      if (!node.ready) return reply.status(503).send(errorBody('UNAVAILABLE', 'shutting down'))
      return { status: 'ready', policy: node.policy().version }
    },
  )

  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics', tags: ['operations'] } },
    async (_req, reply) => {
      const m = node.engine.metrics
      const quality = ruleQualityGauges(await node.ruleMetrics())
      const extra = [
        '# HELP bulwark_feature_keys Keys held by the feature store.',
        '# TYPE bulwark_feature_keys gauge',
        `bulwark_feature_keys ${node.engine.features.size()}`,
        '# HELP bulwark_async_pending Submitted events not yet decided.',
        '# TYPE bulwark_async_pending gauge',
        `bulwark_async_pending ${node.pendingAsync}`,
        '# HELP bulwark_storage_commits_total Storage transactions committed (group commit).',
        '# TYPE bulwark_storage_commits_total counter',
        `bulwark_storage_commits_total ${node.repository.commits}`,
      ].join('\n')
      reply.type('text/plain; version=0.0.4')
      const review = reviewGauges(node.review.queues(), node.review.reviewers())
      const enforcement = await node.enforcement.metricsText()
      return `${m.registry.render()}${extra}\n${quality}\n${review}\n${enforcement}\n${node.models.monitor.render()}\n`
    },
  )
}

/** Precision per rule and mode where a hit is labelled; labelled hits per rule, mode and verdict. */
function ruleQualityGauges(report: RuleMetricsReport): string {
  const precision: { labels: Record<string, string>; value: number }[] = []
  const labelled: { labels: Record<string, string>; value: number }[] = []
  for (const r of report.rules) {
    for (const mode of ['enforce', 'shadow'] as const) {
      const q = r[mode]
      if (q.precision !== null) precision.push({ labels: { rule: r.rule, mode }, value: q.precision })
      if (q.hits === 0) continue
      labelled.push(
        { labels: { rule: r.rule, mode, label: 'malicious' }, value: q.tp },
        { labels: { rule: r.rule, mode, label: 'benign' }, value: q.fp },
      )
    }
  }
  return [
    renderGauges(
      'bulwark_rule_precision',
      `Share of a rule's labelled hits that were labelled malicious, by rule and mode; absent until one is labelled (computed at most every ${report.maxAgeSeconds} s).`,
      precision,
    ),
    renderGauges(
      'bulwark_rule_labelled_hits',
      'Stored hits of a rule whose event or acting entity is labelled, by rule, mode and label (malicious: true positives, benign: false positives).',
      labelled,
    ),
  ].join('\n')
}
