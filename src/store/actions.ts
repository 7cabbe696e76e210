/**
 * Enforcement rows in storage: actions (the outbox), the enforcement audit trail and small
 * enforcement state (settings, demoted rules). Actions a decision emits travel inside the
 * decision's journal line (same durable write as the decision); every later change — a new
 * action outside a decision, a status transition, an audit entry — is one `enforcement` journal
 * line, applied in order with everything else — retention's deletes too (ActionPrune). Tables:
 * migration 4, retention indexes: migration 7 (migrations/sqlite.ts).
 */

import type Database from 'better-sqlite3'
import { BulwarkError } from '../core/errors.ts'
import type { EntityRef } from './repository.ts'

/** What caused an action. `decision`: a rule or outcome of that decision; others name their id. */
export interface ActionCause {
  readonly kind: 'decision' | 'review' | 'appeal' | 'api' | 'ladder'
  readonly id: string
  /** The decision (event id) the action belongs to, for reversals. */
  readonly decisionId?: string
}

/** One action as stored. `params` is the action's data (kind-specific). */
export interface ActionRow {
  readonly id: string
  readonly kind: string
  readonly status: string
  readonly entity: EntityRef
  /** Rule(s) that emitted it (empty for outcome-level, review and API actions). */
  readonly rules: readonly string[]
  readonly cause: ActionCause
  readonly params: Readonly<Record<string, unknown>>
  readonly attempts: number
  readonly nextAttemptAt: number
  readonly lastError?: string
  readonly createdAt: number
  readonly updatedAt: number
}

/** A status transition. */
export interface ActionUpdate {
  readonly id: string
  readonly status: string
  readonly attempts: number
  readonly nextAttemptAt: number
  readonly lastError?: string
  readonly updatedAt: number
}

export interface AuditRow {
  readonly time: number
  /** Who made the change: 'api', 'guard', 'config'. */
  readonly actor: string
  readonly change: string
  readonly detail: Readonly<Record<string, unknown>>
}

/**
 * Which finished actions retention deletes (at most `limit`). A row is never pending. Finished
 * rows whose last change is before `finishedBefore` go, except those a reversal or a ladder
 * still reads: a done strike stays until given before `strikesBefore` (the longest ladder
 * decay), a done list_add or label (set) until its TTL has run out at `now` — one without a TTL
 * stands until undone, so its row stays. Applied in journal order, so it never races a status
 * change; a repeat deletes nothing more than the first did.
 */
export interface ActionPrune {
  readonly finishedBefore: number
  readonly strikesBefore: number
  readonly now: number
  readonly limit: number
}

/** Refuses bounds that are not whole milliseconds or a limit that is not a positive count. */
export function checkActionPrune(p: ActionPrune): void {
  for (const key of ['finishedBefore', 'strikesBefore', 'now'] as const)
    if (!Number.isSafeInteger(p[key]))
      throw new BulwarkError('INVALID_ARGUMENT', { detail: `prune.${key} must be whole milliseconds` })
  if (!Number.isSafeInteger(p.limit) || p.limit < 1 || p.limit > MAX_PRUNE)
    throw new BulwarkError('INVALID_ARGUMENT', { detail: `prune.limit must be 1 to ${MAX_PRUNE}` })
}

/** The most actions one prune deletes (one journal line, one transaction of the ingest worker). */
export const MAX_PRUNE = 10_000

/** One `enforcement` journal line. */
export interface EnforcementWrite {
  readonly insert?: readonly ActionRow[]
  readonly update?: readonly ActionUpdate[]
  readonly audit?: readonly AuditRow[]
  readonly state?: readonly { readonly key: string; readonly value: unknown }[]
  /** Retention: deletes finished actions (after the other parts of the line). */
  readonly prune?: ActionPrune
}

/**
 * The retention queries, one per partial index of migration 7, named with INDEXED BY (each repeats its WHERE
 * terms verbatim, so SQLite uses it): rows that left nothing to undo, by finish time; done
 * strikes, by time given; done list entries and labels, by expiry (created_at + ttlMs).
 */
