/**
 * What a closed review or appeal does, after its verdict is committed: ground-truth labels for its
 * decisions (and, for a review, its entity), then enforcement — on a violation the queue's
 * `on_violation` actions (deterministic ids, so a repeat inserts nothing), on no violation the
 * reversal of what its decisions (an appeal: the appealed decision) caused. The case's "effects
 * pending" mark is cleared only when all of it succeeded; a failure is logged in the case history
 * and the whole is run again later (at-least-once; see docs/review.md).
 */

import { BulwarkError } from '../core/errors.ts'
import type { TruthLabel } from '../store/repository.ts'
import type { ReviewContext } from './ports.ts'
import type { CaseRow, ReviewStore } from './store.ts'

export async function runVerdictEffects(
  ctx: ReviewContext,
  store: ReviewStore,
  c: CaseRow,
  now: number,
): Promise<void> {
  try {
    const decisions = store.decisions(c.id).map((d) => d.decisionId)
    const malicious = c.verdict === 'violation'
    const base = {
      malicious,
      ...(c.area ? { area: c.area } : {}),
      source: c.kind === 'appeal' ? 'appeal' : 'review',
      time: c.decidedAt ?? now,
      note: `case ${c.id}: ${c.reason}`,
      receivedAt: now,
    }
    const labels: TruthLabel[] = decisions.map((eventId) => ({ eventId, ...base }))
    // A review judges the entity; an appeal judges one decision.
    if (c.kind === 'review') labels.push({ entity: c.entity, ...base })
    if (labels.length > 0) await ctx.recordTruth(labels)
    const enforcement = ctx.enforcement()
    const queue = ctx.pack().review.queues.get(c.queue)
    if (malicious && c.kind === 'review' && queue && queue.onViolation.length > 0) {
      if (!enforcement)
        throw new BulwarkError('REVIEW_ENFORCEMENT_UNAVAILABLE', { detail: 'on_violation actions' })
      await enforcement.applyActions({
        entity: c.entity,
        actions: queue.onViolation,
        cause: { kind: 'review', id: c.id, ...(decisions[0] ? { decisionId: decisions[0] } : {}) },
        ids: queue.onViolation.map((_, i) => `${c.id}.violation.${i}`),
      })
    }
    if (!malicious && decisions.length > 0) {
      if (!enforcement) throw new BulwarkError('REVIEW_ENFORCEMENT_UNAVAILABLE', { detail: 'reversal' })
      const kind = c.kind === 'appeal' ? 'appeal' : 'review'
      const why = `${kind === 'appeal' ? 'appeal overturned' : 'review found no violation'}: ${c.reason}`
      for (const d of kind === 'appeal' && c.appealedDecision ? [c.appealedDecision] : decisions)
        await enforcement.reverseDecision(d, why, { kind, id: c.id })
    }
    store.tx(() => {
      store.update(c.id, { effects_pending: 0 })
      store.log(c.id, {
        time: now,
        actor: 'bulwark',
        action: 'effects_done',
        detail: { labels: labels.length },
      })
    })
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e)
    store.tx(() =>
      store.log(c.id, { time: now, actor: 'bulwark', action: 'effects_failed', detail: { message } }),
    )
  }
}
