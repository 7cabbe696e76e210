/**
 * Human review (`BulwarkNode.review`): cases opened by rules' `review` actions, by operators and by
 * user appeals; claims that expire; verdicts that become ground-truth labels and trigger or reverse
 * enforcement; blind QA re-checks. The model and its guarantees are in docs/review.md.
 *
 * - openCase is idempotent per (decision, entity): the same decision and entity always give the
 *   same case. A new decision of an entity that already has an open case in the queue it routes
 *   to is merged into that case (linked, priority raised to the higher of the two), so a reviewer
 *   sees one case per entity and queue, with every decision that brought it there.
 * - Every state change is one durable SQLite transaction (store.ts); a claim is a compare-and-set.
 * - A verdict's effects (truth labels, enforcement) run after its transaction, which marks them
 *   pending; they are marked done once all succeeded, else the node's maintenance timer runs
 *   them again, so a crash between the two repeats effects (labels are history, enforcement is
 *   idempotent per cause) rather than losing them (effects.ts). Blind QA sampling and checks: qa.ts.
 */

import { BulwarkError } from '../core/errors.ts'
import { newId } from '../core/ids.ts'
import { routeCase } from '../policy/review-queues.ts'
import type { EntityRef, StoredDecision } from '../store/repository.ts'
import { runVerdictEffects } from './effects.ts'
import { type CaseView, caseView } from './evidence.ts'
import { type AppealInput, type NewCaseInput, verdictOf } from './input.ts'
import { type QueueMetrics, queueMetrics, type ReviewerMetrics, reviewerMetrics } from './metrics.ts'
import type { ReviewContext } from './ports.ts'
import { openQaCheck, sampledForQa } from './qa.ts'
import { type CaseFilter, type CaseRow, ReviewStore } from './store.ts'

export interface OpenCaseRequest extends NewCaseInput {
  /** Rules that asked for the case (default: the decision's enforced hits). */
  readonly rules?: readonly string[]
  /** Who opens it: `rule:<id>`, `api`, … (the case history shows it). */
  readonly actor: string
}

export interface Opened {
  readonly case: CaseRow
  /** false: the decision was already in a case (idempotent), or was merged into an open one. */
  readonly created: boolean
}

export class Review {
  private readonly ctx: ReviewContext
  private readonly store: ReviewStore
  /** Cases whose effects are running now (a resume skips them). */
  private readonly running = new Set<string>()

  constructor(ctx: ReviewContext, databasePath: string) {
    this.ctx = ctx
    this.store = new ReviewStore(databasePath)
  }

  private get plan() {
    return this.ctx.pack().review
  }

  /** The node's clock (a controlled clock in tests). */
  now(): number {
    return this.ctx.clock.now()
  }

  private mustGet(id: string): CaseRow {
    const c = this.store.get(id)
    if (!c) throw new BulwarkError('CASE_NOT_FOUND', { id })
    return c
  }

  /** A stored decision that touched the entity, or CASE_INVALID / APPEAL_INVALID. */
  private async decisionOf(
    decisionId: string,
    entity: EntityRef,
    code: 'CASE_INVALID' | 'APPEAL_INVALID',
  ): Promise<StoredDecision> {
    const d = await this.ctx.repository.decision(decisionId)
    if (!d) throw new BulwarkError(code, { detail: `no decision '${decisionId}' is stored` })
    const plan = this.ctx.pack().entities.get(entity.type)
    const value = plan?.get(d.event)
    if (value === undefined || value === null || String(value) !== entity.id)
      throw new BulwarkError(code, { detail: `decision '${decisionId}' did not touch that ${entity.type}` })
    return d
  }

  // ── opening ─────────────────────────────────────────────────────────

