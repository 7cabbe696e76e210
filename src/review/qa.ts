/**
 * Reviewer QA: which closed cases are re-checked, and the blind check itself. The sample is
 * deterministic per case (a hash of its id against the queue's `qa_share`), so a case is always in
 * or out whatever the order of events; the check is a `qa` case in the same queue linking the same
 * decisions, which the reviewer who decided the original may not take (see evidence.ts for what
 * it hides while open).
 */

import { fnv1a, newId } from '../core/ids.ts'
import type { ReviewPlan } from '../policy/review-queues.ts'
import type { CaseRow, ReviewStore } from './store.ts'

export function sampledForQa(caseId: string, share: number): boolean {
  return share > 0 && fnv1a(`qa:${caseId}`) / 0x1_0000_0000 < share
}

/** Opens the blind re-check of closed case `c` (inside the caller's transaction). */
export function openQaCheck(
  store: ReviewStore,
  plan: ReviewPlan,
  c: CaseRow,
  reviewer: string,
  now: number,
): void {
  const row: CaseRow = {
    id: newId(now),
    kind: 'qa',
    queue: c.queue,
    status: 'open',
    priority: c.priority,
    entity: c.entity,
    ...(c.rule ? { rule: c.rule } : {}),
    ...(c.area ? { area: c.area } : {}),
    openedAt: now,
    dueAt: now + (plan.queues.get(c.queue)?.slaMs ?? 0),
    effectsPending: false,
    originCase: c.id,
    excludedReviewer: reviewer,
    ...(c.appealedDecision ? { appealedDecision: c.appealedDecision } : {}),
    ...(c.statement ? { statement: c.statement } : {}),
  }
  store.insert(row, { time: now, actor: 'qa', action: 'opened', detail: { queue: c.queue, qa_of: c.id } })
  for (const d of store.decisions(c.id)) store.link(row.id, d.decisionId, d.rule, now)
}