const PRUNE_QUERIES = [
  `SELECT rowid FROM actions INDEXED BY actions_finished_no_effect
    WHERE status <> 'pending'
      AND NOT (status = 'done' AND (kind IN ('strike', 'list_add')
               OR (kind = 'label' AND json_extract(params, '$.clear') IS NOT 1)))
      AND updated_at < @finishedBefore
    ORDER BY updated_at LIMIT @limit`,
  `SELECT rowid FROM actions INDEXED BY actions_done_strikes
    WHERE kind = 'strike' AND status = 'done'
      AND created_at < @strikesBefore AND updated_at < @finishedBefore
    ORDER BY created_at LIMIT @limit`,
  `SELECT rowid FROM actions INDEXED BY actions_done_effect_expiry
    WHERE status = 'done' AND kind IN ('list_add', 'label')
      AND created_at + json_extract(params, '$.ttlMs') <= @now AND updated_at < @finishedBefore
    LIMIT @limit`,
] as const

/** Prepared statements of the writes (one per connection; the caller owns the transaction). */
export class ActionWriter {
  private readonly insertAction: Database.Statement<unknown[]>
  private readonly updateAction: Database.Statement<unknown[]>
  private readonly insertAudit: Database.Statement<unknown[]>
  private readonly putState: Database.Statement<unknown[]>
  private readonly pruneStatements: Database.Statement<unknown[]>[]

  constructor(db: Database.Database) {
    this.pruneStatements = PRUNE_QUERIES.map((q) => db.prepare(`DELETE FROM actions WHERE rowid IN (${q})`))
    this.insertAction = db.prepare(
      `INSERT OR IGNORE INTO actions (id, kind, status, entity_type, entity_id, rules, cause_kind, cause_id,
         decision_id, params, attempts, next_attempt_at, last_error, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    this.updateAction = db.prepare(
      `UPDATE actions SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, updated_at = ?
       WHERE id = ?`,
    )
    this.insertAudit = db.prepare(
      'INSERT INTO enforcement_audit (time, actor, change, detail) VALUES (?, ?, ?, ?)',
    )
    this.putState = db.prepare(
      `INSERT INTO enforcement_state (key, value) VALUES (?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    )
  }

  insert(rows: readonly ActionRow[]): void {
    for (const a of rows)
      this.insertAction.run(
        a.id,
        a.kind,
        a.status,
        a.entity.type,
        a.entity.id,
        JSON.stringify(a.rules),
        a.cause.kind,
        a.cause.id,
        a.cause.decisionId ?? null,
        JSON.stringify(a.params),
        a.attempts,
        a.nextAttemptAt,
        a.lastError ?? null,
        a.createdAt,
        a.updatedAt,
      )
  }

  /** Applies the line; returns the number of actions its `prune` deleted (0 without one). */
  apply(w: EnforcementWrite): number {
    if (w.insert) this.insert(w.insert)
    for (const u of w.update ?? [])
      this.updateAction.run(u.status, u.attempts, u.nextAttemptAt, u.lastError ?? null, u.updatedAt, u.id)
    for (const a of w.audit ?? []) this.insertAudit.run(a.time, a.actor, a.change, JSON.stringify(a.detail))
    for (const s of w.state ?? []) this.putState.run(s.key, JSON.stringify(s.value))
    return w.prune ? this.prune(w.prune) : 0
  }

  /** Deletes up to `p.limit` finished actions retention allows (see ActionPrune). */
  prune(p: ActionPrune): number {
    const { finishedBefore, strikesBefore, now } = p
    let deleted = 0
    for (const statement of this.pruneStatements) {
      const limit = p.limit - deleted
      if (limit <= 0) break
      deleted += statement.run({ finishedBefore, strikesBefore, now, limit }).changes
    }
    return deleted
  }
}

interface ActionDbRow {
  id: string
  kind: string
  status: string
  entity_type: string
  entity_id: string
  rules: string
  cause_kind: ActionCause['kind']
  cause_id: string
  decision_id: string | null
  params: string
  attempts: number
  next_attempt_at: number
  last_error: string | null
  created_at: number
  updated_at: number
}

function actionOf(r: ActionDbRow): ActionRow {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    entity: { type: r.entity_type, id: r.entity_id },
    rules: JSON.parse(r.rules),
    cause: {
      kind: r.cause_kind,
      id: r.cause_id,
      ...(r.decision_id !== null ? { decisionId: r.decision_id } : {}),
    },
    params: JSON.parse(r.params),
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    ...(r.last_error !== null ? { lastError: r.last_error } : {}),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }
}