  /** Opens (or finds, or merges into) the case of a decision and entity; see the module comment. */
  async openCase(req: OpenCaseRequest): Promise<Opened> {
    if (req.decisionId !== undefined) {
      const existing = this.store.caseForDecision('review', req.decisionId, req.entity)
      if (existing) return { case: existing, created: false }
    }
    const d =
      req.decisionId !== undefined
        ? await this.decisionOf(req.decisionId, req.entity, 'CASE_INVALID')
        : undefined
    const pack = this.ctx.pack()
    const rules = req.rules ?? d?.decision.hits.filter((h) => h.mode === 'enforce').map((h) => h.rule) ?? []
    const areas = rules.flatMap((id) => {
      const area = pack.rules.find((r) => r.id === id)?.area
      return area ? [area] : []
    })
    const priority =
      req.priority !== undefined && req.priority > 0 ? req.priority : Math.round(d?.decision.score ?? 50)
    const queue =
      req.queue !== undefined && req.queue !== 'default' && this.plan.queues.has(req.queue)
        ? req.queue
        : routeCase(this.plan, { rules, areas, entityType: req.entity.type, priority })
    const now = this.now()
    return this.store.txGrouped(() => {
      if (req.decisionId !== undefined) {
        const raced = this.store.caseForDecision('review', req.decisionId, req.entity)
        if (raced) return { case: raced, created: false }
      }
      const open = this.store.openCaseOf('review', req.entity, queue)
      if (open) {
        if (req.decisionId !== undefined) this.store.link(open.id, req.decisionId, rules[0], now)
        if (priority > open.priority) this.store.update(open.id, { priority })
        this.store.log(open.id, {
          time: now,
          actor: req.actor,
          action: 'merged',
          detail: { ...(req.decisionId ? { decision_id: req.decisionId } : {}), priority },
        })
        return { case: this.store.get(open.id)!, created: false }
      }
      const row: CaseRow = {
        id: newId(now),
        kind: 'review',
        queue,
        status: 'open',
        priority,
        entity: req.entity,
        ...(rules[0] ? { rule: rules[0] } : {}),
        ...(areas[0] ? { area: areas[0] } : {}),
        openedAt: now,
        dueAt: now + this.plan.queues.get(queue)!.slaMs,
        effectsPending: false,
      }
      this.store.insert(row, {
        time: now,
        actor: req.actor,
        action: 'opened',
        detail: {
          queue,
          priority,
          ...(rules.length ? { rules } : {}),
          ...(req.note ? { note: req.note } : {}),
        },
      })
      if (req.decisionId !== undefined) this.store.link(row.id, req.decisionId, rules[0], now)
      return { case: this.store.get(row.id)!, created: true }
    })
  }

  /** A user's appeal of a decision: one case per (decision, entity) in the appeals queue. */
  async appeal(req: AppealInput): Promise<Opened> {
    const existing = this.store.caseForDecision('appeal', req.decisionId, req.entity)
    if (existing) return { case: existing, created: false }
    await this.decisionOf(req.decisionId, req.entity, 'APPEAL_INVALID')
    const queue = this.plan.appealsQueue
    const now = this.now()
    return this.store.tx(() => {
      const raced = this.store.caseForDecision('appeal', req.decisionId, req.entity)
      if (raced) return { case: raced, created: false }
      const row: CaseRow = {
        id: newId(now),
        kind: 'appeal',
        queue,
        status: 'open',
        priority: 50,
        entity: req.entity,
        openedAt: now,
        dueAt: now + this.plan.queues.get(queue)!.slaMs,
        effectsPending: false,
        appealedDecision: req.decisionId,
        statement: req.statement,
      }
      this.store.insert(row, {
        time: now,
        actor: 'user',
        action: 'appealed',
        detail: { decision_id: req.decisionId },
      })
      this.store.link(row.id, req.decisionId, undefined, now)
      return { case: this.store.get(row.id)!, created: true }
    })
  }

  // ── reading ─────────────────────────────────────────────────────────

  row(id: string): CaseRow | undefined {
    return this.store.get(id)
  }

  list(filter: CaseFilter): CaseRow[] {
    return this.store.list(filter)
  }

  /** One case with its evidence; a QA check hides the decision it checks until it is closed. */
  async get(id: string): Promise<CaseView> {
    const c = this.mustGet(id)
    return caseView(this.ctx, this.store, c, this.now())
  }

