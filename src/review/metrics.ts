/**
 * Queue and reviewer metrics, read from the review tables with a few aggregate queries (human-rate
 * data; indexes on queue and status): per queue its depth (open cases), claimed cases, the age of
 * the oldest open case, SLA breaches (open cases past due, and cases closed after their due time),
 * decisions in the last 24 hours and QA agreement; per reviewer the verdicts and escalations given
 * (throughput, all time and last 24 hours) and how often blind QA checks agreed with them. Rendered
 * for /metrics by `reviewGauges`.
 */

import { renderGauges } from '../core/metrics.ts'
import type { ReviewPlan } from '../policy/review-queues.ts'
import type { ReviewStore } from './store.ts'

const DAY = 86_400_000

export interface QaAgreement {
  readonly checked: number
  readonly agreed: number
  /** agreed / checked; null before any check is closed. */
  readonly agreement: number | null
}

export interface QueueMetrics {
  readonly queue: string
  readonly description?: string
  readonly slaSeconds: number
  readonly escalateTo?: string
  readonly reasons: readonly string[]
  readonly qaShare: number
  readonly depth: number
  readonly claimed: number
  readonly oldestAgeSeconds: number | null
  readonly slaBreachesOpen: number
  readonly slaBreachesClosed: number
  readonly decided24h: number
  readonly qa: QaAgreement
}

export interface ReviewerMetrics {
  readonly reviewer: string
  readonly decided: number
  readonly decided24h: number
  readonly escalated: number
  readonly qa: QaAgreement
}

const agreement = (checked: number, agreed: number): QaAgreement => ({
  checked,
  agreed,
  agreement: checked > 0 ? agreed / checked : null,
})

export function queueMetrics(store: ReviewStore, plan: ReviewPlan, now: number): QueueMetrics[] {
  const open = new Map(
    store
      .all<{ queue: string; depth: number; claimed: number; oldest: number; breaches: number }>(
        `SELECT queue, count(*) AS depth,
           sum(claimed_by IS NOT NULL AND claim_expires_at > ?) AS claimed,
           min(opened_at) AS oldest, sum(due_at <= ?) AS breaches
         FROM review_cases WHERE status = 'open' GROUP BY queue`,
        now,
        now,
      )
      .map((r) => [r.queue, r]),
  )
  const closed = new Map(
    store
      .all<{ queue: string; late: number; recent: number; checked: number; agreed: number }>(
        `SELECT queue, sum(decided_at >= due_at) AS late, sum(decided_at > ?) AS recent,
           sum(kind = 'qa') AS checked, sum(kind = 'qa' AND qa_agrees = 1) AS agreed
         FROM review_cases WHERE status = 'closed' GROUP BY queue`,
        now - DAY,
      )
      .map((r) => [r.queue, r]),
  )
  const names = [
    ...plan.queues.keys(),
    ...[...open.keys(), ...closed.keys()].filter((q) => !plan.queues.has(q)),
  ]
  return [...new Set(names)].map((name) => {
    const q = plan.queues.get(name)
    const o = open.get(name)
    const c = closed.get(name)
    return {
      queue: name,
      ...(q?.description ? { description: q.description } : {}),
      slaSeconds: (q?.slaMs ?? 0) / 1000,
      ...(q?.escalateTo ? { escalateTo: q.escalateTo } : {}),
      reasons: q?.reasons ?? [],
      qaShare: q?.qaShare ?? 0,
      depth: o?.depth ?? 0,
      claimed: o?.claimed ?? 0,
      oldestAgeSeconds: o ? Math.max(0, (now - o.oldest) / 1000) : null,
      slaBreachesOpen: o?.breaches ?? 0,
      slaBreachesClosed: c?.late ?? 0,
      decided24h: c?.recent ?? 0,
      qa: agreement(c?.checked ?? 0, c?.agreed ?? 0),
    }
  })
}

export function reviewerMetrics(store: ReviewStore, now: number): ReviewerMetrics[] {
  const work = store.all<{ reviewer: string; decided: number; recent: number; escalated: number }>(
    `SELECT actor AS reviewer, sum(action = 'decided') AS decided,
       sum(action = 'decided' AND time > ?) AS recent, sum(action = 'escalated') AS escalated
     FROM review_case_log WHERE action IN ('decided', 'escalated') GROUP BY actor`,
    now - DAY,
  )
  const qa = new Map(
    store
      .all<{ reviewer: string; checked: number; agreed: number }>(
        `SELECT excluded_reviewer AS reviewer, count(*) AS checked, sum(qa_agrees = 1) AS agreed
         FROM review_cases WHERE kind = 'qa' AND status = 'closed' GROUP BY excluded_reviewer`,
      )
      .map((r) => [r.reviewer, r]),
  )
  const names = [...new Set([...work.map((w) => w.reviewer), ...qa.keys()])].sort()
  return names.map((reviewer) => {
    const w = work.find((x) => x.reviewer === reviewer)
    const q = qa.get(reviewer)
    return {
      reviewer,
      decided: w?.decided ?? 0,
      decided24h: w?.recent ?? 0,
      escalated: w?.escalated ?? 0,
      qa: agreement(q?.checked ?? 0, q?.agreed ?? 0),
    }
  })
}

/** Prometheus text of the review metrics. */
export function reviewGauges(queues: readonly QueueMetrics[], reviewers: readonly ReviewerMetrics[]): string {
  const byQueue = (f: (q: QueueMetrics) => number | null) =>
    queues.flatMap((q) => {
      const value = f(q)
      return value === null ? [] : [{ labels: { queue: q.queue }, value }]
    })
  const byReviewer = (f: (r: ReviewerMetrics) => number | null) =>
    reviewers.flatMap((r) => {
      const value = f(r)
      return value === null ? [] : [{ labels: { reviewer: r.reviewer }, value }]
    })
  return [
    renderGauges(
      'bulwark_review_queue_depth',
      'Open review cases per queue.',
      byQueue((q) => q.depth),
    ),
    renderGauges(
      'bulwark_review_queue_oldest_age_seconds',
      'Age of the oldest open case per queue (absent when the queue is empty).',
      byQueue((q) => q.oldestAgeSeconds),
    ),
    renderGauges(
      'bulwark_review_sla_breaches',
      'Open cases past their due time per queue.',
      byQueue((q) => q.slaBreachesOpen),
    ),
    renderGauges(
      'bulwark_review_sla_breaches_closed',
      'Cases per queue decided after their due time.',
      byQueue((q) => q.slaBreachesClosed),
    ),
    renderGauges(
      'bulwark_review_qa_agreement',
      'Share of closed blind QA checks per queue whose verdict matched the first (absent before any).',
      byQueue((q) => q.qa.agreement),
    ),
    renderGauges(
      'bulwark_review_decisions',
      'Verdicts given per reviewer (all time).',
      byReviewer((r) => r.decided),
    ),
    renderGauges(
      'bulwark_review_decisions_24h',
      'Verdicts given per reviewer in the last 24 hours (throughput).',
      byReviewer((r) => r.decided24h),
    ),
    renderGauges(
      'bulwark_review_reviewer_qa_agreement',
      "Share of blind QA checks of a reviewer's verdicts that agreed with them (absent before any).",
      byReviewer((r) => r.qa.agreement),
    ),
  ].join('\n')
}