/** Read queries, on the reading connection (prepared once). */
export class ActionReader {
  private readonly due: Database.Statement<unknown[]>
  private readonly byId: Database.Statement<unknown[]>
  private readonly byStatus: Database.Statement<unknown[]>
  private readonly all: Database.Statement<unknown[]>
  private readonly byDecision: Database.Statement<unknown[]>
  private readonly strikes: Database.Statement<unknown[]>
  private readonly counts: Database.Statement<unknown[]>
  private readonly ruleDay: Database.Statement<unknown[]>
  private readonly auditRows: Database.Statement<unknown[]>
  private readonly stateRow: Database.Statement<unknown[]>

  constructor(db: Database.Database) {
    this.due = db.prepare(
      "SELECT * FROM actions WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?",
    )
    this.byId = db.prepare('SELECT * FROM actions WHERE id = ?')
    this.byStatus = db.prepare('SELECT * FROM actions WHERE status = ? ORDER BY created_at, id LIMIT ?')
    this.all = db.prepare('SELECT * FROM actions ORDER BY created_at DESC, id DESC LIMIT ?')
    this.byDecision = db.prepare('SELECT * FROM actions WHERE decision_id = ? ORDER BY created_at, id')
    this.strikes = db.prepare(
      `SELECT * FROM actions WHERE entity_type = ? AND entity_id = ? AND kind = 'strike' AND status = 'done'
       AND created_at > ? ORDER BY created_at`,
    )
    this.counts = db.prepare('SELECT kind, status, count(*) AS n FROM actions GROUP BY kind, status')
    this.ruleDay = db.prepare(
      `SELECT value AS rule, count(*) AS n FROM actions, json_each(actions.rules)
       WHERE created_at >= ? AND status NOT IN ('capped', 'skipped') GROUP BY value`,
    )
    this.auditRows = db.prepare('SELECT * FROM enforcement_audit ORDER BY id DESC LIMIT ?')
    this.stateRow = db.prepare('SELECT value FROM enforcement_state WHERE key = ?').pluck()
  }

  dueActions(now: number, limit: number): ActionRow[] {
    return (this.due.all(now, limit) as ActionDbRow[]).map(actionOf)
  }

  action(id: string): ActionRow | undefined {
    const r = this.byId.get(id) as ActionDbRow | undefined
    return r ? actionOf(r) : undefined
  }

  actions(status: string | undefined, limit: number): ActionRow[] {
    const rows = status === undefined ? this.all.all(limit) : this.byStatus.all(status, limit)
    return (rows as ActionDbRow[]).map(actionOf)
  }

  ofDecision(decisionId: string): ActionRow[] {
    return (this.byDecision.all(decisionId) as ActionDbRow[]).map(actionOf)
  }

  /** Strikes executed on an entity since `since` (any ladder). */
  strikesSince(entity: EntityRef, since: number): ActionRow[] {
    return (this.strikes.all(entity.type, entity.id, since) as ActionDbRow[]).map(actionOf)
  }

  countsByKindStatus(): { kind: string; status: string; n: number }[] {
    return this.counts.all() as { kind: string; status: string; n: number }[]
  }

  /** Actions counted against each rule's cap since `since`. */
  ruleCountsSince(since: number): Map<string, number> {
    return new Map((this.ruleDay.all(since) as { rule: string; n: number }[]).map((r) => [r.rule, r.n]))
  }

  audit(limit: number): (AuditRow & { id: number })[] {
    return (
      this.auditRows.all(limit) as {
        id: number
        time: number
        actor: string
        change: string
        detail: string
      }[]
    ).map((r) => ({ id: r.id, time: r.time, actor: r.actor, change: r.change, detail: JSON.parse(r.detail) }))
  }

  state<T>(key: string): T | undefined {
    const v = this.stateRow.get(key) as string | undefined
    return v === undefined ? undefined : (JSON.parse(v) as T)
  }
}