  async view(c: CaseRow): Promise<CaseView> {
    return caseView(this.ctx, this.store, c, this.now())
  }

  // ── claims ──────────────────────────────────────────────────────────

  /** Throws unless `reviewer` may act on the case now (open, not held by someone else). */
  private checkFree(c: CaseRow, reviewer: string, now: number): void {
    if (c.status === 'closed')
      throw new BulwarkError('CASE_CLOSED', { id: c.id, verdict: c.verdict ?? 'closed' })
    if (c.excludedReviewer === reviewer)
      throw new BulwarkError('CASE_REVIEWER_CONFLICT', { id: c.id, reviewer })
    if (c.claimedBy !== undefined && c.claimedBy !== reviewer && (c.claimExpiresAt ?? 0) > now)
      throw new BulwarkError('CASE_LOCKED', {
        id: c.id,
        holder: c.claimedBy,
        until: new Date(c.claimExpiresAt!).toISOString(),
      })
  }

  /** Locks the case for `reviewer` for the queue's claim timeout; a claim whose time ran out is free. */
  claim(id: string, reviewer: string): CaseRow {
    const now = this.now()
    return this.store.tx(() => {
      const c = this.mustGet(id)
      this.checkFree(c, reviewer, now)
      const until = now + this.plan.claimTimeoutMs
      this.store.update(id, { claimed_by: reviewer, claim_expires_at: until })
      const takeover = c.claimedBy !== undefined && c.claimedBy !== reviewer
      this.store.log(id, {
        time: now,
        actor: reviewer,
        action: 'claimed',
        detail: {
          until: new Date(until).toISOString(),
          ...(takeover ? { expired_claim_of: c.claimedBy } : {}),
        },
      })
      return this.store.get(id)!
    })
  }

  /**
   * Claims the next case of a queue for `reviewer` — the highest priority, then the oldest, among
   * open cases under no live claim that the reviewer may take — in one transaction, so two
   * reviewers asking at once get different cases. Undefined when the queue has none.
   */
  claimNext(queue: string, reviewer: string): CaseRow | undefined {
    if (!this.plan.queues.has(queue))
      throw new BulwarkError('CASE_INVALID', {
        detail: `unknown queue '${queue}' (declared: ${[...this.plan.queues.keys()].join(', ')})`,
      })
    const now = this.now()
    return this.store.tx(() => {
      const c = this.store.nextClaimable(queue, reviewer, now)
      return c ? this.claim(c.id, reviewer) : undefined
    })
  }

  /** Extends the reviewer's own claim (also one that ran out while no one else took the case). */
  renew(id: string, reviewer: string): CaseRow {
    const now = this.now()
    return this.store.tx(() => {
      const c = this.mustGet(id)
      this.checkFree(c, reviewer, now)
      if (c.claimedBy !== reviewer)
        throw new BulwarkError('CASE_NOT_CLAIMED', {
          id,
          detail: `${reviewer} does not hold it; claim it first`,
        })
      const until = now + this.plan.claimTimeoutMs
      this.store.update(id, { claim_expires_at: until })
      this.store.log(id, {
        time: now,
        actor: reviewer,
        action: 'renewed',
        detail: { until: new Date(until).toISOString() },
      })
      return this.store.get(id)!
    })
  }

  release(id: string, reviewer: string): CaseRow {
    const now = this.now()
    return this.store.tx(() => {
      const c = this.mustGet(id)
      this.checkFree(c, reviewer, now)
      if (c.claimedBy !== reviewer)
        throw new BulwarkError('CASE_NOT_CLAIMED', { id, detail: `${reviewer} does not hold it` })
      this.store.update(id, { claimed_by: null, claim_expires_at: null })
      this.store.log(id, { time: now, actor: reviewer, action: 'released' })
      return this.store.get(id)!
    })
  }

  // ── verdicts ────────────────────────────────────────────────────────

