/**
 * A case as a reviewer sees it (the API's form): its state and history, and the evidence — the
 * linked decisions with their events, the feature values and model scores they used and the rules
 * that hit; the other entities those events touched; the entity's labels in force, ground-truth
 * label history, strikes (when enforcement can tell) and earlier cases.
 *
 * A QA check is blind until it is closed: it shows neither the verdict it checks (nor the origin
 * case's id, history or effects) nor any label, truth label or case recorded at or after that
 * verdict — only what the first reviewer could see.
 */

import type { StoredDecision } from '../store/repository.ts'
import type { ReviewContext } from './ports.ts'
import type { CaseRow, ReviewStore } from './store.ts'

export type CaseView = Record<string, unknown>

const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString())

/** A case's own fields in the API's form (no evidence): used by lists. */
export function presentCase(c: CaseRow, now: number): Record<string, unknown> {
  const blind = c.kind === 'qa' && c.status === 'open'
  return {
    id: c.id,
    kind: c.kind,
    queue: c.queue,
    status: c.status,
    priority: c.priority,
    entity: c.entity,
    ...(c.rule ? { rule: c.rule } : {}),
    ...(c.area ? { area: c.area } : {}),
    opened_at: iso(c.openedAt),
    due_at: iso(c.dueAt),
    overdue: c.status === 'open' && c.dueAt <= now,
    ...(c.claimedBy
      ? {
          claim: {
            reviewer: c.claimedBy,
            expires_at: iso(c.claimExpiresAt),
            expired: (c.claimExpiresAt ?? 0) <= now,
          },
        }
      : {}),
    ...(c.verdict
      ? {
          decision: {
            verdict: c.verdict,
            reason: c.reason,
            ...(c.note ? { note: c.note } : {}),
            reviewer: c.decidedBy,
            decided_at: iso(c.decidedAt),
            effects: c.effectsPending ? 'pending' : 'done',
          },
        }
      : {}),
    // An appeal, or the QA check of one: the reviewer needs the user's words.
    ...(c.appealedDecision ? { appeal: { decision_id: c.appealedDecision, statement: c.statement } } : {}),
    ...(c.kind === 'qa'
      ? {
          qa: blind
            ? { blind: true }
            : {
                blind: false,
                of_case: c.originCase,
                reviewer_checked: c.excludedReviewer,
                agrees: c.qaAgrees,
              },
        }
      : {}),
  }
}

function presentDecision(d: StoredDecision): Record<string, unknown> {
  const decision = d.decision as unknown as Record<string, unknown>
  return {
    event_id: d.eventId,
    event_type: d.eventType,
    time: new Date(d.eventTime).toISOString(),
    outcome: d.decision.outcome,
    score: d.decision.score,
    reasons: d.decision.reasons,
    hits: d.decision.hits,
    features: d.decision.features,
    ...(decision.models !== undefined ? { models: decision.models } : {}),
    policy_version: d.decision.policyVersion,
    event: d.event,
  }
}

export async function caseView(
  ctx: ReviewContext,
  store: ReviewStore,
  c: CaseRow,
  now: number,
): Promise<CaseView> {
  const blind = c.kind === 'qa' && c.status === 'open'
  const origin = blind && c.originCase ? store.get(c.originCase) : undefined
  // What a blind check may see: what existed before the verdict it checks.
  const cutoff = origin?.decidedAt ?? Number.POSITIVE_INFINITY
  const pack = ctx.pack()
  const links = store.decisions(c.id)
  const decisions: StoredDecision[] = []
  for (const l of links) {
    const d = await ctx.repository.decision(l.decisionId)
    if (d) decisions.push(d)
  }
  const linked = new Map<string, { type: string; id: string }>()
  for (const d of decisions)
    for (const e of pack.entities.values()) {
      const v = e.get(d.event)
      if (v === undefined || v === null || typeof v === 'object') continue
      const ref = { type: e.name, id: String(v) }
      if (ref.type === c.entity.type && ref.id === c.entity.id) continue
      linked.set(`${ref.type}\u0000${ref.id}`, ref)
    }
  const truth = (await ctx.repository.truthLabels({ entity: c.entity }, 50)).filter(
    (l) => l.receivedAt < cutoff,
  )
  const labels = ctx.entityLabels(c.entity.type, c.entity.id).filter((l) => l.setAt < cutoff)
  const prior = store
    .list({ entity: c.entity, limit: 50 })
    .filter((p) => p.id !== c.id && p.id !== origin?.id && p.openedAt < cutoff && (p.decidedAt ?? 0) < cutoff)
  const strikes = await ctx.enforcement()?.strikes?.(c.entity)
  return {
    ...presentCase(c, now),
    history: blind ? store.history(c.id).filter((h) => h.action !== 'opened') : store.history(c.id),
    evidence: {
      decisions: decisions.map(presentDecision),
      missing_decisions: links
        .filter((l) => !decisions.some((d) => d.eventId === l.decisionId))
        .map((l) => l.decisionId),
      linked_entities: [...linked.values()],
      entity_labels: labels.map((l) => ({
        name: l.name,
        source: l.source,
        set_at: iso(l.setAt),
        ...(l.expiresAt !== undefined ? { expires_at: iso(l.expiresAt) } : {}),
      })),
      truth_labels: truth.map((l) => ({
        ...(l.eventId ? { event_id: l.eventId } : {}),
        malicious: l.malicious,
        source: l.source,
        time: iso(l.time),
        ...(l.area ? { area: l.area } : {}),
        ...(l.note ? { note: l.note } : {}),
      })),
      ...(strikes !== undefined ? { strikes } : {}),
      prior_cases: prior.map((p) => ({
        id: p.id,
        kind: p.kind,
        queue: p.queue,
        status: p.status,
        ...(p.verdict ? { verdict: p.verdict, reason: p.reason } : {}),
        opened_at: iso(p.openedAt),
      })),
    },
  }
}