  /**
   * Records a verdict by the reviewer holding the case's claim: `escalate` moves the case to its
   * queue's higher-level queue (still open, unclaimed); `violation` / `no_violation` close it and
   * run its effects (labels, enforcement), and may re-queue it blind for QA.
   */
  async decide(
    id: string,
    reviewer: string,
    input: { verdict: unknown; reason: unknown; note?: string },
  ): Promise<CaseRow> {
    const verdict = verdictOf(input.verdict)
    const now = this.now()
    const closed = this.store.tx(() => {
      const c = this.mustGet(id)
      this.checkFree(c, reviewer, now)
      if (c.claimedBy !== reviewer)
        throw new BulwarkError('CASE_NOT_CLAIMED', {
          id,
          detail: `${reviewer} must claim it before deciding`,
        })
      if ((c.claimExpiresAt ?? 0) <= now)
        throw new BulwarkError('CASE_NOT_CLAIMED', {
          id,
          detail: `the claim of ${reviewer} expired at ${new Date(c.claimExpiresAt!).toISOString()}; claim it again`,
        })
      const queue = this.plan.queues.get(c.queue) ?? this.plan.queues.get(this.plan.defaultQueue)!
      if (typeof input.reason !== 'string' || !queue.reasons.includes(input.reason))
        throw new BulwarkError('REVIEW_REASON_INVALID', {
          reason: String(input.reason),
          queue: queue.name,
          allowed: queue.reasons.join(', '),
        })
      const reason = input.reason
      if (verdict === 'escalate') {
        if (c.kind === 'qa')
          throw new BulwarkError('CASE_INVALID', {
            detail: 'a QA check is decided violation or no_violation',
          })
        if (!queue.escalateTo) throw new BulwarkError('CASE_CANNOT_ESCALATE', { queue: queue.name, id })
        const to = this.plan.queues.get(queue.escalateTo)!
        this.store.update(id, {
          queue: to.name,
          due_at: now + to.slaMs,
          claimed_by: null,
          claim_expires_at: null,
        })
        this.store.log(id, {
          time: now,
          actor: reviewer,
          action: 'escalated',
          detail: { from: queue.name, to: to.name, reason, ...(input.note ? { note: input.note } : {}) },
        })
        return undefined
      }
      const origin = c.kind === 'qa' && c.originCase ? this.store.get(c.originCase) : undefined
      this.store.update(id, {
        status: 'closed',
        verdict,
        reason,
        note: input.note ?? null,
        decided_by: reviewer,
        decided_at: now,
        claimed_by: null,
        claim_expires_at: null,
        effects_pending: c.kind === 'qa' ? 0 : 1,
        ...(origin ? { qa_agrees: origin.verdict === verdict ? 1 : 0 } : {}),
      })
      this.store.log(id, {
        time: now,
        actor: reviewer,
        action: 'decided',
        detail: { verdict, reason, ...(input.note ? { note: input.note } : {}) },
      })
      if (c.kind !== 'qa' && sampledForQa(c.id, queue.qaShare))
        openQaCheck(this.store, this.plan, c, reviewer, now)
      return this.store.get(id)!
    })
    if (closed === undefined) return this.mustGet(id)
    if (closed.effectsPending) await this.runEffects(closed)
    return this.mustGet(id)
  }

  /** The verdict's effects (effects.ts), once at a time per case. */
  private async runEffects(c: CaseRow): Promise<void> {
    if (this.running.has(c.id)) return
    this.running.add(c.id)
    try {
      await runVerdictEffects(this.ctx, this.store, c, this.now())
    } finally {
      this.running.delete(c.id)
    }
  }

  /** Runs the effects a crash or a failure left pending (the node's maintenance timer, every minute). */
  async resumeEffects(): Promise<number> {
    const pending = this.store.pendingEffects()
    for (const c of pending) await this.runEffects(c)
    return pending.length
  }

  // ── metrics ─────────────────────────────────────────────────────────

  queues(): QueueMetrics[] {
    return queueMetrics(this.store, this.plan, this.now())
  }

  reviewers(): ReviewerMetrics[] {
    return reviewerMetrics(this.store, this.now())
  }

  close(): void {
    this.store.close()
  }
}
